"""Objects set aside from garbage collections while the cleanup plans."""

from __future__ import annotations

from collections.abc import Generator
import gc
import threading

import pytest

from custom_components.lcars.runtime.long_lived import (
    objects_before_set_aside,
    with_objects_set_aside,
)


@pytest.fixture(autouse=True)
def nothing_set_aside() -> Generator[None]:
    """Start with no object set aside; put back what the test process had."""
    had = gc.get_freeze_count()
    gc.unfreeze()
    yield
    if had:
        gc.freeze()


def test_objects_set_aside_by_others_stay_so() -> None:
    gc.freeze()
    before = gc.get_freeze_count()
    with objects_before_set_aside():
        assert gc.get_freeze_count() == before
    # Not handed back: LCARS did not set them aside.
    assert gc.get_freeze_count() == before
    gc.unfreeze()


def test_objects_are_handed_back_when_the_work_ends() -> None:
    assert gc.get_freeze_count() == 0
    with objects_before_set_aside():
        assert gc.get_freeze_count() > 0
        # Made now: still collected as usual.
        made = [[]]
        assert gc.is_tracked(made)
    assert gc.get_freeze_count() == 0


def test_objects_are_handed_back_when_the_work_fails() -> None:
    def plan() -> None:
        assert gc.get_freeze_count() > 0
        raise ValueError("no plan")

    with pytest.raises(ValueError, match="no plan"):
        with_objects_set_aside(plan)()
    assert gc.get_freeze_count() == 0


def test_set_aside_until_the_last_of_two_plannings_ends() -> None:
    first_in = threading.Event()
    second_in = threading.Event()
    first_may_end = threading.Event()
    during_second: list[int] = []

    def first() -> None:
        with objects_before_set_aside():
            first_in.set()
            first_may_end.wait(10)

    def second() -> None:
        first_in.wait(10)
        with objects_before_set_aside():
            second_in.set()
        # The first still plans: nothing handed back yet.
        during_second.append(gc.get_freeze_count())
        first_may_end.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert second_in.is_set()
    assert during_second[0] > 0
    assert gc.get_freeze_count() == 0


def test_the_result_and_arguments_pass_through() -> None:
    def add(a: int, *, b: int) -> int:
        return a + b

    assert with_objects_set_aside(add)(1, b=2) == 3
