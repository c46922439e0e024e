"""Domain errors the service layer raises; the API maps them to HTTP statuses."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A request that is well formed but not allowed by the rules."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code


class ConflictError(DomainError):
    """The request conflicts with what is stored (idempotency key reuse, history loss)."""

    status_code = 409
    default_code = "conflict"


class NestedValidationError(ValidationError):
    """Validation errors of a list of records: ``{field: [{...errors of item 0...}, {}, ...]}``.

    Django's ``ValidationError`` flattens nested structures, so the per-item errors are
    kept whole in ``detail`` (the API returns it as the 400 body).
    """

    def __init__(self, field: str, items: list[dict[str, list[str]]]) -> None:
        bad = [str(index) for index, errors in enumerate(items) if errors]
        super().__init__({field: [f"Items {', '.join(bad)} are invalid."]})
        self.detail: dict[str, list[dict[str, list[str]]]] = {field: items}
