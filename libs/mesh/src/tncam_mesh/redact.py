"""Keep secrets out of logs: mask credentials in URLs (rtsp, nats, postgresql, http, …)."""

from __future__ import annotations

import re

MASK = "***"

_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# Userinfo runs to the *last* '@' of a whitespace-delimited URL (stopping where the next URL of a
# list starts): camera passwords are often written unescaped ("rtsp://admin:p@ss/1@10.0.0.7/"),
# and mistaking an '@' in a path for the end of userinfo only over-masks, which is safe.
_TEXT_USERINFO_RE = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)"
    r"(?P<userinfo>(?:(?![A-Za-z][A-Za-z0-9+.\-]*://)\S)+)@"
)
_SECRET_QUERY_RE = re.compile(
    r"(?P<key>[?&;](?:password|passwd|pwd|pass|token|secret|sslpassword|access_key|secret_key)=)"
    r"(?P<value>[^&;#\s]*)",
    re.IGNORECASE,
)


def _mask_userinfo(userinfo: str) -> str:
    # Keep a user name next to a password (it helps debugging "auth failed for recorder");
    # a lone user part may be a NATS token, so it is masked whole.
    user, sep, _ = userinfo.partition(":")
    return f"{user}:{MASK}" if sep and user else MASK


def mask_url(url: str) -> str:
    """``url`` with its userinfo and secret-looking query parameters replaced by ``***``."""
    m = _SCHEME_RE.match(url)
    if m is None:
        return _SECRET_QUERY_RE.sub(rf"\g<key>{MASK}", url)
    scheme, rest = m.group(0), url[m.end() :]
    last_at = rest.rfind("@")
    if last_at >= 0:
        rest = _mask_userinfo(rest[:last_at]) + rest[last_at:]
    return scheme + _SECRET_QUERY_RE.sub(rf"\g<key>{MASK}", rest)


def mask_urls_in(text: str) -> str:
    """``text`` (a log message, an exception string) with every URL's credentials masked."""
    text = _TEXT_USERINFO_RE.sub(
        lambda m: m.group("scheme") + _mask_userinfo(m.group("userinfo")) + "@", text
    )
    return _SECRET_QUERY_RE.sub(rf"\g<key>{MASK}", text)
