"""Binary sensors of LCARS: whether each service answers."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AnyCoordinator
from .data import LcarsConfigEntry
from .entity import LcarsEntity, TorrentEntity

# Every coordinator polls on its own; entities only read its data.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a connectivity sensor for every service."""
    for subentry_id, coordinator in entry.runtime_data.coordinators.items():
        async_add_entities(
            [ConnectivityBinarySensor(coordinator)], config_subentry_id=subentry_id
        )
    torrent = entry.runtime_data.torrent
    if torrent.enabled and torrent.bind_interface is not None:
        async_add_entities([BindInterfaceBinarySensor(entry)])


class ConnectivityBinarySensor(LcarsEntity[AnyCoordinator], BinarySensorEntity):
    """On while the last poll of the service succeeded."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_translation_key = "connectivity"

    def __init__(self, coordinator: AnyCoordinator) -> None:
        """Follow the polls of one service."""
        super().__init__(coordinator, "connectivity")

    @property
    def available(self) -> bool:
        """Always available: being off is what this sensor is for."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the service answered the last poll.

        Off while the first read of a server that hangs is still going on.
        """
        coordinator = self.coordinator
        return coordinator.last_update_success and coordinator.data is not None


# BitTorrent: the network interface all torrent traffic must use.


@dataclass(frozen=True, kw_only=True)
class BindInterfaceEntityDescription(BinarySensorEntityDescription):
    """Whether the bind interface of the BitTorrent engine is up."""


TORRENT_BIND_INTERFACE = BindInterfaceEntityDescription(
    key="bind_interface",
    translation_key="torrent_bind_interface",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class BindInterfaceBinarySensor(TorrentEntity, BinarySensorEntity):
    """On while the bind interface is up; torrents are paused while it is down."""

    entity_description = TORRENT_BIND_INTERFACE

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Follow the bind interface of one LCARS entry's engine."""
        super().__init__(entry, TORRENT_BIND_INTERFACE.key)
        self._attr_translation_placeholders = {
            "interface": self.manager.bind_interface or ""
        }

    @property
    def is_on(self) -> bool | None:
        """Whether the interface is up."""
        return self.manager.interface_up
