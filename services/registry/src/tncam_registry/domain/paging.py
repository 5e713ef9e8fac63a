"""Offset page tokens of the registry's newer lists (opaque to callers)."""

from __future__ import annotations

import base64
import binascii

from tncam_mesh.errors import InvalidInputError

MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_OFFSET = 10_000_000


def page_size(op: str, size: int) -> int:
    """The page size asked for: 1-500, 0 = 50."""
    if size > MAX_PAGE:
        raise InvalidInputError(f"registry.{op}.page_size", "page_size must be at most 500")
    return size or DEFAULT_PAGE


def offset_of(op: str, token: str) -> int:
    """The offset a page token stands for (0 for the first page)."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("o") or not text[1:].isdigit() or int(text[1:]) > MAX_OFFSET:
        raise InvalidInputError(f"registry.{op}.page_token", "invalid page_token")
    return int(text[1:])


def next_token(offset: int, returned: int, total: int) -> str:
    """The token of the following page, "" after the last."""
    following = offset + returned
    if returned == 0 or following >= total:
        return ""
    return base64.urlsafe_b64encode(f"o{following}".encode()).decode().rstrip("=")
