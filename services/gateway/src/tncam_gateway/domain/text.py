"""The one rule for text a caller sends: no control characters in any string parameter."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from tncam_mesh.errors import InvalidInputError

INVALID_CHARACTERS = "gateway.request.invalid_characters"


def has_control(value: str) -> bool:
    """Whether ``value`` holds a control character (NUL, ESC, CR, LF, TAB, DEL, C1, ...)."""
    return not value.isprintable() and any(unicodedata.category(c) == "Cc" for c in value)


def strings_in(value: object) -> Iterator[str]:
    """Every string (keys included) inside a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings_in(k)
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def refuse_control(where: str, values: list[str]) -> None:
    """Raise a 422 naming ``where`` if any of ``values`` holds a control character."""
    if any(has_control(v) for v in values):
        raise InvalidInputError(
            INVALID_CHARACTERS,
            "Dữ liệu chứa ký tự điều khiển không hợp lệ (control characters are not accepted)",
            details={"in": where},
        )
