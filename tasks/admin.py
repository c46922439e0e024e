"""Read-only admin pages for what the jobs record (schedules are edited under Periodic tasks).

Reset markers are scoped by brand (``ops.scope``); the heartbeat and sweep runs are for ops
staff only (``ops.sites.OPS_ONLY``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from ops.scope import ScopedAdmin
from tasks.models import BrandResetMarker, Heartbeat, SweepRun

if TYPE_CHECKING:
    ModelAdmin = admin.ModelAdmin[Any]
else:
    ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BrandResetMarker)
class BrandResetMarkerAdmin(ScopedAdmin, ReadOnlyAdmin):
    list_display = ("brand", "daily_period", "daily_reset_at", "monthly_period", "monthly_reset_at")
    list_select_related = ("brand",)
    search_fields = ("brand__name",)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("name", "beat_at")


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "job", "chunks_total", "started_at", "finished_at", "summary")
    list_filter = ("job",)
    date_hierarchy = "started_at"
