"""Model fields whose forms (the admin's included) parse with the API's rules."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models.expressions import Combinable

from core.forms import AmountFormField, MinuteTimeFormField
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# The field's set and get types, filled in by the django-stubs plugin (nullability included).
_ST = TypeVar("_ST", contravariant=True)
_GT = TypeVar("_GT", covariant=True)

if TYPE_CHECKING:  # django-stubs' generic fields; Django's own cannot be subscripted at runtime
    from django.db.models import DecimalField as _DecimalField
    from django.db.models import TimeField as _TimeField
else:

    class _DecimalField(models.DecimalField, Generic[_ST, _GT]):
        pass

    class _TimeField(models.TimeField, Generic[_ST, _GT]):
        pass


class MoneyField(_DecimalField[_ST, _GT]):
    """An amount of money (``MONEY_MAX_DIGITS`` digits, two decimals); its form field is
    ``AmountFormField``. ``allow_zero=False`` for spend (a budget may be 0);
    ``negative_message`` is what a form says to a negative amount (forms only: not part of
    the column, so not in migrations)."""

    def __init__(
        self, *args: Any, allow_zero: bool = True, negative_message: str | None = None, **kwargs: Any
    ) -> None:
        self.allow_zero = allow_zero
        self.negative_message = negative_message
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if not self.allow_zero:
            kwargs["allow_zero"] = False
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(
            **{
                "form_class": AmountFormField,
                "allow_zero": self.allow_zero,
                "negative_message": self.negative_message,
                **kwargs,
            }
        )


class MinuteTimeField(_TimeField[_ST, _GT]):
    """A wall-clock time at minute resolution; its form field takes exactly ``HH:MM``."""

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": MinuteTimeFormField, **kwargs})


BUDGET_NEGATIVE = "A budget cannot be negative (leave it empty for no cap)."


def budget_field(help_text: str) -> MoneyField[Decimal | str | Combinable | None, Decimal | None]:
    """An optional cap: empty means none; zero is a valid cap."""
    return MoneyField(null=True, blank=True, negative_message=BUDGET_NEGATIVE, help_text=help_text)
