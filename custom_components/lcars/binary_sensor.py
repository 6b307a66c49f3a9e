"""Binary sensors of LCARS: whether each service answers."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import AnyCoordinator, LcarsConfigEntry
from .entity import LcarsEntity

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
        """Whether the service answered the last poll."""
        return self.coordinator.last_update_success
