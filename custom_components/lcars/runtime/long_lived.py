"""Keep the garbage collections the cleanup's planning starts short.

A full collection walks every object the collector tracks and holds the
interpreter lock while it does: in a Home Assistant of a few hundred
thousand objects it stalls the event loop for 50-250 ms. Planning a large
library in the executor makes enough objects to start such collections, so
the loop would wait for them anyway.

While the planning runs, the objects that existed before it are set aside
(`gc.freeze`): the collections it starts walk only what it made. They are
handed back to the collector (`gc.unfreeze`) as soon as the last planning
ends, so nothing is kept out of collections for longer: Home Assistant's own
objects, and whatever becomes garbage meanwhile, are collected as before.
When something else has already set objects aside, they are left as they
are: handing them back is not LCARS's to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
import functools
import gc
import threading

_lock = threading.Lock()
# Plannings under way (several entries may plan at once): the objects stay
# set aside until the last of them ends.
_holders = [0]
# Whether the objects were set aside here (and so are handed back here).
_set_aside_here = [False]


@contextmanager
def objects_before_set_aside() -> Iterator[None]:
    """Leave the objects that exist now out of collections, until the end."""
    with _lock:
        if _holders[0] == 0 and gc.get_freeze_count() == 0:
            gc.freeze()
            _set_aside_here[0] = True
        _holders[0] += 1
    try:
        yield
    finally:
        with _lock:
            _holders[0] -= 1
            if _holders[0] == 0 and _set_aside_here[0]:
                _set_aside_here[0] = False
                gc.unfreeze()


def with_objects_set_aside[**P, T](work: Callable[P, T]) -> Callable[P, T]:
    """Return `work` run with the objects that exist when it starts set aside."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with objects_before_set_aside():
            return work(*args, **kwargs)

    return run


__all__ = ["objects_before_set_aside", "with_objects_set_aside"]
