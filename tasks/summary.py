"""The one summary shape every job returns, logs and prints."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.counters import Counts

if TYPE_CHECKING:
    from campaigns.alerts import ServingChange

logger = logging.getLogger("budget.jobs")


@dataclass
class JobSummary(Counts):
    """``{"job": ..., "checked": n, "paused": {reason: n}, "resumed": n, "errors": n, ...}`` of
    one job run: the counts (``core.counters``) of every evaluation it made, added up
    (``merge`` takes a reconcile result, another summary, or a chunk's stored dictionary).

    ``extra`` carries what a job adds (brands reset, spends recorded, chunks dispatched).
    """

    job: str
    dry_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # The serving changes of the evaluations added (``ReconcileResult.changes``): what a
    # command's --dry-run lists. Not part of the summary's JSON.
    changes: list[ServingChange] = field(default_factory=list, repr=False)

    def add(self, result: Counts) -> JobSummary:
        self.changes.extend(getattr(result, "changes", ()))
        return self.merge(result)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"job": self.job, **self.counts_dict()}
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
