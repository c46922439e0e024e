"""Money: ``Decimal`` with two places, never float.

Every amount the system stores fits ``MONEY_MAX_DIGITS`` digits with two decimals;
totals (rollups) get more room so that many spends can be summed without overflow.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
TOTAL_MAX_DIGITS = 16
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal(10 ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES)) - CENT


class MoneyError(ValueError):
    """The value is not a valid positive amount of money."""


def to_money(value: object) -> Decimal:
    """Quantize an already-validated value to cents (for sums and displays)."""
    return Decimal(str(value) if not isinstance(value, Decimal) else value).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def parse_amount(value: object, *, allow_zero: bool = False) -> Decimal:
    """Parse a client-supplied amount strictly.

    Accepts ``Decimal``, ``int`` and numeric strings; rejects floats (they cannot carry
    cents exactly), booleans, more than two decimal places, non-finite numbers,
    negative numbers, zero (unless ``allow_zero``) and numbers beyond the column size.
    """
    if isinstance(value, bool | float):
        raise MoneyError('Enter the amount as a string or an integer, for example "12.50".')
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError("A valid number is required.") from None
    else:
        raise MoneyError("A valid number is required.")
    if not number.is_finite():
        raise MoneyError("A valid number is required.")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_DECIMAL_PLACES and number != number.quantize(CENT):
        raise MoneyError("Ensure that there are no more than 2 decimal places.")
    if number < 0:
        raise MoneyError("The amount must not be negative.")
    if number == 0 and not allow_zero:
        raise MoneyError("The amount must be greater than zero.")
    if number > MAX_AMOUNT:
        raise MoneyError(f"Ensure the amount is at most {MAX_AMOUNT}.")
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
