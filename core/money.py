"""Money: ``Decimal`` with two places, never float.

Every amount the system stores fits ``MONEY_MAX_DIGITS`` digits with two decimals;
totals (rollups) get more room so that many spends can be summed without overflow.

``parse_amount`` is the one parser of an amount a client sends (API, admin, commands,
spend sources): ASCII digits, optionally a point and one or two decimals, nothing else
(``AMOUNT_PATTERN``). JSON numbers are refused: an amount is a string, as the API's schema
says, so ``12``, ``12.0`` and ``1.2e1`` cannot mean three things.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
TOTAL_MAX_DIGITS = 16
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal(10 ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES)) - CENT
_WHOLE_DIGITS = MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES

# The whole syntax of an amount; the API's schema publishes this same pattern. ``[0-9]``,
# not ``\d``: Python's ``\d`` also matches Arabic-Indic and full-width digits.
AMOUNT_PATTERN = rf"^[0-9]{{1,{_WHOLE_DIGITS}}}(\.[0-9]{{1,{MONEY_DECIMAL_PLACES}}})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
_SIGNED = re.compile(r"^[+-][0-9]+(\.[0-9]+)?$")
_MANY_DECIMALS = re.compile(r"^[0-9]+\.[0-9]{3,}$")
_LONG = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")

SYNTAX_MESSAGE = (
    'A valid number is required: ASCII digits with at most two decimals, for example "12.50" '
    "(no sign, exponent, spaces or separators)."
)


class MoneyError(ValueError):
    """The value is not a valid amount of money."""


def to_money(value: object) -> Decimal:
    """Quantize an already-validated value to cents (for sums and displays)."""
    return Decimal(str(value) if not isinstance(value, Decimal) else value).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _syntax_error(text: str) -> MoneyError:
    """The most helpful message for a string that is not an amount."""
    if _SIGNED.fullmatch(text):
        return MoneyError(
            "The amount must not be negative." if text.startswith("-") else "Send the amount without a sign."
        )
    if _MANY_DECIMALS.fullmatch(text):
        return MoneyError("Ensure that there are no more than 2 decimal places.")
    if _LONG.fullmatch(text):
        return MoneyError(f"Ensure the amount is at most {MAX_AMOUNT}.")
    return MoneyError(SYNTAX_MESSAGE)


def parse_amount(value: object, *, allow_zero: bool = False) -> Decimal:
    """Parse an amount strictly: a ``str`` matching ``AMOUNT_PATTERN``, or a ``Decimal``
    (from code: a form, a spend source) whose plain notation matches it.

    Zero is refused unless ``allow_zero`` (a budget may be 0, a spend may not). Everything
    else raises ``MoneyError``: floats, ints (JSON numbers), booleans, exponents, signs,
    spaces, ``_`` separators, non-ASCII digits, ``"5."``, ``".5"``, a third decimal, more
    than ``MAX_AMOUNT``, non-finite values.
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(SYNTAX_MESSAGE)
        text = format(value, "f")
    elif isinstance(value, str):
        text = value
    else:
        raise MoneyError(
            SYNTAX_MESSAGE
            if value is None
            else 'Send the amount as a string, for example "12.50" (not a JSON number).'
        )
    if not _AMOUNT.fullmatch(text):
        raise _syntax_error(text)
    number = Decimal(text)
    if number == 0 and not allow_zero:
        raise MoneyError("The amount must be greater than zero.")
    return number.quantize(CENT)


def clean_budget(value: object, field_name: str) -> Decimal | None:
    """A budget as a service receives it: empty (``None`` or ``""``) means no cap; otherwise a
    strictly parsed amount of zero or more. Raises ``ValidationError`` naming ``field_name``."""
    from django.core.exceptions import ValidationError

    if value is None or value == "":
        return None
    try:
        return parse_amount(value, allow_zero=True)
    except MoneyError as error:
        raise ValidationError({field_name: [str(error)]}) from None
