"""The cleanup candidates built from real snapshots of the simulator, over HTTP."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import aiohttp

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    Ledger,
    plan_cleanup,
)
from custom_components.lcars.cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    iter_candidates,
    rolling_series_ids,
    source_health,
)
from custom_components.lcars.clients import (
    JellyfinClient,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from custom_components.lcars.clients.models import (
    EpisodeWatch,
    JellyfinSnapshot,
    LidarrSnapshot,
    RadarrSnapshot,
    Rows,
    SonarrSnapshot,
)
from simulator import Simulator
from simulator.common import served_time
from simulator.state import (
    JellyfinState,
    LidarrState,
    RadarrState,
    SonarrState,
    UserData,
)

POLICY = CleanupPolicy()


@dataclass
class Snapshots:
    radarr: RadarrSnapshot
    sonarr: SonarrSnapshot
    lidarr: LidarrSnapshot
    jellyfin: JellyfinSnapshot
    episode_watch: Rows[EpisodeWatch]
    now: datetime


def clients(
    sim: Simulator, session: aiohttp.ClientSession
) -> tuple[RadarrClient, SonarrClient, LidarrClient, JellyfinClient]:
    def handle(name: str) -> tuple[str, str]:
        service = sim.services[name]
        return service.url, service.api_key

    return (
        RadarrClient(session, *handle("radarr")),
        SonarrClient(session, *handle("sonarr")),
        LidarrClient(session, *handle("lidarr")),
        JellyfinClient(session, *handle("jellyfin")),
    )


async def fetch(sim: Simulator, session: aiohttp.ClientSession) -> Snapshots:
    radarr, sonarr, lidarr, jellyfin = clients(sim, session)
    now = datetime.now(UTC)
    return Snapshots(
        radarr=await radarr.async_fetch_snapshot(now),
        sonarr=await sonarr.async_fetch_snapshot(now),
        lidarr=await lidarr.async_fetch_snapshot(now),
        jellyfin=await jellyfin.async_fetch_snapshot(now),
        episode_watch=await jellyfin.async_get_episode_watch(),
        now=now,
    )


def build(snaps: Snapshots, **kwargs: object) -> list[Candidate]:
    args: dict[str, object] = {
        "policy": POLICY,
        "radarr": {"main": snaps.radarr},
        "sonarr": {"main": snaps.sonarr},
        "lidarr": {"main": snaps.lidarr},
        "jellyfin": snaps.jellyfin,
        "episode_watch": snaps.episode_watch,
    }
    args.update(kwargs)
    return build_candidates(**args)  # type: ignore[arg-type]


def states(
    sim: Simulator,
) -> tuple[RadarrState, SonarrState, LidarrState, JellyfinState]:
    services = sim.state.services
    radarr, sonarr = services["radarr"], services["sonarr"]
    lidarr, jellyfin = services["lidarr"], services["jellyfin"]
    assert isinstance(radarr, RadarrState)
    assert isinstance(sonarr, SonarrState)
    assert isinstance(lidarr, LidarrState)
    assert isinstance(jellyfin, JellyfinState)
    return radarr, sonarr, lidarr, jellyfin


def by_key(items: list[Candidate]) -> dict[str, Candidate]:
    return {item.key: item for item in items}


async def test_movies_match_jellyfin_by_ids_never_by_title(
    simulator: Simulator,
) -> None:
    radarr, _, _, jellyfin = states(simulator)
    jf_movies = {
        item.provider_ids["Tmdb"]: item
        for item in jellyfin.items.values()
        if item.type == "Movie" and "Tmdb" in item.provider_ids
    }
    with_file = [
        m for m in radarr.movies.values() if m.file and str(m.tmdb_id) in jf_movies
    ]
    renamed, retitled = with_file[0], with_file[1]
    # Jellyfin calls the first movie something else: still the same ids.
    jf_movies[str(renamed.tmdb_id)].name = "Quite Another Name (Director's Cut)"
    # The second movie's Jellyfin item keeps the title but has other ids.
    other = jf_movies[str(retitled.tmdb_id)]
    other.name = retitled.title
    other.provider_ids = {"Tmdb": "999999991", "Imdb": "tt99999991"}
    # Someone alice watched the renamed movie recently.
    alice = jellyfin.users[0].id
    played_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    jellyfin.user_data.setdefault(alice, {})[jf_movies[str(renamed.tmdb_id)].id] = (
        UserData(played=True, play_count=1, last_played=played_at, is_favorite=True)
    )
    jellyfin.touch()

    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    items = by_key(build(snaps))

    movies = {k: v for k, v in items.items() if v.kind == "movie"}
    assert set(movies) == {
        f"radarr/main/movie/{m.id}" for m in radarr.movies.values() if m.file
    }
    found = movies[f"radarr/main/movie/{renamed.id}"]
    assert found.jellyfin_matched
    assert not found.ids_conflict
    assert found.last_played is not None
    assert found.last_played >= played_at
    assert found.played
    assert found.favorite
    assert found.title == renamed.title
    assert renamed.file is not None
    assert found.size == renamed.file.size
    unmatched = movies[f"radarr/main/movie/{retitled.id}"]
    assert not unmatched.jellyfin_matched
    assert unmatched.last_played is None
    assert not unmatched.favorite


async def test_an_item_matched_on_one_id_and_not_another_is_a_conflict(
    simulator: Simulator,
) -> None:
    radarr, _, _, jellyfin = states(simulator)
    movie = next(
        m
        for m in radarr.movies.values()
        if m.file
        and any(
            i.type == "Movie" and i.provider_ids.get("Tmdb") == str(m.tmdb_id)
            for i in jellyfin.items.values()
        )
    )
    item = next(
        i
        for i in jellyfin.items.values()
        if i.type == "Movie" and i.provider_ids.get("Tmdb") == str(movie.tmdb_id)
    )
    item.provider_ids = {**item.provider_ids, "Imdb": "tt0000001"}
    jellyfin.touch()

    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    items = by_key(build(snaps))

    conflicted = [key for key, c in items.items() if c.ids_conflict]
    assert conflicted == [f"radarr/main/movie/{movie.id}"]
    plan = plan_cleanup(
        items.values(),
        disks=disk_figures(radarr={"main": snaps.radarr}),
        health=source_health(
            [
                SourceFact(kind=kind, instance="main", ok=True, fetched_at=snaps.now)
                for kind in ("radarr", "sonarr", "lidarr", "jellyfin")
            ],
            jellyfin_configured=True,
        ),
        policy=POLICY,
        ledger=Ledger({}),
        now=snaps.now,
    )
    assert plan.failed_closed
    assert [r.code for r in plan.fail_reasons if r.code == "ids_conflict"] == [
        "ids_conflict"
    ]


async def test_tags_map_to_labels_and_root_folders_to_reported_ones(
    simulator: Simulator,
) -> None:
    radarr, sonarr, lidarr, _ = states(simulator)
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    items = build(snaps, jellyfin=None, episode_watch=None)

    labels = {
        "radarr": {t.id: t.label for t in radarr.tags},
        "sonarr": {t.id: t.label for t in sonarr.tags},
        "lidarr": {t.id: t.label for t in lidarr.tags},
    }
    movie_tags = {
        f"radarr/main/movie/{m.id}": frozenset(labels["radarr"][t] for t in m.tags)
        for m in radarr.movies.values()
        if m.file
    }
    assert any(movie_tags.values())
    assert {c.key: c.tags for c in items if c.kind == "movie"} == movie_tags
    series_tags = {
        s.id: frozenset(labels["sonarr"][t] for t in s.tags)
        for s in sonarr.series.values()
    }
    for season in (c for c in items if c.kind == "season"):
        series_id = int(season.key.split("/")[3])
        assert season.series_tags == series_tags[series_id]
        assert season.series_key == f"sonarr/main/series/{series_id}"
    artist_tags = {
        a.id: frozenset(labels["lidarr"][t] for t in a.tags)
        for a in lidarr.artists.values()
    }
    for album in (c for c in items if c.kind == "album"):
        artist = lidarr.albums[int(album.key.split("/")[-1])].artist_id
        assert album.tags == artist_tags[artist]
    # Every item sits in a root folder its instance reports (disk figures
    # are keyed by these paths), and no Jellyfin data without Jellyfin.
    figures = disk_figures(
        radarr={"main": snaps.radarr},
        sonarr={"main": snaps.sonarr},
        lidarr={"main": snaps.lidarr},
    )
    reported = {(f.instance_id, f.root_folder) for f in figures}
    assert {(c.instance_id, c.root_folder) for c in items} <= reported
    assert not any(c.jellyfin_matched or c.last_played for c in items)


async def test_root_folder_falls_back_to_the_longest_folder_holding_the_path(
    simulator: Simulator,
) -> None:
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    folder = snaps.radarr.root_folders[0].path.rstrip("/")
    nested = replace(snaps.radarr.root_folders[0], id=999, path=f"{folder}/kids/")
    rows = [row for row in snaps.radarr.movies.rows if row[8]]  # with a file
    path_at, root_at = 5, 6
    assert rows[0][path_at] is not None
    moved = (
        # No root folder sent, and a path in the nested folder.
        (*rows[0][:path_at], f"{folder}/kids/Film (2001)", None, *rows[0][7:]),
        # A root folder sent with a trailing slash.
        (*rows[1][:root_at], f"{folder}/", *rows[1][7:]),
        # A folder sharing only a prefix of the name with a root folder.
        (*rows[2][:path_at], f"{folder}kids/Film", None, *rows[2][7:]),
    )
    radarr = replace(
        snaps.radarr,
        movies=Rows(type(snaps.radarr.movies[0]), moved),
        root_folders=(*snaps.radarr.root_folders, nested),
    )

    items = build_candidates(policy=POLICY, radarr={"main": radarr})

    roots = [c.root_folder for c in items]
    assert roots[0] == f"{folder}/kids/"
    assert roots[1] == snaps.radarr.root_folders[0].path
    # Not inside any root folder: kept as the item's own parent folder,
    # which has no disk figure, so the planner fails closed for it.
    assert roots[2] == f"{folder}kids"


async def test_windows_root_folders(simulator_factory: Any) -> None:
    """On Windows an item's folder matches its root folder whatever the spelling.

    Radarr keeps the root folder as typed (a trailing backslash) in its
    items; a path may come with forward slashes or another case.
    """
    sim = await simulator_factory(
        movies=60,
        series=1,
        artists=1,
        instances={"radarr": "radarr", "radarr2": "radarr"},
        platforms={"radarr2": "windows"},
    )
    handle = sim.services["radarr2"]
    async with aiohttp.ClientSession() as session:
        snapshot = await RadarrClient(
            session, handle.url, handle.api_key
        ).async_fetch_snapshot(datetime.now(UTC))
    (folder,) = snapshot.root_folders
    assert folder.path.startswith("D:\\")
    rows = [row for row in snapshot.movies.rows if row[8]]  # with a file
    path_at, root_at = 5, 6
    other_spelling = folder.path.replace("\\", "/").lower()
    moved = (
        rows[0],
        # Another spelling of the root folder.
        (*rows[1][:root_at], other_spelling + "/", *rows[1][7:]),
        # No root folder sent; the path spelled another way.
        (*rows[2][:path_at], other_spelling + "/Film (2001)", None, *rows[2][7:]),
    )
    radarr = replace(snapshot, movies=Rows(type(snapshot.movies[0]), moved))
    items = build_candidates(policy=POLICY, radarr={"win": radarr})
    assert [c.root_folder for c in items] == [folder.path] * 3
    figures = disk_figures(radarr={"win": radarr})
    assert {f.root_folder for f in figures} == {folder.path}


async def test_seasons_with_files_and_albums_with_files(simulator: Simulator) -> None:
    _, sonarr, lidarr, _ = states(simulator)
    # One season loses its files: it stays in the library, without files.
    emptied = next(iter(sonarr.episode_files.values()))
    for episode in sonarr.series_episodes(emptied.series_id):
        if episode.season_number == emptied.season_number:
            sonarr.episode_files.pop(episode.episode_file_id, None)
            episode.episode_file_id = 0
    sonarr.touch()
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    items = build(snaps)

    expected_seasons: dict[str, int] = {}
    for file in sonarr.episode_files.values():
        key = f"sonarr/main/season/{file.series_id}/{file.season_number}"
        expected_seasons[key] = expected_seasons.get(key, 0) + file.size
    seasons = {c.key: c for c in items if c.kind == "season"}
    assert {k: c.size for k, c in seasons.items()} == expected_seasons
    # Seasons without files exist in the library but are no candidates.
    assert sum(
        len({e.season_number for e in sonarr.series_episodes(s)}) for s in sonarr.series
    ) > len(seasons)
    for season in seasons.values():
        series = sonarr.series[int(season.key.split("/")[3])]
        # As Sonarr sends it: with the ticks of the moment it was added.
        assert season.added == served_time(series.added)
        assert season.title == f"{series.title} - Season {season.season_number}"
        assert season.ids.tvdb == series.tvdb_id
    assert any(s.jellyfin_matched for s in seasons.values())

    albums = {c.key: c for c in items if c.kind == "album"}
    expected_albums = {
        f"lidarr/main/album/{a.id}"
        for a in lidarr.albums.values()
        if any(t.album_id == a.id for t in lidarr.track_files.values())
    }
    assert set(albums) == expected_albums
    assert all(a.size > 0 for a in albums.values())
    assert all(a.jellyfin_matched for a in albums.values())
    assert not any(c.kind in ("series", "episode") for c in items)

    whole = build(snaps, policy=CleanupPolicy(series_unit="series"))
    series = {c.key: c for c in whole if c.kind == "series"}
    assert set(series) == {
        f"sonarr/main/series/{key.split('/')[3]}" for key in expected_seasons
    }
    assert not any(c.kind == "season" for c in whole)


async def test_season_watch_data_comes_from_its_episodes(
    simulator: Simulator,
) -> None:
    _, sonarr, _, jellyfin = states(simulator)
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    items = by_key(build(snaps))

    # The latest play of an episode of each season, over both users.
    series_of = {
        i.id: i.provider_ids.get("Tvdb")
        for i in jellyfin.items.values()
        if i.type == "Series"
    }
    sonarr_id = {str(s.tvdb_id): s.id for s in sonarr.series.values()}
    latest: dict[str, datetime] = {}
    for user_data in jellyfin.user_data.values():
        for item_id, data in user_data.items():
            item = jellyfin.items.get(item_id)
            if item is None or item.type != "Episode" or data.last_played is None:
                continue
            key = (
                f"sonarr/main/season/{sonarr_id[series_of[item.series_id]]}"
                f"/{item.parent_index_number}"
            )
            if key not in latest or data.last_played > latest[key]:
                latest[key] = data.last_played
    assert latest
    seasons = {k: c for k, c in items.items() if c.kind == "season"}
    assert {
        k: c.last_played for k, c in seasons.items() if c.last_played is not None
    } == {k: v for k, v in latest.items() if k in seasons}
    assert len(snaps.episode_watch) > 0


async def test_rolling_series_yield_their_episodes_with_files(
    simulator: Simulator,
) -> None:
    _, sonarr_state, _, _ = states(simulator)
    async with aiohttp.ClientSession() as session:
        _, sonarr, _, _ = clients(simulator, session)
        tag = await sonarr.async_add_tag("lcars-rolling")
        snaps = await fetch(simulator, session)
        series_id = next(
            int(c.key.split("/")[3]) for c in build(snaps) if c.kind == "season"
        )
        await sonarr.async_update_tags([series_id], [tag.id])
        snaps = await fetch(simulator, session)
        wanted = rolling_series_ids({"main": snaps.sonarr}, POLICY)
        assert wanted == {"main": [series_id]}
        simulator.reset_requests()
        episodes = {
            instance: {sid: await sonarr.async_get_episodes(sid) for sid in ids}
            for instance, ids in wanted.items()
        }
        # One request per rolling series, not per series of the library.
        assert [
            path
            for _, path in simulator.requests("sonarr")
            if path.endswith("/episode")
        ] == ["/api/v3/episode"]

    items = build(snaps, rolling_episodes=episodes)

    files = {
        f.id: f for f in sonarr_state.episode_files.values() if f.series_id == series_id
    }
    expected = {}
    for episode in sonarr_state.series_episodes(series_id):
        file = files.get(episode.episode_file_id)
        if file is None:
            continue
        key = (
            f"sonarr/main/episode/{series_id}/{episode.season_number}"
            f"/{episode.episode_number}"
        )
        expected.setdefault(file.id, (key, file.size, file.date_added))
    rolling = {c.key: c for c in items if c.kind == "episode"}
    assert {k: (c.size, c.added) for k, c in rolling.items()} == {
        key: (size, added) for key, size, added in expected.values()
    }
    assert all("lcars-rolling" in c.series_tags for c in rolling.values())
    assert all(c.air_date is not None for c in rolling.values())
    # The rolling series has no season candidates; the others keep theirs.
    seasons = [c for c in items if c.kind == "season"]
    assert seasons
    assert not any(
        c.key.startswith(f"sonarr/main/season/{series_id}/") for c in seasons
    )

    plan = plan_cleanup(
        items,
        disks=disk_figures(
            sonarr={"main": snaps.sonarr},
            radarr={"main": snaps.radarr},
            lidarr={"main": snaps.lidarr},
        ),
        health=source_health(
            [
                SourceFact(kind=kind, instance="main", ok=True, fetched_at=snaps.now)
                for kind in ("radarr", "sonarr", "lidarr", "jellyfin")
            ],
            jellyfin_configured=True,
        ),
        policy=CleanupPolicy(rolling_keep_episodes=1),
        ledger=Ledger({}),
        now=snaps.now,
    )
    judged = {
        entry.item.key
        for group in (plan.leaving_soon, plan.held, plan.protected, plan.delete_now)
        for entry in group
        if entry.item.kind == "episode"
    }
    # The last episode is kept whatever its age; every other one is judged
    # by the rolling rule.
    last = max(rolling.values(), key=lambda c: (c.season_number, c.episode_number)).key
    assert last not in judged
    cutoff = snaps.now - timedelta(days=30)
    for key in set(rolling) - {last}:
        episode = rolling[key]
        young = max(d for d in (episode.added, episode.last_played) if d) >= cutoff
        assert (key not in judged) == young, key
    assert judged
    assert all(
        e.expiry is not None and e.expiry.rule == "rolling"
        for e in plan.leaving_soon
        if e.item.kind == "episode"
    )


async def test_disk_figures_and_source_health(simulator: Simulator) -> None:
    radarr, _, _, _ = states(simulator)
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)

    figures = disk_figures(radarr={"main": snaps.radarr, "4k": snaps.radarr})
    assert [(f.instance_id, f.root_folder) for f in figures] == [
        (instance, folder.path)
        for instance in ("radarr/main", "radarr/4k")
        for folder in radarr.root_folders
    ]
    for figure in figures:
        disk = radarr.disk_for(figure.root_folder)
        assert disk is not None
        assert figure.free_bytes == disk.free_space
        assert figure.total_bytes == disk.total_space
        assert figure.problem is None

    health = source_health(
        [
            SourceFact(kind="radarr", instance="main", ok=True, fetched_at=snaps.now),
            SourceFact(kind="jellyfin", instance="home", ok=False, fetched_at=None),
        ],
        jellyfin_configured=True,
    )
    assert [(s.source_id, s.kind, s.last_refresh_ok) for s in health.sources] == [
        ("radarr/main", "radarr", True),
        ("jellyfin/home", "jellyfin", False),
    ]
    assert health.jellyfin_configured


async def test_playing_and_seeding(simulator: Simulator) -> None:
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    assert snaps.jellyfin.sessions
    first_movie = next(c.key for c in build(snaps) if c.kind == "movie")

    items = build(snaps, seeding=lambda c: c.key == first_movie)

    # What the simulator's sessions play, found through its own library.
    radarr, sonarr, lidarr, jellyfin = states(simulator)
    expected: set[str] = set()
    for session in jellyfin.sessions:
        item = jellyfin.items.get(session.item_id or "")
        if item is None:
            continue
        if item.type == "Movie":
            expected.update(
                f"radarr/main/movie/{m.id}"
                for m in radarr.movies.values()
                if str(m.tmdb_id) == item.provider_ids.get("Tmdb") and m.file
            )
        elif item.type == "Episode" and item.series_id is not None:
            tvdb = jellyfin.items[item.series_id].provider_ids["Tvdb"]
            expected.update(
                f"sonarr/main/season/{s.id}/{item.parent_index_number}"
                for s in sonarr.series.values()
                if str(s.tvdb_id) == tvdb
            )
        elif item.type == "Audio" and item.album_id is not None:
            # A track plays in its album.
            group = jellyfin.items[item.album_id].provider_ids[
                "MusicBrainzReleaseGroup"
            ]
            expected.update(
                f"lidarr/main/album/{a.id}"
                for a in lidarr.albums.values()
                if a.release_group_mbid == group
            )
    assert {"Movie", "Episode", "Audio"} <= {
        s.item_type for s in snaps.jellyfin.sessions
    }
    assert len(expected) == 3
    assert {c.key for c in items if c.playing} == expected
    assert [c.key for c in items if c.seeding] == [first_movie]
    # In chunks, the same items in the same order.
    chunks = iter_candidates(
        policy=POLICY,
        radarr={"main": snaps.radarr},
        sonarr={"main": snaps.sonarr},
        lidarr={"main": snaps.lidarr},
        jellyfin=snaps.jellyfin,
        episode_watch=snaps.episode_watch,
        seeding=lambda c: c.key == first_movie,
    )
    again: list[Candidate] = []
    while chunk := list(islice(chunks, 7)):
        again.extend(chunk)
    assert again == items


async def test_low_free_space_puts_old_items_on_leaving_soon(
    simulator: Simulator,
) -> None:
    radarr, _, _, _ = states(simulator)
    async with aiohttp.ClientSession() as session:
        before = await fetch(simulator, session)
        folder = radarr.root_folders[0].path
        disk = radarr.disk_for(folder)
        assert disk is not None
        simulator.set_free_space("radarr", folder, disk.total_space * 3 // 100)
        after = await fetch(simulator, session)

    def plan_of(snaps: Snapshots):  # type: ignore[no-untyped-def]
        return plan_cleanup(
            build(snaps),
            disks=disk_figures(
                radarr={"main": snaps.radarr},
                sonarr={"main": snaps.sonarr},
                lidarr={"main": snaps.lidarr},
            ),
            health=source_health(
                [
                    SourceFact(
                        kind=kind, instance="main", ok=True, fetched_at=snaps.now
                    )
                    for kind in ("radarr", "sonarr", "lidarr", "jellyfin")
                ],
                jellyfin_configured=True,
            ),
            policy=POLICY,
            ledger=Ledger({}),
            now=snaps.now,
        )

    calm = plan_of(before)
    tight = plan_of(after)

    assert not tight.failed_closed, tight.fail_reasons
    leaving = [e for e in tight.leaving_soon if e.item.instance_id == "radarr/main"]
    assert leaving
    assert len(leaving) > len(
        [e for e in calm.leaving_soon if e.item.instance_id == "radarr/main"]
    )
    for entry in leaving:
        assert entry.item.root_folder == folder
        assert entry.expiry is not None
        assert entry.expiry.rule == "disk"
        assert entry.expiry.limit_days == 15
        assert entry.waiting_for == "grace_period"
    # Nothing is deleted at once: the grace period comes first.
    assert tight.delete_now == ()
    # Protected items (tagged lcars-keep by the generated library, or
    # favourites) never go on leaving soon.
    assert not {e.item.key for e in tight.protected} & {e.item.key for e in leaving}


async def test_watch_data_of_two_jellyfin_copies_of_a_movie_both_count(
    simulator: Simulator,
) -> None:
    radarr, _, _, jellyfin = states(simulator)
    movie = next(m for m in radarr.movies.values() if m.file)
    original = next(
        i
        for i in jellyfin.items.values()
        if i.type == "Movie" and i.provider_ids.get("Tmdb") == str(movie.tmdb_id)
    )
    # A second copy (another edition) under another name, played lately.
    copy = replace(original, id=jellyfin.new_id(), name=f"{original.name} (4K)")
    jellyfin.add_item(copy)
    # Later than any play the generated library has.
    played_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    bob = jellyfin.users[1].id
    jellyfin.user_data.setdefault(bob, {})[copy.id] = UserData(
        played=True, play_count=1, last_played=played_at
    )
    jellyfin.touch()

    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
    found = by_key(build(snaps))[f"radarr/main/movie/{movie.id}"]

    assert found.jellyfin_matched
    assert not found.ids_conflict
    assert found.played
    assert found.last_played == played_at


async def test_a_disabled_users_plays_do_not_protect_anything(
    simulator: Simulator,
) -> None:
    """The cleanup's watch data counts enabled users only.

    The disabled guest played movies and albums nobody else did; chosen or
    not, those plays protect nothing, and its being chosen does not make the
    library look unwatched either.
    """
    _, _, _, jellyfin = states(simulator)
    (guest,) = [u.id for u in jellyfin.users if u.is_disabled]
    enabled = [u.id for u in jellyfin.users if not u.is_disabled]
    guest_played = {
        item_id for item_id, data in jellyfin.user_data[guest].items() if data.played
    }
    assert guest_played
    async with aiohttp.ClientSession() as session:
        snaps = await fetch(simulator, session)
        handle = simulator.services["jellyfin"]
        only_guest = JellyfinClient(
            session, handle.url, handle.api_key, user_ids=[guest]
        )
        with_guest = JellyfinClient(
            session, handle.url, handle.api_key, user_ids=[*enabled, guest]
        )
        guest_snapshots = [
            (
                await client.async_fetch_snapshot(snaps.now),
                await client.async_get_episode_watch(),
            )
            for client in (only_guest, with_guest)
        ]
    everyone = by_key(build(snaps))
    matched = {c.jellyfin_id: c for c in everyone.values() if c.jellyfin_id}
    assert set(matched) & guest_played
    assert not any(matched[i].played for i in set(matched) & guest_played)
    for snapshot, episode_watch in guest_snapshots:
        assert snapshot.counted_user_ids == tuple(enabled)
        items = by_key(build(snaps, jellyfin=snapshot, episode_watch=episode_watch))
        assert {k: (c.played, c.last_played) for k, c in items.items()} == {
            k: (c.played, c.last_played) for k, c in everyone.items()
        }
