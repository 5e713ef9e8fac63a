"""Password rules (NIST SP 800-63B) and Argon2id hashing (OWASP parameters).

The rules are the ones 800-63B asks for and nothing more: a minimum length, a generous
maximum, every printable character allowed, and a refusal of values that are common,
expected or derived from the account's own context. No composition rules (they make
passwords harder to remember, not to guess).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tncam_mesh.errors import InvalidInputError

# Words any tncam password must not be built on: the system, the province, the operator.
CONTEXT_WORDS = ("tncam", "thainguyen", "thai nguyen", "camera", "skhcn", "dost", "giamsat")
_TRAILING = re.compile(r"[\d\W_]+$")
_LEADING = re.compile(r"^[\d\W_]+")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The blocklist of common and breached passwords (lower case) shipped with the gateway."""
    text = files("tncam_gateway.domain").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def _normalise(password: str) -> str:
    # NFKC as 800-63B recommends, so look-alike forms compare equal.
    return unicodedata.normalize("NFKC", password)


def _is_sequence(s: str) -> bool:
    if len(s) < 4:
        return False
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(s)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def _is_repetition(s: str) -> bool:
    # "abcabcabcabc", "aaaaaaaaaaaa": a short unit repeated.
    for size in range(1, len(s) // 2 + 1):
        if len(s) % size == 0 and s[:size] * (len(s) // size) == s:
            return True
    return False


@dataclass(frozen=True)
class PasswordPolicy:
    """Length bounds and the blocklist check."""

    min_length: int = 12
    max_length: int = 128

    def check(self, password: str, *, username: str = "", display_name: str = "") -> str:
        """Return the normalised password or raise ``InvalidInputError`` saying why not."""
        pw = _normalise(password)
        if len(pw) < self.min_length:
            raise InvalidInputError(
                "gateway.password.too_short",
                f"Mật khẩu phải có ít nhất {self.min_length} ký tự "
                f"(password must have at least {self.min_length} characters)",
            )
        if len(pw) > self.max_length:
            raise InvalidInputError(
                "gateway.password.too_long",
                f"Mật khẩu tối đa {self.max_length} ký tự (at most {self.max_length} characters)",
            )
        if not pw.isprintable():
            raise InvalidInputError(
                "gateway.password.unprintable",
                "Mật khẩu chứa ký tự điều khiển (password contains control characters)",
            )
        low = pw.lower()
        compact = re.sub(r"[\s_.\-]", "", low)
        stem = _LEADING.sub("", _TRAILING.sub("", low))
        blocked = common_passwords()
        if low in blocked or compact in blocked or (len(stem) >= 4 and stem in blocked):
            raise InvalidInputError(
                "gateway.password.common",
                "Mật khẩu quá phổ biến, dễ đoán (password is too common)",
            )
        if _is_sequence(compact) or _is_repetition(compact):
            raise InvalidInputError(
                "gateway.password.predictable",
                "Mật khẩu là chuỗi lặp hoặc liên tiếp (password is repetitive or sequential)",
            )
        context = [w for w in CONTEXT_WORDS]
        context += [p for p in re.split(r"[\s@._\-]+", f"{username} {display_name}".lower())]
        if any(len(w) >= 4 and w.replace(" ", "") in compact for w in context):
            raise InvalidInputError(
                "gateway.password.contextual",
                "Mật khẩu không được chứa tên tài khoản, họ tên hoặc tên hệ thống "
                "(password must not contain the account name or the system name)",
            )
        return pw


@dataclass(frozen=True)
class Argon2Parameters:
    """Argon2id cost; the defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane)."""

    time_cost: int = 2
    memory_cost_kib: int = 19 * 1024
    parallelism: int = 1


class PasswordHasher:
    """Argon2id hashing with verification, rehash detection and a dummy for unknown users."""

    def __init__(self, params: Argon2Parameters | None = None) -> None:
        self.params = params or Argon2Parameters()
        self._argon = _Argon2(
            time_cost=self.params.time_cost,
            memory_cost=self.params.memory_cost_kib,
            parallelism=self.params.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # Verified against when the account does not exist, so that an unknown name costs the
        # same time as a wrong password (no user enumeration by timing).
        self._dummy = self._argon.hash("tncam-dummy-password-for-timing")

    def hash(self, password: str) -> str:
        """The encoded Argon2id hash of ``password`` (CPU-heavy: call from a thread)."""
        return self._argon.hash(_normalise(password))

    def verify(self, encoded: str | None, password: str) -> bool:
        """Whether ``password`` matches ``encoded``; a None hash burns the same time, False."""
        target = encoded or self._dummy
        try:
            ok = self._argon.verify(target, _normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return bool(ok) and encoded is not None

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with other parameters than the current ones."""
        try:
            return bool(self._argon.check_needs_rehash(encoded))
        except InvalidHashError:
            return True
