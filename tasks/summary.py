"""The one summary shape every job returns, logs and prints."""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from campaigns.services import ReconcileResult

logger = logging.getLogger("budget.jobs")


@dataclass
class JobSummary:
    """``{"checked": n, "paused": {reason: n}, "resumed": n, "errors": n, ...}`` of one job run.

    ``extra`` carries what a job adds (brands reset, spends recorded, chunks dispatched).
    """

    job: str
    checked: int = 0
    paused: Counter[str] = field(default_factory=Counter)
    resumed: int = 0
    reason_changed: int = 0
    unchanged: int = 0
    errors: int = 0
    dry_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, result: ReconcileResult) -> JobSummary:
        return self.merge(result.as_dict())

    def merge(self, data: dict[str, Any]) -> JobSummary:
        """Add a summary dictionary (a chunk's result) to this one."""
        self.checked += int(data.get("checked", 0))
        self.paused.update({str(k): int(v) for k, v in dict(data.get("paused", {})).items()})
        self.resumed += int(data.get("resumed", 0))
        self.reason_changed += int(data.get("reason_changed", 0))
        self.unchanged += int(data.get("unchanged", 0))
        self.errors += int(data.get("errors", 0))
        return self

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "job": self.job,
            "checked": self.checked,
            "paused": dict(sorted(self.paused.items())),
            "resumed": self.resumed,
            "reason_changed": self.reason_changed,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }
        if self.dry_run:
            data["dry_run"] = True
        data.update(self.extra)
        return data

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, default=str)

    def log(self, verb: str = "finished") -> dict[str, Any]:
        """Log the one line of this run (structured: ``extra`` carries the fields)."""
        data = self.as_dict()
        logger.info(
            "job %s %s: %s",
            self.job,
            verb,
            self.to_json(),
            extra={"event": f"job_{verb}", "summary": data},
        )
        return data
