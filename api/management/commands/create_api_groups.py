"""``manage.py create_api_groups``: create the groups read-only, integration and ops.

``migrate`` already does it (``api.apps``); this is the same idempotent step by hand.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from api.groups import GROUP_PERMISSIONS, sync_groups


class Command(BaseCommand):
    help = "Create the API permission groups (read-only, integration, ops) and grant their permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        sync_groups()
        for name, perms in GROUP_PERMISSIONS.items():
            self.stdout.write(f"{name}: {', '.join(sorted(perms))}")
