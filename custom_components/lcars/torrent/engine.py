"""The BitTorrent engine: one libtorrent session driven from an asyncio loop.

libtorrent is imported lazily (``load_libtorrent``) because it has no build
for every Python version LCARS runs on.

Alerts reach the loop through a socket pair: libtorrent writes a byte to one
end whenever its alert queue stops being empty, the loop watches the other end
and pops the alerts on its own thread. Alert objects are only valid until the
next pop, so everything needed is copied out of them at once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
import contextlib
from datetime import UTC, datetime, timedelta
import errno
import json
import logging
import os
from pathlib import Path
import socket
import time
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import (
    DuplicateTorrentError,
    EngineError,
    InvalidTorrentError,
    LibtorrentMissingError,
    UnknownTorrentError,
)
from .models import EventKind, TorrentEvent, TorrentState, TorrentStatus
from .redact import redact, tracker_host
from .safe_files import (
    directory,
    find_link,
    is_temporary_name,
    read_file,
    unlink_file,
    write_file,
)
from .seeding import SeedingLimitRule
from .settings import (
    EngineSettings,
    SeedingLimits,
    settings_pack,
)

_LOGGER = logging.getLogger(__name__)

RESUME_SUFFIX = ".resume"
LIMITS_FILE = "seeding_limits.json"
# Larger files in the state folder are not LCARS's (resume data holds the
# torrent's metadata: a few MB for the largest torrents).
MAX_STATE_FILE_BYTES = 64 * 1024 * 1024
# Resume data names the trackers, whose URLs carry private passkeys.
STATE_DIR_MODE = 0o700
STATE_FILE_MODE = 0o600
# How often status updates are asked for.
UPDATE_INTERVAL = 1.0
# How often torrents with unsaved changes get their resume data saved: what a
# crash can lose. Only torrents that changed are written, so this is cheap.
RESUME_SAVE_INTERVAL = 15.0
# How often the bind interface is checked.
INTERFACE_CHECK_INTERVAL = 5.0
# How long stop() waits for resume data and for trackers to hear goodbye.
STOP_SAVE_TIMEOUT = 10.0
STOP_TRACKER_TIMEOUT = 1
# Calls on the loop that take longer than this are logged.
SLOW_CALL = 0.05

type EventCallback = Callable[[TorrentEvent], None]


def load_libtorrent() -> ModuleType:
    """Import libtorrent, raising LibtorrentMissingError when it is not installed."""
    try:
        import libtorrent  # noqa: PLC0415  # not installable everywhere
    except ImportError as err:
        raise LibtorrentMissingError("libtorrent is not installed") from err
    return libtorrent


def _invalid_torrent(message: str) -> EngineError:
    """Return the error of a magnet URI or torrent file that cannot be added."""
    return InvalidTorrentError(message)


def _duplicate_torrent(message: str) -> EngineError:
    """Return the error of a torrent that is in the engine already."""
    return DuplicateTorrentError(message)


def interface_is_up(name: str) -> bool:
    """Return whether a network interface exists and is not down.

    Blocking (reads /sys); call it from an executor.
    """
    try:
        socket.if_nametoindex(name)
    except OSError:
        return False
    try:
        state = Path(f"/sys/class/net/{name}/operstate").read_text().strip()
    except OSError:
        # No sysfs (not Linux): existing is all that can be known.
        return True
    # Tunnels such as WireGuard report "unknown" while working.
    return state not in ("down", "lowerlayerdown", "notpresent")


def _file_paths(torrent_info: Any) -> list[str]:
    """Return where a torrent's files go, relative to its save path."""
    files = torrent_info.layout()
    return [
        files.file_path(index)
        for index in range(files.num_files())
        if not files.file_flags(index) & files.flag_pad_file
    ]


def _link_message(link: Path) -> str:
    return f"{link} is a symbolic link, which LCARS does not follow"


def payload_problem(save_path: Path, torrent_info: Any) -> str | None:
    """Return why a torrent's files may not be written, seeded or deleted; else None.

    The one rule of every place where libtorrent would touch a torrent's
    files (adding it, letting a magnet download, restoring, resuming,
    deleting): no symbolic link on the way from the save path to any of
    them, nested folders included. A path that cannot be checked is a doubt,
    and a doubt stops the torrent too. Blocking: call it from an executor.
    """
    try:
        link = find_link(save_path, _file_paths(torrent_info))
    except OSError as err:
        return f"cannot check where the files go: {err.strerror or err}"
    return None if link is None else _link_message(link)


def _hash_key(info_hashes: Any) -> str:
    """Return the hex info hash a torrent is known by.

    The v1 hash when there is one: a magnet link names a hybrid torrent by it,
    and the key must not change once the metadata arrives.
    """
    if info_hashes.has_v1():
        return str(info_hashes.v1)
    return str(info_hashes.v2)


class TorrentEngine:
    """Runs one libtorrent session for downloading and seeding torrents."""

    def __init__(
        self,
        settings: EngineSettings,
        state_dir: Path,
        on_event: EventCallback,
        *,
        update_interval: float = UPDATE_INTERVAL,
        resume_save_interval: float = RESUME_SAVE_INTERVAL,
        interface_check_interval: float = INTERFACE_CHECK_INTERVAL,
        state_root: Path | None = None,
    ) -> None:
        """Prepare the engine; nothing runs before start().

        The engine keeps its resume data and seeding limits in `state_dir`,
        which, like every folder between `state_root` (its parent by default)
        and it, must not be a symbolic link.
        """
        self.settings = settings
        self.state_dir = state_dir
        self.state_root = state_dir.parent if state_root is None else state_root
        self._on_event = on_event
        self._update_interval = update_interval
        self._resume_save_interval = resume_save_interval
        self._interface_check_interval = interface_check_interval
        self._lt: ModuleType | None = None
        self._session: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._alert_sockets: tuple[socket.socket, socket.socket] | None = None
        self._handles: dict[str, Any] = {}
        # Handles hash by torrent: finding the key of an alert's torrent this
        # way avoids a call waiting on libtorrent's network thread.
        self._keys: dict[Any, str] = {}
        self._status: dict[str, TorrentStatus] = {}
        self._limits: dict[str, SeedingLimits] = {}
        self._seeding = SeedingLimitRule(
            pause=self.pause, remove=self.remove, emit=self._emit, spawn=self._spawn
        )
        # Torrents complete when loaded: their "finished" is not news.
        self._complete_at_load: set[str] = set()
        self._finished_early: set[str] = set()
        # Magnets whose files are not known yet: libtorrent downloads nothing
        # of them (upload mode) until where their files go is checked.
        self._unchecked: set[str] = set()
        # Magnets whose metadata arrived before add() had registered them.
        self._metadata_early: set[str] = set()
        # Torrents stopped because a symbolic link is where a file goes.
        self._path_errors: dict[str, str] = {}
        self._pending_saves: dict[str, asyncio.Future[None]] = {}
        # The resume file write under way for each torrent.
        self._writes: dict[str, asyncio.Future[None]] = {}
        # Torrents whose "finished" waits for their data to be on disk.
        self._finishing: dict[str, asyncio.Future[None]] = {}
        # Disk flushes asked for, oldest first; libtorrent answers in order.
        self._flushes: dict[str, deque[asyncio.Future[None]]] = {}
        self._io_tasks: set[asyncio.Future[None]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._last_resume_save = 0.0
        self._last_interface_check = 0.0
        self._interface_task: asyncio.Future[bool] | None = None
        self._listening = False
        self.interface_up = True

    # Life cycle

    @property
    def running(self) -> bool:
        """Return whether the session exists."""
        return self._session is not None

    @property
    def listening(self) -> bool:
        """Return whether the session listens for incoming peers."""
        return self._session is not None and self._listening

    @property
    def listen_port(self) -> int | None:
        """Return the port listened on, or None when not listening."""
        if not self.listening:
            return None
        return int(self._session.listen_port())

    async def start(self) -> None:
        """Create the session and bring back the torrents of the state dir."""
        if self._session is not None:
            raise EngineError("engine already started")
        loop = asyncio.get_running_loop()
        self._loop = loop
        lt = await loop.run_in_executor(None, load_libtorrent)
        self._lt = lt
        await loop.run_in_executor(None, self._prepare_dirs)
        if self.settings.bind_interface is not None:
            self.interface_up = await loop.run_in_executor(
                None, interface_is_up, self.settings.bind_interface
            )
        self._limits = await loop.run_in_executor(None, self._read_limits)
        pack = settings_pack(self.settings)
        flags = lt.session_flags_t.add_default_plugins
        if not self.interface_up:
            # Not one byte may pass before the interface is there.
            flags |= lt.session_flags_t.paused
        self._session = await loop.run_in_executor(None, lt.session, pack, flags)
        try:
            await self._start_session(loop)
        except BaseException:
            await self.stop()
            raise

    async def _start_session(self, loop: asyncio.AbstractEventLoop) -> None:
        self._listening = await loop.run_in_executor(None, self._session.is_listening)
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        # libtorrent must never block writing the wake-up byte.
        writer.setblocking(False)
        self._alert_sockets = (reader, writer)
        self._session.set_alert_fd(writer.fileno())
        loop.add_reader(reader.fileno(), self._on_alerts_ready)
        if not self.interface_up:
            _LOGGER.warning(
                "Interface %s is down: all torrents stay paused",
                self.settings.bind_interface,
            )
        resumed = await loop.run_in_executor(None, self._load_resume_files)
        for key, handle, status in resumed:
            self._handles[key] = handle
            self._keys[handle] = key
            self._status[key] = status
        self._last_resume_save = self._last_interface_check = loop.time()
        self._schedule_tick()
        # Alerts raised before the reader existed (listen results) are
        # waiting in the queue.
        self._on_alerts_ready()

    async def stop(self) -> None:
        """Pause, save every torrent's resume data and release the session."""
        session = self._session
        loop = self._loop
        if session is None or loop is None:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._interface_task is not None:
            await asyncio.wait([self._interface_task])
        await loop.run_in_executor(None, session.pause)
        waits = [self._save_resume(key) for key in list(self._handles)]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=STOP_SAVE_TIMEOUT)
            if pending:
                _LOGGER.warning("Resume data of %d torrents not saved", len(pending))
        if self._io_tasks:
            await asyncio.wait(list(self._io_tasks), timeout=STOP_SAVE_TIMEOUT)
        session.apply_settings({"stop_tracker_timeout": STOP_TRACKER_TIMEOUT})
        sockets = self._alert_sockets
        if sockets is not None:
            loop.remove_reader(sockets[0].fileno())
        self._session = None
        self._handles.clear()
        self._keys.clear()
        self._pending_saves.clear()
        for key in list(self._flushes):
            self._resolve_flush(key, every=True)
        holder = [session]
        del session
        # Destroying the session waits for trackers and disk threads.
        await loop.run_in_executor(None, holder.clear)
        if sockets is not None:
            # Closed only now: libtorrent may write to its end until its
            # destruction, and a reused descriptor must not get that byte.
            for sock in sockets:
                sock.close()
            self._alert_sockets = None
        self._status.clear()
        self._seeding.clear()
        self._complete_at_load.clear()
        self._finished_early.clear()
        self._unchecked.clear()
        self._metadata_early.clear()
        self._path_errors.clear()
        self._finishing.clear()
        self._listening = False

    # Torrents

    async def add_magnet(
        self,
        uri: str,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a magnet URI; return its info hash.

        Files go to save_path, or to the download directory by default.
        """
        lt = self._require_lt()
        try:
            params = lt.parse_magnet_uri(uri)
        except RuntimeError as err:
            raise _invalid_torrent(f"invalid magnet URI: {err}") from err
        return await self._add(params, save_path, limits)

    async def add_torrent_data(
        self,
        data: bytes,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from the bytes of a .torrent file; return its info hash."""
        lt = self._require_lt()

        def parse() -> Any:
            params = lt.add_torrent_params()
            params.ti = lt.torrent_info(lt.bdecode(data))
            return params

        try:
            params = await self._executor(parse)
        except (RuntimeError, TypeError) as err:
            raise _invalid_torrent(f"invalid torrent file: {err}") from err
        return await self._add(params, save_path, limits)

    async def add_torrent_file(
        self,
        path: Path,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a .torrent file on disk; return its info hash."""
        try:
            data = await self._executor(path.read_bytes)
        except OSError as err:
            raise EngineError(f"cannot read {path.name}: {err.strerror}") from err
        return await self.add_torrent_data(data, save_path=save_path, limits=limits)

    async def _prepare(
        self, lt: ModuleType, params: Any, save_path: Path | None
    ) -> str | None:
        """Set up a torrent's parameters and check it may be added.

        Return its key when the parameters carry its hashes, else None.
        """
        params.save_path = str(save_path or self.settings.download_dir)
        # The engine decides when torrents run (seeding limits, kill switch);
        # libtorrent's queue would resume what the engine paused.
        params.flags &= ~lt.torrent_flags.auto_managed
        params.flags &= ~lt.torrent_flags.paused
        params.flags |= lt.torrent_flags.duplicate_is_error
        hashes = params.ti.info_hashes() if params.ti is not None else None
        if hashes is None:
            hashes = params.info_hashes
        wanted: str | None = None
        if hashes.has_v1() or hashes.has_v2():
            wanted = _hash_key(hashes)
            if wanted in self._handles:
                raise _duplicate_torrent(
                    f"cannot add torrent: {wanted} is already in the engine"
                )
        if params.ti is not None:
            # Where the files go must not lead elsewhere through a link.
            problem = await self._executor(
                payload_problem, Path(params.save_path), params.ti
            )
            if problem is not None:
                raise EngineError(f"cannot add torrent: {problem}")
        elif wanted is not None:
            # The files are known once the metadata is: nothing is written
            # before they are checked.
            params.flags |= lt.torrent_flags.upload_mode
            self._unchecked.add(wanted)
        return wanted

    async def _add(
        self, params: Any, save_path: Path | None, limits: SeedingLimits | None
    ) -> str:
        lt = self._require_lt()
        session = self._require_session()
        wanted = await self._prepare(lt, params, save_path)

        def add() -> tuple[str, Any, TorrentStatus]:
            handle = session.add_torrent(params)
            return (
                _hash_key(handle.info_hashes()),
                handle,
                self._convert(lt, handle.status()),
            )

        try:
            key, handle, status = await self._executor(add)
        except RuntimeError as err:
            if wanted is not None and wanted not in self._handles:
                self._unchecked.discard(wanted)
            if "duplicate" in str(err).lower() or "exists" in str(err).lower():
                raise _duplicate_torrent(f"cannot add torrent: {err}") from err
            raise EngineError(f"cannot add torrent: {err}") from err
        self._handles[key] = handle
        self._keys[handle] = key
        self._status[key] = status
        if limits is not None:
            # Kept in memory at once, written after "added": a torrent whose
            # files are complete can finish while the file is written, and
            # "added" must come first.
            self._limits[key] = limits
        name = params.name or (params.ti.name() if params.ti is not None else key)
        self._emit(TorrentEvent(EventKind.ADDED, key, name))
        if key in self._metadata_early:
            self._metadata_early.discard(key)
            self._track(asyncio.ensure_future(self._check_paths(key)))
        if key in self._finished_early:
            self._finished_early.discard(key)
            self._on_finished(key, name)
        else:
            self._save_resume(key)
        if limits is not None:
            try:
                await self._write_limits()
            except OSError as err:
                _LOGGER.warning("Cannot save the seeding limits of %s: %s", key, err)
        return key

    async def pause(self, info_hash: str) -> None:
        """Pause a torrent and save its resume data."""
        handle = self._handle(info_hash)
        self._timed(handle.unset_flags, self._require_lt().torrent_flags.auto_managed)
        self._timed(handle.pause)
        await self._save_resume(info_hash)

    async def resume(self, info_hash: str) -> None:
        """Resume a paused torrent.

        A torrent past its seeding limit stops again at the next status
        update; raise its limits with set_seeding_limits to keep it seeding.
        """
        handle = self._handle(info_hash)
        # A link may have been planted while it was paused: resumed only
        # where no link leads its writes, or what it seeds, elsewhere.
        await self._check_paths(info_hash)
        if info_hash in self._path_errors:
            raise EngineError(f"cannot resume: {self._path_errors[info_hash]}")
        self._seeding.forget(info_hash)
        self._timed(handle.resume)

    async def remove(self, info_hash: str, *, delete_files: bool = False) -> None:
        """Remove a torrent, with its downloaded files when asked."""
        lt = self._require_lt()
        session = self._require_session()
        handle = self._handle(info_hash)
        if (finishing := self._finishing.get(info_hash)) is not None:
            # "finished" comes before "removed".
            await asyncio.wait([finishing])
        name = self._name(info_hash)
        flags = lt.options_t.delete_files if delete_files else 0
        if delete_files:
            # Deleting through a link would delete what it points to.
            problem = await self._payload_problem_of(info_hash)
            if problem is not None:
                raise EngineError(f"cannot delete the files of {name}: {problem}")
        # Forgotten first, so that no resume data is written from now on.
        self._handles.pop(info_hash, None)
        self._status.pop(info_hash, None)
        self._seeding.forget(info_hash)
        self._complete_at_load.discard(info_hash)
        self._unchecked.discard(info_hash)
        self._metadata_early.discard(info_hash)
        self._path_errors.pop(info_hash, None)
        self._resolve_save(info_hash)
        self._resolve_flush(info_hash, every=True)
        try:
            await self._executor(session.remove_torrent, handle, flags)
        finally:
            self._keys.pop(handle, None)
        if (writing := self._writes.get(info_hash)) is not None:
            await asyncio.wait([writing])
        try:
            await self._executor(self._remove_state_file, self._resume_name(info_hash))
        except OSError as err:
            _LOGGER.warning("Cannot remove the resume data of %s: %s", info_hash, err)
        if self._limits.pop(info_hash, None) is not None:
            try:
                await self._write_limits()
            except OSError as err:
                _LOGGER.warning("Cannot save the seeding limits: %s", err)
        self._emit(TorrentEvent(EventKind.REMOVED, info_hash, name))

    async def set_seeding_limits(
        self, info_hash: str, limits: SeedingLimits | None
    ) -> None:
        """Override the seeding limits of one torrent (None: use the defaults)."""
        self._handle(info_hash)
        if limits is None:
            self._limits.pop(info_hash, None)
        else:
            self._limits[info_hash] = limits
        self._seeding.forget(info_hash)
        try:
            await self._write_limits()
        except OSError as err:
            raise EngineError(f"cannot save the seeding limits: {err}") from err

    def seeding_limits(self, info_hash: str) -> SeedingLimits:
        """Return the seeding limits applying to a torrent."""
        return self._limits.get(info_hash, self.settings.seeding_limits)

    def torrents(self) -> list[TorrentStatus]:
        """Return the last known status of every torrent."""
        return [
            self._status.get(key) or self._placeholder(key) for key in self._handles
        ]

    def status(self, info_hash: str) -> TorrentStatus | None:
        """Return the last known status of one torrent."""
        if info_hash not in self._handles:
            return None
        return self._status.get(info_hash) or self._placeholder(info_hash)

    def session_handle(self) -> Any:
        """Return the libtorrent session (for diagnostics)."""
        return self._require_session()

    # Symbolic links where files go

    async def _payload_problem_of(self, key: str) -> str | None:
        """Return why a torrent's files may not be touched (payload_problem)."""
        handle = self._handles.get(key)
        if handle is None:
            return None
        torrent_info = self._timed(handle.torrent_file)
        if torrent_info is None:
            # A magnet without metadata has no file yet.
            return None
        save_path = Path(self._timed(handle.status).save_path)
        return await self._executor(payload_problem, save_path, torrent_info)

    async def _check_paths(self, key: str) -> None:
        """Let a torrent download once no link is where its files go; else stop it."""
        handle = self._handles.get(key)
        if handle is None or self._timed(handle.torrent_file) is None:
            # Gone, or its files not known yet: checked when they are.
            return
        message = await self._payload_problem_of(key)
        handle = self._handles.get(key)
        if handle is None:
            return
        held = key in self._unchecked or key in self._path_errors
        self._unchecked.discard(key)
        lt = self._require_lt()
        if message is None:
            if held:
                self._path_errors.pop(key, None)
                self._timed(handle.unset_flags, lt.torrent_flags.upload_mode)
                self._save_resume(key)
            return
        _LOGGER.warning("%s stopped: %s", key, message)
        self._path_errors[key] = message
        self._timed(handle.unset_flags, lt.torrent_flags.auto_managed)
        self._timed(handle.pause)
        self._status[key] = self._convert(lt, self._timed(handle.status))
        self._save_resume(key)
        self._emit(TorrentEvent(EventKind.ERROR, key, self._name(key), message))

    # Alerts

    def _on_alerts_ready(self) -> None:
        sockets = self._alert_sockets
        session = self._session
        if sockets is None or session is None:
            return
        # Drain the wake-up bytes before popping, so a byte written after the
        # pop wakes the loop again.
        while True:
            try:
                if not sockets[0].recv(4096):
                    break
            except BlockingIOError:
                break
            except OSError as err:
                if err.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                    break
                raise
        lt = self._require_lt()
        started = time.monotonic()
        for alert in session.pop_alerts():
            try:
                self._handle_alert(lt, alert)
            except Exception:
                _LOGGER.exception("Error handling %s", type(alert).__name__)
        elapsed = time.monotonic() - started
        if elapsed > SLOW_CALL:
            _LOGGER.debug("Handling alerts took %.3f s", elapsed)

    def _handle_alert(self, lt: ModuleType, alert: Any) -> None:
        if isinstance(alert, lt.state_update_alert):
            self._on_status_update([self._convert(lt, st) for st in alert.status])
        elif isinstance(alert, lt.save_resume_data_alert):
            params = alert.params
            key = _hash_key(params.info_hashes)
            data = bytes(lt.write_resume_data_buf(params))
            self._write_resume(key, data)
        elif isinstance(alert, lt.save_resume_data_failed_alert):
            key = self._key_of(alert.handle)
            # "Nothing changed" also arrives here; the last file is current.
            _LOGGER.debug("Resume data of %s not saved: %s", key, alert.message())
            self._resolve_save(key)
        elif isinstance(alert, lt.cache_flushed_alert):
            self._resolve_flush(self._key_of(alert.handle))
        elif isinstance(alert, lt.torrent_finished_alert):
            key = self._key_of(alert.handle)
            if key in self._unchecked or key in self._path_errors:
                # Nothing wanted yet (or ever): nothing was downloaded.
                return
            if key in self._complete_at_load:
                self._save_resume(key)
                return
            if key not in self._handles:
                # Checked before add() returned: announced right after "added".
                self._finished_early.add(key)
                return
            self._on_finished(key, alert.torrent_name)
        elif isinstance(alert, lt.metadata_received_alert):
            key = self._key_of(alert.handle)
            if key in self._unchecked and key not in self._handles:
                # Checked once add() has registered it.
                self._metadata_early.add(key)
            elif key in self._unchecked:
                self._track(asyncio.ensure_future(self._check_paths(key)))
            else:
                self._save_resume(key)
        elif isinstance(alert, lt.torrent_error_alert | lt.file_error_alert):
            key = self._key_of(alert.handle)
            self._emit(
                TorrentEvent(EventKind.ERROR, key, alert.torrent_name, alert.message())
            )
        elif isinstance(alert, lt.listen_succeeded_alert):
            self._listening = True
            _LOGGER.debug("Listening: %s", alert.message())
        elif isinstance(alert, lt.listen_failed_alert):
            self._listening = bool(self._session is not None and self._is_listening())
            _LOGGER.warning("Cannot listen: %s", alert.message())
        elif isinstance(alert, lt.tracker_error_alert):
            # The alert's own message holds the announce URL and its passkey.
            _LOGGER.debug(
                "Tracker %s of %s: %s",
                tracker_host(alert.tracker_url()),
                self._key_of(alert.handle),
                redact(alert.failure_reason() or alert.error.message()),
            )

    def _on_finished(self, key: str, name: str) -> None:
        self._complete_at_load.add(key)
        task = asyncio.ensure_future(self._announce_finished(key, name))
        self._finishing[key] = task
        self._track(task)

    async def _announce_finished(self, key: str, name: str) -> None:
        """Tell that a torrent finished once all of its data is on disk.

        libtorrent says "finished" once every piece passed its hash check,
        while the last blocks may still wait to be written; whoever acts on
        the event (Radarr or Sonarr importing the file) would read it short.
        A flush waits for every write queued before it (saving the resume
        data only starts one, without waiting), so it is asked for now.
        """
        try:
            await self._flush(key)
            pending = self._pending_saves.get(key)
            if pending is not None and not pending.done():
                await asyncio.wait([pending])
            await self._save_resume(key)
        finally:
            if self._finishing.get(key) is asyncio.current_task():
                del self._finishing[key]
        if key in self._handles:
            self._emit(TorrentEvent(EventKind.FINISHED, key, name))

    def _key_of(self, handle: Any) -> str:
        key = self._keys.get(handle)
        if key is None:
            key = _hash_key(self._timed(handle.info_hashes))
        return key

    def _is_listening(self) -> bool:
        return bool(self._timed(self._session.is_listening))

    def _on_status_update(self, statuses: list[TorrentStatus]) -> None:
        for status in statuses:
            if status.info_hash not in self._handles:
                continue
            self._status[status.info_hash] = status
            self._check_seeding_limits(status)

    def _check_seeding_limits(self, status: TorrentStatus) -> None:
        key = status.info_hash
        if key in self._finishing:
            # "finished" waits for a disk flush and comes first: the limit is
            # checked again at the next status update.
            return
        self._seeding.check(
            status, self.seeding_limits(key), self.settings.limit_action
        )

    # Timer

    def _schedule_tick(self) -> None:
        assert self._loop is not None
        self._timer = self._loop.call_later(self._update_interval, self._tick)

    def _tick(self) -> None:
        session = self._session
        loop = self._loop
        if session is None or loop is None:
            return
        self._timed(session.post_torrent_updates)
        now = loop.time()
        if now - self._last_resume_save >= self._resume_save_interval:
            self._last_resume_save = now
            for key, status in self._status.items():
                if status.need_save_resume:
                    self._save_resume(key)
        if (
            self.settings.bind_interface is not None
            and self._interface_task is None
            and now - self._last_interface_check >= self._interface_check_interval
        ):
            self._last_interface_check = now
            self._interface_task = loop.run_in_executor(
                None, interface_is_up, self.settings.bind_interface
            )
            self._interface_task.add_done_callback(self._on_interface_checked)
        self._schedule_tick()

    def _on_interface_checked(self, task: asyncio.Future[bool]) -> None:
        self._interface_task = None
        session = self._session
        if session is None or task.cancelled() or task.exception() is not None:
            return
        up = task.result()
        if up == self.interface_up:
            return
        self.interface_up = up
        if up:
            _LOGGER.info("Interface %s is up: resuming", self.settings.bind_interface)
            # Bind the listen sockets again now that the device exists.
            self._timed(session.apply_settings, settings_pack(self.settings))
            self._timed(
                session.reopen_network_sockets,
                self._require_lt().session.reopen_map_ports,
            )
            self._timed(session.resume)
        else:
            _LOGGER.warning(
                "Interface %s is down: pausing all torrents",
                self.settings.bind_interface,
            )
            self._timed(session.pause)

    # Resume data

    def _save_resume(self, key: str) -> asyncio.Future[None]:
        """Ask for a torrent's resume data; the future ends once it is on disk."""
        assert self._loop is not None
        pending = self._pending_saves.get(key)
        if pending is not None and not pending.done():
            return pending
        future: asyncio.Future[None] = self._loop.create_future()
        handle = self._handles.get(key)
        if handle is None:
            future.set_result(None)
            return future
        self._pending_saves[key] = future
        lt = self._require_lt()
        flags = (
            lt.save_resume_flags_t.save_info_dict
            | lt.save_resume_flags_t.flush_disk_cache
        )
        self._timed(handle.save_resume_data, flags)
        return future

    def _write_resume(self, key: str, data: bytes) -> None:
        if key not in self._handles:
            # Removed meanwhile: its resume file must not come back.
            self._resolve_save(key)
            return
        task = asyncio.ensure_future(
            self._write_resume_file(key, data, self._writes.get(key))
        )
        self._writes[key] = task
        self._track(task)

    async def _write_resume_file(
        self, key: str, data: bytes, previous: asyncio.Future[None] | None
    ) -> None:
        """Write one resume file, after the previous write of the same torrent."""
        try:
            if previous is not None:
                await asyncio.wait([previous])
            if key in self._handles:
                await self._executor(
                    self._write_state_file, self._resume_name(key), data
                )
        except OSError as err:
            _LOGGER.warning("Cannot save resume data of %s: %s", key, err)
        finally:
            if self._writes.get(key) is asyncio.current_task():
                del self._writes[key]
            self._resolve_save(key)

    def _flush(self, key: str) -> asyncio.Future[None]:
        """Write a torrent's queued blocks; the future ends once they are."""
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        handle = self._handles.get(key)
        if handle is None:
            future.set_result(None)
            return future
        self._flushes.setdefault(key, deque()).append(future)
        self._timed(handle.flush_cache)
        return future

    def _resolve_flush(self, key: str, *, every: bool = False) -> None:
        waiting = self._flushes.get(key)
        while waiting:
            future = waiting.popleft()
            if not future.done():
                future.set_result(None)
            if not every:
                break
        if not waiting:
            self._flushes.pop(key, None)

    def _resolve_save(self, key: str) -> None:
        pending = self._pending_saves.pop(key, None)
        if pending is not None and not pending.done():
            pending.set_result(None)

    @staticmethod
    def _resume_name(key: str) -> str:
        return f"{key}{RESUME_SUFFIX}"

    # State files: never through a symbolic link, never half written.

    def _state_directory(self) -> contextlib.AbstractContextManager[int]:
        return directory(
            self.state_dir, root=self.state_root, create=True, mode=STATE_DIR_MODE
        )

    def _write_state_file(self, name: str, data: bytes) -> None:
        with self._state_directory() as dir_fd:
            write_file(dir_fd, name, data, replace=True, mode=STATE_FILE_MODE)

    def _read_state_file(self, name: str) -> bytes:
        with self._state_directory() as dir_fd:
            return read_file(dir_fd, name, limit=MAX_STATE_FILE_BYTES)

    def _remove_state_file(self, name: str) -> None:
        with self._state_directory() as dir_fd:
            unlink_file(dir_fd, name)

    def _prepare_dirs(self) -> None:
        with self._state_directory() as dir_fd:
            # What a crash left of writes under way.
            for entry in os.scandir(dir_fd):
                if is_temporary_name(entry.name) and entry.is_file(
                    follow_symlinks=False
                ):
                    with contextlib.suppress(OSError):
                        unlink_file(dir_fd, entry.name)
        self.settings.download_dir.mkdir(parents=True, exist_ok=True)

    def _load_resume_files(self) -> list[tuple[str, Any, TorrentStatus]]:
        """Add every torrent saved in the state dir (runs in the executor)."""
        lt = self._require_lt()
        session = self._require_session()
        loaded: list[tuple[str, Any, TorrentStatus]] = []
        with self._state_directory() as dir_fd:
            names = sorted(
                entry.name
                for entry in os.scandir(dir_fd)
                if entry.name.endswith(RESUME_SUFFIX) and not entry.name.startswith(".")
            )
            for name in names:
                try:
                    data = read_file(dir_fd, name, limit=MAX_STATE_FILE_BYTES)
                    params = lt.read_resume_data(data)
                    if params.ti is not None and params.have_pieces:
                        have = list(params.have_pieces)
                        if len(have) == params.ti.num_pieces() and all(have):
                            self._complete_at_load.add(_hash_key(params.info_hashes))
                    params.flags &= ~lt.torrent_flags.auto_managed
                    self._check_paths_at_load(lt, params)
                    handle = session.add_torrent(params)
                except (OSError, RuntimeError) as err:
                    _LOGGER.warning("Cannot restore torrent from %s: %s", name, err)
                    continue
                status = self._convert(lt, handle.status())
                loaded.append((status.info_hash, handle, status))
        return loaded

    def _check_paths_at_load(self, lt: ModuleType, params: Any) -> None:
        """Hold back a saved torrent with a symbolic link where its files go.

        A link may have been planted while the engine did not run. Runs in
        the executor, before the torrent is added.
        """
        key = _hash_key(params.info_hashes)
        if params.ti is None:
            # Still a magnet: its files are checked when they are known.
            params.flags |= lt.torrent_flags.upload_mode
            self._unchecked.add(key)
            return
        # Saved while its files were being checked, perhaps.
        params.flags &= ~lt.torrent_flags.upload_mode
        problem = payload_problem(Path(params.save_path), params.ti)
        if problem is not None:
            self._path_errors[key] = problem
            _LOGGER.warning("%s stays stopped: %s", key, self._path_errors[key])
            params.flags |= lt.torrent_flags.paused

    def _read_limits(self) -> dict[str, SeedingLimits]:
        try:
            raw = json.loads(self._read_state_file(LIMITS_FILE))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            _LOGGER.warning("Cannot read seeding limits: %s", err)
            return {}
        limits: dict[str, SeedingLimits] = {}
        for key, value in raw.items():
            time_limit = value.get("time")
            limits[key] = SeedingLimits(
                ratio=value.get("ratio"),
                time=None if time_limit is None else timedelta(seconds=time_limit),
            )
        return limits

    async def _write_limits(self) -> None:
        raw = {
            key: {
                "ratio": limits.ratio,
                "time": None if limits.time is None else limits.time.total_seconds(),
            }
            for key, limits in self._limits.items()
        }
        data = json.dumps(raw, sort_keys=True).encode()
        await self._executor(self._write_state_file, LIMITS_FILE, data)

    # Helpers

    def _convert(self, lt: ModuleType, st: Any) -> TorrentStatus:
        """Copy what matters out of a libtorrent torrent_status."""
        states = lt.torrent_status.states
        error = st.error or self._path_errors.get(_hash_key(st.info_hashes))
        paused = bool(st.flags & lt.torrent_flags.paused) or not self.interface_up
        raw_state = st.state
        state: TorrentState
        if error is not None:
            state = TorrentState.ERROR
        elif paused:
            state = TorrentState.PAUSED
        elif raw_state == states.downloading_metadata:
            state = TorrentState.DOWNLOADING_METADATA
        elif raw_state == states.downloading:
            state = TorrentState.DOWNLOADING
        elif raw_state == states.finished:
            state = TorrentState.FINISHED
        elif raw_state == states.seeding:
            state = TorrentState.SEEDING
        else:
            state = TorrentState.CHECKING
        size = int(st.total_wanted)
        left = size - int(st.total_wanted_done)
        rate = int(st.download_payload_rate)
        eta = (
            left // rate
            if state is TorrentState.DOWNLOADING and rate > 0 and left > 0
            else None
        )
        uploaded = int(st.all_time_upload)
        added = (
            datetime.fromtimestamp(st.added_time, UTC) if st.added_time > 0 else None
        )
        return TorrentStatus(
            info_hash=_hash_key(st.info_hashes),
            name=st.name,
            save_path=st.save_path,
            state=state,
            progress=st.progress_ppm / 10_000,
            download_rate=rate,
            upload_rate=int(st.upload_payload_rate),
            total_downloaded=int(st.all_time_download),
            total_uploaded=uploaded,
            session_downloaded=int(st.total_payload_download),
            session_uploaded=int(st.total_payload_upload),
            size=size,
            ratio=uploaded / size if size > 0 else 0.0,
            peers=int(st.num_peers),
            eta_seconds=eta,
            seeding_seconds=int(st.seeding_duration.total_seconds()),
            added=added,
            error=error,
            has_metadata=bool(st.has_metadata),
            need_save_resume=bool(st.need_save_resume),
        )

    def _placeholder(self, key: str) -> TorrentStatus:
        """Status of a torrent whose first update has not arrived yet."""
        return TorrentStatus(
            info_hash=key,
            name=key,
            save_path=str(self.settings.download_dir),
            state=TorrentState.CHECKING,
            progress=0.0,
            download_rate=0,
            upload_rate=0,
            total_downloaded=0,
            total_uploaded=0,
            session_downloaded=0,
            session_uploaded=0,
            size=0,
            ratio=0.0,
            peers=0,
            eta_seconds=None,
            seeding_seconds=0,
            added=None,
            error=None,
            has_metadata=False,
            need_save_resume=False,
        )

    def _name(self, key: str) -> str:
        status = self._status.get(key)
        return status.name if status is not None else key

    def _emit(self, event: TorrentEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            _LOGGER.exception("Error in torrent event callback for %s", event.kind)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a task that stop() waits for."""
        self._track(asyncio.ensure_future(coro))

    def _track(self, task: asyncio.Future[Any]) -> None:
        self._io_tasks.add(task)
        task.add_done_callback(self._io_tasks.discard)

    def _timed(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run a quick libtorrent call on the loop, logging it when slow."""
        started = time.monotonic()
        result = func(*args)
        elapsed = time.monotonic() - started
        if elapsed > SLOW_CALL:
            _LOGGER.debug("%s took %.3f s", getattr(func, "__name__", func), elapsed)
        return result

    async def _executor[T](self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    def _handle(self, key: str) -> Any:
        try:
            return self._handles[key]
        except KeyError:
            raise UnknownTorrentError(key) from None

    def _require_lt(self) -> ModuleType:
        if self._lt is None:
            raise EngineError("engine not started")
        return self._lt

    def _require_session(self) -> Any:
        if self._session is None:
            raise EngineError("engine not started")
        return self._session


if TYPE_CHECKING:
    from .backend import TorrentBackend

    # The type checker proves that the engine is a backend too.
    def _engine_is_a_backend(engine: TorrentEngine) -> TorrentBackend:
        return engine
