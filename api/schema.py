"""OpenAPI schema: the error responses every operation documents, and the examples.

``AutoSchema`` adds to each operation the error statuses it can answer (API.md's error
table), so the schema is the whole contract and schemathesis can hold the API to it:

* every operation: 401, 403, 429;
* a path with ``{id}``: 404;
* a list: 400 (a bad filter value) and 404 (a page past the end);
* a write (POST, PUT, PATCH): 400;
* a view's ``conflict_actions`` (deletes that would lose history, idempotent creates): 409;

and the headers: ``Idempotency-Key`` (its pattern) on idempotent creates, with
``Idempotent-Replayed`` on their replayed 200, and ``Retry-After`` on every 429. A request
body admits no property it does not list (``additionalProperties: false``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api.idempotency import HEADER, KEY_PATTERN, REPLAYED
from api.serializers.common import InputSerializer


class ErrorSerializer(serializers.Serializer[Any]):
    """Every error other than a validation error."""

    detail = serializers.CharField(read_only=True, help_text="What went wrong, for a person.")
    code = serializers.CharField(read_only=True, help_text="A stable machine code, e.g. `not_found`.")


class ConflictSerializer(ErrorSerializer):
    field = serializers.CharField(read_only=True, allow_null=True, help_text="The field in conflict, if one.")


VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Validation errors by field name: `{field: [message, ...]}`; errors of no single field "
        "under `non_field_errors`; a bulk of spend: `{spends: [{...errors of record 0...}, {}, ...]}`."
    ),
    "additionalProperties": {},
}


def _error(code: str, detail: str, name: str) -> OpenApiExample:
    return OpenApiExample(name, value={"detail": detail, "code": code}, response_only=True)


ERROR_RESPONSES: dict[str, OpenApiResponse] = {
    "400": OpenApiResponse(
        VALIDATION_ERROR_SCHEMA,
        description="Bad input: nothing was written.",
        examples=[
            OpenApiExample(
                "Invalid field",
                value={"amount": ["Ensure that there are no more than 2 decimal places."]},
                response_only=True,
            ),
            OpenApiExample(
                "Malformed JSON",
                value={"non_field_errors": ["JSON parse error - Expecting value: line 1 column 1 (char 0)"]},
                response_only=True,
            ),
        ],
    ),
    "401": OpenApiResponse(
        ErrorSerializer,
        description="No or bad credentials.",
        examples=[_error("not_authenticated", "Authentication credentials were not provided.", "Anonymous")],
    ),
    "403": OpenApiResponse(
        ErrorSerializer,
        description="Authenticated, but the user's permissions do not allow this.",
        examples=[
            _error("permission_denied", "You do not have permission to perform this action.", "Forbidden")
        ],
    ),
    "404": OpenApiResponse(
        ErrorSerializer,
        description="Unknown id in the path (or a page past the end of a list).",
        examples=[_error("not_found", "No Campaign matches the given query.", "Unknown id")],
    ),
    "409": OpenApiResponse(
        ConflictSerializer,
        description=(
            "Conflict: an `Idempotency-Key` or `external_id` reused with a different body, "
            "or a delete that would lose spend history."
        ),
        examples=[
            OpenApiExample(
                "Key reused",
                value={
                    "detail": "The Idempotency-Key was already used for a different request.",
                    "code": "idempotency_key_reused",
                    "field": "Idempotency-Key",
                },
                response_only=True,
            ),
            OpenApiExample(
                "Would lose history",
                value={
                    "detail": "This brand has recorded spend; deactivate it instead of deleting it.",
                    "code": "has_spend",
                    "field": None,
                },
                response_only=True,
            ),
        ],
    ),
    "429": OpenApiResponse(
        ErrorSerializer,
        description="Throttled: too many requests for this user; retry after `Retry-After` seconds.",
        examples=[
            _error("throttled", "Request was throttled. Expected available in 12 seconds.", "Throttled")
        ],
    ),
}

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    pattern=KEY_PATTERN,
    description=(
        "Up to 255 printable ASCII characters, unique per user. Repeating a request with the same "
        "key returns the first response with status 200 (header `Idempotent-Replayed: true`) and "
        "writes nothing; the same key with a different request answers 409."
    ),
)


REPLAYED_HEADER = OpenApiParameter(
    REPLAYED,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    enum=["true"],
    response=["200"],
    description=f"Present on a replay: the `{HEADER}` was seen before with this request.",
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=["429"],
    description="Seconds until the limit's window ends.",
)


DIGITS_PATH = {"type": "string", "pattern": "^[0-9]+$"}


class AutoSchema(openapi.AutoSchema):
    def _error_codes(self) -> list[str]:
        if not getattr(self.view, "documents_errors", True):
            return []
        codes = ["401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "GET" and self._is_list_view():
            codes += ["400", "404"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")
        action = getattr(self.view, "action", None)
        if action in getattr(self.view, "conflict_actions", ()) or self._idempotent():
            codes.append("409")
        return sorted(set(codes))

    def _idempotent(self) -> bool:
        return self.method == "POST" and getattr(self.view, "action", None) in getattr(
            self.view, "idempotent_actions", ()
        )

    def _resolve_path_parameters(self, variables: Any) -> Any:
        """Ids in paths are integers: the views match them with ``[0-9]+`` (ASCII digits only,
        ``api.base``), which the generator would describe as a string with that pattern; a
        client (and schemathesis) should see the integer they are."""
        parameters = super()._resolve_path_parameters(variables)  # type: ignore[no-untyped-call]
        for parameter in parameters:
            if parameter.get("schema") == DIGITS_PATH:
                parameter["schema"] = {"type": "integer", "minimum": 0}
        return parameters

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters += [IDEMPOTENCY_KEY_PARAMETER, REPLAYED_HEADER]
        if "429" in self._error_codes():
            parameters.append(RETRY_AFTER_HEADER)
        return parameters

    def _map_serializer(self, serializer: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        """A request body of an ``InputSerializer`` names every field it takes: any other is
        refused (``additionalProperties: false``)."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)  # type: ignore[no-untyped-call]
        if direction == "request" and isinstance(serializer, InputSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if self._idempotent() and "201" in responses and "200" not in responses:
            replay = dict(responses["201"])
            replay["description"] = f"Replay: the `{HEADER}` was seen before with this request."
            replay["headers"] = self._get_response_headers_for_code("200", direction)
            responses["200"] = replay
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ERROR_RESPONSES[code], code, direction=direction
                )
        return dict(sorted(responses.items()))
