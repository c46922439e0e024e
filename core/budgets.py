"""The two budget questions, in one place: what remains, and is any left."""

from __future__ import annotations

from decimal import Decimal


def is_available(budget: Decimal | None, spend: Decimal) -> bool:
    """A budget is available while spend is strictly below it; no budget means no cap."""
    return budget is None or spend < budget


def remaining(budget: Decimal | None, spend: Decimal) -> Decimal | None:
    """What is left of ``budget`` (never negative), or ``None`` when there is no cap."""
    if budget is None:
        return None
    return max(budget - spend, Decimal("0.00"))
