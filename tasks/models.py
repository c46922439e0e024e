"""State the periodic jobs keep: reset markers, Beat's heartbeat, and chunked sweep runs."""

from __future__ import annotations

from django.db import models

# The heartbeat Beat's periodic task records (the health check reads it).
BEAT_HEARTBEAT = "beat"


class BrandResetMarker(models.Model):
    """The last brand-local day and month whose reset ran for a brand.

    A reset claims its period with a conditional update (``... WHERE period IS NULL OR
    period < %s``) and goes on only when the row count is 1, so running twice, concurrently
    or late resets each brand-day and brand-month exactly once.
    """

    brand = models.OneToOneField(
        "brands.Brand", on_delete=models.CASCADE, primary_key=True, related_name="reset_marker"
    )
    daily_period = models.DateField(null=True, blank=True, help_text="Brand-local day last reset.")
    daily_reset_at = models.DateTimeField(null=True, blank=True)
    monthly_period = models.DateField(
        null=True, blank=True, help_text="First day of the brand-local month last reset."
    )
    monthly_reset_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"brand {self.brand_id}: day {self.daily_period}, month {self.monthly_period}"


class Heartbeat(models.Model):
    """When a periodic heartbeat task last ran (the health check reads ``name='beat'``)."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class SweepRun(models.Model):
    """One sweep split into chunks; the last chunk to finish writes the summary.

    ``ranges`` keeps each chunk's pk range as dispatched, so that the watchdog
    (``tasks.chunks``) can run the chunks a dead worker never stored; ``watchdog_at`` is when
    it last took the run over (a conditional update: one watchdog per run at a time).
    """

    job = models.CharField(max_length=64)
    moment = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The explicit moment every chunk evaluates at; empty: each chunk uses its own now.",
    )
    chunks_total = models.PositiveIntegerField()
    ranges = models.JSONField(
        default=list, blank=True, help_text="[min_pk, max_pk] of each chunk, in chunk order, as dispatched."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    watchdog_at = models.DateTimeField(
        null=True, blank=True, help_text="When the watchdog last took over the run's missing chunks."
    )
    summary = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["started_at"], name="sweep_run_started_idx"),
            models.Index(
                fields=["started_at"],
                condition=models.Q(finished_at__isnull=True),
                name="sweep_run_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} #{self.pk} ({self.chunks_total} chunks)"


class SweepChunk(models.Model):
    """A finished chunk of a sweep; unique per run, so a re-delivered chunk counts once."""

    run = models.ForeignKey(SweepRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    min_pk = models.BigIntegerField()
    max_pk = models.BigIntegerField()
    result = models.JSONField()
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="sweep_chunk_unique")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.index}"
