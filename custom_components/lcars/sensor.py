"""Sensors of LCARS: library figures, queues, disk space, playback, requests.

The platform adds as well the sensors of the Cleanup device
(`cleanup_sensors.py`) and of the BitTorrent device (`bittorrent_sensors.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    Platform,
    UnitOfInformation,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .bittorrent_sensors import async_setup_torrent_sensors
from .cleanup.reasons import shown_percent, shown_percent_or_unknown
from .cleanup_sensors import async_setup_cleanup_sensors
from .clients.models import (
    JellyfinSnapshot,
    JellyseerrSnapshot,
    LidarrSnapshot,
    QueueItem,
    RadarrSnapshot,
    RootFolder,
    SonarrSnapshot,
    queue_eta,
    queue_progress,
    queue_size_left,
)
from .coordinator import (
    AnyCoordinator,
    ArrCoordinator,
    ArrSnapshot,
    JellyfinCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from .data import LcarsConfigEntry
from .entity import (
    LcarsEntity,
    QueueItemEntity,
    RootFolderEntity,
    async_follow_keyed_entities,
)
from .runtime.cleanup import CleanupManager

# Every coordinator polls on its own; entities only read its data.
PARALLEL_UPDATES = 0

# At most this many playing sessions are listed in the attributes.
MAX_SESSIONS_LISTED = 10


@dataclass(frozen=True, kw_only=True)
class LcarsSensorEntityDescription[SnapshotT](SensorEntityDescription):
    """A sensor computed from the snapshot of one service."""

    value_fn: Callable[[SnapshotT], StateType | datetime]
    attributes_fn: Callable[[SnapshotT], dict[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class RootFolderSensorEntityDescription(SensorEntityDescription):
    """A sensor of one root folder."""

    value_fn: Callable[[RootFolder], StateType]


QUEUE_SENSORS: tuple[LcarsSensorEntityDescription[ArrSnapshot], ...] = (
    LcarsSensorEntityDescription[ArrSnapshot](
        key="queue",
        translation_key="queue",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.queue),
    ),
    LcarsSensorEntityDescription[ArrSnapshot](
        key="queue_progress",
        translation_key="queue_progress",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data: shown_percent_or_unknown(queue_progress(data.queue)),
    ),
    LcarsSensorEntityDescription[ArrSnapshot](
        key="queue_size_left",
        translation_key="queue_size_left",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data: queue_size_left(data.queue),
    ),
    LcarsSensorEntityDescription[ArrSnapshot](
        key="queue_eta",
        translation_key="queue_eta",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: queue_eta(data.queue),
    ),
)


def _size_on_disk[SnapshotT](
    value_fn: Callable[[SnapshotT], int],
) -> LcarsSensorEntityDescription[SnapshotT]:
    """Total size of a library on disk."""
    return LcarsSensorEntityDescription[SnapshotT](
        key="size_on_disk",
        translation_key="size_on_disk",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=value_fn,
    )


RADARR_SENSORS: tuple[LcarsSensorEntityDescription[RadarrSnapshot], ...] = (
    LcarsSensorEntityDescription[RadarrSnapshot](
        key="movies",
        translation_key="movies",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.movies),
    ),
    LcarsSensorEntityDescription[RadarrSnapshot](
        key="movies_missing",
        translation_key="movies_missing",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.movies_missing,
    ),
    _size_on_disk(lambda data: data.size_on_disk),
)

SONARR_SENSORS: tuple[LcarsSensorEntityDescription[SonarrSnapshot], ...] = (
    LcarsSensorEntityDescription[SonarrSnapshot](
        key="series",
        translation_key="series",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.series),
    ),
    LcarsSensorEntityDescription[SonarrSnapshot](
        key="episode_files",
        translation_key="episode_files",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.episode_files,
    ),
    LcarsSensorEntityDescription[SonarrSnapshot](
        key="episodes_missing",
        translation_key="episodes_missing",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.episodes_missing,
    ),
    _size_on_disk(lambda data: data.size_on_disk),
)

LIDARR_SENSORS: tuple[LcarsSensorEntityDescription[LidarrSnapshot], ...] = (
    LcarsSensorEntityDescription[LidarrSnapshot](
        key="artists",
        translation_key="artists",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.artists),
    ),
    LcarsSensorEntityDescription[LidarrSnapshot](
        key="albums",
        translation_key="albums",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.albums),
    ),
    _size_on_disk(lambda data: data.size_on_disk),
)


JELLYFIN_SENSORS: tuple[LcarsSensorEntityDescription[JellyfinSnapshot], ...] = (
    LcarsSensorEntityDescription[JellyfinSnapshot](
        key="movies",
        translation_key="movies",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.counts.movies,
    ),
    LcarsSensorEntityDescription[JellyfinSnapshot](
        key="series",
        translation_key="series",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.counts.series,
    ),
    LcarsSensorEntityDescription[JellyfinSnapshot](
        key="episodes",
        translation_key="episodes",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.counts.episodes,
    ),
    LcarsSensorEntityDescription[JellyfinSnapshot](
        key="never_watched",
        translation_key="never_watched",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.never_watched,
    ),
    LcarsSensorEntityDescription[JellyfinSnapshot](
        key="sessions",
        translation_key="sessions",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: len(data.sessions),
        attributes_fn=lambda data: {
            "sessions": [
                session.listing() for session in data.sessions[:MAX_SESSIONS_LISTED]
            ]
        },
    ),
)

JELLYSEERR_SENSORS: tuple[LcarsSensorEntityDescription[JellyseerrSnapshot], ...] = (
    LcarsSensorEntityDescription[JellyseerrSnapshot](
        key="pending_requests",
        translation_key="pending_requests",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.requests.pending,
    ),
    LcarsSensorEntityDescription[JellyseerrSnapshot](
        key="total_requests",
        translation_key="total_requests",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.requests.total,
    ),
)

ROOT_FOLDER_SENSORS: tuple[RootFolderSensorEntityDescription, ...] = (
    RootFolderSensorEntityDescription(
        key="free_space",
        translation_key="root_folder_free_space",
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.GIBIBYTES,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda folder: folder.free_space,
    ),
    RootFolderSensorEntityDescription(
        key="free_percent",
        translation_key="root_folder_free_percent",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda folder: shown_percent_or_unknown(folder.free_percent),
    ),
)


def _descriptions(
    coordinator: AnyCoordinator,
) -> Iterable[LcarsSensorEntityDescription[Any]]:
    """Return the fixed sensors of one service."""
    if isinstance(coordinator, RadarrCoordinator):
        return (*RADARR_SENSORS, *QUEUE_SENSORS)
    if isinstance(coordinator, SonarrCoordinator):
        return (*SONARR_SENSORS, *QUEUE_SENSORS)
    if isinstance(coordinator, LidarrCoordinator):
        return (*LIDARR_SENSORS, *QUEUE_SENSORS)
    if isinstance(coordinator, JellyfinCoordinator):
        return JELLYFIN_SENSORS
    return JELLYSEERR_SENSORS


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every service, each on its own subentry.

    The sensors of the cleanup and of BitTorrent belong to the entry itself.
    """
    async_setup_cleanup_sensors(entry, async_add_entities)
    async_setup_torrent_sensors(hass, entry, async_add_entities)
    for subentry_id, coordinator in entry.runtime_data.coordinators.items():
        async_add_entities(
            (
                LcarsSensor(coordinator, description)
                for description in _descriptions(coordinator)
            ),
            config_subentry_id=subentry_id,
        )
        if isinstance(
            coordinator, RadarrCoordinator | SonarrCoordinator | LidarrCoordinator
        ):
            _async_track_dynamic_sensors(hass, entry, coordinator, async_add_entities)


ROOT_FOLDER_PREFIX = "root_folder_"
# The expiration sensors of root folders follow the cleanup's policy, not only
# the service: their ids are apart from the free space sensors'.
EXPIRATION_PREFIX = "expiration_root_folder_"
QUEUE_ITEM_PREFIX = "queue_item_"


def _root_folder_key(folder: RootFolder, description: SensorEntityDescription) -> str:
    return f"{ROOT_FOLDER_PREFIX}{folder.id}_{description.key}"


def _expiration_key(folder: RootFolder) -> str:
    return f"{EXPIRATION_PREFIX}{folder.id}"


def _queue_item_key(item: QueueItem) -> str:
    return f"{QUEUE_ITEM_PREFIX}{item.id}"


@callback
def _async_track_dynamic_sensors(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    coordinator: ArrCoordinator,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Follow root folders and downloads as they come and go.

    New ones get sensors at the next refresh; sensors of ones that are gone,
    also those left over from before a restart, leave the entity registry.
    """
    subentry_id = coordinator.subentry_id
    manager = entry.runtime_data.cleanup

    def _wanted() -> dict[str, Callable[[], SensorEntity]] | None:
        # A service that has not answered since setup, or fails now, keeps
        # the sensors it had; they come when it answers.
        data = coordinator.data
        if not coordinator.last_update_success or data is None:
            return None
        wanted: dict[str, Callable[[], SensorEntity]] = {}
        for folder in data.root_folders:
            for description in ROOT_FOLDER_SENSORS:
                wanted[f"{subentry_id}_{_root_folder_key(folder, description)}"] = (
                    partial(RootFolderSensor, coordinator, description, folder)
                )
            wanted[f"{subentry_id}_{_expiration_key(folder)}"] = partial(
                RootFolderExpirationSensor, coordinator, manager, folder
            )
        for item in data.queue:
            wanted[f"{subentry_id}_{_queue_item_key(item)}"] = partial(
                QueueItemSensor, coordinator, item
            )
        return wanted

    entry.async_on_unload(
        async_follow_keyed_entities(
            hass,
            entry.entry_id,
            domain=Platform.SENSOR,
            prefixes=tuple(
                f"{subentry_id}_{prefix}"
                for prefix in (ROOT_FOLDER_PREFIX, EXPIRATION_PREFIX, QUEUE_ITEM_PREFIX)
            ),
            wanted=_wanted,
            add=partial(async_add_entities, config_subentry_id=subentry_id),
            listen=coordinator.async_add_listener,
        )
    )


class LcarsSensor(LcarsEntity[AnyCoordinator], SensorEntity):
    """A figure from the snapshot of one service."""

    entity_description: LcarsSensorEntityDescription[Any]

    def __init__(
        self,
        coordinator: AnyCoordinator,
        description: LcarsSensorEntityDescription[Any],
    ) -> None:
        """Read one figure of the coordinator's data."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType | datetime:
        """The figure; none before the service first answered."""
        if (data := self.coordinator.data) is None:
            return None
        return self.entity_description.value_fn(data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details, for the sensors that have some."""
        if self.entity_description.attributes_fn is None:
            return None
        if (data := self.coordinator.data) is None:
            return None
        return self.entity_description.attributes_fn(data)


class RootFolderSensor(RootFolderEntity, SensorEntity):
    """Free space of one root folder."""

    entity_description: RootFolderSensorEntityDescription

    def __init__(
        self,
        coordinator: ArrCoordinator,
        description: RootFolderSensorEntityDescription,
        folder: RootFolder,
    ) -> None:
        """Follow the root folder with this id."""
        super().__init__(coordinator, _root_folder_key(folder, description), folder)
        self.entity_description = description

    # While the folder is gone the entity is unavailable and neither the
    # value nor the attributes are read.

    @property
    def native_value(self) -> StateType:
        """The free space figure."""
        folder = self._folder
        return self.entity_description.value_fn(folder) if folder else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Path of the folder and the size of its disk."""
        folder = self._folder
        return (
            {
                "path": folder.path,
                "accessible": folder.accessible,
                "total_space": folder.total_space,
            }
            if folder
            else None
        )


class RootFolderExpirationSensor(RootFolderEntity, SensorEntity):
    """Days items may stay in one root folder at its free space, by the policy.

    Changes with the free space (the coordinator) and with the policy (the
    cleanup).
    """

    _attr_translation_key = "root_folder_expiration"
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.DAYS
    # Whole days; also keeps newer versions from picking a precision of their own.
    _attr_suggested_display_precision = 0

    def __init__(
        self,
        coordinator: ArrCoordinator,
        manager: CleanupManager,
        folder: RootFolder,
    ) -> None:
        """Follow the root folder with this id."""
        super().__init__(coordinator, _expiration_key(folder), folder)
        self._manager = manager

    async def async_added_to_hass(self) -> None:
        """Follow the cleanup as well as the service."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._manager.async_add_listener(self._handle_coordinator_update)
        )

    @property
    def native_value(self) -> int | None:
        """The age limit in days; None when nothing in the folder expires."""
        folder = self._folder
        if folder is None:
            return None
        return self._manager.policy.limit_of_service(
            self.coordinator.kind, folder.free_percent
        )

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Path of the folder and the free space the limit is chosen by."""
        folder = self._folder
        return (
            {
                "path": folder.path,
                "free_percent": shown_percent_or_unknown(folder.free_percent),
            }
            if folder
            else None
        )


class QueueItemSensor(QueueItemEntity, SensorEntity):
    """Progress of one download in the queue, named after what it holds.

    A season pack, which Sonarr lists once per episode, is one download and
    one sensor.
    """

    _attr_translation_key = "queue_item"
    _attr_native_unit_of_measurement = PERCENTAGE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 1

    def __init__(self, coordinator: ArrCoordinator, item: QueueItem) -> None:
        """Follow the download with this queue id."""
        super().__init__(coordinator, _queue_item_key(item), item)

    # While the download is gone the entity is unavailable and neither the
    # value nor the attributes are read.

    @property
    def native_value(self) -> float | None:
        """Percent downloaded."""
        item = self._item
        return shown_percent(item.progress) if item else None

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What is downloading and how long it still takes."""
        item = self._item
        return item.details() if item else None
