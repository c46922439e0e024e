"""``manage.py dispatch_alert_emails``: one alert e-mail run in this process (no broker needed)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from events.alert_emails import alert_emails_dispatch


class Command(BaseCommand):
    help = "Send the alert e-mails that are due (brands' alert_emails); prints a JSON summary."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = alert_emails_dispatch()
        self.stdout.write(json.dumps({"job": "dispatch_alert_emails", **summary.as_dict()}))
