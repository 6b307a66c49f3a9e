"""What every BitTorrent backend offers, and the shared part of external clients.

LCARS downloads with its own libtorrent engine where libtorrent loads, and
otherwise drives an external client (qBittorrent, Transmission) over HTTP.
``TorrentBackend`` is the part the Home Assistant layer uses; the engine and
the external backends all satisfy it, and deliver the same events through the
same callback.

External clients are polled: ``PollingBackend`` keeps the last status of every
torrent, turns changes between two polls into events, and enforces the
seeding limits itself, as the engine does, so that LCARS behaves the same
whichever client does the work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import base64
import binascii
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
import hashlib
import logging
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, urlsplit

from .errors import (
    DuplicateTorrentError,
    EngineError,
    InvalidTorrentError,
    UnknownTorrentError,
)
from .models import EventKind, TorrentEvent, TorrentState, TorrentStatus
from .redact import redact
from .seeding import SeedingLimitRule
from .settings import SeedingLimitAction, SeedingLimits

_LOGGER = logging.getLogger(__name__)

type EventCallback = Callable[[TorrentEvent], None]

# How long an added torrent may take to show up in the client's list.
ADD_TIMEOUT = 30.0
# How long one request to a client may take.
REQUEST_TIMEOUT = 30.0


@runtime_checkable
class TorrentBackend(Protocol):
    """A BitTorrent client LCARS drives: its own engine or an external one.

    Events (added, finished, seeding limit reached, removed, error) go to the
    callback given when the backend is created.
    """

    @property
    def running(self) -> bool:
        """Return whether the backend is started."""
        ...

    async def start(self) -> None:
        """Start the backend; raise EngineError when that fails."""
        ...

    async def stop(self) -> None:
        """Stop the backend; torrents stay in the client."""
        ...

    async def add_magnet(
        self,
        uri: str,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a magnet URI; return its info hash."""
        ...

    async def add_torrent_data(
        self,
        data: bytes,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from the bytes of a .torrent file; return its info hash."""
        ...

    async def add_torrent_file(
        self,
        path: Path,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a .torrent file on disk; return its info hash."""
        ...

    async def pause(self, info_hash: str) -> None:
        """Pause a torrent."""
        ...

    async def resume(self, info_hash: str) -> None:
        """Resume a paused torrent."""
        ...

    async def remove(self, info_hash: str, *, delete_files: bool = False) -> None:
        """Remove a torrent, with its downloaded files when asked."""
        ...

    async def set_seeding_limits(
        self, info_hash: str, limits: SeedingLimits | None
    ) -> None:
        """Override the seeding limits of one torrent (None: use the defaults)."""
        ...

    def seeding_limits(self, info_hash: str) -> SeedingLimits:
        """Return the seeding limits applying to a torrent."""
        ...

    def torrents(self) -> list[TorrentStatus]:
        """Return the last known status of every torrent."""
        ...

    def status(self, info_hash: str) -> TorrentStatus | None:
        """Return the last known status of one torrent."""
        ...


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How LCARS uses an external BitTorrent client."""

    # Where new torrents go, as the client sees its disk; None: the client's
    # own default.
    download_dir: Path | None = None
    seeding_limits: SeedingLimits = field(default_factory=SeedingLimits)
    limit_action: SeedingLimitAction = SeedingLimitAction.PAUSE


# Magnets and torrent files


@dataclass(frozen=True, slots=True)
class Magnet:
    """What LCARS needs from a magnet URI."""

    info_hash: str
    name: str


def parse_magnet(uri: str) -> Magnet:
    """Return the v1 info hash and name of a magnet URI.

    Raises InvalidTorrentError unless the URI names a torrent by a BitTorrent
    v1 info hash (hex or base32), the form every supported client accepts.
    """
    uri = uri.strip()
    parts = urlsplit(uri)
    if parts.scheme.lower() != "magnet":
        raise InvalidTorrentError("invalid magnet URI: not a magnet link")
    query = parse_qs(parts.query)
    for topic in query.get("xt", []):
        if not topic.lower().startswith("urn:btih:"):
            continue
        value = topic[len("urn:btih:") :]
        info_hash = _decode_btih(value)
        if info_hash is None:
            raise InvalidTorrentError("invalid magnet URI: malformed info hash")
        names = query.get("dn")
        return Magnet(info_hash, names[0] if names else info_hash)
    raise InvalidTorrentError("invalid magnet URI: no BitTorrent info hash")


def _decode_btih(value: str) -> str | None:
    if len(value) == 40:
        try:
            return bytes.fromhex(value).hex()
        except ValueError:
            return None
    if len(value) == 32:
        try:
            return base64.b32decode(value.upper()).hex()
        except binascii.Error:
            return None
    return None


@dataclass(frozen=True, slots=True)
class TorrentFileInfo:
    """What LCARS needs from a .torrent file."""

    info_hash: str
    name: str


def parse_torrent(data: bytes) -> TorrentFileInfo:
    """Return the v1 info hash and name of a .torrent file's bytes.

    Raises InvalidTorrentError when the data is not a bencoded torrent.
    """
    # Where the info dictionary lies in the data: the info hash is its SHA-1
    # exactly as encoded.
    spans: list[tuple[int, int]] = []
    try:
        top, end = _bdecode(data, 0, spans)
    except (IndexError, TypeError, ValueError, RecursionError) as err:
        raise InvalidTorrentError("invalid torrent file: not bencoded") from err
    if end != len(data) or not isinstance(top, dict):
        raise InvalidTorrentError("invalid torrent file: not bencoded")
    info = top.get(b"info")
    if not isinstance(info, dict):
        raise InvalidTorrentError("invalid torrent file: no info dictionary")
    name = info.get(b"name")
    if not isinstance(name, bytes) or b"pieces" not in info:
        raise InvalidTorrentError("invalid torrent file: no v1 info dictionary")
    start, stop = spans[0]
    digest = hashlib.sha1(data[start:stop], usedforsecurity=False)
    return TorrentFileInfo(digest.hexdigest(), name.decode(errors="replace"))


type _BValue = int | bytes | list[_BValue] | dict[bytes, _BValue]


def _bdecode(
    data: bytes, pos: int, spans: list[tuple[int, int]], depth: int = 0
) -> tuple[_BValue, int]:
    """Decode one bencoded value at pos; return it and the position after it.

    The start and end of the top dictionary's "info" value go to spans.
    """
    lead = data[pos : pos + 1]
    if lead == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1 : end]), end + 1
    if lead == b"l":
        items: list[_BValue] = []
        pos += 1
        while data[pos : pos + 1] != b"e":
            item, pos = _bdecode(data, pos, spans, depth + 1)
            items.append(item)
        return items, pos + 1
    if lead == b"d":
        entries: dict[bytes, _BValue] = {}
        pos += 1
        while data[pos : pos + 1] != b"e":
            key, pos = _bdecode(data, pos, spans, depth + 1)
            if not isinstance(key, bytes):
                raise TypeError("dictionary key is not a string")
            start = pos
            entries[key], pos = _bdecode(data, pos, spans, depth + 1)
            if key == b"info" and depth == 0:
                spans.append((start, pos))
        return entries, pos + 1
    if lead.isdigit():
        colon = data.index(b":", pos)
        length = int(data[pos:colon])
        start = colon + 1
        if length < 0 or start + length > len(data):
            raise ValueError("string runs past the end")
        return data[start : start + length], start + length
    raise ValueError("not bencoded")


# Polling backends


class PollingBackend(ABC):
    """An external client driven over HTTP and polled for its torrents' status.

    Subclasses speak the client's API; this class keeps the statuses, emits
    events on changes and enforces the seeding limits.
    """

    #: Shown in logs and errors, for example "qBittorrent".
    client_name = "client"

    def __init__(
        self,
        settings: ClientSettings,
        on_event: EventCallback,
        *,
        poll_interval: float = 1.0,
    ) -> None:
        """Prepare the backend; nothing is contacted before start()."""
        self.settings = settings
        self._on_event = on_event
        self._poll_interval = poll_interval
        self._status: dict[str, TorrentStatus] = {}
        self._limits: dict[str, SeedingLimits] = {}
        self._seeding = SeedingLimitRule(
            pause=self.pause, remove=self.remove, emit=self._emit, spawn=self._spawn
        )
        # Torrents whose completion is known: no "finished" for them again.
        self._complete: set[str] = set()
        # Removed by LCARS: a poll already under way may still list them.
        self._removed: set[str] = set()
        # Being added by LCARS: announced once the add returns, not by a poll.
        self._adding: set[str] = set()
        self._poller: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = False
        self._poll_failed = False

    # Subclasses: the client's API

    @abstractmethod
    async def _connect(self) -> None:
        """Log in and learn what the client supports."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Log out, where the client has sessions."""

    @abstractmethod
    async def _fetch(self, info_hash: str | None = None) -> list[TorrentStatus]:
        """Return the status of every torrent, or of one (empty when unknown)."""

    @abstractmethod
    async def _add_magnet(self, uri: str, save_path: Path | None) -> None:
        """Ask the client to add a magnet link."""

    @abstractmethod
    async def _add_data(self, data: bytes, save_path: Path | None) -> None:
        """Ask the client to add a torrent file's bytes."""

    @abstractmethod
    async def _pause(self, info_hash: str) -> None:
        """Ask the client to stop a torrent."""

    @abstractmethod
    async def _resume(self, info_hash: str) -> None:
        """Ask the client to start a torrent."""

    @abstractmethod
    async def _remove(self, info_hash: str, delete_files: bool) -> None:
        """Ask the client to remove a torrent."""

    async def _prepare(self, info_hash: str) -> None:  # noqa: B027  # optional
        """Adjust a torrent just added (for example switch off client limits)."""

    # Life cycle

    @property
    def running(self) -> bool:
        """Return whether the backend is started."""
        return self._running

    async def start(self) -> None:
        """Contact the client and take over the torrents it already has.

        Torrents already in the client raise no "added" event, and the ones
        complete already no "finished".
        """
        if self._running:
            raise EngineError(f"{self.client_name} backend already started")
        await self._connect()
        statuses = await self._fetch()
        self._status = {status.info_hash: status for status in statuses}
        self._complete = {
            status.info_hash for status in statuses if _is_complete(status)
        }
        self._running = True
        self._poller = asyncio.create_task(self._poll_loop())

    async def stop(self) -> None:
        """Stop polling; the torrents stay in the client."""
        poller, self._poller = self._poller, None
        if not self._running or poller is None:
            return
        poller.cancel()
        await asyncio.wait([poller])
        # Torrents stopping at their seeding limit finish doing so.
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        self._running = False
        try:
            await self._disconnect()
        except EngineError as err:
            _LOGGER.debug(
                "Cannot log out of %s: %s", self.client_name, redact(str(err))
            )
        self._status.clear()
        self._seeding.clear()
        self._complete.clear()
        self._removed.clear()

    # Torrents

    async def add_magnet(
        self,
        uri: str,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a magnet URI; return its info hash."""
        self._require_running()
        magnet = parse_magnet(uri)
        await self._check_not_there(magnet.info_hash)
        self._adding.add(magnet.info_hash)
        try:
            await self._add_magnet(uri.strip(), save_path or self.settings.download_dir)
            return await self._added(magnet.info_hash, magnet.name, limits)
        finally:
            self._adding.discard(magnet.info_hash)

    async def add_torrent_data(
        self,
        data: bytes,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from the bytes of a .torrent file; return its info hash."""
        self._require_running()
        # Large torrents take a while to decode: not on the event loop.
        info = await asyncio.get_running_loop().run_in_executor(
            None, parse_torrent, data
        )
        await self._check_not_there(info.info_hash)
        self._adding.add(info.info_hash)
        try:
            await self._add_data(data, save_path or self.settings.download_dir)
            return await self._added(info.info_hash, info.name, limits)
        finally:
            self._adding.discard(info.info_hash)

    async def add_torrent_file(
        self,
        path: Path,
        *,
        save_path: Path | None = None,
        limits: SeedingLimits | None = None,
    ) -> str:
        """Add a torrent from a .torrent file on disk; return its info hash."""
        self._require_running()
        loop = asyncio.get_running_loop()
        try:
            data = await loop.run_in_executor(None, path.read_bytes)
        except OSError as err:
            raise EngineError(f"cannot read {path.name}: {err.strerror}") from err
        return await self.add_torrent_data(data, save_path=save_path, limits=limits)

    async def pause(self, info_hash: str) -> None:
        """Pause a torrent."""
        self._known(info_hash)
        await self._pause(info_hash)
        self._wake.set()

    async def resume(self, info_hash: str) -> None:
        """Resume a paused torrent.

        A torrent past its seeding limit stops again at the next poll; raise
        its limits with set_seeding_limits to keep it seeding.
        """
        self._known(info_hash)
        self._seeding.forget(info_hash)
        await self._resume(info_hash)
        self._wake.set()

    async def remove(self, info_hash: str, *, delete_files: bool = False) -> None:
        """Remove a torrent, with its downloaded files when asked."""
        status = self._known(info_hash)
        await self._remove(info_hash, delete_files)
        self._forget(info_hash)
        self._removed.add(info_hash)
        self._emit(TorrentEvent(EventKind.REMOVED, info_hash, status.name))

    async def set_seeding_limits(
        self, info_hash: str, limits: SeedingLimits | None
    ) -> None:
        """Override the seeding limits of one torrent (None: use the defaults).

        Kept while the backend runs; the client itself knows nothing of them.
        """
        self._known(info_hash)
        if limits is None:
            self._limits.pop(info_hash, None)
        else:
            self._limits[info_hash] = limits
        self._seeding.forget(info_hash)

    def seeding_limits(self, info_hash: str) -> SeedingLimits:
        """Return the seeding limits applying to a torrent."""
        return self._limits.get(info_hash, self.settings.seeding_limits)

    def torrents(self) -> list[TorrentStatus]:
        """Return the last known status of every torrent."""
        return list(self._status.values())

    def status(self, info_hash: str) -> TorrentStatus | None:
        """Return the last known status of one torrent."""
        return self._status.get(info_hash)

    async def refresh(self) -> None:
        """Poll the client now."""
        self._require_running()
        self._apply(await self._fetch())

    # Adding

    async def _check_not_there(self, info_hash: str) -> None:
        if info_hash in self._status or await self._fetch(info_hash):
            raise DuplicateTorrentError(
                f"cannot add torrent: {info_hash} is already in {self.client_name}"
            )

    async def _added(
        self, info_hash: str, name: str, limits: SeedingLimits | None
    ) -> str:
        """Wait for a torrent just added to be listed; announce it."""
        self._removed.discard(info_hash)
        self._complete.discard(info_hash)
        try:
            async with asyncio.timeout(ADD_TIMEOUT):
                # The clients tell of new torrents only when asked.
                while not (found := await self._fetch(info_hash)):  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise EngineError(
                f"cannot add torrent: {self.client_name} did not list it"
            ) from None
        status = found[0]
        self._status[info_hash] = status
        if limits is not None:
            self._limits[info_hash] = limits
        await self._prepare(info_hash)
        self._emit(TorrentEvent(EventKind.ADDED, info_hash, status.name or name))
        self._wake.set()
        return info_hash

    # Polling

    async def _poll_loop(self) -> None:
        while True:
            try:
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                statuses = await self._fetch()
            except EngineError as err:
                if not self._poll_failed:
                    _LOGGER.warning(
                        "Cannot poll %s: %s", self.client_name, redact(str(err))
                    )
                self._poll_failed = True
                continue
            if self._poll_failed:
                _LOGGER.info("%s answers again", self.client_name)
                self._poll_failed = False
            self._apply(statuses)

    def _apply(self, statuses: list[TorrentStatus]) -> None:
        """Take a full poll's statuses and announce what changed."""
        listed = {status.info_hash for status in statuses}
        # A torrent removed by LCARS is gone for good once no longer listed.
        self._removed &= listed
        for status in statuses:
            key = status.info_hash
            if key in self._removed or (
                key in self._adding and key not in self._status
            ):
                continue
            previous = self._status.get(key)
            self._status[key] = status
            if previous is None:
                # Added outside LCARS, in the client itself.
                self._emit(TorrentEvent(EventKind.ADDED, key, status.name))
            if (
                status.state is TorrentState.ERROR
                and (previous is None or previous.state is not TorrentState.ERROR)
                and status.error is not None
            ):
                self._emit(
                    TorrentEvent(EventKind.ERROR, key, status.name, status.error)
                )
            if key not in self._complete and _is_complete(status):
                self._complete.add(key)
                self._emit(TorrentEvent(EventKind.FINISHED, key, status.name))
            self._check_seeding_limits(status)
        for key in [
            key for key in self._status if key not in listed and key not in self._adding
        ]:
            # Removed outside LCARS.
            status = self._status[key]
            self._forget(key)
            self._emit(TorrentEvent(EventKind.REMOVED, key, status.name))

    def _check_seeding_limits(self, status: TorrentStatus) -> None:
        key = status.info_hash
        self._seeding.check(
            status, self.seeding_limits(key), self.settings.limit_action
        )

    # Helpers

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a task that stop() waits for."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _forget(self, key: str) -> None:
        self._status.pop(key, None)
        self._limits.pop(key, None)
        self._seeding.forget(key)
        self._complete.discard(key)

    def _known(self, info_hash: str) -> TorrentStatus:
        self._require_running()
        status = self._status.get(info_hash)
        if status is None:
            raise UnknownTorrentError(info_hash)
        return status

    def _require_running(self) -> None:
        if not self._running:
            raise EngineError(f"{self.client_name} backend not started")

    def _emit(self, event: TorrentEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            _LOGGER.exception("Error in torrent event callback for %s", event.kind)


def _is_complete(status: TorrentStatus) -> bool:
    """Return whether a torrent has all it wants, checked."""
    return (
        status.progress >= 100
        and status.has_metadata
        and status.state
        not in (
            TorrentState.CHECKING,
            TorrentState.DOWNLOADING_METADATA,
            TorrentState.ERROR,
        )
    )


def normalize_url(url: str, client_name: str) -> str:
    """Return a client's base URL without trailing slash, or raise EngineError."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        # Never echoed: it would carry the password.
        raise EngineError(
            f"invalid {client_name} URL: give the username and password separately"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EngineError(f"invalid {client_name} URL: {url!r}")
    return url


def status_ratio(uploaded: int, size: int) -> float:
    """Return the seeding ratio as the engine counts it: uploaded over size."""
    return uploaded / size if size > 0 else 0.0
