"""Sensors of LCARS: library figures, queues, disk space, playback, requests."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
import time
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
    UnitOfDataRate,
    UnitOfInformation,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .cleanup.reasons import shown_percent
from .clients.models import (
    JellyfinSnapshot,
    JellyseerrSnapshot,
    LidarrSnapshot,
    QueueItem,
    RadarrSnapshot,
    RootFolder,
    SonarrSnapshot,
)
from .const import CLEANUP_RESULTS
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
from .entity import CleanupEntity, LcarsEntity, async_follow_keyed_entities
from .runtime.cleanup import CleanupManager
from .runtime.torrent import TorrentManager
from .torrent import TorrentState, TorrentStatus
from .torrent_entity import TorrentDeviceEntity, TorrentEntity

# Every coordinator polls on its own; entities only read its data.
PARALLEL_UPDATES = 0

# At most this many playing sessions are listed in the attributes.
MAX_SESSIONS_LISTED = 10
# At most this many items leaving soon are listed in the attributes.
MAX_LEAVING_SOON_LISTED = 10


@dataclass(frozen=True, kw_only=True)
class LcarsSensorEntityDescription[SnapshotT](SensorEntityDescription):
    """A sensor computed from the snapshot of one service."""

    value_fn: Callable[[SnapshotT], StateType | datetime]
    attributes_fn: Callable[[SnapshotT], dict[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class RootFolderSensorEntityDescription(SensorEntityDescription):
    """A sensor of one root folder."""

    value_fn: Callable[[RootFolder], StateType]


@dataclass(frozen=True, kw_only=True)
class CleanupSensorEntityDescription(SensorEntityDescription):
    """A sensor computed from the state of the cleanup."""

    value_fn: Callable[[CleanupManager], StateType | datetime]
    attributes_fn: Callable[[CleanupManager], dict[str, Any]] | None = None


def _shown_percent(percent: float | None) -> float | None:
    """Round a percentage as everywhere in LCARS; None stays unknown."""
    return None if percent is None else shown_percent(percent)


def _queue_progress(queue: Iterable[QueueItem]) -> float | None:
    """Overall progress of a queue: bytes done over bytes to download."""
    total = 0
    left = 0
    for item in queue:
        total += max(0, item.size)
        left += max(0, min(item.size_left, item.size))
    if total <= 0:
        return None
    return shown_percent((total - left) * 100 / total)


def _queue_eta(queue: Iterable[QueueItem]) -> datetime | None:
    """When the last download of the queue is expected to finish."""
    dates = [item.estimated_completion for item in queue if item.estimated_completion]
    return max(dates) if dates else None


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
        value_fn=lambda data: _queue_progress(data.queue),
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
        value_fn=lambda data: sum(max(0, item.size_left) for item in data.queue),
    ),
    LcarsSensorEntityDescription[ArrSnapshot](
        key="queue_eta",
        translation_key="queue_eta",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda data: _queue_eta(data.queue),
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


def _sessions_attributes(data: JellyfinSnapshot) -> dict[str, Any]:
    """List what is playing, briefly: who, what and where, no ids or addresses."""
    return {
        "sessions": [
            {
                "user": session.user_name,
                "title": session.item_name,
                "type": session.item_type,
                "client": session.client,
                "device": session.device_name,
                "paused": session.is_paused,
            }
            for session in data.sessions[:MAX_SESSIONS_LISTED]
        ]
    }


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
        attributes_fn=_sessions_attributes,
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
        value_fn=lambda folder: _shown_percent(folder.free_percent),
    ),
)


def _leaving_soon_attributes(manager: CleanupManager) -> dict[str, Any]:
    """List the first items to leave: what, where, when and why."""
    return {
        "items": [
            {
                "title": item.title,
                "kind": item.kind,
                "instance": item.instance,
                "root_folder": item.root_folder,
                "size": item.size,
                "delete_on": item.delete_on.isoformat(),
                "reason": item.reason,
            }
            for item in manager.leaving_soon[:MAX_LEAVING_SOON_LISTED]
        ]
    }


def _last_run_attributes(manager: CleanupManager) -> dict[str, Any]:
    """Tell how the last run was started and what it did."""
    run = manager.last_run
    if run is None:
        return {}
    return {
        "trigger": run.trigger,
        "dry_run": run.dry_run,
        "deleted": len(run.deleted),
        "failed": len(run.failed),
        "message": run.message,
    }


CLEANUP_SENSORS: tuple[CleanupSensorEntityDescription, ...] = (
    CleanupSensorEntityDescription(
        key="leaving_soon",
        translation_key="leaving_soon",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda manager: len(manager.leaving_soon),
        attributes_fn=_leaving_soon_attributes,
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
        attributes_fn=_last_run_attributes,
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

    The sensors of the cleanup belong to the entry itself.
    """
    async_add_entities(
        CleanupSensor(entry, description) for description in CLEANUP_SENSORS
    )
    _async_setup_torrent_sensors(hass, entry, async_add_entities)
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


class RootFolderSensor(LcarsEntity[ArrCoordinator], SensorEntity):
    """Free space of one root folder."""

    entity_description: RootFolderSensorEntityDescription

    def __init__(
        self,
        coordinator: ArrCoordinator,
        description: RootFolderSensorEntityDescription,
        folder: RootFolder,
    ) -> None:
        """Follow the root folder with this id."""
        super().__init__(coordinator, _root_folder_key(folder, description))
        self.entity_description = description
        self._folder_id = folder.id
        self._attr_translation_placeholders = {"path": folder.path}

    @property
    def _folder(self) -> RootFolder | None:
        data = self.coordinator.data
        if data is None:
            return None
        return next((f for f in data.root_folders if f.id == self._folder_id), None)

    @property
    def available(self) -> bool:
        """Available while the service answers and the folder exists."""
        return super().available and self._folder is not None

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


class RootFolderExpirationSensor(LcarsEntity[ArrCoordinator], SensorEntity):
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
        super().__init__(coordinator, _expiration_key(folder))
        self._manager = manager
        self._folder_id = folder.id
        self._attr_translation_placeholders = {"path": folder.path}

    async def async_added_to_hass(self) -> None:
        """Follow the cleanup as well as the service."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self._manager.async_add_listener(self._handle_coordinator_update)
        )

    @property
    def _folder(self) -> RootFolder | None:
        data = self.coordinator.data
        if data is None:
            return None
        return next((f for f in data.root_folders if f.id == self._folder_id), None)

    @property
    def available(self) -> bool:
        """Available while the service answers and the folder exists."""
        return super().available and self._folder is not None

    @property
    def native_value(self) -> int | None:
        """The age limit in days; None when nothing in the folder expires."""
        folder = self._folder
        if folder is None:
            return None
        return self._manager.expiration_days(self.coordinator.kind, folder.free_percent)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Path of the folder and the free space the limit is chosen by."""
        folder = self._folder
        return (
            {"path": folder.path, "free_percent": _shown_percent(folder.free_percent)}
            if folder
            else None
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


class QueueItemSensor(LcarsEntity[ArrCoordinator], SensorEntity):
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
        super().__init__(coordinator, _queue_item_key(item))
        self._item_id = item.id
        self._attr_translation_placeholders = {"title": item.title}

    @property
    def _item(self) -> QueueItem | None:
        data = self.coordinator.data
        if data is None:
            return None
        return next((i for i in data.queue if i.id == self._item_id), None)

    @property
    def available(self) -> bool:
        """Available while the service answers and the download is queued."""
        return super().available and self._item is not None

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
        if not item:
            return None
        eta = item.estimated_completion
        return {
            "title": item.title,
            "release_title": item.release_title,
            "size": item.size,
            "size_left": item.size_left,
            "eta": eta.isoformat() if eta else None,
            "status": item.status,
            "error_message": item.error_message,
        }


# BitTorrent: figures of the session and the progress of single torrents.


@dataclass(frozen=True, kw_only=True)
class TorrentSensorEntityDescription(SensorEntityDescription):
    """A figure of the BitTorrent session."""

    value_fn: Callable[[TorrentManager], StateType]


def _rate(unit: str) -> dict[str, Any]:
    return {
        "device_class": SensorDeviceClass.DATA_RATE,
        "state_class": SensorStateClass.MEASUREMENT,
        "native_unit_of_measurement": UnitOfDataRate.BYTES_PER_SECOND,
        "suggested_unit_of_measurement": unit,
        "suggested_display_precision": 1,
    }


def _size() -> dict[str, Any]:
    return {
        "device_class": SensorDeviceClass.DATA_SIZE,
        "native_unit_of_measurement": UnitOfInformation.BYTES,
        "suggested_unit_of_measurement": UnitOfInformation.GIBIBYTES,
        "suggested_display_precision": 2,
    }


TORRENT_SENSORS: tuple[TorrentSensorEntityDescription, ...] = (
    TorrentSensorEntityDescription(
        key="download_rate",
        translation_key="torrent_download_rate",
        value_fn=lambda m: m.totals.download_rate,
        **_rate(UnitOfDataRate.KIBIBYTES_PER_SECOND),
    ),
    TorrentSensorEntityDescription(
        key="upload_rate",
        translation_key="torrent_upload_rate",
        value_fn=lambda m: m.totals.upload_rate,
        **_rate(UnitOfDataRate.KIBIBYTES_PER_SECOND),
    ),
    TorrentSensorEntityDescription(
        key="active",
        translation_key="torrent_active",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda m: m.totals.active,
    ),
    TorrentSensorEntityDescription(
        key="downloading",
        translation_key="torrent_downloading",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda m: m.totals.downloading,
    ),
    TorrentSensorEntityDescription(
        key="seeding",
        translation_key="torrent_seeding",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda m: m.totals.seeding,
    ),
    TorrentSensorEntityDescription(
        key="paused",
        translation_key="torrent_paused",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda m: m.totals.paused,
    ),
    TorrentSensorEntityDescription(
        key="downloaded",
        translation_key="torrent_downloaded",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda m: m.totals.downloaded,
        **_size(),
    ),
    TorrentSensorEntityDescription(
        key="uploaded",
        translation_key="torrent_uploaded",
        state_class=SensorStateClass.TOTAL,
        value_fn=lambda m: m.totals.uploaded,
        **_size(),
    ),
    TorrentSensorEntityDescription(
        key="free_space",
        translation_key="torrent_free_space",
        value_fn=lambda m: m.free_space,
        **_size(),
    ),
)


@dataclass(frozen=True, kw_only=True)
class TorrentProgressSensorEntityDescription(SensorEntityDescription):
    """The progress of one torrent."""


TORRENT_PROGRESS_SENSOR = TorrentProgressSensorEntityDescription(
    key="progress",
    translation_key="torrent_progress",
    native_unit_of_measurement=PERCENTAGE,
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=1,
)
TORRENT_ITEM_PREFIX = "item_"
# A torrent's progress sensor is written at most this often, and only when
# the progress moved at least this much or the state changed.
TORRENT_WRITE_INTERVAL = 1.0
TORRENT_PROGRESS_STEP = 0.1
# Torrents that get a progress sensor even when not all torrents do.
_FOLLOWED_STATES = (
    TorrentState.CHECKING,
    TorrentState.DOWNLOADING_METADATA,
    TorrentState.DOWNLOADING,
    TorrentState.PAUSED,
)


@callback
def _async_setup_torrent_sensors(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the BitTorrent sensors when the engine is enabled.

    A torrent gets its progress sensor when it appears (downloading, paused,
    or added with a category; or every torrent when so chosen) and loses it,
    entity registry entry included, when it goes.
    """
    manager = entry.runtime_data.torrent
    if not manager.enabled:
        return
    async_add_entities(
        TorrentSessionSensor(entry, description) for description in TORRENT_SENSORS
    )
    prefix = f"{entry.entry_id}_torrent_{TORRENT_ITEM_PREFIX}"

    def _followed(status: TorrentStatus) -> bool:
        return (
            manager.all_torrent_entities
            or status.state in _FOLLOWED_STATES
            or status.info_hash in manager.categories
        )

    known: set[str] = set()

    def _wanted() -> dict[str, Callable[[], TorrentProgressSensor]] | None:
        if not manager.running:
            return None
        # A torrent keeps its sensor while it is there, even once it is no
        # longer one that gets a sensor (it finished downloading).
        known.intersection_update(manager.statuses)
        known.update(
            info_hash
            for info_hash, status in manager.statuses.items()
            if _followed(status)
        )
        return {
            f"{prefix}{info_hash}_{TORRENT_PROGRESS_SENSOR.key}": partial(
                TorrentProgressSensor, entry, manager.statuses[info_hash]
            )
            for info_hash in known
        }

    entry.async_on_unload(
        async_follow_keyed_entities(
            hass,
            entry.entry_id,
            domain=Platform.SENSOR,
            prefixes=(prefix,),
            wanted=_wanted,
            add=async_add_entities,
            listen=manager.async_add_listener,
        )
    )


class TorrentSessionSensor(TorrentEntity, SensorEntity):
    """A figure over every torrent of the BitTorrent session."""

    entity_description: TorrentSensorEntityDescription

    def __init__(
        self, entry: LcarsConfigEntry, description: TorrentSensorEntityDescription
    ) -> None:
        """Show one figure of the session."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        """The figure."""
        return self.entity_description.value_fn(self.manager)


class TorrentProgressSensor(TorrentDeviceEntity, SensorEntity):
    """How far one torrent is, with its state, time left, ratio and peers."""

    entity_description = TORRENT_PROGRESS_SENSOR

    def __init__(self, entry: LcarsConfigEntry, status: TorrentStatus) -> None:
        """Follow the torrent with this info hash."""
        super().__init__(
            entry,
            f"{TORRENT_ITEM_PREFIX}{status.info_hash}_{TORRENT_PROGRESS_SENSOR.key}",
        )
        self._info_hash = status.info_hash
        self._attr_translation_placeholders = {"name": status.name}
        self._written: tuple[float, TorrentState] | None = None
        self._written_at = 0.0

    @property
    def _status(self) -> TorrentStatus | None:
        return self.manager.statuses.get(self._info_hash)

    async def async_added_to_hass(self) -> None:
        """Follow the manager until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.manager.async_add_listener(self._handle_update))
        self._remember()

    def _remember(self) -> None:
        status = self._status
        self._written = None if status is None else (status.progress, status.state)
        self._written_at = time.monotonic()

    @callback
    def _handle_update(self) -> None:
        """Write the state when it moved enough, at most once a second."""
        status = self._status
        if status is None or self._written is None:
            if status is not None or self._written is not None:
                self._remember()
                self.async_write_ha_state()
            return
        progress, state = self._written
        if state is status.state and abs(status.progress - progress) < (
            TORRENT_PROGRESS_STEP
        ):
            return
        if time.monotonic() - self._written_at < TORRENT_WRITE_INTERVAL:
            return
        self._remember()
        self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Available while the torrent is in the running backend."""
        return super().available and self._status is not None

    @property
    def native_value(self) -> float | None:
        """Percent of the wanted data downloaded and checked."""
        status = self._status
        return None if status is None else shown_percent(status.progress)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """State, time left in seconds, seeding ratio and connected peers."""
        status = self._status
        if status is None:
            return None
        return {
            "info_hash": status.info_hash,
            "state": str(status.state),
            "eta": status.eta_seconds,
            "ratio": round(status.ratio, 3),
            "peers": status.peers,
            "category": self.manager.categories.get(status.info_hash),
        }
