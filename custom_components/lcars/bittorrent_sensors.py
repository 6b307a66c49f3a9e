"""Sensors of the BitTorrent device: figures of the session, progress of torrents.

Part of the sensor platform (`sensor.py` adds them); apart from the sensors of
the connected services and of the cleanup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .cleanup.reasons import shown_percent
from .data import LcarsConfigEntry
from .entity import TorrentDeviceEntity, TorrentEntity, async_follow_keyed_entities
from .runtime.torrent import TorrentManager
from .torrent import TorrentState, TorrentStatus

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
def async_setup_torrent_sensors(
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
