"""A ModelAdmin whose change form writes through a service, never through ``model.save()``.

Django's change view saves the form's object (``save_model``), then its inlines
(``save_related``). Here ``save_model`` writes nothing and ``save_related`` calls the
subclass's ``service_save`` with the cleaned form and formsets: one service call that
validates, writes, re-evaluates and audits. When the service rejects the input, the
whole request's transaction rolls back and the form is shown again with the service's
messages on the fields they name.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db.models import Model
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse

from core.exceptions import DomainError, NestedValidationError
from ops.generics import ModelAdmin, ModelForm

_M = TypeVar("_M", bound=Model)
_REJECTION = "_ops_service_rejection"


class ServiceRejectedError(Exception):
    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


def as_validation_error(error: ValidationError | DomainError) -> ValidationError:
    """The service's error as field -> messages, in words."""
    if isinstance(error, NestedValidationError):
        messages: dict[str, list[str]] = {}
        for field, items in error.detail.items():
            for index, item_errors in enumerate(items):
                for name, texts in item_errors.items():
                    for text in texts:
                        messages.setdefault(field, []).append(
                            f"{field.rstrip('s').capitalize()} {index + 1}, {name.replace('_', ' ')}: {text}"
                        )
        return ValidationError(messages)
    if isinstance(error, ValidationError):
        return error
    return ValidationError({error.field or NON_FIELD_ERRORS: [error.message]})


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put each message on the field it names, or above the form when there is no such field."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, texts in error.message_dict.items():
        for text in texts:
            if field in form.fields:
                form.add_error(field, text)
            elif field == NON_FIELD_ERRORS:
                form.add_error(None, text)
            else:
                form.add_error(None, f"{field.replace('_', ' ').capitalize()}: {text}")


BUDGET_FIELDS = ("daily_budget", "monthly_budget")


def budgets_not_negative(form: forms.BaseForm) -> None:
    """Say "negative" in words on the form, before the database constraint's name could."""
    for name in BUDGET_FIELDS:
        field = form.fields.get(name)
        if field is not None:
            field.validators.append(
                MinValueValidator(
                    Decimal(0), message="A budget cannot be negative (leave it empty for no cap)."
                )
            )
            field.widget.attrs.setdefault("min", "0")


def copy_saved(target: Model, saved: Model) -> None:
    """Make the admin's in-memory object the row the service wrote (for logging and redirects)."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


def live_forms(formsets: Iterable[BaseFormSet[Any]]) -> list[forms.BaseForm]:
    """The inline forms that hold a row to keep (filled in and not marked for deletion)."""
    kept = []
    for formset in formsets:
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE"):
                kept.append(form)
    return kept


class ServiceModelAdmin(ModelAdmin[_M]):
    """Subclasses implement ``service_save``; deleting is off (the services archive instead)."""

    def service_save(
        self, request: HttpRequest, form: ModelForm[_M], formsets: list[Any], change: bool
    ) -> _M:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: _M, form: Any, change: bool) -> None:
        """Nothing here: ``save_related`` makes the one service call, with the inlines' data."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        try:
            saved = self.service_save(request, form, list(formsets), change)
        except (ValidationError, DomainError) as error:
            raise ServiceRejectedError(as_validation_error(error)) from error
        copy_saved(form.instance, saved)
        for formset in formsets:
            # The service wrote the inlines' rows; the admin's change message reads these.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRejectedError as rejected:
            # The request's transaction has rolled back; show the form again with the
            # service's messages (the form class from ``get_form`` adds them in ``clean``).
            setattr(request, _REJECTION, rejected.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: _M | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[_M]]:
        form_class = super().get_form(request, obj, change, **kwargs)
        rejection: ValidationError | None = getattr(request, _REJECTION, None)
        if rejection is None:
            return form_class
        error: ValidationError = rejection

        class RejectedForm(form_class):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                data: dict[str, Any] = super().clean()
                add_errors(self, error)
                return data

        return RejectedForm

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False
