"""``?page=`` and ``?page_size=``: whole numbers, or 400 naming the parameter.

``page`` starts at 1 (a page past the end answers 404); ``page_size`` is 1 to
``API_MAX_PAGE_SIZE`` (500). DRF's own pagination ignores a bad ``page_size`` and reads
``page=last``; here a value outside the schema is an error, as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework import exceptions, pagination
from rest_framework.request import Request
from rest_framework.views import APIView

_WHOLE = re.compile(r"[1-9][0-9]{0,8}")


def _whole_number(request: Request, name: str, maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _WHOLE.fullmatch(raw) or (maximum is not None and int(raw) > maximum):
        limit = f" to {maximum}" if maximum is not None else ""
        raise exceptions.ValidationError({name: [f"Enter a whole number from 1{limit}."]})
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    last_page_strings = ()

    def get_page_size(self, request: Request) -> int:
        size = _whole_number(request, self.page_size_query_param, self.max_page_size)
        return size if size is not None else int(self.page_size or 1)

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        _whole_number(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        limits = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], **limits.get(parameter["name"], {})}
        return parameters
