"""Django model permissions for every API view, reads included.

A read needs ``view_<model>``; a write needs ``add``/``change``/``delete``. A view's
``@action`` may name its own permissions in ``action_permissions`` (activating a campaign
changes it; posting a bulk of spend adds spend).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import DjangoModelPermissions

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ModelPermissions(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if not user or not user.is_authenticated:
            return False
        action = getattr(view, "action", None)
        if getattr(view, "action_map", None) is not None and action is None:
            return True  # a method this route does not have: let the view answer 405
        explicit: dict[str, list[str]] = getattr(view, "action_permissions", {})
        if action in explicit:
            return bool(user.has_perms(explicit[action]))
        return super().has_permission(request, view)
