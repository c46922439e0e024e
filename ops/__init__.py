"""The ops console: shared pieces of the Django admin (usage bars, service-backed forms,
spend annotations for lists) and the dashboard page. Not an app: it has no models."""
