"""The BitTorrent side of one LCARS entry: its backend, events and figures.

The manager reads the torrent options of the entry, starts the backend (the
built-in libtorrent engine, or an external qBittorrent or Transmission client
driven over HTTP), passes its events on to the bus and to the entities, and
keeps the figures the entities show. Whichever backend runs, the actions,
entities, events and seeding limits behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
import logging
from pathlib import Path
import shutil
import time
from typing import Any, Final

from custom_components.lcars.cleanup.reasons import shown_percent
from custom_components.lcars.const import ATTR_CONFIG_ENTRY_ID, DOMAIN
from custom_components.lcars.runtime.torrent_backends import (
    client_backend,
    engine_factory,
    read_options,
    state_dir,
)
from custom_components.lcars.runtime.torrent_categories import (
    TorrentCategories,
)
from custom_components.lcars.torrent import (
    BackendAuthError,
    BackendConnectionError,
    EngineError,
    EngineSettings,
    EventKind,
    TorrentBackend,
    TorrentEvent,
    TorrentStatus,
)
from custom_components.lcars.torrent.errors import LibtorrentMissingError
from custom_components.lcars.torrent.models import SessionTotals
from custom_components.lcars.torrent.options import (
    BACKEND_LIBTORRENT,
    BACKEND_NAMES,
    CONF_TORRENT,
)
from custom_components.lcars.torrent.redact import redact
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util.signal_type import SignalType

_LOGGER = logging.getLogger(__name__)

# Bus event of every torrent event.
EVENT_TORRENT: Final = "lcars_torrent"
# Repair issues.
ISSUE_LIBTORRENT_MISSING: Final = "libtorrent_missing"
ISSUE_BIND_INTERFACE_DOWN: Final = "bind_interface_down"
ISSUE_CLIENT_AUTH_FAILED: Final = "torrent_client_auth_failed"

# How often the figures are read from the backend.
UPDATE_INTERVAL: Final = timedelta(seconds=1)
# How long to wait before trying again an external client that cannot be reached.
START_RETRY_INTERVAL: Final = timedelta(minutes=1)
# The free space of the download directory is read at most this often.
FREE_SPACE_INTERVAL: Final = 60.0


type BackendFactory = Callable[
    [EngineSettings, Path, Callable[[TorrentEvent], None]], TorrentBackend
]
type EventCallback = Callable[[TorrentEvent], None]


@callback
def async_remove_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Clear the repair issues of a removed entry's BitTorrent client."""
    for issue in (ISSUE_BIND_INTERFACE_DOWN, ISSUE_CLIENT_AUTH_FAILED):
        ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")


def status_as_dict(status: TorrentStatus, category: str | None) -> dict[str, Any]:
    """One torrent in the shape of the actions' answers."""
    return {
        "info_hash": status.info_hash,
        "name": status.name,
        "state": str(status.state),
        "progress": shown_percent(status.progress),
        "size": status.size,
        "download_rate": status.download_rate,
        "upload_rate": status.upload_rate,
        "downloaded": status.total_downloaded,
        "uploaded": status.total_uploaded,
        # Since the engine started: tells what a restart had to fetch again.
        "session_downloaded": status.session_downloaded,
        "session_uploaded": status.session_uploaded,
        "ratio": round(status.ratio, 3),
        "peers": status.peers,
        "eta": status.eta_seconds,
        "seeding_seconds": status.seeding_seconds,
        "save_path": status.save_path,
        "added": status.added.isoformat() if status.added else None,
        "error": status.error,
        "category": category,
    }


def _free_space(path: Path) -> int:
    """Free bytes on the disk of path (blocking)."""
    return shutil.disk_usage(path).free


class TorrentManager:
    """Runs the BitTorrent backend of one LCARS entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        backend_factory: BackendFactory | None = None,
    ) -> None:
        """Read the torrent options; nothing starts before async_start()."""
        self.hass = hass
        self.entry = entry
        self._read_options(entry.options.get(CONF_TORRENT) or {})
        self._factory: BackendFactory = backend_factory or engine_factory
        self.backend: TorrentBackend | None = None
        self.statuses: dict[str, TorrentStatus] = {}
        self.totals = SessionTotals()
        self.free_space: int | None = None
        self._free_space_read = 0.0
        self._free_space_pending = False
        self._free_space_failing = False
        # Category given when a torrent was added through LCARS, by info hash;
        # stored, so that a categorised torrent keeps its sensors on restart.
        self._categories = TorrentCategories(hass, entry.entry_id)
        # The entities and the hand-off follow the figures and the events
        # through Home Assistant's dispatcher, on signals of the entry.
        self._updated: SignalType[()] = SignalType(
            f"{DOMAIN}_{entry.entry_id}_torrents"
        )
        self._events: SignalType[TorrentEvent] = SignalType(
            f"{DOMAIN}_{entry.entry_id}_torrent_event"
        )
        self._unsubscribers: list[CALLBACK_TYPE] = []
        self._cancel_stop: CALLBACK_TYPE | None = None
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._interface_issue = False

    def _read_options(self, raw: Mapping[str, Any]) -> None:
        """Take the torrent options; options that are not valid switch it off."""
        self.options, self.settings, self.client_settings = read_options(self.hass, raw)

    def _entities_shape(self) -> tuple[bool, str, bool, bool]:
        """Return what decides which BitTorrent entities the entry has."""
        return (
            self.enabled,
            self.backend_kind,
            self.bind_interface is not None,
            self.all_torrent_entities,
        )

    async def async_apply_options(self, raw: Mapping[str, Any]) -> bool:
        """Restart BitTorrent alone with new torrent options; True if done.

        False, with nothing changed, when the new options call for other
        entities (BitTorrent switched on or off, another backend, a bind
        interface set or cleared, a sensor for every torrent or not): then
        only a reload of the entry applies them.
        """
        read = read_options(self.hass, raw)
        current = (self.options, self.settings, self.client_settings)
        self.options, self.settings, self.client_settings = read
        shape = self._entities_shape()
        self.options, self.settings, self.client_settings = current
        if shape != self._entities_shape():
            return False
        await self.async_stop()
        self.options, self.settings, self.client_settings = read
        # The download directory may be another: its free space is read anew.
        self._free_space_read = 0.0
        self.free_space = None
        await self.async_start()
        return True

    @property
    def enabled(self) -> bool:
        """Return whether BitTorrent is on (and its options valid)."""
        return self.options.enabled

    @property
    def all_torrent_entities(self) -> bool:
        """Return whether every torrent gets its sensor."""
        return self.options.all_torrent_entities

    @property
    def backend_kind(self) -> str:
        """Return which backend runs, or would: one of BACKENDS."""
        return self.options.backend

    # State

    @property
    def running(self) -> bool:
        """Return whether the backend runs."""
        return self.backend is not None and self.backend.running

    @property
    def bind_interface(self) -> str | None:
        """Return the network interface all traffic must use, if any."""
        return None if self.settings is None else self.settings.bind_interface

    @property
    def interface_up(self) -> bool | None:
        """Return whether the bind interface is up; None while unknown."""
        if self.backend is None or not self.running:
            return None
        return bool(getattr(self.backend, "interface_up", True))

    @property
    def download_dir(self) -> Path | None:
        """Return the default download directory, as the backend sees it."""
        if self.client_settings is not None:
            return self.client_settings.download_dir
        return None if self.settings is None else self.settings.download_dir

    @property
    def categories(self) -> Mapping[str, str]:
        """Return the category of each categorised torrent, by info hash."""
        return self._categories.view

    # Listeners

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update_callback` after every status update; return the unsubscribe."""
        return async_dispatcher_connect(self.hass, self._updated, update_callback)

    @callback
    def async_add_event_listener(
        self, event_callback: Callable[[TorrentEvent], None]
    ) -> CALLBACK_TYPE:
        """Call `event_callback` with every torrent event; return the unsubscribe."""
        return async_dispatcher_connect(self.hass, self._events, event_callback)

    @callback
    def _notify(self) -> None:
        async_dispatcher_send(self.hass, self._updated)

    # Life cycle

    async def async_load(self) -> None:
        """Read the stored categories; call before the entities are made."""
        await self._categories.async_load()

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the categories of a removed entry."""
        await TorrentCategories.async_remove_store(hass, entry_id)

    async def async_start(self) -> None:
        """Start the backend when enabled; a missing libtorrent is a repair issue.

        Failing to start never fails the entry: the rest of LCARS runs on.
        """
        if self.backend_kind != BACKEND_LIBTORRENT or not self.enabled:
            # The engine is not wanted: a missing libtorrent does not matter.
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_LIBTORRENT_MISSING)
        if not self.enabled or self.running:
            return
        backend: TorrentBackend
        try:
            if self.settings is not None:
                backend = self._factory(
                    self.settings,
                    state_dir(self.hass, self.entry.entry_id),
                    self._on_event,
                )
            else:
                backend = client_backend(self.hass, self.options, self._on_event)
            await backend.start()
        except LibtorrentMissingError:
            _LOGGER.warning("libtorrent cannot be imported: BitTorrent stays off")
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_LIBTORRENT_MISSING,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_LIBTORRENT_MISSING,
            )
            return
        except (EngineError, OSError) as err:
            _LOGGER.warning("Cannot start BitTorrent: %s", redact(str(err)))
            if isinstance(err, BackendAuthError):
                # Only the user can fix the login; try again meanwhile, as it
                # may be fixed in the client rather than in LCARS.
                self._report_client_login(failed=True)
            if isinstance(err, BackendConnectionError | BackendAuthError):
                # The client may be starting too: try again later.
                self._cancel_retry = async_call_later(
                    self.hass, START_RETRY_INTERVAL, self._async_retry_start
                )
            return
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_LIBTORRENT_MISSING)
        self._report_client_login(failed=False)
        self.backend = backend
        self._unsubscribers.append(
            async_track_time_interval(
                self.hass, self._async_update, UPDATE_INTERVAL, cancel_on_shutdown=True
            )
        )
        self._cancel_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )
        self._async_update()

    @callback
    def _report_client_login(self, *, failed: bool) -> None:
        """Raise or clear the repair issue of a client that refused the login."""
        issue_id = f"{ISSUE_CLIENT_AUTH_FAILED}_{self.entry.entry_id}"
        if not failed:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_CLIENT_AUTH_FAILED,
            translation_placeholders={
                "client": BACKEND_NAMES.get(self.backend_kind, self.backend_kind)
            },
        )

    async def _async_retry_start(self, _now: Any) -> None:
        self._cancel_retry = None
        await self.async_start()

    async def _async_on_hass_stop(self, _event: Event) -> None:
        # The listener is used up: it must not be removed again at unload.
        self._cancel_stop = None
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop the backend; its torrents are kept for the next start."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        if self._cancel_stop is not None:
            self._cancel_stop()
            self._cancel_stop = None
        backend, self.backend = self.backend, None
        if backend is not None:
            await backend.stop()
        await self._categories.async_save_pending()
        self.statuses = {}
        self.totals = SessionTotals()
        if self._interface_issue:
            ir.async_delete_issue(
                self.hass, DOMAIN, f"{ISSUE_BIND_INTERFACE_DOWN}_{self.entry.entry_id}"
            )
            self._interface_issue = False
        self._notify()

    # Updates

    @callback
    def _async_update(self, _now: Any = None) -> None:
        """Read every torrent's status and tell the entities."""
        backend = self.backend
        if backend is None or not backend.running:
            return
        statuses = backend.torrents()
        self.statuses = {status.info_hash: status for status in statuses}
        self.totals = SessionTotals.of(statuses)
        self._check_interface()
        self._schedule_free_space()
        self._notify()

    @callback
    def _check_interface(self) -> None:
        up = self.interface_up
        issue_id = f"{ISSUE_BIND_INTERFACE_DOWN}_{self.entry.entry_id}"
        if up is False and not self._interface_issue:
            self._interface_issue = True
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key=ISSUE_BIND_INTERFACE_DOWN,
                translation_placeholders={"interface": self.bind_interface or ""},
            )
        elif up and self._interface_issue:
            self._interface_issue = False
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    @callback
    def _schedule_free_space(self) -> None:
        directory = self.download_dir
        now = time.monotonic()
        if (
            directory is None
            or self._free_space_pending
            or (
                self._free_space_read
                and now - self._free_space_read < FREE_SPACE_INTERVAL
            )
        ):
            return
        self._free_space_pending = True
        self._free_space_read = now
        self.entry.async_create_background_task(
            self.hass,
            self._async_read_free_space(directory),
            "lcars torrent free space",
        )

    async def _async_read_free_space(self, directory: Path) -> None:
        """Read the free space; a failure is logged once, and its end once."""
        try:
            self.free_space = await self.hass.async_add_executor_job(
                _free_space, directory
            )
        except OSError as err:
            # Unknown, not zero: the sensor shows no figure it does not have.
            self.free_space = None
            if not self._free_space_failing:
                _LOGGER.warning(
                    "Cannot read the free space of %s: %s",
                    directory,
                    err.strerror or type(err).__name__,
                )
            self._free_space_failing = True
        else:
            if self._free_space_failing:
                _LOGGER.info("The free space of %s can be read again", directory)
            self._free_space_failing = False
        finally:
            self._free_space_pending = False
        self._notify()

    # Events

    @callback
    def _on_event(self, event: TorrentEvent) -> None:
        """Pass one backend event on to the bus, the entities and the hand-off."""
        self.hass.bus.async_fire(
            EVENT_TORRENT,
            {
                ATTR_CONFIG_ENTRY_ID: self.entry.entry_id,
                "event": str(event.kind),
                "info_hash": event.info_hash,
                "name": event.name,
                "message": event.message,
            },
        )
        if event.kind is EventKind.REMOVED:
            self._categories.forget(event.info_hash)
        async_dispatcher_send(self.hass, self._events, event)
        # New and removed torrents show at once, not at the next update.
        self._async_update()

    # Torrents: what the actions, the hand-off and the entities use

    def _running_backend(self) -> TorrentBackend:
        backend = self.backend
        if backend is None or not backend.running:
            raise EngineError("BitTorrent is not running")
        return backend

    def status(self, info_hash: str) -> TorrentStatus | None:
        """Return one torrent's status; None when unknown or BitTorrent is off."""
        backend = self.backend
        if backend is None or not backend.running:
            return None
        return backend.status(info_hash)

    async def add(
        self,
        *,
        magnet: str | None = None,
        data: bytes | None = None,
        save_path: Path | None = None,
        category: str | None = None,
    ) -> str:
        """Add a torrent from a magnet URI or .torrent data; return its info hash.

        Without a save path it goes into the download directory. EngineError
        (DuplicateTorrentError, InvalidTorrentError) if it cannot be added.
        """
        backend = self._running_backend()
        if data is not None:
            info_hash = await backend.add_torrent_data(data, save_path=save_path)
        elif magnet is not None:
            info_hash = await backend.add_magnet(magnet, save_path=save_path)
        else:
            raise ValueError("a torrent needs a magnet URI or .torrent data")
        if category is not None:
            self.set_category(info_hash, category)
        return info_hash

    async def pause(self, info_hash: str) -> None:
        """Pause one torrent; EngineError if it cannot be."""
        await self._running_backend().pause(info_hash)

    async def resume(self, info_hash: str) -> None:
        """Resume one torrent; EngineError if it cannot be."""
        await self._running_backend().resume(info_hash)

    async def remove(self, info_hash: str, *, delete_files: bool = False) -> None:
        """Remove one torrent, and its files when asked; its category goes too."""
        await self._running_backend().remove(info_hash, delete_files=delete_files)
        self._categories.forget(info_hash)

    @callback
    def set_category(
        self, info_hash: str, category: str, *, keep_existing: bool = False
    ) -> None:
        """Give a torrent a category of CATEGORIES; ValueError for another.

        With `keep_existing`, a torrent that has one keeps it.
        """
        self._categories.set(info_hash, category, keep_existing=keep_existing)

    def torrents(self) -> list[TorrentStatus]:
        """Return the status of every torrent of the running backend."""
        if self.backend is None or not self.backend.running:
            return []
        return self.backend.torrents()

    def as_dicts(self) -> list[dict[str, Any]]:
        """Return every torrent in the shape of the actions' answers."""
        return [
            status_as_dict(status, self.categories.get(status.info_hash))
            for status in self.torrents()
        ]
