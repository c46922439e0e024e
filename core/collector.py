"""``heap_frozen``: the garbage collector leaves what already exists alone while a mass
change runs.

A sweep or a reset builds hundreds of thousands of small objects (records, decisions,
changes, events), and CPython's collector then makes full passes over every tracked object
of the process: Django's, the app's and the job's own, a few hundred thousand, several
times per run (a tenth of a 27,600-campaign resume, measured). ``gc.freeze()`` moves what
exists into the permanent generation, which no pass visits, and ``gc.unfreeze()`` gives it
back at the end: both are constant-time list splices, nothing is leaked, and the cycles the
job itself makes are still collected (less often: the youngest generation's threshold is
raised for the block, then put back).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Young objects allocated between two passes of the youngest generation, during the block
# (CPython's default is 700: a batch of 2,000 campaigns would start a pass every few rows).
YOUNG_THRESHOLD = 10_000


_lock = threading.Lock()
_depth = 0  # blocks running now, in every thread (the collector is the process's)
_saved: tuple[int, ...] = ()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Run the block with the objects that exist now out of the collector's passes, and the
    youngest generation collected every ``YOUNG_THRESHOLD`` allocations (then as before).

    Blocks may nest or overlap in threads (a web process's requests): the first to enter
    freezes and saves the thresholds, the last to leave puts them back and unfreezes."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_saved[0], YOUNG_THRESHOLD), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()
