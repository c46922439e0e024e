"""The site's URLs: ``/`` (the ops dashboard), ``/admin/`` (the ops console), ``/api/``."""

from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from ops.views import dashboard

urlpatterns = [
    # The admin's "View site" link and a bare host name land on the dashboard.
    path("", RedirectView.as_view(url=reverse_lazy("ops-dashboard")), name="home"),
    path("admin/dashboard/", admin.site.admin_view(dashboard), name="ops-dashboard"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
