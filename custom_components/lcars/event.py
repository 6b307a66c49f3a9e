"""Event entities of LCARS: cleanup runs, deleted and added media, torrents."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CLEANUP_RESULTS, EVENT_CLEANUP_FINISHED, EVENT_MEDIA_DELETED
from .coordinator import ArrCoordinator, JellyseerrCoordinator
from .data import LcarsConfigEntry
from .entity import CleanupDeviceEntity, LcarsEntity, TorrentDeviceEntity
from .runtime.adding import async_listen_media_added
from .torrent import EventKind, TorrentEvent

# The entities only pass on what the cleanup and the BitTorrent client tell.
PARALLEL_UPDATES = 0

EVENT_DELETED = "deleted"
EVENT_ADDED = "added"
EVENT_REQUESTED = "requested"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entities of the cleanup."""
    async_add_entities([CleanupEventEntity(entry), MediaDeletedEventEntity(entry)])
    # Titles are added to an *arr, or requested in Jellyseerr: each of their
    # devices tells its own.
    for coordinator in entry.runtime_data.arr:
        async_add_entities(
            [MediaAddedEventEntity(coordinator)],
            config_subentry_id=coordinator.subentry_id,
        )
    for seerr in entry.runtime_data.jellyseerr:
        async_add_entities(
            [MediaRequestedEventEntity(seerr)],
            config_subentry_id=seerr.subentry_id,
        )
    if entry.runtime_data.torrent.enabled:
        async_add_entities([TorrentEventEntity(entry)])


class _CleanupEventEntity(CleanupDeviceEntity, EventEntity):
    """Passes on one kind of event of its entry's cleanup.

    Told by the cleanup itself, not through the bus: the bus event, with the
    same data and the entry's id, is for automations and the logbook, and
    one fired by anyone else is not the cleanup's.
    """

    # The event of the cleanup (as named on the bus) this entity passes on.
    cleanup_event: str

    async def async_added_to_hass(self) -> None:
        """Follow the cleanup's events until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_event_listener(
                self.cleanup_event, self._handle_cleanup_event
            )
        )

    def _event_type(self, data: dict[str, Any]) -> str | None:
        """Return the event type for the event's data, None to ignore it."""
        raise NotImplementedError

    @callback
    def _handle_cleanup_event(self, data: dict[str, Any]) -> None:
        """Pass the event on."""
        event_type = self._event_type(data)
        if event_type is None:
            return
        self._trigger_event(event_type, data)
        self.async_write_ha_state()


class CleanupEventEntity(_CleanupEventEntity):
    """Fires when a cleanup run finishes, with what it came to as event type."""

    _attr_translation_key = "cleanup"
    cleanup_event = EVENT_CLEANUP_FINISHED

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Pass on the finished runs of one LCARS entry."""
        super().__init__(entry, "cleanup")
        self._attr_event_types = list(CLEANUP_RESULTS)

    def _event_type(self, data: dict[str, Any]) -> str | None:
        """Return the result of the run."""
        result = data.get("result")
        return result if result in CLEANUP_RESULTS else None


class MediaDeletedEventEntity(_CleanupEventEntity):
    """Fires when the cleanup deleted a movie, season, episode or album."""

    _attr_translation_key = "media_deleted"
    cleanup_event = EVENT_MEDIA_DELETED

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Pass on the deletions of one LCARS entry."""
        super().__init__(entry, "media_deleted")
        self._attr_event_types = [EVENT_DELETED]

    def _event_type(self, data: dict[str, Any]) -> str | None:
        """Return the one type every deletion is of."""
        return EVENT_DELETED


class MediaAddedEventEntity(
    LcarsEntity[ArrCoordinator | JellyseerrCoordinator], EventEntity
):
    """Fires when LCARS added a movie, series, artist or album to this instance."""

    _attr_translation_key = "media_added"
    _event_type = EVENT_ADDED

    def __init__(self, coordinator: ArrCoordinator | JellyseerrCoordinator) -> None:
        """Pass on the titles added to one instance."""
        super().__init__(coordinator, "media_added")
        self._attr_event_types = [self._event_type]

    async def async_added_to_hass(self) -> None:
        """Follow the entry's adds until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_listen_media_added(
                self.hass,
                self.coordinator.config_entry.entry_id,
                self._handle_media_added,
            )
        )

    @callback
    def _handle_media_added(self, data: dict[str, Any]) -> None:
        """Pass on an add made to this instance."""
        if data.get("instance_id") != self.coordinator.subentry_id:
            return
        self._trigger_event(self._event_type, data)
        self.async_write_ha_state()


class MediaRequestedEventEntity(MediaAddedEventEntity):
    """Fires when LCARS requested a movie or series in this Jellyseerr.

    Its unique id ends in "media_added" as the *arr's: one kind of entity,
    told apart by its name and event type.
    """

    _attr_translation_key = "media_requested"
    _event_type = EVENT_REQUESTED


# BitTorrent: what happens to torrents.


class TorrentEventEntity(TorrentDeviceEntity, EventEntity):
    """Fires when a torrent is added, finished, removed, fails or seeded enough."""

    _attr_translation_key = "torrent"

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Pass on the torrent events of one LCARS entry."""
        super().__init__(entry, "events")
        self._attr_event_types = [str(kind) for kind in EventKind]
        self._written_available = False

    async def async_added_to_hass(self) -> None:
        """Listen to the manager until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.manager.async_add_event_listener(self._handle_event))
        # Available (its state unknown until the first event) once the backend
        # runs, which is usually after the entity is added: follow it.
        self._written_available = self.available
        self.async_on_remove(self.manager.async_add_listener(self._handle_availability))

    @callback
    def _handle_availability(self) -> None:
        """Write the state when the backend starts or stops, not on every update."""
        if self.available != self._written_available:
            self._written_available = self.available
            self.async_write_ha_state()

    @callback
    def _handle_event(self, event: TorrentEvent) -> None:
        """Pass one torrent event on."""
        self._written_available = self.available
        self._trigger_event(
            str(event.kind),
            {
                "info_hash": event.info_hash,
                "name": event.name,
                "message": event.message,
            },
        )
        self.async_write_ha_state()
