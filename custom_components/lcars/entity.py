"""Base entities of LCARS: one device per connected service, one for the cleanup."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import AnyCoordinator, LcarsConfigEntry, LcarsCoordinator

if TYPE_CHECKING:
    from .cleanup_manager import CleanupManager


def service_device_info(coordinator: LcarsCoordinator[Any]) -> DeviceInfo:
    """Describe the device that stands for one connected service."""
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.subentry_id)},
        name=coordinator.subentry.title,
        manufacturer=coordinator.service_name,
        model=coordinator.service_name,
        sw_version=coordinator.version,
        configuration_url=coordinator.url,
        entry_type=DeviceEntryType.SERVICE,
    )


class LcarsEntity[CoordinatorT: AnyCoordinator](CoordinatorEntity[CoordinatorT]):
    """An entity of one connected service."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, key: str) -> None:
        """Attach the entity to the service's device; the key keeps ids stable."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.subentry_id}_{key}"
        self._attr_device_info = service_device_info(coordinator)

    @property
    def available(self) -> bool:
        """Available once the service answered, while its last read succeeded."""
        return super().available and self.coordinator.data is not None


def cleanup_device_info(entry: LcarsConfigEntry) -> DeviceInfo:
    """Describe the device that gathers the cleanup of one LCARS entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_cleanup")},
        name="Cleanup",
        manufacturer="LCARS",
        entry_type=DeviceEntryType.SERVICE,
    )


class CleanupDeviceEntity(Entity):
    """An entity on the cleanup device of one LCARS entry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: LcarsConfigEntry, key: str) -> None:
        """Attach the entity to the cleanup device; the key keeps ids stable."""
        self.manager: CleanupManager = entry.runtime_data.cleanup
        self._attr_unique_id = f"{entry.entry_id}_cleanup_{key}"
        self._attr_device_info = cleanup_device_info(entry)


class CleanupEntity(CleanupDeviceEntity):
    """An entity showing the cleanup, written again whenever the cleanup changes."""

    async def async_added_to_hass(self) -> None:
        """Follow the cleanup until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self._handle_cleanup_update)
        )

    @callback
    def _handle_cleanup_update(self) -> None:
        """Show the new state of the cleanup."""
        self.async_write_ha_state()
