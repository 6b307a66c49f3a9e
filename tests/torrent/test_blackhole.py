"""The watch folder never follows a symbolic link.

A watcher on a real folder, scanned by hand. Every link planted points at a
file or folder outside the watch folder, which must stay as it was: not read
into the engine, not renamed, not written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.lcars.torrent import blackhole
from custom_components.lcars.torrent.blackhole import (
    BlackholeFile,
    BlackholeOutcome,
    BlackholeResult,
    BlackholeWatcher,
)

from .conftest import lt, make_torrent

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")

PRECIOUS = b"homeassistant:\n  name: Home\n"
MAGNET = "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=Other\n"


class Collector:
    """The add callback of a watcher: records what it was given."""

    def __init__(self) -> None:
        self.files: list[BlackholeFile] = []

    async def __call__(self, file: BlackholeFile) -> str:
        self.files.append(file)
        return file.info_hash


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the watch folder with a configuration and a torrent."""
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "configuration.yaml").write_bytes(PRECIOUS)
    torrent_bytes, _ = make_torrent(tmp_path / "data", "Secret.mkv", 64 * 1024)
    (folder / "secret.torrent").write_bytes(torrent_bytes)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


async def scan_twice(watcher: BlackholeWatcher) -> list[BlackholeResult]:
    """A file is taken at the second scan that sees it unchanged."""
    first = await watcher.scan()
    return [*first, *await watcher.scan()]


async def test_reason_file_link_is_not_written_through(
    tmp_path: Path, outside: Path
) -> None:
    """A link planted under the reason file's name makes that write fail."""
    before = snapshot(outside)
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "junk.torrent").write_bytes(b"<html>not a torrent</html>")
    reason = folder / "junk.torrent.invalid.txt"
    reason.symlink_to(outside / "configuration.yaml")
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=3600)

    results = await scan_twice(watcher)

    assert [r.outcome for r in results] == [BlackholeOutcome.INVALID]
    assert (
        folder / "junk.torrent.invalid"
    ).read_bytes() == b"<html>not a torrent</html>"
    assert reason.is_symlink()
    assert snapshot(outside) == before
    # Nothing half written beside it either.
    assert sorted(p.name for p in folder.iterdir()) == [
        "junk.torrent.invalid",
        "junk.torrent.invalid.txt",
    ]
    assert added.files == []


async def test_reason_is_there_once_the_file_is_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whoever sees '.invalid' appear (a person, Radarr) finds the reason beside it."""
    folder = tmp_path / "watch"
    (folder / "movies").mkdir(parents=True)
    (folder / "junk.torrent").write_bytes(b"<html>not a torrent</html>")
    (folder / "movies" / "junk.magnet").write_text("not a magnet")
    # Taken: the file goes to the next name, its reason beside that one.
    (folder / "movies" / "junk.magnet.invalid").write_text("older")
    seen: dict[str, bool] = {}
    real_rename = blackhole.rename_new

    def rename_new(dir_fd: int, source: str, target: str) -> None:
        real_rename(dir_fd, source, target)
        # The moment the file has its new name.
        seen[target] = any(
            (where / f"{target}.txt").is_file() for where in (folder, folder / "movies")
        )

    monkeypatch.setattr(blackhole, "rename_new", rename_new)
    watcher = BlackholeWatcher(folder, Collector(), interval=3600)

    results = await scan_twice(watcher)

    assert sorted(r.moved_to for r in results if r.moved_to is not None) == [
        folder / "junk.torrent.invalid",
        folder / "movies" / "junk.magnet.1.invalid",
    ]
    assert seen == {"junk.torrent.invalid": True, "junk.magnet.1.invalid": True}
    assert (
        (folder / "movies" / "junk.magnet.1.invalid.txt")
        .read_text()
        .startswith("junk.magnet was not added")
    )
    assert (folder / "movies" / "junk.magnet.invalid").read_text() == "older"
    assert not (folder / "movies" / "junk.magnet.invalid.txt").exists()


async def test_dangling_reason_link_is_not_followed(
    tmp_path: Path, outside: Path
) -> None:
    """A link to a file that does not exist yet does not create it."""
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "junk.magnet").write_text("not a magnet")
    (folder / "junk.magnet.invalid.txt").symlink_to(outside / "automations.yaml")
    watcher = BlackholeWatcher(folder, Collector(), interval=3600)
    await scan_twice(watcher)
    assert not (outside / "automations.yaml").exists()
    assert (folder / "junk.magnet.invalid").exists()


async def test_linked_torrent_file_is_not_read(tmp_path: Path, outside: Path) -> None:
    """A dropped link to a torrent elsewhere is set aside; its target is untouched."""
    before = snapshot(outside)
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "secret.torrent").symlink_to(outside / "secret.torrent")
    (folder / "config.magnet").symlink_to(outside / "configuration.yaml")
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=3600)

    results = await scan_twice(watcher)

    assert added.files == []
    assert sorted((r.path.name, r.outcome) for r in results) == [
        ("config.magnet", BlackholeOutcome.INVALID),
        ("secret.torrent", BlackholeOutcome.INVALID),
    ]
    # The links themselves were renamed; what they point at was not.
    assert (folder / "secret.torrent.invalid").is_symlink()
    assert (folder / "config.magnet.invalid").is_symlink()
    assert "symbolic link" in (folder / "secret.torrent.invalid.txt").read_text()
    assert snapshot(outside) == before


async def test_linked_category_folder_is_not_followed(
    tmp_path: Path, outside: Path
) -> None:
    """A link as a category folder is not scanned; nothing in its target is added or renamed."""
    before = snapshot(outside)
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "movies").symlink_to(outside, target_is_directory=True)
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=3600)

    assert await scan_twice(watcher) == []
    assert await watcher.scan() == []

    assert added.files == []
    assert snapshot(outside) == before
    assert (folder / "movies").is_symlink()


async def test_linked_watch_folder_is_not_followed(
    tmp_path: Path, outside: Path
) -> None:
    """A link as the watch folder itself: not scanned, not written, start fails."""
    before = snapshot(outside)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    folder = downloads / "watch"
    folder.symlink_to(outside, target_is_directory=True)
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=0.01)

    with pytest.raises(OSError, match="symbolic link"):
        await watcher.start()
    assert not watcher.running
    with pytest.raises(OSError, match="symbolic link"):
        await watcher.scan()
    assert added.files == []
    assert snapshot(outside) == before


async def test_linked_rename_targets_are_not_replaced(
    tmp_path: Path, outside: Path
) -> None:
    """Links planted as '.added' and '.invalid' names stay; the file takes the next name."""
    before = snapshot(outside)
    folder = tmp_path / "watch"
    (folder / "series").mkdir(parents=True)
    torrent_bytes, _ = make_torrent(tmp_path / "show", "Show.S01E01.mkv", 64 * 1024)
    (folder / "series" / "show.torrent").write_bytes(torrent_bytes)
    (folder / "series" / "show.torrent.added").symlink_to(
        outside / "configuration.yaml"
    )
    (folder / "junk.torrent").write_bytes(b"junk")
    # Dangling: it points at nothing, and stays so.
    (folder / "junk.torrent.invalid").symlink_to(outside / "gone.yaml")
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=3600)

    results = await scan_twice(watcher)

    assert sorted((r.outcome, r.moved_to) for r in results) == [
        (BlackholeOutcome.ADDED, folder / "series" / "show.torrent.1.added"),
        (BlackholeOutcome.INVALID, folder / "junk.torrent.1.invalid"),
    ]
    assert [f.category for f in added.files] == ["series"]
    assert (folder / "series" / "show.torrent.1.added").read_bytes() == torrent_bytes
    assert (
        (folder / "junk.torrent.1.invalid.txt")
        .read_text()
        .startswith("junk.torrent was not added")
    )
    assert (folder / "series" / "show.torrent.added").is_symlink()
    assert (folder / "junk.torrent.invalid").is_symlink()
    assert snapshot(outside) == before


async def test_regular_files_still_work_beside_links(tmp_path: Path) -> None:
    """Real files in the folder and in a real category folder are added as before."""
    folder = tmp_path / "watch"
    (folder / "music").mkdir(parents=True)
    (folder / "music" / "other.magnet").write_text(MAGNET)
    added = Collector()
    watcher = BlackholeWatcher(folder, added, interval=3600)
    results = await scan_twice(watcher)
    assert [(r.outcome, r.category) for r in results] == [
        (BlackholeOutcome.ADDED, "music")
    ]
    assert (folder / "music" / "other.magnet.added").read_text() == MAGNET
