"""What adding a title tells: the `lcars_media_added` event.

Through Home Assistant's dispatcher, on a signal of the entry, to the event
entity of the instance that added it; then on the bus, with the entry's id,
for automations and the logbook (as the cleanup tells its events).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from custom_components.lcars.const import (
    ATTR_CONFIG_ENTRY_ID,
    DOMAIN,
    EVENT_MEDIA_ADDED,
)
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.util.signal_type import SignalType

if TYPE_CHECKING:
    from custom_components.lcars.data import LcarsConfigEntry


def _signal(entry_id: str) -> SignalType[dict[str, Any]]:
    return SignalType(f"{DOMAIN}_{entry_id}_{EVENT_MEDIA_ADDED}")


@callback
def async_listen_media_added(
    hass: HomeAssistant, entry_id: str, listener: Callable[[dict[str, Any]], None]
) -> CALLBACK_TYPE:
    """Call `listener` with the data of each title the entry adds; return the unsubscribe."""
    return async_dispatcher_connect(hass, _signal(entry_id), listener)


@callback
def async_fire_media_added(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    data: dict[str, Any],
    *,
    context: Context | None = None,
) -> None:
    """Tell the event entities of the entry, then everyone on the bus.

    `context` is the call's, so the logbook tells who added the title.
    """
    async_dispatcher_send(hass, _signal(entry.entry_id), dict(data))
    hass.bus.async_fire(
        EVENT_MEDIA_ADDED,
        {ATTR_CONFIG_ENTRY_ID: entry.entry_id, **data},
        context=context,
    )
