"""Static files in the default configuration (DEBUG off, no collectstatic): WhiteNoise serves
the admin's styles and the API docs' scripts, as in production."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


def fetch(client: Client, path: str) -> tuple[int, str, bytes]:
    """Status, content type and body of a static file (read to the end, which closes the
    streamed response: Django's request_finished runs then)."""
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return response.status_code, response.get("Content-Type", ""), body


def test_the_admin_stylesheet_is_served_with_debug_off(client: Client) -> None:
    assert settings.DEBUG is False
    status, content_type, body = fetch(client, "/static/admin/css/base.css")
    assert status == 200
    assert content_type.startswith("text/css")
    assert b"--header-bg" in body


def test_the_admin_scripts_for_autocomplete_are_served(client: Client) -> None:
    for path in ("/static/admin/js/vendor/select2/select2.full.min.js", "/static/admin/js/autocomplete.js"):
        assert fetch(client, path)[0] == 200, path


@pytest.mark.django_db
def test_the_api_docs_load_their_scripts_from_this_site(admin_client: Client) -> None:
    html = admin_client.get(reverse("swagger-ui")).content.decode()
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts
    for src in scripts:
        assert src.startswith("/static/"), src
        assert fetch(admin_client, src)[0] == 200, src


@pytest.mark.django_db
def test_the_site_root_leads_to_the_dashboard(admin_client: Client) -> None:
    response = admin_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("ops-dashboard")
    assert admin_client.get("/", follow=True).status_code == 200
