"""Base entity of LCARS: one device per connected service."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import AnyCoordinator, LcarsCoordinator


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
