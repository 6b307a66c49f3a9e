"""Each failure path of the executor reached, over real HTTP to the simulator.

For every path: what the report says, what the ledger keeps, what is tried
again, and what Jellyfin and Jellyseerr are told.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest

from custom_components.lcars.cleanup import Candidate, Ledger, LedgerEntry, MediaIds
from custom_components.lcars.cleanup.execute import (
    ExecutionReport,
    ItemResult,
    StepResult,
    _index_media,
    _Runner,
    execute_plan,
    sync_leaving_soon_collection,
)
from custom_components.lcars.clients.errors import NotFoundError
from custom_components.lcars.clients.jellyseerr import SeerrMediaRef
from simulator import Simulator

from .test_execute import NOW, Setup, season_episodes


@pytest.fixture
async def rig(simulator: Simulator) -> AsyncIterator[Setup]:
    async with aiohttp.ClientSession() as http:
        yield Setup(simulator, http)


LATER = NOW + timedelta(hours=1)


def ledger_of(*items: Candidate) -> Ledger:
    entry = LedgerEntry(entered=NOW - timedelta(days=20), delete_on=NOW)
    return Ledger({item.key: entry for item in items})


def steps(result: ItemResult) -> list[tuple[str, bool, bool, str | None]]:
    return [(s.step, s.ok, s.performed, s.detail) for s in result.steps]


def changes(s: Setup) -> list[tuple[str, str, str]]:
    return [r for r in s.all_requests() if r[1] != "GET"]


async def _fails_and_stays(
    s: Setup, item: Candidate, step: str, error: str
) -> ExecutionReport:
    """Run one real deletion that must fail at `step` having changed nothing."""
    s.sim.reset_requests()
    report = await s.run([item], dry_run=False)
    (result,) = report.items
    assert not result.ok
    assert (result.steps[-1].step, result.steps[-1].error) == (step, error)
    assert report.deleted_keys == ()
    assert report.failures == ((item.key, error),)
    assert changes(s) == []
    # Nothing was deleted, so Jellyfin is not asked to scan.
    assert report.library_refresh is None
    ledger = report.apply_to(ledger_of(item), LATER)
    entry = ledger.get(item.key)
    assert entry is not None
    assert (entry.attempts, entry.last_error, entry.last_attempt) == (1, error, LATER)
    return report


@pytest.mark.parametrize(
    "key",
    ["radarr/movie/abc", "sonarr/movie/1", "radarr/movie/", "radarr/movie/1/2"],
)
async def test_a_movie_whose_key_cannot_be_read_is_kept_and_retried(
    rig: Setup, key: str
) -> None:
    item = replace(rig.movie(), key=key)
    await _fails_and_stays(rig, item, "unmonitor", "the item key cannot be read")


@pytest.mark.parametrize("key", ["sonarr/season/1", "sonarr/season/1/2/3"])
async def test_a_season_whose_key_cannot_be_read_is_kept_and_retried(
    rig: Setup, key: str
) -> None:
    item = replace(rig.season(), key=key)
    await _fails_and_stays(rig, item, "find_files", "the item key cannot be read")


async def test_an_album_whose_key_cannot_be_read_is_kept_and_retried(
    rig: Setup,
) -> None:
    item = replace(rig.album(), key="lidarr/album/1/2")
    await _fails_and_stays(rig, item, "unmonitor", "the item key cannot be read")


async def test_a_rolling_episode_that_no_longer_exists_is_kept_and_retried(
    rig: Setup,
) -> None:
    s = rig
    target = next(e for e in s.sonarr.episodes.values() if e.episode_file_id)
    item = Candidate(
        key=f"sonarr/episode/{target.series_id}/{target.season_number}/999",
        instance_id="sonarr",
        kind="episode",
        title="Gone",
        root_folder="/tv",
        size=1,
        added=NOW,
    )
    sonarr = s.arr["sonarr"]
    error = (
        f"Sonarr at {sonarr.url}: episode 999 of season {target.season_number}"
        f" of series {target.series_id} does not exist"
    )
    report = await _fails_and_stays(s, item, "find_files", error)
    assert len(report.items[0].steps) == 1


async def test_an_episode_key_with_too_few_ids_is_kept(rig: Setup) -> None:
    item = Candidate(
        key="sonarr/episode/1/1",
        instance_id="sonarr",
        kind="episode",
        title="Odd",
        root_folder="/tv",
        size=1,
        added=NOW,
    )
    await _fails_and_stays(rig, item, "find_files", "the item key cannot be read")


async def test_an_item_of_an_unknown_or_a_wrong_instance_is_kept(rig: Setup) -> None:
    s = rig
    lost = replace(s.movie(), instance_id="radarr4k", key="radarr4k/movie/1")
    await _fails_and_stays(s, lost, "unmonitor", "no client for instance radarr4k")
    wrong = replace(s.season(), instance_id="radarr", key="radarr/season/1/1")
    await _fails_and_stays(
        s, wrong, "unmonitor", "instance radarr is not a Sonarr instance"
    )


async def test_clients_can_be_a_mapping_or_a_function(rig: Setup) -> None:
    s = rig
    movie = s.movie()
    report = await execute_plan((movie,), s.arr, dry_run=True)
    assert report.items[0].ok
    report = await execute_plan((movie,), lambda _: None, dry_run=True)
    assert report.items[0].error == "no client for instance radarr"


async def test_a_failing_arr_keeps_the_item_and_its_failure(rig: Setup) -> None:
    s = rig
    movie = s.movie()
    s.sim.faults("radarr").set(status=500)
    report = await s.run([movie], dry_run=False)
    s.sim.faults("radarr").clear()
    (result,) = report.items
    assert [(st.step, st.ok) for st in result.steps] == [("unmonitor", False)]
    assert result.error is not None
    assert "Radarr" in result.error
    assert s.sim.services["radarr"].api_key not in result.error
    assert report.library_refresh is None
    ledger = report.apply_to(ledger_of(movie), LATER)
    assert ledger.get(movie.key).attempts == 1  # type: ignore[union-attr]


async def test_a_delete_that_fails_after_unmonitoring_reports_the_delete(
    rig: Setup,
) -> None:
    s = rig
    movie = s.movie()
    movie_id = movie.key.rsplit("/", 1)[1]
    s.sim.faults("radarr").set(status=500, paths=[f"/api/v3/movie/{movie_id}"])
    report = await s.run([movie], dry_run=False)
    s.sim.faults("radarr").clear()
    (result,) = report.items
    assert [(st.step, st.ok, st.performed) for st in result.steps] == [
        ("unmonitor", True, True),
        ("delete", False, False),
    ]
    assert not result.changed
    assert report.library_refresh is None


# -- what Jellyseerr is told ---------------------------------------------------


async def test_a_series_known_to_jellyseerr_only_by_tmdb_loses_its_request(
    rig: Setup,
) -> None:
    s = rig
    item = s.season()
    series = s.sonarr.series[int(item.key.split("/")[2])]
    media = next(
        m
        for m in s.seerr.media.values()
        if m.media_type == "tv" and m.tvdb_id == series.tvdb_id
    )
    media.tvdb_id = None
    media.tmdb_id = series.tmdb_id
    item = replace(item, ids=MediaIds(tvdb=series.tvdb_id, tmdb=series.tmdb_id))
    report = await s.run([item], dry_run=False)
    (result,) = report.items
    assert result.ok, result
    assert result.steps[-1] == StepResult(
        step="jellyseerr", ok=True, performed=True, detail=f"media {media.id} removed"
    )
    assert media.id not in s.seerr.media


async def test_a_series_with_only_a_tmdb_id_is_found_by_it(rig: Setup) -> None:
    s = rig
    item = s.season()
    series = s.sonarr.series[int(item.key.split("/")[2])]
    media = next(
        m
        for m in s.seerr.media.values()
        if m.media_type == "tv" and m.tvdb_id == series.tvdb_id
    )
    media.tmdb_id = series.tmdb_id
    item = replace(item, ids=MediaIds(tmdb=series.tmdb_id))
    report = await s.run([item], dry_run=False)
    assert report.items[0].steps[-1].detail == f"media {media.id} removed"


async def test_an_item_without_ids_or_unknown_to_jellyseerr_is_left_there(
    rig: Setup,
) -> None:
    s = rig
    no_ids = replace(s.movie(), ids=MediaIds())
    report = await s.run([no_ids], dry_run=False)
    assert steps(report.items[0])[-1] == ("jellyseerr", True, False, "no provider id")
    unknown = replace(s.movie(), ids=MediaIds(tmdb=987654321))
    report = await s.run([unknown], dry_run=False)
    assert steps(report.items[0])[-1] == (
        "jellyseerr",
        True,
        False,
        "not in Jellyseerr",
    )
    series = replace(s.season(), ids=MediaIds(imdb="tt1"))
    report = await s.run([series], dry_run=False)
    assert steps(report.items[0])[-1] == ("jellyseerr", True, False, "no provider id")


async def test_albums_and_episodes_never_touch_jellyseerr(rig: Setup) -> None:
    s = rig
    album = replace(s.album(), ids=MediaIds(tmdb=1, tvdb=1))
    s.sim.reset_requests()
    report = await s.run([album], dry_run=False)
    assert report.items[0].ok
    assert s.sim.requests("jellyseerr") == []
    assert report.items[0].steps[-1].step == "delete_files"


async def test_a_jellyseerr_failure_is_kept_for_the_run(rig: Setup) -> None:
    s = rig
    movie, season = s.movie(), s.season()
    s.sim.faults("jellyseerr").set(status=500)
    s.sim.reset_requests()
    report = await s.run([movie, season], dry_run=False)
    s.sim.faults("jellyseerr").clear()
    errors = [r.error for r in report.items]
    assert errors[0] is not None
    assert errors == [errors[0], errors[0]]
    assert [r.steps[-1].step for r in report.items] == ["jellyseerr", "jellyseerr"]
    # Read once: the second item does not ask again.
    assert s.sim.requests("jellyseerr") == [("GET", "/api/v1/media")]
    # The files went, so Jellyfin scans; the items stay to be tried again.
    assert report.library_refresh is not None
    assert report.library_refresh.ok
    assert report.deleted_keys == ()
    ledger = report.apply_to(ledger_of(movie, season), LATER)
    assert [e.attempts for e in ledger.entries.values()] == [1, 1]


async def test_a_media_entry_already_gone_counts_as_removed(rig: Setup) -> None:
    s = rig
    movie = s.movie()
    media_id = s.seerr_media("movie", "tmdb_id")[movie.ids.tmdb]
    s.sim.faults("jellyseerr").set(status=404, paths=[f"/api/v1/media/{media_id}"])
    report = await s.run([movie], dry_run=False)
    s.sim.faults("jellyseerr").clear()
    assert report.items[0].ok
    assert steps(report.items[0])[-1] == ("jellyseerr", True, True, "already gone")


# -- what Jellyfin is told ---------------------------------------------------


async def test_jellyfin_scans_once_after_real_deletions(rig: Setup) -> None:
    s = rig
    s.sim.reset_requests()
    report = await s.run([s.movie(), s.album()], dry_run=False)
    assert report.library_refresh == StepResult(
        step="jellyfin_refresh", ok=True, performed=True
    )
    assert s.sim.requests("jellyfin").count(("POST", "/Library/Refresh")) == 1


async def test_jellyfin_does_not_scan_when_nothing_was_deleted(rig: Setup) -> None:
    s = rig
    album = s.album()
    album_id = int(album.key.rsplit("/", 1)[1])
    # An album without track files: unmonitored, nothing deleted.
    s.lidarr.files_by_album[album_id] = []
    s.sim.reset_requests()
    report = await s.run([album], dry_run=False)
    assert report.items[0].ok
    assert steps(report.items[0])[-2:] == [
        ("find_files", True, False, "0 files"),
        ("delete_files", True, False, "no files"),
    ]
    assert not report.items[0].changed
    assert report.library_refresh is None
    assert ("POST", "/Library/Refresh") not in s.sim.requests("jellyfin")
    assert report.deleted_keys == (album.key,)


async def test_a_failed_jellyfin_scan_is_reported_as_failed(rig: Setup) -> None:
    s = rig
    s.sim.faults("jellyfin").set(status=500, paths=["/Library/Refresh"])
    report = await s.run([s.movie()], dry_run=False)
    s.sim.faults("jellyfin").clear()
    refresh = report.library_refresh
    assert refresh is not None
    assert (refresh.step, refresh.ok, refresh.performed) == (
        "jellyfin_refresh",
        False,
        False,
    )
    assert refresh.error is not None
    assert "Jellyfin" in refresh.error
    # The deletion itself stands.
    assert report.items[0].ok


async def test_without_jellyfin_there_is_no_scan(rig: Setup) -> None:
    s = rig
    report = await execute_plan([s.movie()], s.arr, dry_run=False)
    assert report.library_refresh is None


async def test_a_dry_run_tells_of_the_scan_only_when_something_would_go(
    rig: Setup,
) -> None:
    s = rig
    report = await s.run([s.movie()], dry_run=True)
    assert report.library_refresh == StepResult(
        step="jellyfin_refresh", ok=True, detail="dry run: not sent"
    )
    lost = replace(s.movie(), instance_id="nope", key="nope/movie/1")
    report = await s.run([lost], dry_run=True)
    assert report.library_refresh is None
    assert report.deleted_keys == ()
    ledger = ledger_of(lost)
    assert report.apply_to(ledger, LATER) is ledger


async def test_a_dry_run_notes_every_change_without_sending_it(rig: Setup) -> None:
    s = rig
    season = s.season()
    s.sim.reset_requests()
    report = await s.run([season], dry_run=True)
    (result,) = report.items
    assert [st.step for st in result.steps] == [
        "find_files",
        "unmonitor",
        "delete_files",
        "jellyseerr",
    ]
    assert all(st.ok and not st.performed for st in result.steps)
    assert [st.detail for st in result.steps][1:] == ["dry run: not sent"] * 3
    assert changes(s) == []
    assert report.deleted_keys == ()


async def test_import_exclusions_are_added_only_when_asked(rig: Setup) -> None:
    s = rig
    movie = s.movie()
    await s.run([movie], dry_run=False)
    assert s.radarr.exclusions == []
    other = s.movie()
    await s.run([other], dry_run=False, add_import_exclusion=True)
    assert [e.foreign_id for e in s.radarr.exclusions] == [str(other.ids.tmdb)]


# -- the report ----------------------------------------------------------------


def test_a_report_counts_failures_and_deletions() -> None:
    ok = ItemResult(
        key="a",
        title="A",
        kind="movie",
        steps=(StepResult(step="delete", ok=True, performed=True),),
    )
    failed = ItemResult(
        key="b",
        title="B",
        kind="movie",
        steps=(
            StepResult(step="unmonitor", ok=True, performed=True),
            StepResult(step="delete", ok=False),
        ),
    )
    report = ExecutionReport(dry_run=False, items=(ok, failed))
    assert report.deleted_keys == ("a",)
    assert report.failures == (("b", "failed"),)
    assert ok.changed
    assert not failed.changed
    assert ok.error is None
    ledger = Ledger(
        {
            "a": LedgerEntry(entered=NOW, delete_on=NOW),
            "b": LedgerEntry(entered=NOW, delete_on=NOW),
        }
    )
    after = report.apply_to(ledger, LATER)
    assert list(after.entries) == ["b"]
    assert after.entries["b"] == LedgerEntry(
        entered=NOW, delete_on=NOW, attempts=1, last_error="failed", last_attempt=LATER
    )
    dry = ExecutionReport(dry_run=True, items=(ok,))
    assert dry.deleted_keys == ()


# -- the Leaving Soon collection ------------------------------------------------


async def test_the_collection_is_not_created_for_nothing(rig: Setup) -> None:
    s = rig
    result = await sync_leaving_soon_collection(s.jellyfin, [])
    assert (result.collection_id, result.created, result.added, result.removed) == (
        None,
        False,
        (),
        (),
    )


async def test_a_dry_run_creates_no_collection_and_says_what_it_would_hold(
    rig: Setup,
) -> None:
    s = rig
    ids = sorted(i.id for i in s.jf.items.values() if i.type == "Movie")[:2]
    s.sim.reset_requests("jellyfin")
    result = await sync_leaving_soon_collection(
        s.jellyfin, [*ids, ids[0]], dry_run=True
    )
    assert (result.collection_id, result.created, result.added, result.dry_run) == (
        None,
        True,
        tuple(ids),
        True,
    )
    assert {m for m, _ in s.sim.requests("jellyfin")} == {"GET"}
    real = await sync_leaving_soon_collection(s.jellyfin, ids, name="Going")
    assert real.collection_id is not None
    assert real.created
    again = await sync_leaving_soon_collection(s.jellyfin, ids[:1], name="Going")
    assert (again.collection_id, again.created, again.added, again.removed) == (
        real.collection_id,
        False,
        (),
        (ids[1],),
    )


@pytest.mark.parametrize(
    ("kind", "service", "paths", "done", "failed"),
    [
        ("season", "sonarr", ["/api/v3/episode"], [], "find_files"),
        ("season", "sonarr", ["/api/v3/episode/monitor"], ["find_files"], "unmonitor"),
        (
            "season",
            "sonarr",
            ["/api/v3/episodefile/bulk"],
            ["find_files", "unmonitor"],
            "delete_files",
        ),
        ("album", "lidarr", ["/api/v1/album/monitor"], [], "unmonitor"),
        ("album", "lidarr", ["/api/v1/trackfile"], ["unmonitor"], "find_files"),
        (
            "album",
            "lidarr",
            ["/api/v1/trackfile/bulk"],
            ["unmonitor", "find_files"],
            "delete_files",
        ),
    ],
)
async def test_a_client_error_is_reported_for_the_step_it_stopped(
    rig: Setup,
    kind: str,
    service: str,
    paths: list[str],
    done: list[str],
    failed: str,
) -> None:
    """The step that failed is named, not the one before it."""
    s = rig
    item = s.season() if kind == "season" else s.album()
    s.sim.faults(service).set(status=500, paths=paths, count=1)
    report = await s.run([item], dry_run=False)
    s.sim.faults(service).clear()
    (result,) = report.items
    assert [(st.step, st.ok) for st in result.steps] == [
        *((name, True) for name in done),
        (failed, False),
    ]
    assert result.error is not None
    assert report.deleted_keys == ()


async def test_a_step_that_finds_nothing_to_change_fails(rig: Setup) -> None:
    """Only a deletion may find its item already gone; a 404 elsewhere is a failure."""
    s = rig
    movie = s.movie()
    s.sim.faults("radarr").set(status=404, paths=["/api/v3/movie/editor"])
    report = await s.run([movie], dry_run=False)
    s.sim.faults("radarr").clear()
    (result,) = report.items
    assert [(st.step, st.ok) for st in result.steps] == [("unmonitor", False)]
    assert report.deleted_keys == ()


async def test_a_whole_series_is_deleted_with_its_files(rig: Setup) -> None:
    s = rig
    season = s.season()
    series_id = int(season.key.split("/")[2])
    series = replace(season, key=f"sonarr/series/{series_id}", kind="series")
    report = await s.run([series], dry_run=False, add_import_exclusion=True)
    (result,) = report.items
    assert result.ok, result
    assert [(st.step, st.performed) for st in result.steps][:2] == [
        ("unmonitor", True),
        ("delete", True),
    ]
    assert series_id not in s.sonarr.series
    assert [e.foreign_id for e in s.sonarr.exclusions] == [str(season.ids.tvdb)]


async def test_a_season_without_monitored_episodes_or_files_sends_nothing(
    rig: Setup,
) -> None:
    s = rig
    season = s.season()
    for episode in season_episodes(s, season):
        episode.monitored = False
        episode.episode_file_id = 0
    s.sim.reset_requests("sonarr")
    report = await s.run([season], dry_run=False)
    (result,) = report.items
    assert steps(result)[:3] == [
        (
            "find_files",
            True,
            False,
            f"{len(season_episodes(s, season))} episodes, 0 files",
        ),
        ("unmonitor", True, False, "not monitored"),
        ("delete_files", True, False, "no files"),
    ]
    assert {m for m, _ in s.sim.requests("sonarr")} == {"GET"}
    assert not result.changed


def test_jellyseerr_media_are_indexed_by_type_and_id() -> None:
    refs = [
        SeerrMediaRef(1, "movie", 10, None),
        SeerrMediaRef(2, "movie", 10, None),
        SeerrMediaRef(3, "movie", None, 7),
        SeerrMediaRef(4, "tv", 20, 30),
        SeerrMediaRef(5, "tv", None, 31),
        SeerrMediaRef(6, "tv", 21, None),
        SeerrMediaRef(7, "music", 22, 32),
    ]
    assert _index_media(refs) == {
        ("movie", 10): 1,
        ("tv-tmdb", 20): 4,
        ("tv-tvdb", 30): 4,
        ("tv-tvdb", 31): 5,
        ("tv-tmdb", 21): 6,
    }


async def test_a_dry_run_leaves_an_existing_collection_alone(rig: Setup) -> None:
    s = rig
    ids = sorted(i.id for i in s.jf.items.values() if i.type == "Movie")[:3]
    await sync_leaving_soon_collection(s.jellyfin, ids[:2])
    s.sim.reset_requests("jellyfin")
    result = await sync_leaving_soon_collection(s.jellyfin, ids[1:], dry_run=True)
    assert (result.created, result.added, result.removed, result.dry_run) == (
        False,
        (ids[2],),
        (ids[0],),
        True,
    )
    assert {m for m, _ in s.sim.requests("jellyfin")} == {"GET"}


async def test_only_a_deletion_may_find_its_item_already_gone() -> None:
    """The clients raise NotFoundError only on item paths; the rule holds for any."""
    runner = _Runner(
        clients={}, dry_run=False, add_import_exclusion=False, jellyseerr=None
    )

    async def gone() -> None:
        raise NotFoundError("Radarr", "http://127.0.0.1", "no such movie")

    with pytest.raises(NotFoundError):
        await runner._change("unmonitor", gone)
    await runner._change("delete", gone, gone_ok=True)
    assert runner._steps == [
        StepResult(step="delete", ok=True, performed=True, detail="already gone")
    ]
