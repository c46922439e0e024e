"""The admin pages of the events app: the log, endpoints (through the services, with a
warning on disabled ones) and the delivery log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from events.models import WebhookEndpoint
from events.services import events_position, webhook_endpoint_create, webhook_endpoint_update
from events.tests.helpers import paused, write

pytestmark = pytest.mark.django_db


def test_the_log_and_the_delivery_log_are_listed(admin_client: Client) -> None:
    write([paused(campaign_id=7)])
    events_position()

    events = admin_client.get(reverse("admin:events_event_changelist"))
    deliveries = admin_client.get(reverse("admin:events_webhookdelivery_changelist"))

    assert events.status_code == 200
    assert "campaign.paused" in events.content.decode()
    assert deliveries.status_code == 200


def test_an_endpoint_added_in_the_admin_goes_through_the_service(admin_client: Client) -> None:
    answer = admin_client.post(
        reverse("admin:events_webhookendpoint_add"),
        {
            "url": "https://hooks.example.com/budget",
            "description": "ad server",
            "event_types": '["*"]',
            "enabled": "on",
        },
        follow=True,
    )

    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in answer.content.decode()  # shown once, in a message
    refused = admin_client.post(
        reverse("admin:events_webhookendpoint_add"),
        {"url": "ftp://hooks.example.com/", "event_types": '["*"]'},
    )
    assert refused.status_code == 200
    assert "must start with" in refused.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_a_disabled_endpoint_shows_a_warning(admin_client: Client) -> None:
    endpoint = webhook_endpoint_create(url="https://hooks.example.com/budget")
    webhook_endpoint_update(endpoint_id=endpoint.pk, enabled=False)

    change = admin_client.get(reverse("admin:events_webhookendpoint_change", args=[endpoint.pk]))
    listing = admin_client.get(reverse("admin:events_webhookendpoint_changelist"))

    assert "This endpoint is disabled" in change.content.decode()
    assert "1 webhook endpoint(s) disabled" in listing.content.decode()
