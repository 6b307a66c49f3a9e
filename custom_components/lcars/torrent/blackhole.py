"""A watch folder: torrent and magnet files dropped into it are added.

Radarr and Sonarr offer a "Torrent Blackhole" download client that writes
.torrent files (or .magnet files holding a magnet link) into a folder. The
watcher scans that folder every few seconds, in a worker thread so that the
event loop never waits on the disk, and needs no file system notification
support. A file is taken once its size and modification time are the same in
two scans in a row, so a file still being written is left alone. Each file is
added once: afterwards it is renamed to ``<name>.added``, or to
``<name>.invalid`` with the reason in ``<name>.invalid.txt`` when it cannot be
added.

A subfolder named after a category (``movies``, ``series``, ``music``) gives
the torrents dropped into it that category.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging
from pathlib import Path
from typing import Final

from .backend import InvalidTorrentError, parse_magnet, parse_torrent

_LOGGER = logging.getLogger(__name__)

TORRENT_SUFFIX: Final = ".torrent"
MAGNET_SUFFIX: Final = ".magnet"
ADDED_SUFFIX: Final = ".added"
INVALID_SUFFIX: Final = ".invalid"
REASON_SUFFIX: Final = ".txt"

DEFAULT_INTERVAL: Final = 3.0
# Larger files are not torrent files (the add action has the same limit).
MAX_TORRENT_BYTES: Final = 10 * 1024 * 1024
MAX_MAGNET_BYTES: Final = 64 * 1024

# Subfolder name -> category of the torrents in it.
DEFAULT_CATEGORY_FOLDERS: Final[Mapping[str, str]] = {
    "movies": "movie",
    "movie": "movie",
    "series": "series",
    "tv": "series",
    "music": "music",
}


class FileKind(StrEnum):
    """What a watched file holds."""

    TORRENT = "torrent"
    MAGNET = "magnet"


@dataclass(frozen=True, slots=True)
class BlackholeFile:
    """A complete file of the watch folder, read and checked."""

    path: Path
    kind: FileKind
    # The .torrent bytes, or the magnet link.
    torrent_data: bytes | None
    magnet: str | None
    info_hash: str
    name: str
    category: str | None


class BlackholeOutcome(StrEnum):
    """What became of a watched file."""

    ADDED = "added"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class BlackholeResult:
    """One file handled by a scan."""

    path: Path
    outcome: BlackholeOutcome
    info_hash: str | None
    category: str | None
    # Where the file was renamed to.
    moved_to: Path | None
    error: str | None = None


type AddCallback = Callable[[BlackholeFile], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class _Seen:
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class _Candidate:
    path: Path
    kind: FileKind
    category: str | None


@dataclass(frozen=True, slots=True)
class _Read:
    """A complete file: either checked contents or the reason it is refused."""

    candidate: _Candidate
    file: BlackholeFile | None
    error: str | None


def _kind_of(path: Path) -> FileKind | None:
    suffix = path.suffix.lower()
    if suffix == TORRENT_SUFFIX:
        return FileKind.TORRENT
    if suffix == MAGNET_SUFFIX:
        return FileKind.MAGNET
    return None


def _free_name(path: Path, suffix: str) -> Path:
    """Return path with suffix appended, numbered when that name is taken."""
    target = path.with_name(path.name + suffix)
    number = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{number}{suffix}")
        number += 1
    return target


class BlackholeWatcher:
    """Adds the torrent and magnet files dropped into a folder."""

    def __init__(
        self,
        folder: Path,
        add: AddCallback,
        *,
        interval: float = DEFAULT_INTERVAL,
        category_folders: Mapping[str, str] = DEFAULT_CATEGORY_FOLDERS,
    ) -> None:
        """Watch `folder`; `add` adds one file and returns its info hash.

        `add` raising InvalidTorrentError marks the file invalid; any other
        error leaves the file where it is, to be tried again at the next scan.
        """
        self.folder = folder
        self._add = add
        self._interval = interval
        self._category_folders = {
            name.casefold(): category for name, category in category_folders.items()
        }
        self._seen: dict[Path, _Seen] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        # Files whose add failed for a reason other than their contents: the
        # failure is logged once, not at every scan.
        self._failing: set[Path] = set()

    @property
    def running(self) -> bool:
        """Return whether the folder is being watched."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Create the folder if needed and scan it every interval."""
        if self.running:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._make_folders)
        self._task = asyncio.create_task(self._run(), name="lcars blackhole watcher")

    async def stop(self) -> None:
        """Stop watching; a scan under way is finished first."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while True:
            try:
                await self.scan()
            except OSError as err:
                _LOGGER.warning("Cannot scan the watch folder %s: %s", self.folder, err)
            await asyncio.sleep(self._interval)

    def _make_folders(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    async def scan(self) -> list[BlackholeResult]:
        """Scan the folder once; add the files that are complete.

        A file is complete when it looked the same in the previous scan, so a
        new file is taken at the second scan that sees it.
        """
        async with self._lock:
            loop = asyncio.get_running_loop()
            ready = await loop.run_in_executor(None, self._find_ready)
            results: list[BlackholeResult] = []
            for read in ready:
                result = await self._handle(read)
                if result is not None:
                    results.append(result)
            return results

    # Worker thread

    def _find_ready(self) -> list[_Read]:
        """List the candidates; read those unchanged since the last scan."""
        if not self.folder.is_dir():
            self._seen.clear()
            return []
        seen: dict[Path, _Seen] = {}
        ready: list[_Read] = []
        for candidate in self._candidates():
            try:
                stat = candidate.path.stat()
            except OSError:
                continue
            now = _Seen(stat.st_size, stat.st_mtime_ns)
            seen[candidate.path] = now
            if now.size > 0 and self._seen.get(candidate.path) == now:
                ready.append(self._read(candidate))
        self._seen = seen
        return ready

    def _candidates(self) -> list[_Candidate]:
        found: list[_Candidate] = []
        for entry in sorted(self.folder.iterdir()):
            if entry.is_dir():
                category = self._category_folders.get(entry.name.casefold())
                found.extend(
                    _Candidate(path, kind, category)
                    for path in sorted(entry.iterdir())
                    if (kind := _kind_of(path)) is not None and path.is_file()
                )
            elif (kind := _kind_of(entry)) is not None and entry.is_file():
                found.append(_Candidate(entry, kind, None))
        return found

    @staticmethod
    def _read(candidate: _Candidate) -> _Read:
        path = candidate.path
        limit = (
            MAX_TORRENT_BYTES
            if candidate.kind is FileKind.TORRENT
            else MAX_MAGNET_BYTES
        )
        try:
            if path.stat().st_size > limit:
                return _Read(candidate, None, f"larger than {limit} bytes")
            data = path.read_bytes()
        except OSError as err:
            return _Read(candidate, None, f"cannot be read: {err.strerror or err}")
        try:
            if candidate.kind is FileKind.TORRENT:
                info = parse_torrent(data)
                file = BlackholeFile(
                    path,
                    candidate.kind,
                    data,
                    None,
                    info.info_hash,
                    info.name,
                    candidate.category,
                )
            else:
                lines = data.decode("utf-8-sig", errors="replace").split()
                magnet = parse_magnet(lines[0] if lines else "")
                file = BlackholeFile(
                    path,
                    candidate.kind,
                    None,
                    lines[0],
                    magnet.info_hash,
                    magnet.name,
                    candidate.category,
                )
        except InvalidTorrentError as err:
            return _Read(candidate, None, str(err))
        return _Read(candidate, file, None)

    @staticmethod
    def _mark_added(path: Path) -> Path:
        target = _free_name(path, ADDED_SUFFIX)
        path.rename(target)
        return target

    @staticmethod
    def _mark_invalid(path: Path, error: str) -> Path:
        target = _free_name(path, INVALID_SUFFIX)
        path.rename(target)
        target.with_name(target.name + REASON_SUFFIX).write_text(
            f"{path.name} was not added: {error}\n", encoding="utf-8"
        )
        return target

    # Event loop

    async def _handle(self, read: _Read) -> BlackholeResult | None:
        loop = asyncio.get_running_loop()
        path = read.candidate.path
        category = read.candidate.category
        if read.file is None:
            error = read.error or "not a torrent or magnet file"
            return await self._invalid(path, category, error)
        try:
            info_hash = await self._add(read.file)
        except InvalidTorrentError as err:
            return await self._invalid(path, category, str(err))
        except Exception as err:  # noqa: BLE001 - any failure is retried later
            if path not in self._failing:
                self._failing.add(path)
                _LOGGER.warning("Cannot add %s yet, will try again: %s", path, err)
            # Seen again at the next scan, tried again at the one after.
            self._seen.pop(path, None)
            return None
        self._failing.discard(path)
        self._seen.pop(path, None)
        try:
            moved = await loop.run_in_executor(None, self._mark_added, path)
        except OSError as err:
            _LOGGER.warning("Added %s but cannot rename it: %s", path, err)
            moved = None
        return BlackholeResult(path, BlackholeOutcome.ADDED, info_hash, category, moved)

    async def _invalid(
        self, path: Path, category: str | None, error: str
    ) -> BlackholeResult:
        _LOGGER.warning("%s is not a torrent LCARS can add: %s", path, error)
        self._seen.pop(path, None)
        loop = asyncio.get_running_loop()
        try:
            moved: Path | None = await loop.run_in_executor(
                None, self._mark_invalid, path, error
            )
        except OSError as err:
            _LOGGER.warning("Cannot rename %s: %s", path, err)
            moved = None
        return BlackholeResult(
            path, BlackholeOutcome.INVALID, None, category, moved, error
        )
