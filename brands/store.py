"""Brand row locks: the first lock of every write that can change whether campaigns serve."""

from __future__ import annotations

from collections.abc import Iterable

from brands.models import Brand


def lock_brands(brand_ids: Iterable[int]) -> list[Brand]:
    """Lock brand rows in primary-key order and return them, read after the lock was granted.

    ``FOR NO KEY UPDATE``: writers of one brand queue behind each other, while inserts that
    merely reference the brand (its spends, new campaigns) are not blocked. Locking in one
    order means two writers of several brands cannot deadlock.
    """
    ids = sorted(set(brand_ids))
    if not ids:
        return []
    return list(Brand.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))
