"""Files written without following symbolic links, never left half written.

Everything the BitTorrent layer writes (resume data, seeding limits, the
reason files and renames of the watch folder) goes through these functions:

- Directories are opened one component at a time with ``O_NOFOLLOW`` from a
  trusted root (a folder the administrator chose, or Home Assistant's
  configuration folder), so a symbolic link planted as a folder, anywhere
  below the root, makes the operation fail instead of leading elsewhere.
- Files are written under a new temporary name in the same folder
  (``O_CREAT | O_EXCL | O_NOFOLLOW``), flushed to disk, and only then given
  their final name, so a crash never leaves a partial file under that name.
- A symbolic link (or anything else that is not a regular file) at the final
  name makes the write fail; it is never replaced, followed or removed.

Every function blocks: call them from an executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import contextlib
import errno
import os
from pathlib import Path
import secrets
import stat

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NOFOLLOW_DIRECTORY = _DIRECTORY_FLAGS | os.O_NOFOLLOW
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: opening a FIFO planted under a watched name must not hang.
_READ_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
# Hard links are how a file gets its final name without replacing anything;
# some file systems (FAT, some network shares) have none.
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK})


def symlink_error(path: Path | str) -> OSError:
    """Return the error of a symbolic link found where LCARS does not follow one."""
    return OSError(
        errno.ELOOP, "is a symbolic link, which LCARS does not follow", str(path)
    )


def _not_followed(err: OSError, name: str, parent_fd: int, shown: Path) -> OSError:
    """Turn the error of an O_NOFOLLOW open into a clear one when a link caused it."""
    if err.errno in (errno.ELOOP, errno.ENOTDIR):
        try:
            if stat.S_ISLNK(
                os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode
            ):
                return symlink_error(shown)
        except OSError:
            pass
    return err


def _relative_parts(path: Path, root: Path) -> tuple[str, ...]:
    try:
        parts = path.relative_to(root).parts
    except ValueError as err:
        raise OSError(errno.EINVAL, f"not inside {root}", str(path)) from err
    if any(part in ("", ".", "..") for part in parts):
        raise OSError(errno.EINVAL, "a path with '..' is not allowed", str(path))
    return parts


def open_directory(
    path: Path, *, root: Path | None = None, create: bool = False, mode: int = 0o755
) -> int:
    """Open a directory; return its file descriptor (close it with os.close).

    No component below `root` may be a symbolic link (root defaults to the
    parent of `path`, so only `path` itself is checked); the root itself is
    trusted as it is. With `create`, missing directories are made.
    """
    root = path.parent if root is None else root
    parts = _relative_parts(path, root)
    if create:
        root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, _DIRECTORY_FLAGS)
    shown = root
    try:
        for part in parts:
            shown = shown / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, mode, dir_fd=fd)
            try:
                child = os.open(part, _NOFOLLOW_DIRECTORY, dir_fd=fd)
            except OSError as err:
                raise _not_followed(err, part, fd, shown) from err
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_subdirectory(dir_fd: int, name: str) -> int:
    """Open the directory `name` inside an open one, never through a link."""
    _check_name(name)
    try:
        return os.open(name, _NOFOLLOW_DIRECTORY, dir_fd=dir_fd)
    except OSError as err:
        raise _not_followed(err, name, dir_fd, Path(name)) from err


@contextlib.contextmanager
def directory(
    path: Path, *, root: Path | None = None, create: bool = False, mode: int = 0o755
) -> Iterator[int]:
    """Open a directory as open_directory does, for a with block."""
    fd = open_directory(path, root=root, create=create, mode=mode)
    try:
        yield fd
    finally:
        os.close(fd)


def _check_name(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise OSError(errno.EINVAL, "not a file name", name)


def lstat_in(dir_fd: int, name: str) -> os.stat_result | None:
    """Return what is at name, without following a link; None if nothing is."""
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def read_file(dir_fd: int, name: str, *, limit: int) -> bytes:
    """Read a regular file of at most `limit` bytes; never through a link."""
    _check_name(name)
    try:
        fd = os.open(name, _READ_FILE, dir_fd=dir_fd)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise symlink_error(name) from err
        raise
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", name)
        if info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", name)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes", name)
    return data


TEMPORARY_SUFFIX = ".tmp"


def is_temporary_name(name: str) -> bool:
    """Return whether a name is one write_file gives a file while writing it."""
    return name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)


def _write_temporary(dir_fd: int, name: str, data: bytes, mode: int) -> str:
    """Write data under a new hidden name beside `name`, flushed to disk."""
    while True:
        temporary = f".{name}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"
        try:
            fd = os.open(temporary, _NEW_FILE, mode, dir_fd=dir_fd)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        raise
    return temporary


def _refuse_unless_regular(dir_fd: int, name: str) -> None:
    """Raise unless nothing or a regular file is at name."""
    found = lstat_in(dir_fd, name)
    if found is None or stat.S_ISREG(found.st_mode):
        return
    if stat.S_ISLNK(found.st_mode):
        raise symlink_error(name)
    raise OSError(errno.EEXIST, "something other than a file is there", name)


def rename_new(dir_fd: int, source: str, target: str) -> None:
    """Give `source` the name `target` in the same folder; never replace anything.

    FileExistsError when something (a file, a folder, a link) is at target.
    """
    _check_name(source)
    _check_name(target)
    try:
        os.link(
            source, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False
        )
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        # Without hard links: the smallest window in which a planted
        # target could be replaced; it would be replaced, never followed.
        if lstat_in(dir_fd, target) is not None:
            raise FileExistsError(errno.EEXIST, "already exists", target) from err
        os.rename(source, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    os.unlink(source, dir_fd=dir_fd)


def write_file(
    dir_fd: int, name: str, data: bytes, *, replace: bool, mode: int = 0o644
) -> None:
    """Write a whole file, under its final name only once complete.

    With `replace`, a regular file already at `name` is replaced; without it,
    anything already there makes it fail with FileExistsError. A symbolic
    link at `name` always makes it fail.
    """
    _check_name(name)
    _refuse_unless_regular(dir_fd, name)
    if not replace and lstat_in(dir_fd, name) is not None:
        raise FileExistsError(errno.EEXIST, "already exists", name)
    temporary = _write_temporary(dir_fd, name, data, mode)
    try:
        if replace:
            # Checked again just before: a link planted meanwhile stays.
            _refuse_unless_regular(dir_fd, name)
            os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            rename_new(dir_fd, temporary, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        raise
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)


def unlink_file(dir_fd: int, name: str) -> None:
    """Remove a regular file; nothing there is fine.

    A symbolic link or anything else at name is left alone, with an error.
    """
    _check_name(name)
    _refuse_unless_regular(dir_fd, name)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def find_link(root: Path, relative_paths: Iterable[str]) -> Path | None:
    """Return a symbolic link found on the way from root to any of the paths.

    The root itself is trusted as it is; below it, every folder and file of
    every path that exists is looked at without following it. Where a
    BitTorrent client would write a torrent's files, such a link would lead
    its writes (and deletions) elsewhere.
    """
    checked: set[Path] = set()
    for relative in relative_paths:
        current = root
        for part in Path(relative).parts:
            if part in ("", ".", "..") or Path(part).is_absolute():
                raise OSError(errno.EINVAL, "not a path inside the folder", relative)
            current = current / part
            if current in checked:
                continue
            try:
                info = current.lstat()
            except FileNotFoundError:
                break
            if stat.S_ISLNK(info.st_mode):
                return current
            checked.add(current)
    return None
