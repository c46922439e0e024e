"""The one counters type of every evaluation pass and every job run.

``Counts`` says how many campaigns a pass checked and what happened to them. The engine's
``ReconcileResult`` and the jobs' ``JobSummary`` both are ``Counts`` (they add, respectively,
the serving changes and the job's name and extras), so a chunk's result, a job's summary and
the JSON a command prints add up the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self


@dataclass(kw_only=True)
class Counts:
    """Campaigns checked, paused (by reason), resumed, with a changed reason, unchanged, failed."""

    checked: int = 0
    paused: Counter[str] = field(default_factory=Counter)
    resumed: int = 0
    reason_changed: int = 0
    unchanged: int = 0
    errors: int = 0

    def merge(self, other: Counts | Mapping[str, Any]) -> Self:
        """Add ``other`` (counts, or their dictionary as ``counts_dict`` writes it) to these."""
        data = other.counts_dict() if isinstance(other, Counts) else other
        self.checked += int(data.get("checked", 0))
        self.paused.update({str(k): int(v) for k, v in dict(data.get("paused", {})).items()})
        self.resumed += int(data.get("resumed", 0))
        self.reason_changed += int(data.get("reason_changed", 0))
        self.unchanged += int(data.get("unchanged", 0))
        self.errors += int(data.get("errors", 0))
        return self

    def counts_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "paused": dict(sorted(self.paused.items())),
            "resumed": self.resumed,
            "reason_changed": self.reason_changed,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }
