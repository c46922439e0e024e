"""The periodic tasks of django-celery-beat show in the admin (its app registers its own
admin once the automation work adds it to INSTALLED_APPS)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    not apps.is_installed("django_celery_beat"), reason="django_celery_beat is not in INSTALLED_APPS yet"
)
def test_periodic_tasks_are_listed_in_the_admin(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert response.status_code == 200
    assert reverse("admin:django_celery_beat_periodictask_changelist") in (
        admin_client.get(reverse("admin:index")).content.decode()
    )
