"""Writing files without following symbolic links, never half written.

Real files in a temporary folder; every symbolic link planted points outside
the folder LCARS writes to, at a file or folder that must stay untouched.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from custom_components.lcars.torrent.safe_files import (
    directory,
    is_temporary_name,
    read_file,
    rename_new,
    unlink_file,
    write_file,
)

PRECIOUS = b"homeassistant:\n  name: Home\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder LCARS must never write to, with a precious file."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "configuration.yaml").write_bytes(PRECIOUS)
    return folder


def untouched(outside: Path) -> bool:
    """Return whether the outside folder holds exactly what it held."""
    return [p.name for p in outside.iterdir()] == ["configuration.yaml"] and (
        outside / "configuration.yaml"
    ).read_bytes() == PRECIOUS


def test_write_read_replace(tmp_path: Path) -> None:
    """A file is written whole, replaced whole, and no temporary file stays."""
    folder = tmp_path / "state"
    with directory(folder, create=True) as fd:
        write_file(fd, "a.resume", b"one", replace=True, mode=0o600)
        assert read_file(fd, "a.resume", limit=10) == b"one"
        write_file(fd, "a.resume", b"two", replace=True)
        assert read_file(fd, "a.resume", limit=10) == b"two"
        with pytest.raises(FileExistsError):
            write_file(fd, "a.resume", b"three", replace=False)
        with pytest.raises(OSError, match="larger than 2 bytes"):
            read_file(fd, "a.resume", limit=2)
        unlink_file(fd, "a.resume")
        unlink_file(fd, "a.resume")
    assert list(folder.iterdir()) == []
    assert is_temporary_name(".a.resume.0123abcd.tmp")
    assert not is_temporary_name("a.resume")


@pytest.mark.parametrize("replace", [True, False])
def test_link_at_the_final_name_makes_the_write_fail(
    tmp_path: Path, outside: Path, replace: bool
) -> None:
    """A link where the file goes is neither followed nor replaced."""
    folder = tmp_path / "state"
    folder.mkdir()
    link = folder / "a.resume"
    link.symlink_to(outside / "configuration.yaml")
    with directory(folder) as fd:
        with pytest.raises(OSError) as err:
            write_file(fd, "a.resume", b"resume data", replace=replace)
        assert err.value.errno in (errno.ELOOP, errno.EEXIST)
        with pytest.raises(OSError) as err:
            read_file(fd, "a.resume", limit=1000)
        assert err.value.errno == errno.ELOOP
        # Removing is refused too: the link is not LCARS's to remove.
        with pytest.raises(OSError):
            unlink_file(fd, "a.resume")
    assert link.is_symlink()
    assert untouched(outside)
    # Nothing half written is left behind.
    assert [p.name for p in folder.iterdir()] == ["a.resume"]


def test_dangling_link_at_the_final_name(tmp_path: Path, outside: Path) -> None:
    """A link to a file that does not exist yet is not followed to create it."""
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "limits.json").symlink_to(outside / "new.yaml")
    with directory(folder) as fd, pytest.raises(OSError):
        write_file(fd, "limits.json", b"{}", replace=True)
    assert untouched(outside)


def test_link_as_a_folder_is_not_followed(tmp_path: Path, outside: Path) -> None:
    """A link anywhere below the root, as the folder or its parent, stops the write."""
    root = tmp_path / "storage"
    root.mkdir()
    (root / "lcars_torrents").symlink_to(outside)
    with pytest.raises(OSError) as err:
        directory(root / "lcars_torrents" / "entry", root=root, create=True).__enter__()
    assert err.value.errno == errno.ELOOP
    assert "symbolic link" in str(err.value)
    assert untouched(outside)

    (root / "lcars_torrents").unlink()
    (root / "lcars_torrents").mkdir()
    (root / "lcars_torrents" / "entry").symlink_to(outside)
    with pytest.raises(OSError) as err:
        directory(root / "lcars_torrents" / "entry", root=root, create=True).__enter__()
    assert err.value.errno == errno.ELOOP
    assert untouched(outside)

    # The root itself is the administrator's choice and may be a link.
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(root)
    (root / "lcars_torrents" / "entry").unlink()
    with directory(
        linked_root / "lcars_torrents" / "entry", root=linked_root, create=True
    ) as fd:
        write_file(fd, "x", b"1", replace=True)
    assert (root / "lcars_torrents" / "entry" / "x").read_bytes() == b"1"


def test_rename_new_never_replaces(tmp_path: Path, outside: Path) -> None:
    """A rename to a name that is taken, even by a link, fails; nothing moves."""
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "a.torrent").write_bytes(b"torrent")
    (folder / "a.torrent.added").symlink_to(outside / "configuration.yaml")
    with directory(folder) as fd:
        with pytest.raises(FileExistsError):
            rename_new(fd, "a.torrent", "a.torrent.added")
        rename_new(fd, "a.torrent", "a.torrent.1.added")
    assert (folder / "a.torrent.1.added").read_bytes() == b"torrent"
    assert not (folder / "a.torrent").exists()
    assert (folder / "a.torrent.added").is_symlink()
    assert untouched(outside)


def test_fifo_is_not_read(tmp_path: Path) -> None:
    """Something other than a file under a watched name is refused, not waited on."""
    folder = tmp_path / "watch"
    folder.mkdir()
    os.mkfifo(folder / "a.torrent")
    with directory(folder) as fd, pytest.raises(OSError, match="not a regular file"):
        read_file(fd, "a.torrent", limit=100)


def test_names_stay_in_their_folder(tmp_path: Path) -> None:
    """A name with a slash or '..' is refused, as is a path leaving the root."""
    folder = tmp_path / "state"
    with directory(folder, create=True) as fd:
        for name in ("../x", "a/b", "..", ""):
            with pytest.raises(OSError):
                write_file(fd, name, b"", replace=True)
    with pytest.raises(OSError):
        directory(tmp_path / "state" / ".." / "x", root=tmp_path).__enter__()
    with pytest.raises(OSError):
        directory(Path("/etc"), root=tmp_path).__enter__()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]
