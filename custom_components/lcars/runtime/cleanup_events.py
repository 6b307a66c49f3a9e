"""What the cleanup of one entry tells: its changes and its events.

Through Home Assistant's dispatcher, on signals of the entry: the entities
follow every change and are told of a finished run or a deletion directly.
The bus event (same name and data, plus the entry's id) is for automations
and the logbook; one that anyone else fires is not the cleanup's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from custom_components.lcars.const import ATTR_CONFIG_ENTRY_ID, DOMAIN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.util.signal_type import SignalType

# What an entity is told of an event: the bus event's data without the entry id.
type CleanupEventCallback = Callable[[dict[str, Any]], None]


class CleanupEvents:
    """The changes and events of the cleanup of one LCARS entry."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Use the signals of this entry."""
        self.hass = hass
        self.entry_id = entry_id
        self._changed: SignalType[()] = SignalType(f"{DOMAIN}_{entry_id}_cleanup")

    def _signal(self, event_type: str) -> SignalType[dict[str, Any]]:
        return SignalType(f"{DOMAIN}_{self.entry_id}_{event_type}")

    @callback
    def async_listen_changes(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update_callback` after every change; return the unsubscribe."""
        return async_dispatcher_connect(self.hass, self._changed, update_callback)

    @callback
    def async_listen(
        self, event_type: str, event_callback: CleanupEventCallback
    ) -> CALLBACK_TYPE:
        """Call `event_callback` with the data of each event of this type.

        It runs just before the bus event is fired. Returns the unsubscribe.
        """
        return async_dispatcher_connect(
            self.hass, self._signal(event_type), event_callback
        )

    @callback
    def changed(self) -> None:
        """Tell that the cleanup changed."""
        async_dispatcher_send(self.hass, self._changed)

    @callback
    def fire(self, event_type: str, data: dict[str, Any]) -> None:
        """Tell the entities of this entry, then everyone on the bus."""
        async_dispatcher_send(self.hass, self._signal(event_type), dict(data))
        self.hass.bus.async_fire(
            event_type, {ATTR_CONFIG_ENTRY_ID: self.entry_id, **data}
        )
