"""The API's permission groups: who may read, who may push spend, who may change everything.

Permissions are Django model permissions (``api.permissions.ModelPermissions`` checks them
on every request). ``sync_groups`` is idempotent and additive: it creates the groups and
grants what is listed here, and never removes a permission an admin added by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

READ_ONLY = "read-only"
INTEGRATION = "integration"
OPS = "ops"

# (app_label, model) pairs the API exposes.
_MODELS = (
    ("brands", "brand"),
    ("campaigns", "campaign"),
    ("scheduling", "daypartingschedule"),
    ("scheduling", "schedulewindow"),
    ("spending", "spend"),
    ("events", "event"),
    ("events", "webhookendpoint"),
)
_VIEW = [f"{app}.view_{model}" for app, model in _MODELS]
_MANAGED = (
    ("brands", "brand"),
    ("campaigns", "campaign"),
    ("scheduling", "daypartingschedule"),
    ("scheduling", "schedulewindow"),
    ("events", "webhookendpoint"),
)

GROUP_PERMISSIONS: dict[str, list[str]] = {
    READ_ONLY: _VIEW,
    INTEGRATION: [*_VIEW, "spending.add_spend"],
    OPS: [
        *_VIEW,
        "spending.add_spend",
        *(f"{app}.{action}_{model}" for app, model in _MANAGED for action in ("add", "change", "delete")),
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        perm
        for perm in Permission.objects.select_related("content_type").filter(
            codename__in={codename for _, codename in wanted}
        )
        if (perm.content_type.app_label, perm.codename) in wanted
    ]
    missing = wanted - {(perm.content_type.app_label, perm.codename) for perm in found}
    if missing:
        raise LookupError(f"Permissions not found (run migrate first): {sorted(missing)}")
    return found


def sync_groups() -> dict[str, int]:
    """Create the groups and grant their permissions; returns permissions per group."""
    counts: dict[str, int] = {}
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(perms))
        counts[name] = len(perms)
    return counts


def sync_groups_after_migrate(sender: Any, **kwargs: Any) -> None:
    """``post_migrate`` receiver: runs once the api app is migrated (it is the last app)."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    try:
        sync_groups()
    except LookupError:
        # A partial migrate (some app not migrated yet): the next full migrate syncs.
        return
