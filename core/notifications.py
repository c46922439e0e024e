"""Where the domain announces what it changed, without knowing who listens.

A service hands its committed changes to ``publish(topic, items)`` (from
``transaction.on_commit``); every channel registered for the topic receives them, in
registration order. Channels register themselves when their app is ready (the structured log
of ``campaigns``), so the domain never imports the delivery layer (webhooks go out from the
event log, written in the change's transaction: ``events``).
A failing channel is logged and never stops the others: the change has committed already.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

logger = logging.getLogger("budget.notifications")

Channel = Callable[[Sequence[Any]], object]

SERVING_CHANGES = "serving_changes"

_channels: dict[str, dict[str, Channel]] = defaultdict(dict)


def register(topic: str, name: str, channel: Channel) -> None:
    """Add (or replace, by ``name``: registering twice is harmless) a channel of ``topic``."""
    _channels[topic][name] = channel


def unregister(topic: str, name: str) -> None:
    _channels[topic].pop(name, None)


def channels(topic: str) -> list[str]:
    return list(_channels[topic])


def publish(topic: str, items: Sequence[Any]) -> None:
    """Give ``items`` to every channel of ``topic``; call it after the change committed."""
    if not items:
        return
    for name, channel in list(_channels[topic].items()):
        try:
            channel(items)
        except Exception:  # a channel's failure must not undo or hide the others
            logger.exception("notification channel %s of %s failed", name, topic)
