from __future__ import annotations

from django.db import models

ID_MAX = 2**63 - 1  # the largest bigint primary key


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-change timestamps on every table."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
