"""Cleanup execution against the simulator, over real HTTP."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.lcars.cleanup import Candidate, Ledger, LedgerEntry, MediaIds
from custom_components.lcars.cleanup.execute import (
    ExecutionReport,
    execute_plan,
    sync_leaving_soon_collection,
)
from custom_components.lcars.clients import (
    JellyfinClient,
    JellyseerrClient,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from custom_components.lcars.clients.arr import ArrClient
from custom_components.lcars.clients.jellyfin import normalize_item_id
from simulator import Simulator
from simulator.pytest_plugin import SimulatorFactory

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
PACKAGE = Path(__file__).parent.parent.parent / "custom_components" / "lcars"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


class Setup:
    """Clients of one simulator, and the state behind them."""

    def __init__(self, sim: Simulator, session: aiohttp.ClientSession) -> None:
        self.sim = sim

        def handle(name: str) -> tuple[str, str]:
            h = sim.services[name]
            return h.url, h.api_key

        self.arr: dict[str, ArrClient] = {
            "radarr": RadarrClient(session, *handle("radarr")),
            "sonarr": SonarrClient(session, *handle("sonarr")),
            "lidarr": LidarrClient(session, *handle("lidarr")),
        }
        self.jellyfin = JellyfinClient(session, *handle("jellyfin"))
        self.jellyseerr = JellyseerrClient(session, *handle("jellyseerr"))
        states = sim.state.services
        self.radarr: Any = states["radarr"]
        self.sonarr: Any = states["sonarr"]
        self.lidarr: Any = states["lidarr"]
        self.jf: Any = states["jellyfin"]
        self.seerr: Any = states["jellyseerr"]

    async def run(self, items: list[Candidate], **kwargs: Any) -> ExecutionReport:
        return await execute_plan(
            items,
            self.arr,
            jellyseerr=self.jellyseerr,
            jellyfin=self.jellyfin,
            **kwargs,
        )

    # Candidates of items that have files and, for movies and series, a
    # Jellyseerr media entry: every step has something to do.

    def seerr_media(self, media_type: str, key: str) -> dict[int, int]:
        return {
            getattr(m, key): m.id
            for m in self.seerr.media.values()
            if m.media_type == media_type and getattr(m, key)
        }

    def movie(self) -> Candidate:
        media = self.seerr_media("movie", "tmdb_id")
        movie = next(
            m
            for m in sorted(self.radarr.movies.values(), key=lambda m: m.id)
            if m.file is not None and m.tmdb_id in media
        )
        return Candidate(
            key=f"radarr/movie/{movie.id}",
            instance_id="radarr",
            kind="movie",
            title=movie.title,
            root_folder=movie.root_folder_path,
            size=movie.file.size,
            added=NOW,
            ids=MediaIds(tmdb=movie.tmdb_id),
        )

    def season(self) -> Candidate:
        media = self.seerr_media("tv", "tvdb_id")
        with_files = Counter(
            (f.series_id, f.season_number) for f in self.sonarr.episode_files.values()
        )
        series_id, number = min(
            key for key in with_files if self.sonarr.series[key[0]].tvdb_id in media
        )
        series = self.sonarr.series[series_id]
        return Candidate(
            key=f"sonarr/season/{series_id}/{number}",
            instance_id="sonarr",
            kind="season",
            title=f"{series.title} - Season {number}",
            root_folder=series.root_folder_path,
            size=1,
            added=NOW,
            ids=MediaIds(tvdb=series.tvdb_id),
            season_number=number,
        )

    def album(self) -> Candidate:
        album_id = min(a for a, files in self.lidarr.files_by_album.items() if files)
        album = self.lidarr.albums[album_id]
        return Candidate(
            key=f"lidarr/album/{album_id}",
            instance_id="lidarr",
            kind="album",
            title=album.title,
            root_folder="/music",
            size=1,
            added=NOW,
        )

    def free(self, state: Any, root: str) -> int:
        value = state.free_space_of(root)
        assert value is not None
        return int(value)

    def all_requests(self) -> list[tuple[str, str, str]]:
        return [
            (name, method, path)
            for name in self.sim.services
            for method, path in self.sim.requests(name)
        ]


@pytest.fixture
async def setup(simulator: Simulator, session: aiohttp.ClientSession) -> Setup:
    return Setup(simulator, session)


def in_folder(path: str | None, folder: str) -> bool:
    return path is not None and (path == folder or path.startswith(folder + "/"))


def season_files(s: Setup, item: Candidate) -> list[Any]:
    series_id = int(item.key.split("/")[2])
    return [
        f
        for f in s.sonarr.episode_files.values()
        if f.series_id == series_id and f.season_number == item.season_number
    ]


def season_episodes(s: Setup, item: Candidate) -> list[Any]:
    series_id = int(item.key.split("/")[2])
    return [
        e
        for e in s.sonarr.series_episodes(series_id)
        if e.season_number == item.season_number
    ]


async def test_real_run_deletes_a_movie_a_season_and_an_album(setup: Setup) -> None:
    s = setup
    movie, season, album = s.movie(), s.season(), s.album()
    movie_id = int(movie.key.rsplit("/", 1)[1])
    album_id = int(album.key.rsplit("/", 1)[1])
    movie_path = s.radarr.movies[movie_id].path
    movie_media = s.seerr_media("movie", "tmdb_id")[movie.ids.tmdb]
    series_media = s.seerr_media("tv", "tvdb_id")[season.ids.tvdb]
    free_movies = s.free(s.radarr, movie.root_folder)
    free_tv = s.free(s.sonarr, season.root_folder)
    free_music = s.free(s.lidarr, "/music")
    files_of_season = season_files(s, season)
    assert files_of_season
    assert any(in_folder(m.path, movie_path) for m in s.jf.items.values())
    s.sim.reset_requests()

    report = await s.run([movie, season, album], dry_run=False)

    assert [r.key for r in report.items] == [movie.key, season.key, album.key]
    assert all(r.ok for r in report.items), report
    assert report.deleted_keys == (movie.key, season.key, album.key)
    assert report.failures == ()
    # The movie is gone from Radarr with its folder.
    assert movie_id not in s.radarr.movies
    assert s.free(s.radarr, movie.root_folder) == free_movies + movie.size
    # The season's files are gone, its episodes stay but are unmonitored.
    assert season_files(s, season) == []
    episodes = season_episodes(s, season)
    assert episodes
    assert not any(e.monitored or e.episode_file_id for e in episodes)
    assert s.free(s.sonarr, season.root_folder) == free_tv + sum(
        f.size for f in files_of_season
    )
    # The album stays listed, unmonitored, without files.
    assert s.lidarr.albums[album_id].monitored is False
    assert s.lidarr.album_files(album_id) == []
    assert s.free(s.lidarr, "/music") > free_music
    # Jellyseerr forgot both media entries and their requests.
    assert movie_media not in s.seerr.media
    assert series_media not in s.seerr.media
    assert not any(
        r.media_id in (movie_media, series_media) for r in s.seerr.requests.values()
    )
    # Jellyfin scanned once and forgot the movie.
    assert report.library_refresh is not None
    assert report.library_refresh.ok
    assert report.library_refresh.performed
    assert s.jf.refreshes == 1
    assert not any(in_folder(m.path, movie_path) for m in s.jf.items.values())
    # The steps, in order.
    assert [st.step for st in report.items[0].steps] == [
        "unmonitor",
        "delete",
        "jellyseerr",
    ]
    assert [st.step for st in report.items[1].steps] == [
        "find_files",
        "unmonitor",
        "delete_files",
        "jellyseerr",
    ]
    assert [st.step for st in report.items[2].steps] == [
        "unmonitor",
        "find_files",
        "delete_files",
    ]
    # One Jellyseerr listing for the run.
    assert s.sim.requests("jellyseerr").count(("GET", "/api/v1/media")) == 1
    assert s.sim.requests("jellyfin") == [("POST", "/Library/Refresh")]

    # The ledger forgets the deleted items.
    entry = LedgerEntry(entered=NOW - timedelta(days=30), delete_on=NOW)
    ledger = Ledger({movie.key: entry, season.key: entry, album.key: entry})
    assert len(report.apply_to(ledger, NOW)) == 0


async def test_dry_run_sends_no_change(setup: Setup) -> None:
    s = setup
    items = [s.movie(), s.season(), s.album()]
    before = s.sim.dump()
    s.sim.reset_requests()

    report = await s.run(items, dry_run=True)

    assert s.sim.dump() == before
    requests = s.all_requests()
    assert requests
    assert {method for _, method, _ in requests} == {"GET"}
    assert report.dry_run
    assert all(r.ok for r in report.items)
    assert report.deleted_keys == ()
    assert not any(st.performed for r in report.items for st in r.steps)
    assert report.library_refresh is not None
    assert not report.library_refresh.performed
    # What would happen is told.
    season_steps = {st.step: st for st in report.items[1].steps}
    files = len(season_files(s, items[1]))
    assert season_steps["find_files"].detail == (
        f"{len(season_episodes(s, items[1]))} episodes, {files} files"
    )
    ledger = Ledger({items[0].key: LedgerEntry(entered=NOW, delete_on=NOW)})
    assert report.apply_to(ledger, NOW) is ledger


async def test_a_failing_step_stops_its_item_and_spares_the_others(
    setup: Setup,
) -> None:
    s = setup
    movie, season, album = s.movie(), s.season(), s.album()
    movie_id = int(movie.key.rsplit("/", 1)[1])
    movie_media = s.seerr_media("movie", "tmdb_id")[movie.ids.tmdb]
    radarr_before = s.sim.dump()["services"]["radarr"]
    s.sim.faults("radarr").set(status=500)

    report = await s.run([movie, season, album], dry_run=False)

    failed, *others = report.items
    assert not failed.ok
    assert [(st.step, st.ok) for st in failed.steps] == [("unmonitor", False)]
    error = failed.error
    assert error is not None
    assert "Radarr" in error
    assert s.sim.services["radarr"].url in error
    assert s.sim.services["radarr"].api_key not in error
    # Nothing of the movie changed, in Radarr nor in Jellyseerr.
    assert s.sim.dump()["services"]["radarr"] == radarr_before
    assert movie_id in s.radarr.movies
    assert movie_media in s.seerr.media
    # The other items went through.
    assert all(r.ok for r in others)
    assert season_files(s, season) == []
    assert report.deleted_keys == (season.key, album.key)
    assert report.failures == ((movie.key, error),)

    entry = LedgerEntry(entered=NOW - timedelta(days=30), delete_on=NOW)
    ledger = report.apply_to(
        Ledger({movie.key: entry, season.key: entry, album.key: entry}), NOW
    )
    assert list(ledger.entries) == [movie.key]
    kept = ledger.get(movie.key)
    assert kept is not None
    assert kept.attempts == 1
    assert kept.last_error == error
    assert kept.last_attempt == NOW

    # Next run, with Radarr back, the movie goes.
    s.sim.faults("radarr").clear()
    retry = await s.run([movie], dry_run=False)
    assert retry.items[0].ok
    assert movie_id not in s.radarr.movies
    assert movie_media not in s.seerr.media


async def test_a_failing_jellyseerr_is_reported_after_the_files_went(
    setup: Setup,
) -> None:
    s = setup
    movie = s.movie()
    movie_id = int(movie.key.rsplit("/", 1)[1])
    s.sim.faults("jellyseerr").set(status=500)

    report = await s.run([movie, s.season()], dry_run=False)

    assert movie_id not in s.radarr.movies
    for item in report.items:
        assert [(st.step, st.ok) for st in item.steps][-1] == ("jellyseerr", False)
        assert item.error is not None
        assert "Jellyseerr" in item.error
    # The listing was tried once for the run, not once per item.
    assert s.sim.requests("jellyseerr") == [("GET", "/api/v1/media")]
    # The files are gone all the same, so Jellyfin scans.
    assert s.jf.refreshes == 1
    assert report.deleted_keys == ()


async def test_already_deleted_item_counts_as_deleted(setup: Setup) -> None:
    s = setup
    movie = s.movie()
    first = await execute_plan((movie,), lambda _: s.arr["radarr"], dry_run=False)
    assert first.items[0].ok
    again = await execute_plan((movie,), lambda _: s.arr["radarr"], dry_run=False)
    assert again.items[0].ok
    delete = next(st for st in again.items[0].steps if st.step == "delete")
    assert delete.detail == "already gone"


async def test_unknown_instance_and_wrong_kind_fail_without_requests(
    setup: Setup,
) -> None:
    s = setup
    movie = s.movie()
    s.sim.reset_requests()
    lost = Candidate(
        key="radarr4k/movie/1",
        instance_id="radarr4k",
        kind="movie",
        title="Lost",
        root_folder="/movies",
        size=1,
        added=NOW,
    )
    wrong = Candidate(
        key="radarr/album/1",
        instance_id="radarr",
        kind="album",
        title="Wrong",
        root_folder="/movies",
        size=1,
        added=NOW,
    )
    report = await execute_plan([lost, wrong, movie], s.arr, dry_run=False)
    assert [r.ok for r in report.items] == [False, False, True]
    assert report.items[0].error == "no client for instance radarr4k"
    assert report.items[1].error == "instance radarr is not a Lidarr instance"
    assert ("DELETE", f"/api/v3/movie/{movie.key.rsplit('/', 1)[1]}") in (
        s.sim.requests("radarr")
    )


async def test_a_rolling_episode_loses_its_file_only(setup: Setup) -> None:
    s = setup
    target = next(
        e
        for e in sorted(s.sonarr.episodes.values(), key=lambda e: e.id)
        if e.episode_file_id and e.monitored
    )
    file_size = s.sonarr.episode_files[target.episode_file_id].size
    series = s.sonarr.series[target.series_id]
    free = s.free(s.sonarr, series.root_folder_path)
    seerr_before = s.sim.dump()["services"]["jellyseerr"]
    others = [
        e
        for e in s.sonarr.series_episodes(target.series_id)
        if e.id != target.id and e.episode_file_id
    ]
    episode = Candidate(
        key=(
            f"sonarr/episode/{target.series_id}/{target.season_number}/"
            f"{target.episode_number}"
        ),
        instance_id="sonarr",
        kind="episode",
        title="An episode",
        root_folder=series.root_folder_path,
        size=file_size,
        added=NOW,
        ids=MediaIds(tvdb=series.tvdb_id),
    )
    report = await s.run([episode], dry_run=False)
    assert report.items[0].ok
    assert not target.episode_file_id
    assert target.monitored is False
    assert all(e.episode_file_id for e in others)
    assert s.free(s.sonarr, series.root_folder_path) == free + file_size
    # A rolling series stays requested.
    assert s.sim.dump()["services"]["jellyseerr"] == seerr_before


def _request_counts(sim: Simulator) -> dict[str, Counter[str]]:
    return {
        name: Counter(method for method, _ in sim.requests(name))
        for name in sim.services
    }


async def test_requests_do_not_grow_with_the_library(
    simulator: Simulator,
    simulator_factory: SimulatorFactory,
    session: aiohttp.ClientSession,
) -> None:
    counts = []
    for sim in (
        simulator,
        await simulator_factory(movies=400, series=40, artists=20, seed=1),
    ):
        s = Setup(sim, session)
        items = [s.movie(), s.season(), s.album()]
        sim.reset_requests()
        report = await s.run(items, dry_run=False)
        assert all(r.ok for r in report.items)
        counts.append(_request_counts(sim))
    assert counts[0] == counts[1]


async def test_leaving_soon_collection_is_created_filled_and_trimmed(
    setup: Setup,
) -> None:
    s = setup
    movies = sorted(i.id for i in s.jf.items.values() if i.type == "Movie")
    assert len(movies) >= 6

    def members() -> set[str]:
        found = [
            cid for cid in s.jf.collections if s.jf.items[cid].name == "Leaving Soon"
        ]
        assert len(found) == 1
        return set(s.jf.collections[found[0]])

    # Nothing leaving and no collection: nothing is made.
    empty = await sync_leaving_soon_collection(s.jellyfin, [])
    assert empty.collection_id is None
    assert not empty.created
    assert s.jf.collections == {}

    # Dry run: nothing is written, the result tells what would be.
    before = s.sim.dump()
    s.sim.reset_requests("jellyfin")
    dry = await sync_leaving_soon_collection(s.jellyfin, movies[:3], dry_run=True)
    assert dry.created
    assert dry.added == tuple(movies[:3])
    assert s.sim.dump() == before
    assert {m for m, _ in s.sim.requests("jellyfin")} == {"GET"}

    created = await sync_leaving_soon_collection(s.jellyfin, movies[:3])
    assert created.created
    assert created.collection_id is not None
    assert members() == set(movies[:3])

    changed = await sync_leaving_soon_collection(s.jellyfin, movies[2:6])
    assert not changed.created
    assert changed.collection_id == created.collection_id
    assert set(changed.added) == set(movies[3:6])
    assert set(changed.removed) == set(movies[:2])
    assert members() == set(movies[2:6])

    # Ids spelled with dashes and in upper case are the same items.
    spelled = [
        f"{m[:8]}-{m[8:12]}-{m[12:16]}-{m[16:20]}-{m[20:]}".upper() for m in movies[2:6]
    ]
    assert all(normalize_item_id(x) in movies for x in spelled)
    s.sim.reset_requests("jellyfin")
    same = await sync_leaving_soon_collection(s.jellyfin, spelled)
    assert same.added == ()
    assert same.removed == ()
    assert {m for m, _ in s.sim.requests("jellyfin")} == {"GET"}


async def test_leaving_soon_collection_sends_ids_in_batches(setup: Setup) -> None:
    s = setup
    episodes = sorted(i.id for i in s.jf.items.values() if i.type == "Episode")
    assert len(episodes) > 200
    s.sim.reset_requests("jellyfin")
    result = await sync_leaving_soon_collection(s.jellyfin, episodes)
    assert result.collection_id is not None
    assert set(s.jf.collections[result.collection_id]) == set(episodes)
    writes = [r for r in s.sim.requests("jellyfin") if r[0] != "GET"]
    batches = -(-len(episodes) // 100)
    assert writes[0] == ("POST", "/Collections")
    assert len(writes) == batches
    s.sim.reset_requests("jellyfin")
    await sync_leaving_soon_collection(s.jellyfin, [])
    assert s.jf.collections[result.collection_id] == []
    deletes = [r for r in s.sim.requests("jellyfin") if r[0] == "DELETE"]
    assert len(deletes) == batches


async def test_import_exclusions_are_added_where_the_options_say(
    setup: Setup,
) -> None:
    """With import exclusions on, deleted movies and whole series get one.

    Seasons, episodes and albums lose their files only and get none. The
    option's text (and the README) name exactly the servers that get one.
    """
    s = setup
    movie, season, album = s.movie(), s.season(), s.album()
    series_id = min(
        sid
        for sid in s.sonarr.series
        if sid != int(season.key.split("/")[2]) and s.sonarr.series[sid].tvdb_id
    )
    series = s.sonarr.series[series_id]
    whole_series = Candidate(
        key=f"sonarr/series/{series_id}",
        instance_id="sonarr",
        kind="series",
        title=series.title,
        root_folder=series.root_folder_path,
        size=1,
        added=NOW,
        ids=MediaIds(tvdb=series.tvdb_id),
    )
    before = {name: len(s.sim.state.services[name].exclusions) for name in s.arr}

    report = await s.run(
        [movie, season, whole_series, album], dry_run=False, add_import_exclusion=True
    )

    assert all(r.ok for r in report.items), report
    grown = {
        name
        for name in s.arr
        if len(s.sim.state.services[name].exclusions) > before[name]
    }
    assert grown == {"radarr", "sonarr"}
    assert len(s.radarr.exclusions) == before["radarr"] + 1
    assert len(s.sonarr.exclusions) == before["sonarr"] + 1

    names = {"radarr": "Radarr", "sonarr": "Sonarr", "lidarr": "Lidarr"}
    strings = json.loads((PACKAGE / "strings.json").read_text(encoding="utf-8"))
    schedule = strings["options"]["step"]["cleanup_schedule"]["data_description"]
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    (readme_line,) = [
        paragraph
        for paragraph in readme.split("\n- ")
        if "import" in paragraph and "exclusion" in paragraph
    ]
    for text in (schedule["add_import_exclusion"], readme_line):
        named = {kind for kind, name in names.items() if name in text}
        assert named == grown, text
