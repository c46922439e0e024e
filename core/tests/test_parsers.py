"""Property tests of the strict parsers (hypothesis): arbitrary text in, and

* the only amounts accepted are plain ASCII decimals with at most two places, above zero
  (or zero where allowed), and their value is exactly the text's;
* text is accepted exactly when it has no control character (tab and newline allowed in
  multi-line text) and no lone surrogate;
* every entry point gives the same answer as the parser: the API's serializer fields, the
  admin's form fields and model validators, and the spend validator (single and bulk).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework import serializers

from api.fields import MoneyField, TextField
from brands.models import Brand
from campaigns.models import Campaign
from core.forms import AmountFormField, MinuteTimeFormField
from core.money import MoneyError, parse_amount
from core.text import TextError, check_text
from core.timeutils import parse_hhmm
from core.validators import validate_multiline_text, validate_single_line_text
from spending.validation import SpendInput, validate_spend

ASCII_DIGITS = "0123456789"
MOMENT = dt.datetime(2026, 11, 18, 12, tzinfo=dt.UTC)
CAMPAIGN = Campaign(pk=1, brand=Brand(pk=1, timezone="UTC"))

# Text near the valid form: digits (of several scripts), points, signs, exponents, spaces.
amount_like = st.text(
    alphabet=st.sampled_from(
        [*ASCII_DIGITS, ".", "-", "+", "e", "E", "_", ",", " ", "\n", "\u0663", "\uff11", "\u06f5"]
    ),
    max_size=16,
)
any_text = st.text(max_size=24)


def is_plain_decimal(text: str) -> bool:
    """The oracle, without a regular expression: 1-10 ASCII digits, then optionally a point
    and 1-2 ASCII digits."""
    whole, point, cents = text.partition(".")
    digits_only = all(char in ASCII_DIGITS for char in whole + cents)
    return digits_only and 1 <= len(whole) <= 10 and (not point or 1 <= len(cents) <= 2)


def outcome(parse: Any, value: Any) -> tuple[bool, Any]:
    try:
        return True, parse(value)
    except (MoneyError, TextError, ValueError, ValidationError, serializers.ValidationError):
        return False, None


@given(st.one_of(amount_like, any_text))
@example("1e3")
@example("1_000")
@example("\u0661\u0662")
@example("\uff11.00")
@example("+1.00")
@example(" 1.00")
@example("5.")
@example(".5")
@example("1.000")
@example("0.00")
@example("9999999999.99")
def test_only_plain_decimals_are_amounts(text: str) -> None:
    accepted, value = outcome(parse_amount, text)
    zero_allowed, _ = outcome(lambda t: parse_amount(t, allow_zero=True), text)

    assert zero_allowed == is_plain_decimal(text)
    assert accepted == (is_plain_decimal(text) and Decimal(text) > 0)
    if accepted:
        assert value == Decimal(text)
        assert value.as_tuple().exponent == -2


@given(st.one_of(amount_like, any_text))
def test_every_entry_point_parses_an_amount_alike(text: str) -> None:
    def spend(value: str) -> Decimal:
        return validate_spend(SpendInput(1, value), {1: CAMPAIGN}, MOMENT).amount

    expected = outcome(parse_amount, text)
    budget = outcome(lambda t: parse_amount(t, allow_zero=True), text)

    assert outcome(MoneyField().run_validation, text) == expected  # API: a spend
    assert outcome(spend, text) == expected  # the spend validator (API, admin, commands)
    assert outcome(MoneyField(allow_zero=True).run_validation, text) == budget  # API: a budget
    # the admin (an empty field is "no cap")
    assert outcome(AmountFormField(allow_zero=True, required=False).clean, text) == (
        budget if text else (True, None)
    )


def test_json_numbers_are_not_amounts() -> None:
    for value in (12, 12.5, True, None, [1], {"a": 1}):
        assert outcome(parse_amount, value) == (False, None)
        assert outcome(MoneyField().run_validation, value) == (False, None)


def acceptable_text(text: str, *, multiline: bool) -> bool:
    allowed = {"\t", "\n"} if multiline else set()
    return all(unicodedata.category(char) not in ("Cc", "Cs") or char in allowed for char in text)


@given(st.text(alphabet=st.characters(codec=None), max_size=24))
@example("a\x00b")
@example("\ud800")
@example("tab\there")
@example("line\nbreak")
@example("\x1b[2J")
@example("\x85")
def test_text_is_accepted_exactly_without_control_characters_or_surrogates(text: str) -> None:
    single, _ = outcome(check_text, text)
    multi, _ = outcome(lambda t: check_text(t, multiline=True), text)

    assert single == acceptable_text(text, multiline=False)
    assert multi == acceptable_text(text, multiline=True)


@given(st.text(alphabet=st.characters(codec=None), min_size=1, max_size=24))
def test_every_entry_point_checks_text_alike(text: str) -> None:
    def spend(description: str = "", source: str = "manual") -> Any:
        item = SpendInput(1, "1.00", description=description, source=source)
        return validate_spend(item, {1: CAMPAIGN}, MOMENT)

    single = acceptable_text(text, multiline=False)
    multi = acceptable_text(text, multiline=True)
    blank = not text.strip()

    assert outcome(validate_single_line_text, text)[0] == single  # model fields, the admin
    assert outcome(validate_multiline_text, text)[0] == multi
    assert outcome(TextField(max_length=200).run_validation, text)[0] == (single and not blank)  # API
    assert outcome(lambda t: spend(description=t), text)[0] == multi  # the spend validator
    assert outcome(lambda t: spend(source=t), text)[0] == (single and not blank and len(text) <= 64)


@given(st.text(alphabet=st.sampled_from([*ASCII_DIGITS, ":", " ", "\u0663"]), max_size=7))
@example("9:00")
@example("09:00")
@example("24:00")
@example("23:59")
def test_times_are_exactly_hh_mm(text: str) -> None:
    hours, colon, minutes = text.partition(":")
    plain = colon and len(hours) == 2 and len(minutes) == 2 and (hours + minutes).isascii()
    valid = bool(plain and (hours + minutes).isdigit() and int(hours) < 24 and int(minutes) < 60)

    assert outcome(parse_hhmm, text)[0] == valid
    assert outcome(MinuteTimeFormField(required=False).clean, text)[0] == (valid or not text)
