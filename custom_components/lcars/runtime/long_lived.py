"""Keep the garbage collector's full collections off Home Assistant's own objects.

A full collection walks every object the collector tracks, and holds the
interpreter lock while it does: in a Home Assistant of a few hundred
thousand objects it stalls the event loop for 50-250 ms, wherever it starts
(the cleanup's planning in the executor starts most, by the objects it
makes). Nearly all of those objects live as long as the process: modules,
classes, registries, entities. Frozen once Home Assistant has started
(`gc.freeze`), they are left out of every later collection; objects made
after that are collected as before. Frozen objects are still freed when
nothing refers to them; only cycles that were garbage at that very moment
stay, once, which the young collection just before keeps small.
"""

from __future__ import annotations

import gc

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started

# Once per process, whatever the number of entries or reloads.
_frozen: list[bool] = [False]


@callback
def _freeze(hass: HomeAssistant) -> None:
    if _frozen[0]:
        return
    _frozen[0] = True
    # The young generations only: short, and clears what just became garbage.
    gc.collect(1)
    gc.freeze()


@callback
def async_freeze_when_started(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Freeze the process's objects once Home Assistant has started.

    Return the function that cancels it, if it has not happened yet.
    """
    if _frozen[0]:
        return lambda: None
    return async_at_started(hass, _freeze)


__all__ = ["async_freeze_when_started"]
