"""Form fields that parse what a person types with the same rules as the API (the admin
gets them through the model fields of ``core.fields``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core.alerts import AlertSettingError, as_text, emails_from_text, thresholds_from_text
from core.money import MoneyError, parse_amount
from core.timeutils import parse_hhmm


class AmountFormField(forms.DecimalField):
    """Money, parsed by ``core.money.parse_amount``: ``12.50`` yes; ``1e3``, ``+1``, `` 1``,
    ``1,000``, ``5.``, non-ASCII digits no."""

    def __init__(
        self, *, allow_zero: bool = True, negative_message: str | None = None, **kwargs: Any
    ) -> None:
        self.allow_zero = allow_zero
        self.negative_message = negative_message
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            return parse_amount(
                value if isinstance(value, Decimal) else str(value), allow_zero=self.allow_zero
            )
        except MoneyError as error:
            if self.negative_message and str(value).startswith("-"):
                raise ValidationError(self.negative_message, code="min_value") from None
            raise ValidationError(str(error), code="invalid") from None


class MinuteTimeFormField(forms.TimeField):
    """A wall-clock time typed as exactly ``HH:MM`` (``core.timeutils.parse_hhmm``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(self.widget, forms.TimeInput):
            self.widget.format = "%H:%M"

    def to_python(self, value: Any) -> dt.time | None:
        if value in self.empty_values:
            return None
        try:
            return parse_hhmm(value)
        except ValueError:
            raise ValidationError("Enter a valid time. Use HH:MM (hours 00-23).", code="invalid") from None


class _AlertListFormField(forms.CharField):
    """A list typed as text, one value per comma (or space, or line), parsed by
    ``core.alerts``; shown as ``"50, 80, 100"``."""

    def parse(self, text: str) -> list[Any]:
        raise NotImplementedError

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return as_text(value)
        return value

    def to_python(self, value: Any) -> list[Any] | None:  # type: ignore[override]
        if value is None:  # not in the submitted data at all: left as it is
            return None
        if isinstance(value, list | tuple):
            value = as_text(value)
        try:
            return self.parse(str(value or ""))
        except AlertSettingError as error:
            raise ValidationError(str(error), code="invalid") from None

    def validate(self, value: Any) -> None:  # an empty list is a valid value
        return None

    def has_changed(self, initial: Any, data: Any) -> bool:
        if data is None:
            return False
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class AlertThresholdsFormField(_AlertListFormField):
    def parse(self, text: str) -> list[Any]:
        return thresholds_from_text(text)


class AlertEmailsFormField(_AlertListFormField):
    def parse(self, text: str) -> list[Any]:
        return emails_from_text(text)
