"""Sensors of the Cleanup device: leaving soon, the next deletion, the last run.

Part of the sensor platform (`sensor.py` adds them); apart from the sensors of
the connected services and of BitTorrent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfInformation
from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import CLEANUP_RESULTS
from .data import LcarsConfigEntry
from .entity import CleanupEntity
from .runtime.cleanup import CleanupManager

# At most this many items leaving soon are listed in the attributes.
MAX_LEAVING_SOON_LISTED = 10


@dataclass(frozen=True, kw_only=True)
class CleanupSensorEntityDescription(SensorEntityDescription):
    """A sensor computed from the state of the cleanup."""

    value_fn: Callable[[CleanupManager], StateType | datetime]
    attributes_fn: Callable[[CleanupManager], dict[str, Any]] | None = None


CLEANUP_SENSORS: tuple[CleanupSensorEntityDescription, ...] = (
    CleanupSensorEntityDescription(
        key="leaving_soon",
        translation_key="leaving_soon",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda manager: len(manager.leaving_soon),
        attributes_fn=lambda manager: {
            "items": [
                item.listing()
                for item in manager.leaving_soon[:MAX_LEAVING_SOON_LISTED]
            ]
        },
    ),
    CleanupSensorEntityDescription(
        key="leaving_soon_size",
        translation_key="leaving_soon_size",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda manager: sum(item.size for item in manager.leaving_soon),
    ),
    CleanupSensorEntityDescription(
        key="next_deletion",
        translation_key="next_deletion",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda manager: min(
            (item.delete_on for item in manager.leaving_soon), default=None
        ),
    ),
    CleanupSensorEntityDescription(
        key="last_cleanup",
        translation_key="last_cleanup",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda manager: (
            manager.last_run.finished if manager.last_run else None
        ),
    ),
    CleanupSensorEntityDescription(
        key="last_cleanup_result",
        translation_key="last_cleanup_result",
        device_class=SensorDeviceClass.ENUM,
        options=list(CLEANUP_RESULTS),
        value_fn=lambda manager: manager.last_run.result if manager.last_run else None,
        attributes_fn=lambda manager: (
            manager.last_run.outcome() if manager.last_run else {}
        ),
    ),
    CleanupSensorEntityDescription(
        key="last_cleanup_freed",
        translation_key="last_cleanup_freed",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=1,
        value_fn=lambda manager: (
            manager.last_run.bytes_freed if manager.last_run else None
        ),
    ),
)


@callback
def async_setup_cleanup_sensors(
    entry: LcarsConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the sensors of the cleanup, which belong to the entry itself."""
    async_add_entities(
        CleanupSensor(entry, description) for description in CLEANUP_SENSORS
    )


class CleanupSensor(CleanupEntity, SensorEntity):
    """A figure of the cleanup: leaving soon and the last run."""

    entity_description: CleanupSensorEntityDescription
    # The list of items leaving soon changes often and says nothing new later.
    _unrecorded_attributes = frozenset({"items"})

    def __init__(
        self, entry: LcarsConfigEntry, description: CleanupSensorEntityDescription
    ) -> None:
        """Read one figure of the cleanup."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType | datetime:
        """The figure."""
        return self.entity_description.value_fn(self.manager)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details, for the sensors that have some."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.manager)
