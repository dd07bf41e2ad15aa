"""The heap settled between scheduled runs (heap.py): garbage cycles collected, the rest frozen."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from jump.data_platform import heap


class Node:
    """An object that can sit in a reference cycle and be watched by a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def garbage_cycle() -> weakref.ref[Node]:
    """A reference cycle nothing else refers to; the weak reference says when it is freed."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    """Only `settle` collects during the test: what it frees, it freed."""
    gc.disable()
    yield
    gc.enable()


@pytest.mark.usefixtures("no_automatic_collection")
def test_settle_collects_the_cycles_and_freezes_what_is_left() -> None:
    cycle = garbage_cycle()
    kept = Node()
    kept.other = kept

    seconds = heap.settle()

    assert cycle() is None
    assert seconds >= 0
    assert gc.get_freeze_count() > 0
    assert not any(obj is kept for obj in gc.get_objects())  # frozen: collections skip it


@pytest.mark.usefixtures("no_automatic_collection")
def test_a_frozen_cycle_is_freed_by_the_next_settle() -> None:
    first = Node()
    first.other = Node()
    first.other.other = first
    watched = weakref.ref(first)
    heap.settle()  # the cycle is alive: frozen
    del first
    gc.collect()
    assert watched() is not None  # a collection skips the frozen generation

    heap.settle()

    assert watched() is None
