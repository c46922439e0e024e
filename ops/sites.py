"""The admin site of the ops console (``admin.site`` is an ``OpsAdminSite``: see
``ops.apps.OpsAdminConfig``, which replaces ``django.contrib.admin`` in INSTALLED_APPS).

- Autocomplete widgets ask the target ModelAdmin how to label and load its objects
  (``autocomplete_label``, ``get_autocomplete_queryset``), so a campaign is offered as
  "Acme / Black Friday" and found by its brand's name or its own.
- No navigation sidebar: the lists need the width (a 1440 px screen shows every column);
  the index and the breadcrumbs lead everywhere.
- Scope (``ops.scope``): an autocomplete offers only the brands, campaigns and schedules the
  user may act on from the form asking (a spend's campaign: record spend there; a campaign's
  brand: change it). The pages of ``OPS_ONLY`` are for ops staff and superusers only,
  whoever registers them (Celery Beat, django-axes and Django's own apps included).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

from access.roles import Action
from ops.scope import OpsOnlyAdmin, picked_in_scope

# Models whose admin pages only ops staff and superusers see: by app, or "app.Model".
OPS_ONLY = {"auth", "authtoken", "axes", "django_celery_beat", "tasks.Heartbeat", "tasks.SweepRun"}


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    def get_queryset(self) -> QuerySet[Any]:
        own = getattr(self.model_admin, "get_autocomplete_queryset", None)
        queryset: QuerySet[Any] = (
            own(self.request) if own is not None else self.model_admin.get_queryset(self.request)
        )
        site = cast(admin.AdminSite, self.admin_site)
        asking = site._registry.get(self.source_field.model)
        queryset = picked_in_scope(self.request, queryset, getattr(asking, "pick_action", Action.CHANGE))
        queryset = queryset.complex_filter(self.source_field.get_limit_choices_to())
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

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        models = model_or_iterable if isinstance(model_or_iterable, list | tuple) else [model_or_iterable]
        for model in models:
            wrapped = admin_class or admin.ModelAdmin
            if {model._meta.app_label, model._meta.label} & OPS_ONLY and not issubclass(
                wrapped, OpsOnlyAdmin
            ):
                wrapped = type(f"OpsOnly{wrapped.__name__}", (OpsOnlyAdmin, wrapped), {})
            super().register(model, wrapped, **options)
