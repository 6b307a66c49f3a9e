"""Callbacks kept in a list, each with the function that removes it."""

from __future__ import annotations

from homeassistant.core import CALLBACK_TYPE, callback


@callback
def async_subscribe[T](listeners: list[T], listener: T) -> CALLBACK_TYPE:
    """Add `listener` to `listeners`; return the function that removes it again."""
    listeners.append(listener)

    @callback
    def remove() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return remove
