from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from core.exceptions import ConflictError, NestedValidationError
from ops.admin_base import add_errors, as_validation_error


class _Form(forms.Form):
    name = forms.CharField(required=False)


def _errors(error: ValidationError) -> dict[str, list[str]]:
    form = _Form(data={})
    assert form.is_valid()
    add_errors(form, error)
    return {key: [str(message) for message in value] for key, value in form.errors.items()}


def test_service_errors_land_on_named_fields_or_above_the_form() -> None:
    error = ValidationError({"name": ["Taken."], "brand": ["Brand 9 does not exist."], "__all__": ["No."]})
    assert _errors(error) == {"name": ["Taken."], "__all__": ["Brand: Brand 9 does not exist.", "No."]}
    assert _errors(ValidationError("Plain.")) == {"__all__": ["Plain."]}


def test_nested_window_errors_are_numbered_in_words() -> None:
    nested = NestedValidationError("windows", [{}, {"end_time": ["The end time must differ."]}])
    assert as_validation_error(nested).message_dict == {
        "windows": ["Window 2, end time: The end time must differ."]
    }


def test_domain_errors_name_their_field() -> None:
    conflict = ConflictError("external_id 'x' was already used.", field="external_id")
    assert as_validation_error(conflict).message_dict == {
        "external_id": ["external_id 'x' was already used."]
    }
    assert _errors(as_validation_error(ConflictError("Busy."))) == {"__all__": ["Busy."]}
