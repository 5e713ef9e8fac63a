"""The one pagination convention of the API: ``page_size`` and ``page_token`` in, ``items``
and ``next_page_token`` out (``""`` on the last page), ``total`` where it is known.

Lists the gateway reads from its own database page by offset; their ``page_token`` is that
offset, opaque to clients (``o<offset>`` in base64url), so that every list pages alike.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Query

from tncam_mesh.errors import InvalidInputError

MAX_OFFSET = 1_000_000
PageSize = Annotated[
    int, Query(ge=1, le=500, description="Số mục tối đa của trang (items per page)")
]
PageToken = Annotated[
    str,
    Query(
        max_length=256,
        description="Trống ở trang đầu, sau đó là next_page_token của trang trước "
        "(empty for the first page, then the previous page's next_page_token)",
    ),
]


def _invalid() -> InvalidInputError:
    return InvalidInputError(
        "gateway.request.invalid_page_token",
        "page_token không hợp lệ (invalid page token): dùng next_page_token của trang trước",
    )


def offset_of(page_token: str) -> int:
    """The offset a page token stands for (0 for the first page; 422 for a forged one)."""
    if not page_token:
        return 0
    try:
        text = base64.urlsafe_b64decode(page_token + "=" * (-len(page_token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _invalid() from None
    if not text.startswith("o") or not text[1:].isdigit() or len(text) > 12:
        raise _invalid()
    offset = int(text[1:])
    if offset > MAX_OFFSET:
        raise _invalid()
    return offset


def next_token(offset: int, returned: int, total: int) -> str:
    """The token of the page after one that started at ``offset`` and held ``returned``
    items of ``total`` (``""`` when it was the last)."""
    following = offset + returned
    if returned == 0 or following >= total:
        return ""
    return base64.urlsafe_b64encode(f"o{following}".encode()).decode().rstrip("=")
