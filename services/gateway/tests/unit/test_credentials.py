"""Password rules, Argon2id, TOTP, lockout, rate limits: pure logic, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tncam_gateway.domain import totp
from tncam_gateway.domain.lockout import LockoutPolicy, ThrottleState, after_failure
from tncam_gateway.domain.passwords import Argon2Parameters, PasswordHasher, PasswordPolicy
from tncam_gateway.domain.ratelimit import RateLimit
from tncam_mesh.errors import InvalidInputError

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
POLICY = PasswordPolicy(min_length=12)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "gateway.password.too_short"),
        ("x" * 129 + "Y", "gateway.password.too_long"),
        ("password123456", "gateway.password.common"),
        ("Password123456!", "gateway.password.common"),
        ("123456789012", "gateway.password.common"),
        ("matkhau123456", "gateway.password.common"),
        ("!!qwertyuiop!!", "gateway.password.common"),
        ("abcdefghijklmn", "gateway.password.predictable"),
        ("zzzzzzzzzzzzzz", "gateway.password.predictable"),
        ("abcabcabcabcabc", "gateway.password.predictable"),
        ("tncam-is-my-secret", "gateway.password.contextual"),
        ("nguyenvanan-2026!", "gateway.password.contextual"),
        ("pass\x00word-long-enough", "gateway.password.unprintable"),
    ],
)
def test_password_rules_refuse(password: str, code: str) -> None:
    with pytest.raises(InvalidInputError) as e:
        POLICY.check(password, username="nguyenvanan", display_name="Nguyễn Văn An")
    assert e.value.code == code


@pytest.mark.parametrize(
    "password",
    [
        "ngựa pin kẹp giấy đúng",
        "correct horse battery staple",
        "Tr4m-B4y-Cau-Giay-77",
        "🙂🚲📷🌧 kẹp giấy",
    ],
)
def test_password_rules_accept_long_unusual_passwords(password: str) -> None:
    assert POLICY.check(password, username="op1", display_name="Trần Thị B")


FAST = Argon2Parameters(time_cost=1, memory_cost_kib=8 * 1024, parallelism=1)


def test_argon2id_hash_verify_and_rehash_when_parameters_change() -> None:
    hasher = PasswordHasher(FAST)
    encoded = hasher.hash("ngựa pin kẹp giấy đúng")
    assert encoded.startswith("$argon2id$v=19$m=8192,t=1,p=1$")
    assert hasher.verify(encoded, "ngựa pin kẹp giấy đúng")
    assert not hasher.verify(encoded, "ngựa pin kẹp giấy sai")
    assert not hasher.verify(None, "anything")  # unknown account: dummy hash, always False
    assert not hasher.verify("not-a-hash", "x")
    assert not hasher.needs_rehash(encoded)
    stronger = PasswordHasher(Argon2Parameters())
    assert stronger.needs_rehash(encoded)
    assert stronger.verify(encoded, "ngựa pin kẹp giấy đúng")  # old hashes still verify


def test_owasp_defaults() -> None:
    p = Argon2Parameters()
    assert (p.memory_cost_kib, p.time_cost, p.parallelism) == (19 * 1024, 2, 1)


def test_totp_matches_rfc6238_vectors() -> None:
    # RFC 6238 appendix B, SHA1 secret "12345678901234567890", 8 digits -> last 6 digits here.
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.code_at(secret, 1111111109 // 30) == "081804"
    assert totp.code_at(secret, 1234567890 // 30) == "005924"


def test_totp_accepts_adjacent_steps_and_refuses_replay() -> None:
    secret = totp.new_secret()
    step = totp.step_of(NOW)
    code = totp.code_at(secret, step)
    assert totp.verify(secret, code, now=NOW, last_used_step=None) == step
    # The same code again, after it was used: refused.
    assert totp.verify(secret, code, now=NOW, last_used_step=step) is None
    # A code of the previous step after the current one was used: refused too.
    prev = totp.code_at(secret, step - 1)
    assert totp.verify(secret, prev, now=NOW, last_used_step=step) is None
    assert totp.verify(secret, totp.code_at(secret, step + 1), now=NOW, last_used_step=step) == (
        step + 1
    )
    assert totp.verify(secret, totp.code_at(secret, step + 3), now=NOW, last_used_step=None) is None
    assert totp.verify(secret, "12345", now=NOW, last_used_step=None) is None
    assert totp.verify(secret, "abcdef", now=NOW, last_used_step=None) is None


def test_provisioning_uri() -> None:
    uri = totp.provisioning_uri("ABC", account="admin", issuer="tncam Thái Nguyên")
    assert uri.startswith("otpauth://totp/tncam%20Th%C3%A1i%20Nguy%C3%AAn%3Aadmin?secret=ABC")


def test_progressive_lockout() -> None:
    policy = LockoutPolicy(threshold=3, base_s=30, max_s=300, forget_after_s=3600)
    s = ThrottleState()
    for _ in range(2):
        s = after_failure(s, NOW, policy)
        assert not s.locked(NOW)
    s = after_failure(s, NOW, policy)
    assert s.locked(NOW)
    assert s.retry_after_s(NOW) == 30
    assert not s.locked(NOW + timedelta(seconds=31))
    s = after_failure(s, NOW + timedelta(seconds=31), policy)
    assert s.retry_after_s(NOW + timedelta(seconds=31)) == 60  # doubled
    for _ in range(10):
        s = after_failure(s, NOW, policy)
    assert s.retry_after_s(NOW) == 300  # capped
    later = NOW + timedelta(hours=2)
    assert after_failure(s, later, policy).failures == 1  # forgotten after a quiet period


def test_rate_limit_policy() -> None:
    limit = RateLimit("user", 60, burst=2)
    assert (limit.rate, limit.capacity) == (1.0, 2.0)
    assert limit.key("acc-1") == "user:acc-1"
    assert limit.retry_after_s(0.25) == 0.75
    assert limit.retry_after_s(1.5) == 0.0
    assert RateLimit("address", 1200).capacity == 1200.0
    with pytest.raises(ValueError, match="per_minute"):
        RateLimit("user", 0)
