"""``core.collector.heap_frozen``: what exists is out of the collector's passes during the
block and back after it, the thresholds are put back, and the block's own cycles are still
collected."""

from __future__ import annotations

import gc
import weakref

import pytest

from core.collector import YOUNG_THRESHOLD, heap_frozen


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_the_heap_is_frozen_during_the_block_and_given_back_after() -> None:
    before = gc.get_threshold()
    with heap_frozen():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_cycle_made_in_the_block_is_still_collected() -> None:
    with heap_frozen():
        node = _Node()
        ref = weakref.ref(node)
        del node
        gc.collect()
        assert ref() is None


def test_an_error_in_the_block_still_gives_the_heap_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), heap_frozen():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_nested_and_overlapping_blocks_give_the_heap_back_once_the_last_one_leaves() -> None:
    before = gc.get_threshold()
    outer = heap_frozen()
    outer.__enter__()
    with heap_frozen():
        assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    assert gc.get_freeze_count() > 0  # the outer block still runs
    assert gc.get_threshold()[0] == max(before[0], YOUNG_THRESHOLD)
    outer.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
