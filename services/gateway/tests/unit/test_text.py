"""The one rule for text parameters: control characters are refused, everything else kept."""

from __future__ import annotations

import pytest

from tncam_gateway.domain.text import INVALID_CHARACTERS, has_control, refuse_control, strings_in
from tncam_mesh.errors import InvalidInputError


@pytest.mark.parametrize(
    "value", ["a\x00b", "\x01", "\x1b[2J", "a\rb", "a\nb", "\t", "\x7f", "\x85"]
)
def test_control_characters_are_found(value: str) -> None:
    assert has_control(value)


@pytest.mark.parametrize("value", ["", "Cổng UBND xã Tân Thịnh", "a b", "05512", "🙂", "\u200b"])
def test_printable_text_and_other_invisible_characters_pass(value: str) -> None:
    assert not has_control(value)


def test_strings_in_a_json_value_include_keys_and_nested_items() -> None:
    body = {"a": ["x", {"k\x00": 1}], "b": None, "c": "y"}
    assert sorted(strings_in(body)) == sorted(["a", "x", "k\x00", "b", "c", "y"])


def test_refusal_names_where() -> None:
    refuse_control("query", ["fine", "also fine"])
    with pytest.raises(InvalidInputError) as e:
        refuse_control("body", ["fine", "bad\x1b"])
    assert e.value.code == INVALID_CHARACTERS
    assert e.value.details == {"in": "body"}
