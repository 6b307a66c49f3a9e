"""Base of the BitTorrent entities: one "BitTorrent" device per LCARS entry."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .data import LcarsConfigEntry
from .runtime.torrent import TorrentManager
from .torrent.options import BACKEND_NAMES


def torrent_device_info(entry: LcarsConfigEntry) -> DeviceInfo:
    """Describe the device that gathers the BitTorrent side of one LCARS entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_torrent")},
        name="BitTorrent",
        manufacturer="LCARS",
        # The device's model names the client that does the work.
        model=BACKEND_NAMES[entry.runtime_data.torrent.backend_kind],
        entry_type=DeviceEntryType.SERVICE,
    )


class TorrentDeviceEntity(Entity):
    """An entity on the BitTorrent device of one LCARS entry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: LcarsConfigEntry, key: str) -> None:
        """Attach the entity to the BitTorrent device; the key keeps ids stable."""
        self.manager: TorrentManager = entry.runtime_data.torrent
        self._attr_unique_id = f"{entry.entry_id}_torrent_{key}"
        self._attr_device_info = torrent_device_info(entry)

    @property
    def available(self) -> bool:
        """Available while the BitTorrent backend runs."""
        return self.manager.running


class TorrentEntity(TorrentDeviceEntity):
    """A BitTorrent entity written again after every status update."""

    async def async_added_to_hass(self) -> None:
        """Follow the manager until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.manager.async_add_listener(self._handle_update))

    @callback
    def _handle_update(self) -> None:
        """Show the new figures."""
        self.async_write_ha_state()
