"""The admin site of the ops console (``admin.site`` is an ``OpsAdminSite``: see
``ops.apps.OpsAdminConfig``, which replaces ``django.contrib.admin`` in INSTALLED_APPS).

- Autocomplete widgets ask the target ModelAdmin how to label and load its objects
  (``autocomplete_label``, ``get_autocomplete_queryset``), so a campaign is offered as
  "Acme / Black Friday" and found by its brand's name or its own.
- No navigation sidebar: the lists need the width (a 1440 px screen shows every column);
  the index and the breadcrumbs lead everywhere.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    def get_queryset(self) -> QuerySet[Any]:
        own = getattr(self.model_admin, "get_autocomplete_queryset", None)
        if own is None:
            return super().get_queryset()
        queryset: QuerySet[Any] = own(self.request).complex_filter(self.source_field.get_limit_choices_to())
        queryset, use_distinct = self.model_admin.get_search_results(self.request, queryset, self.term)
        return queryset.distinct() if use_distinct else queryset

    def serialize_result(self, obj: Model, to_field_name: str) -> dict[str, Any]:
        result: dict[str, Any] = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class OpsAdminSite(admin.AdminSite):
    site_header = "Budget System"
    site_title = "Budget System"
    index_title = "Ops console"
    enable_nav_sidebar = False

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        return cast(HttpResponse, LabelledAutocompleteJsonView.as_view(admin_site=self)(request))
