"""Numbers are parsed, never filtered: what is not a whole number in range is refused with a
message, never read as another number; surrounding spaces are trimmed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.config import load_settings
from domain.errors import ConfigError, ValidationError
from domain.models.paging import PageRequest
from domain import validation
from domain.services.forms import decimal_amount

CAPACITY = validation.WholeNumber("capacity", "Capacity", 1, 500)
NOT_WHOLE = "Capacity must be a whole number"
OUT_OF_RANGE = "Capacity must be between 1 and 500"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param("15.5", NOT_WHOLE, id="decimal"),
        pytest.param("15,5", NOT_WHOLE, id="decimal-comma"),
        pytest.param("1e3", NOT_WHOLE, id="exponent"),
        pytest.param("12abc", NOT_WHOLE, id="trailing-letters"),
        pytest.param("1 2", NOT_WHOLE, id="inner-space"),
        pytest.param("1_000", NOT_WHOLE, id="underscore"),
        pytest.param("0x1f", NOT_WHOLE, id="hexadecimal"),
        pytest.param("١٢", NOT_WHOLE, id="arabic-indic-digits"),
        pytest.param("１２", NOT_WHOLE, id="full-width-digits"),
        pytest.param("", NOT_WHOLE, id="empty"),
        pytest.param("\x00", NOT_WHOLE, id="nul"),
        pytest.param("99999999999", OUT_OF_RANGE, id="ten-digits-and-more"),
        pytest.param("9" * 5000, OUT_OF_RANGE, id="five-thousand-digits"),
        pytest.param("-" + "9" * 5000, OUT_OF_RANGE, id="five-thousand-digits-negative"),
        pytest.param("0", OUT_OF_RANGE, id="below"),
        pytest.param("-3", OUT_OF_RANGE, id="negative"),
        pytest.param("501", OUT_OF_RANGE, id="above"),
    ],
)
def test_text_that_is_not_a_whole_number_in_range_is_refused_with_the_right_message(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CAPACITY.parse(typed)
    assert (refused.value.field, refused.value.message) == ("capacity", message)
    assert CAPACITY.problem(typed) == message


@pytest.mark.parametrize(("typed", "value"), [(" 12 ", 12), ("\t12\n", 12), ("+12", 12), ("012", 12), ("500", 500),
                                              ("1", 1), ("0" * 40 + "7", 7)])
def test_a_whole_number_is_read_as_itself_with_surrounding_spaces_trimmed(typed: str, value: int) -> None:
    assert CAPACITY.parse(typed) == value
    assert CAPACITY.problem(typed) is None


@pytest.mark.parametrize("value", [15.5, 15.0, True, None, [12], {"$gt": 0}])
def test_values_that_are_not_ints_are_refused_by_the_service_api(value: object) -> None:
    with pytest.raises(ValidationError, match=NOT_WHOLE):
        CAPACITY.parse(value)


def test_range_bounds_with_many_digits_still_get_the_range_message() -> None:
    ids = validation.WholeNumber("workshop_id", "Workshop id", 1, 2**63 - 1)
    assert ids.parse(str(2**63 - 1)) == 2**63 - 1
    assert ids.problem(str(2**63)) == "Workshop id must be between 1 and 9223372036854775807"
    assert ids.problem("1" * 20) == "Workshop id must be between 1 and 9223372036854775807"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        pytest.param("1e3", "CO2 must be a number such as 12.5 (two decimals at most)", id="exponent"),
        pytest.param("12abc", "CO2 must be a number such as 12.5 (two decimals at most)", id="letters"),
        pytest.param("nan", "CO2 must be a number such as 12.5 (two decimals at most)", id="nan"),
        pytest.param("1.234", "CO2 must be a number with two decimals at most", id="three-decimals"),
        pytest.param("99999999999", "CO2 must be at most 100000", id="ten-digits"),
        pytest.param("9" * 5000, "CO2 must be at most 100000", id="five-thousand-digits"),
        pytest.param("-5", "CO2 cannot be negative", id="negative"),
    ],
)
def test_decimal_amounts_are_parsed_the_same_way(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=rf"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        decimal_amount(typed, "co2_kg", "CO2", Decimal("100000"))


def test_decimal_amounts_accept_a_comma_trim_spaces_and_keep_no_negative_zero() -> None:
    assert decimal_amount(" 12,5 ", "co2_kg", "CO2", Decimal("100000")) == Decimal("12.50")
    assert str(decimal_amount("-0", "co2_kg", "CO2", Decimal("100000"))) == "0.00"


@pytest.mark.parametrize("value", [1.5, "2", True])
def test_a_page_number_that_is_not_an_int_is_refused_not_truncated(value: object) -> None:
    with pytest.raises(ValidationError, match="Page number must be a whole number"):
        PageRequest(value)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Page size must be a whole number"):
        PageRequest(1, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("1_0", "SKILLHUB_BACKUP_KEEP must be a whole number, got '1_0'", id="underscore"),
        pytest.param("١٢", "SKILLHUB_BACKUP_KEEP must be a whole number, got '١٢'", id="arabic-indic-digits"),
        pytest.param("7.0", "SKILLHUB_BACKUP_KEEP must be a whole number, got '7.0'", id="decimal"),
        pytest.param("9" * 5000, "SKILLHUB_BACKUP_KEEP must be between 1 and 1000, got '" + "9" * 40 + "'",
                     id="five-thousand-digits"),
    ],
)
def test_whole_number_settings_are_parsed_like_form_fields(tmp_path: Path, raw: str, message: str) -> None:
    environ = {"DATABASE_URL": "postgresql://u:p@127.0.0.1:5432/skillhub", "MONGO_URL": "mongodb://127.0.0.1:27017/",
               "SKILLHUB_SECRET_KEY": "k" * 32}
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    with pytest.raises(ConfigError) as refused:
        load_settings({**environ, "SKILLHUB_BACKUP_KEEP": raw}, env_file=env_file)
    assert refused.value.message == message
    assert load_settings({**environ, "SKILLHUB_BACKUP_KEEP": " 12 "}, env_file=env_file).backup_keep == 12
