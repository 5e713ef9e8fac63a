"""Camera URLs: what a usable RTSP URL is, and credentials put into one (in memory only)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def with_credentials(url: str, user: str, password: str) -> str:
    """``url`` with user info (percent-encoded); the result is a secret, never logged."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{host}"))


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be an RTSP camera URL, or None."""
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError as e:
        return f"malformed URL: {e}"
    if parts.scheme not in ("rtsp", "rtsps"):
        return f"unsupported scheme {parts.scheme!r} (rtsp:// expected)"
    if not parts.hostname:
        return "URL without host"
    return None
