"""LCARS as a download client of Radarr and Sonarr.

Two ways lead from Radarr or Sonarr to the BitTorrent engine:

- The watch folder: their "Torrent Blackhole" download client writes .torrent
  or .magnet files into ``<download dir>/watch``; LCARS adds them and saves
  the downloads into the download directory, which Radarr and Sonarr watch
  for finished downloads.
- A link: ``lcars.add_torrent`` with ``link: {service, id}`` ties a torrent
  to a movie or series. When the torrent finishes, LCARS asks that Radarr or
  Sonarr to import the download (DownloadedMoviesScan, DownloadedEpisodesScan)
  as a copy, so the torrent keeps seeding. Links are stored and survive
  restarts; each link is handed over once.
"""

from __future__ import annotations

from collections.abc import Mapping
import contextlib
from dataclasses import asdict, dataclass, replace
from datetime import datetime
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from custom_components.lcars.clients.errors import LcarsClientError
from custom_components.lcars.coordinator import (
    RadarrCoordinator,
    Services,
    SonarrCoordinator,
)
from custom_components.lcars.torrent import (
    DuplicateTorrentError,
    EngineError,
    EventKind,
    TorrentEvent,
    TorrentState,
)
from custom_components.lcars.torrent.blackhole import (
    DEFAULT_INTERVAL,
    BlackholeFile,
    BlackholeWatcher,
    FileKind,
)
from custom_components.lcars.torrent.options import WATCH_SUBFOLDER
from custom_components.lcars.torrent.redact import redact
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store

if TYPE_CHECKING:
    from .torrent import TorrentManager

_LOGGER = logging.getLogger(__name__)

# Services a torrent can be linked to, and the category that goes with each.
LINK_SERVICES: Final[Mapping[str, str]] = {"radarr": "movie", "sonarr": "series"}
# The command that imports a finished download, per service.
IMPORT_COMMANDS: Final[Mapping[str, str]] = {
    "radarr": "DownloadedMoviesScan",
    "sonarr": "DownloadedEpisodesScan",
}
# Copy, not move: the torrent goes on seeding from the download directory.
IMPORT_MODE: Final = "Copy"

# Seconds between two scans of the watch folder.
WATCH_INTERVAL = DEFAULT_INTERVAL

STORAGE_VERSION: Final = 1
# A hand-over that failed is tried again after this many seconds.
RETRY_DELAY: Final = 60.0


@dataclass(frozen=True, slots=True)
class TorrentLink:
    """A torrent tied to a movie of a Radarr or a series of a Sonarr."""

    service: str
    subentry_id: str
    item_id: int
    # When the import was asked for; None until the torrent finished.
    handed_off: str | None = None


def _watch_folder_problem(hass: HomeAssistant, folder: Path) -> str | None:
    """Say why a folder cannot be the watch folder, or None (blocking)."""
    if not folder.is_absolute():
        return "is not an absolute path"
    if folder.is_symlink():
        return "is a symbolic link, which LCARS never follows"
    if not hass.config.is_allowed_path(str(folder)):
        return "is not in a directory Home Assistant may use"
    return None


def _links_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"lcars.torrent_links.{entry_id}")


class TorrentHandoff:
    """The links of one entry's torrents, and its watch folder."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        manager: TorrentManager,
        services: Services,
    ) -> None:
        """Prepare; nothing is read before async_setup().

        `manager` is the entry's BitTorrent client; `services` its connected
        servers, which linked torrents are handed to.
        """
        self.hass = hass
        self.entry = entry
        self.manager = manager
        self.services = services
        self._set_up = False
        self.links: dict[str, TorrentLink] = {}
        self.watcher: BlackholeWatcher | None = None
        self._store = _links_store(hass, entry.entry_id)
        # Hand-overs under way, so a repeated event does not ask twice.
        self._handing: set[str] = set()
        self._cancel_retry: CALLBACK_TYPE | None = None

    # Links

    async def async_load(self) -> None:
        """Read the stored links."""
        stored = await self._store.async_load()
        found = stored.get("links") if isinstance(stored, dict) else None
        if stored is not None and not isinstance(found, dict):
            # Valid JSON of another shape: the links are lost, not the setup.
            _LOGGER.warning("Ignoring the stored torrent links: not in their shape")
            found = None
        links: dict[str, TorrentLink] = {}
        for info_hash, values in (found or {}).items():
            try:
                links[str(info_hash)] = TorrentLink(
                    service=str(values["service"]),
                    subentry_id=str(values["subentry_id"]),
                    item_id=int(values["item_id"]),
                    handed_off=values.get("handed_off"),
                )
            except (KeyError, TypeError, ValueError):
                _LOGGER.warning("Ignoring a stored torrent link that is not valid")
        self.links = links

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the links of a removed entry."""
        await _links_store(hass, entry_id).async_remove()

    async def _async_save(self) -> None:
        await self._store.async_save(
            {"links": {key: asdict(link) for key, link in self.links.items()}}
        )

    def is_linked(self, info_hash: str) -> bool:
        """Return whether a torrent is tied to a movie or series."""
        return info_hash.lower() in self.links

    async def async_link(self, info_hash: str, link: TorrentLink) -> None:
        """Tie a torrent to a movie or series and store it."""
        info_hash = info_hash.lower()
        self.links[info_hash] = link
        await self._async_save()
        # Added complete (its files were already there): hand over at once.
        self._async_check_finished()

    async def async_unlink(self, info_hash: str) -> None:
        """Forget the link of a torrent."""
        if self.links.pop(info_hash.lower(), None) is not None:
            await self._async_save()

    # Engine events

    @callback
    def async_on_event(self, event: TorrentEvent) -> None:
        """Hand a linked torrent over when it finishes; forget removed ones."""
        info_hash = event.info_hash.lower()
        if info_hash not in self.links:
            return
        if event.kind is EventKind.FINISHED:
            self._async_schedule_handoff(info_hash)
        elif event.kind is EventKind.REMOVED:
            self.entry.async_create_background_task(
                self.hass, self.async_unlink(info_hash), "lcars torrent unlink"
            )

    @callback
    def _async_check_finished(self, _now: datetime | None = None) -> None:
        """Hand over every linked torrent that is complete but not handed over."""
        self._cancel_retry = None
        if not self.manager.running:
            return
        for info_hash, link in self.links.items():
            status = self.manager.status(info_hash)
            if (
                link.handed_off is None
                and status is not None
                and status.progress >= 100.0
                and status.state in (TorrentState.FINISHED, TorrentState.SEEDING)
            ):
                self._async_schedule_handoff(info_hash)

    @callback
    def _async_schedule_handoff(self, info_hash: str) -> None:
        link = self.links.get(info_hash)
        if link is None or link.handed_off is not None or info_hash in self._handing:
            return
        self._handing.add(info_hash)
        self.entry.async_create_background_task(
            self.hass, self._async_handoff(info_hash, link), "lcars torrent handoff"
        )

    async def _async_handoff(self, info_hash: str, link: TorrentLink) -> None:
        try:
            done = await self._async_send_import(info_hash, link)
        finally:
            self._handing.discard(info_hash)
        if done:
            if info_hash in self.links:
                self.links[info_hash] = replace(
                    link, handed_off=datetime.now().astimezone().isoformat()
                )
                await self._async_save()
        elif self._cancel_retry is None:
            self._cancel_retry = async_call_later(
                self.hass, RETRY_DELAY, self._async_check_finished
            )

    async def _async_send_import(self, info_hash: str, link: TorrentLink) -> bool:
        """Ask the linked service to import the download; True once asked."""
        status = self.manager.status(info_hash)
        if status is None:
            return False
        coordinator = self.services.coordinators.get(link.subentry_id)
        if not isinstance(coordinator, RadarrCoordinator | SonarrCoordinator):
            _LOGGER.warning(
                "%s finished, but the service it is linked to is no longer connected",
                status.name,
            )
            # Nothing to retry: the service is gone from the entry.
            return True
        path = str(Path(status.save_path) / status.name)
        body = {
            "path": path,
            "downloadClientId": info_hash.upper(),
            "importMode": IMPORT_MODE,
        }
        try:
            await coordinator.client.async_run_command(
                IMPORT_COMMANDS[link.service], body
            )
        except LcarsClientError as err:
            _LOGGER.warning(
                "Cannot ask %s to import %s, will try again: %s",
                coordinator.subentry.title,
                status.name,
                redact(str(err)),
            )
            return False
        _LOGGER.info(
            "Asked %s to import %s from %s",
            coordinator.subentry.title,
            status.name,
            path,
        )
        return True

    # Watch folder

    async def async_watch_dir(self) -> Path | None:
        """Return the watch folder, or None when it is off or not allowed.

        LCARS renames and writes files there, so it must be in a directory
        Home Assistant may use: the default one too, which for an external
        client is where that client saves, on a disk Home Assistant may not
        share. The check reads the disk, so it runs in the executor.
        """
        manager = self.manager
        options = manager.options
        if not options.watch_folder or manager.download_dir is None:
            return None
        folder = options.watch_dir or manager.download_dir / WATCH_SUBFOLDER
        problem = await self.hass.async_add_executor_job(
            _watch_folder_problem, self.hass, folder
        )
        if problem is not None:
            _LOGGER.warning(
                "The watch folder %s %s: it is not watched", folder, problem
            )
            return None
        return folder

    async def _async_add_dropped(self, file: BlackholeFile) -> str:
        """Add a file of the watch folder to the engine; return its info hash."""
        manager = self.manager
        if not manager.running:
            raise EngineError("BitTorrent is not running")
        info_hash = file.info_hash
        if manager.status(info_hash) is None:
            # Into the download directory, where Radarr and Sonarr look for
            # finished downloads.
            with contextlib.suppress(DuplicateTorrentError):
                info_hash = await manager.add(
                    magnet=file.magnet if file.kind is FileKind.MAGNET else None,
                    data=file.torrent_data if file.kind is FileKind.TORRENT else None,
                    save_path=manager.download_dir,
                )
        if file.category is not None:
            manager.set_category(info_hash, file.category, keep_existing=True)
        return info_hash

    # Life cycle

    async def async_start(self) -> None:
        """Watch the folder and catch up on finished torrents, once BitTorrent runs."""
        if not self.manager.running:
            return
        # A linked torrent is a movie or series across restarts, so its
        # entities stay.
        for info_hash, link in self.links.items():
            self.manager.set_category(
                info_hash, LINK_SERVICES[link.service], keep_existing=True
            )
        self._async_check_finished()
        folder = await self.async_watch_dir()
        if folder is None:
            return
        self.watcher = BlackholeWatcher(
            folder, self._async_add_dropped, interval=WATCH_INTERVAL
        )
        try:
            await self.watcher.start()
        except OSError as err:
            _LOGGER.warning("Cannot watch %s: %s", folder, err)
            self.watcher = None

    async def async_stop(self) -> None:
        """Stop watching the folder."""
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            await watcher.stop()

    async def async_setup(self) -> None:
        """Load the links, follow the engine's events, watch the folder.

        Call once BitTorrent has started; everything stops when the entry
        unloads. A second call does nothing.
        """
        if self._set_up:
            return
        self._set_up = True
        await self.async_load()
        entry = self.entry
        entry.async_on_unload(
            self.manager.async_add_event_listener(self.async_on_event)
        )
        entry.async_on_unload(self.async_stop)
        await self.async_start()
