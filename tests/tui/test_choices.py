"""Choices as pickers hand them back: the id a picked one names, parsed like the services parse ids."""

from __future__ import annotations

import pytest

from domain.errors import ValidationError
from tui.controllers.choices import chosen_id


def test_a_picked_choice_names_its_id() -> None:
    assert chosen_id("42", "challenge_id", "Pick a challenge.") == 42


@pytest.mark.parametrize("value", ["", "  ", "abc", "4.2", "1e3", "0", "-3", "9" * 40])
def test_a_choice_that_names_no_id_says_what_to_pick(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        chosen_id(value, "challenge_id", "Pick a challenge.")
    assert (refused.value.message, refused.value.field) == ("Pick a challenge.", "challenge_id")
