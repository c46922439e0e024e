from __future__ import annotations

import pytest
from django.test import Client

from tasks.models import Heartbeat, SweepRun
from tasks.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_the_automation_admin_pages_render(admin_client: Client) -> None:
    heartbeat_record()
    SweepRun.objects.create(job="enforce_budgets", chunks_total=2)

    for page in ("brandresetmarker", "heartbeat", "sweeprun"):
        response = admin_client.get(f"/admin/tasks/{page}/")
        assert response.status_code == 200, page
    assert admin_client.get(f"/admin/tasks/heartbeat/{Heartbeat.objects.get().pk}/change/").status_code == 200
    assert admin_client.get("/admin/tasks/sweeprun/add/").status_code == 403
