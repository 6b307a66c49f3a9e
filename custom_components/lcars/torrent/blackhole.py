"""A watch folder: torrent and magnet files dropped into it are added.

Radarr and Sonarr offer a "Torrent Blackhole" download client that writes
.torrent files (or .magnet files holding a magnet link) into a folder. The
watcher scans that folder every few seconds, in a worker thread so that the
event loop never waits on the disk, and needs no file system notification
support. A file is taken once its size and modification time are the same in
two scans in a row, so a file still being written is left alone. Each file is
added once: afterwards it is renamed to ``<name>.added``, or to
``<name>.invalid`` with the reason in ``<name>.invalid.txt`` when it cannot be
added; the reason is written first, so it is there once the file is set aside.

A subfolder named after a category (``movies``, ``series``, ``music``) gives
the torrents dropped into it that category.

Symbolic links are never followed: not the watch folder, not a category
folder, not a dropped file (a linked file is set aside as invalid, its target
untouched), and the reason file is created new, so a link planted under its
name makes the write fail instead of overwriting what the link points to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging
import os
from pathlib import Path
from typing import Final

from .backend import parse_magnet, parse_torrent
from .errors import (
    InvalidTorrentError,
)
from .redact import redact
from .safe_files import (
    directory,
    lstat_in,
    open_directory,
    open_subdirectory,
    read_file,
    rename_new,
    unlink_file,
    write_file,
)

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
    # The category folder it is in (None: the watch folder itself), and its name.
    subfolder: str | None
    name: str
    # A symbolic link: set aside, never read.
    is_link: bool = False


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


def _names(name: str, suffix: str) -> Iterator[str]:
    """Yield name with suffix appended, then numbered ones."""
    yield name + suffix
    number = 1
    while True:
        yield f"{name}.{number}{suffix}"
        number += 1


def _rename_free(dir_fd: int, name: str, suffix: str) -> str:
    """Rename a file to the first free name with suffix; return that name.

    Nothing already there is replaced, not even a link.
    """
    for target in _names(name, suffix):
        if lstat_in(dir_fd, target) is not None:
            continue
        try:
            rename_new(dir_fd, name, target)
        except FileExistsError:
            # Taken meanwhile: the next number.
            continue
        return target
    raise AssertionError("unreachable")  # pragma: no cover


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
        # Links found as category folders, and why the folder cannot be
        # scanned: each told once, not at every scan.
        self._links_told: set[Path] = set()
        self._folder_error: str | None = None

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
                if str(err) != self._folder_error:
                    self._folder_error = str(err)
                    _LOGGER.warning(
                        "Cannot scan the watch folder %s: %s", self.folder, err
                    )
            else:
                self._folder_error = None
            await asyncio.sleep(self._interval)

    def _make_folders(self) -> None:
        # The folder itself must not be a link (its parents are the
        # administrator's choice).
        os.close(open_directory(self.folder, create=True))

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
        try:
            folder_fd = open_directory(self.folder)
        except FileNotFoundError:
            self._seen.clear()
            return []
        try:
            return self._find_ready_in(folder_fd)
        finally:
            os.close(folder_fd)

    def _find_ready_in(self, folder_fd: int) -> list[_Read]:
        seen: dict[Path, _Seen] = {}
        ready: list[_Read] = []
        for candidate, subfolder_fd, stat in self._candidates(folder_fd):
            now = _Seen(stat.st_size, stat.st_mtime_ns)
            seen[candidate.path] = now
            if (now.size > 0 or candidate.is_link) and self._seen.get(
                candidate.path
            ) == now:
                # Read now: the folder descriptor lives until the next one.
                ready.append(self._read(candidate, subfolder_fd))
        self._seen = seen
        return ready

    def _candidates(
        self, folder_fd: int
    ) -> Iterator[tuple[_Candidate, int, os.stat_result]]:
        """Yield the watched files with the folder they are in and their lstat."""
        for entry in sorted(os.scandir(folder_fd), key=lambda e: e.name):
            path = self.folder / entry.name
            if entry.is_dir(follow_symlinks=False):
                category = self._category_folders.get(entry.name.casefold())
                try:
                    subfolder_fd = open_subdirectory(folder_fd, entry.name)
                except OSError:
                    continue
                try:
                    for sub in sorted(os.scandir(subfolder_fd), key=lambda e: e.name):
                        found = self._candidate(
                            sub, path / sub.name, category, entry.name
                        )
                        if found is not None:
                            yield found[0], subfolder_fd, found[1]
                finally:
                    os.close(subfolder_fd)
            elif entry.is_symlink() and _kind_of(path) is None:
                self._tell_link(path)
            else:
                found = self._candidate(entry, path, None, None)
                if found is not None:
                    yield found[0], folder_fd, found[1]

    def _candidate(
        self,
        entry: os.DirEntry[str],
        path: Path,
        category: str | None,
        subfolder: str | None,
    ) -> tuple[_Candidate, os.stat_result] | None:
        kind = _kind_of(path)
        if kind is None:
            return None
        is_link = entry.is_symlink()
        if not is_link and not entry.is_file(follow_symlinks=False):
            return None
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            return None
        candidate = _Candidate(path, kind, category, subfolder, entry.name, is_link)
        return candidate, stat

    def _tell_link(self, path: Path) -> None:
        if path not in self._links_told:
            self._links_told.add(path)
            _LOGGER.warning(
                "%s is a symbolic link: the watch folder does not follow it", path
            )

    @staticmethod
    def _read(candidate: _Candidate, dir_fd: int) -> _Read:
        path = candidate.path
        if candidate.is_link:
            return _Read(
                candidate, None, "it is a symbolic link, which LCARS does not follow"
            )
        limit = (
            MAX_TORRENT_BYTES
            if candidate.kind is FileKind.TORRENT
            else MAX_MAGNET_BYTES
        )
        try:
            data = read_file(dir_fd, candidate.name, limit=limit)
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

    def _folder_of(self, candidate: _Candidate) -> Path:
        if candidate.subfolder is None:
            return self.folder
        return self.folder / candidate.subfolder

    def _mark_added(self, candidate: _Candidate) -> Path:
        folder = self._folder_of(candidate)
        # The watch folder and the category folder, neither through a link.
        with directory(folder, root=self.folder.parent) as dir_fd:
            target = _rename_free(dir_fd, candidate.name, ADDED_SUFFIX)
        return folder / target

    def _mark_invalid(self, candidate: _Candidate, error: str) -> Path:
        folder = self._folder_of(candidate)
        reason = f"{candidate.name} was not added: {error}\n".encode()
        with directory(folder, root=self.folder.parent) as dir_fd:
            for target in _names(candidate.name, INVALID_SUFFIX):
                if lstat_in(dir_fd, target) is not None:
                    continue
                # The reason first: whoever sees the file set aside finds why.
                wrote = self._write_reason(dir_fd, candidate, target, reason)
                try:
                    rename_new(dir_fd, candidate.name, target)
                except FileExistsError:
                    # Taken meanwhile: the next number.
                    if wrote:
                        unlink_file(dir_fd, target + REASON_SUFFIX)
                    continue
                except OSError:
                    if wrote:
                        unlink_file(dir_fd, target + REASON_SUFFIX)
                    raise
                return folder / target
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _write_reason(
        dir_fd: int, candidate: _Candidate, target: str, reason: bytes
    ) -> bool:
        """Write why a file was set aside beside its new name; False if it cannot."""
        try:
            write_file(dir_fd, target + REASON_SUFFIX, reason, replace=False)
        except OSError as err:
            _LOGGER.warning(
                "Cannot write why %s was not added: %s", candidate.path, err
            )
            return False
        return True

    # Event loop

    async def _handle(self, read: _Read) -> BlackholeResult | None:
        loop = asyncio.get_running_loop()
        candidate = read.candidate
        path = candidate.path
        category = candidate.category
        if read.file is None:
            error = read.error or "not a torrent or magnet file"
            return await self._invalid(candidate, error)
        try:
            info_hash = await self._add(read.file)
        except InvalidTorrentError as err:
            return await self._invalid(candidate, str(err))
        except Exception as err:  # noqa: BLE001 - any failure is retried later
            if path not in self._failing:
                self._failing.add(path)
                _LOGGER.warning(
                    "Cannot add %s yet, will try again: %s", path, redact(str(err))
                )
            # Seen again at the next scan, tried again at the one after.
            self._seen.pop(path, None)
            return None
        self._failing.discard(path)
        self._seen.pop(path, None)
        try:
            moved = await loop.run_in_executor(None, self._mark_added, candidate)
        except OSError as err:
            _LOGGER.warning("Added %s but cannot rename it: %s", path, err)
            moved = None
        return BlackholeResult(path, BlackholeOutcome.ADDED, info_hash, category, moved)

    async def _invalid(self, candidate: _Candidate, error: str) -> BlackholeResult:
        path = candidate.path
        category = candidate.category
        _LOGGER.warning("%s is not a torrent LCARS can add: %s", path, redact(error))
        self._seen.pop(path, None)
        loop = asyncio.get_running_loop()
        try:
            moved: Path | None = await loop.run_in_executor(
                None, self._mark_invalid, candidate, error
            )
        except OSError as err:
            _LOGGER.warning("Cannot rename %s: %s", path, err)
            moved = None
        return BlackholeResult(
            path, BlackholeOutcome.INVALID, None, category, moved, error
        )
