"""Each rule of building candidates from snapshots, pinned at its boundary.

The snapshots are built here as the clients build them (rows of plain
tuples), so that every rule can be reached with the smallest input that
shows it; the simulator tests in test_candidates.py show the same rules on
real answers.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.lcars.cleanup import Candidate, CleanupPolicy, DiskFigure
from custom_components.lcars.cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    iter_candidates,
    rolling_series_ids,
    source_health,
)
from custom_components.lcars.clients.models import (
    Album,
    Artist,
    CalendarEntry,
    Episode,
    EpisodeWatch,
    JellyfinCounts,
    JellyfinServerInfo,
    JellyfinSession,
    JellyfinSnapshot,
    LidarrSnapshot,
    Movie,
    RadarrSnapshot,
    RootFolder,
    Rows,
    Season,
    Series,
    SonarrSnapshot,
    SystemStatus,
    Tag,
)

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
POLICY = CleanupPolicy()
STATUS = SystemStatus(app_name="test", version="1")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def _row(model: Any) -> tuple[Any, ...]:
    return tuple(getattr(model, f.name) for f in fields(model))


def a_movie(number: int = 1, **values: Any) -> Movie:
    data: dict[str, Any] = {
        "id": number,
        "title": f"Movie {number}",
        "year": 2000,
        "tmdb_id": 100 + number,
        "imdb_id": f"tt{1000 + number}",
        "path": f"/movies/Movie {number}",
        "root_folder": "/movies",
        "monitored": True,
        "has_file": True,
        "is_available": True,
        "size_on_disk": 5_000,
        "added": ago(300),
    }
    data.update(values)
    return Movie(**data)


def radarr(
    *movies: Movie,
    root_folders: tuple[RootFolder, ...] | None = None,
    tags: tuple[Tag, ...] = (),
) -> dict[str, RadarrSnapshot]:
    return {
        "main": RadarrSnapshot(
            status=STATUS,
            movies=Rows(Movie, [_row(m) for m in movies]),
            root_folders=root_folders or (folder("/movies"),),
            queue=(),
            calendar=Rows(CalendarEntry),
            tags=tags,
            movies_missing=0,
            size_on_disk=0,
        )
    }


def folder(path: str, free: int | None = 50, total: int | None = 100) -> RootFolder:
    return RootFolder(
        id=1, path=path, accessible=True, free_space=free, total_space=total
    )


def a_season(number: int, files: int = 1, size: int = 700) -> Season:
    return Season(
        season_number=number,
        monitored=True,
        episode_file_count=files,
        episode_count=files,
        total_episode_count=10,
        size_on_disk=size,
    )


def a_series(number: int = 1, *seasons: Season, **values: Any) -> Series:
    data: dict[str, Any] = {
        "id": number,
        "title": f"Show {number}",
        "year": 2010,
        "tvdb_id": 200 + number,
        "tmdb_id": 300 + number,
        "imdb_id": f"tt{2000 + number}",
        "path": f"/tv/Show {number}",
        "root_folder": "/tv",
        "monitored": True,
        "series_type": "standard",
        "size_on_disk": sum(s.size_on_disk for s in seasons),
        "episode_file_count": sum(s.episode_file_count for s in seasons),
        "episode_count": 10,
        "total_episode_count": 10,
        "added": ago(300),
        "seasons": seasons,
    }
    data.update(values)
    return Series(**data)


def sonarr(*series: Series, tags: tuple[Tag, ...] = ()) -> dict[str, SonarrSnapshot]:
    rows = [(*_row(s)[:17], *(_row(season) for season in s.seasons)) for s in series]
    return {
        "main": SonarrSnapshot(
            status=STATUS,
            series=Rows(Series, rows),
            episodes_missing=0,
            root_folders=(folder("/tv"),),
            queue=(),
            calendar=Rows(CalendarEntry),
            tags=tags,
            episode_files=0,
            size_on_disk=0,
        )
    }


def an_episode(season: int, number: int, **values: Any) -> Episode:
    data: dict[str, Any] = {
        "id": season * 100 + number,
        "series_id": 1,
        "season_number": season,
        "episode_number": number,
        "title": f"Episode {number}",
        "air_date": ago(400 - number),
        "has_file": True,
        "episode_file_id": season * 100 + number,
        "size": 100,
    }
    data.update(values)
    return Episode(**data)


def an_artist(**values: Any) -> Artist:
    data: dict[str, Any] = {
        "id": 1,
        "name": "Artist",
        "musicbrainz_id": "artist-mbid",
        "path": "/music/Artist",
        "root_folder": "/music",
        "monitored": True,
        "size_on_disk": 0,
        "album_count": 1,
        "track_file_count": 1,
        "total_track_count": 1,
        "added": ago(300),
    }
    data.update(values)
    return Artist(**data)


def an_album(number: int = 1, **values: Any) -> Album:
    data: dict[str, Any] = {
        "id": number,
        "artist_id": 1,
        "title": f"Album {number}",
        "musicbrainz_id": f"rg-{number}",
        "monitored": True,
        "release_date": datetime(1975, 10, 31, tzinfo=UTC),
        "track_file_count": 10,
        "total_track_count": 10,
        "size_on_disk": 900,
    }
    data.update(values)
    return Album(**data)


def lidarr(
    albums: list[Album],
    artists: list[Artist] | None = None,
    tags: tuple[Tag, ...] = (),
) -> dict[str, LidarrSnapshot]:
    return {
        "main": LidarrSnapshot(
            status=STATUS,
            artists=Rows(Artist, [_row(a) for a in artists or [an_artist()]]),
            albums=Rows(Album, [_row(a) for a in albums]),
            root_folders=(folder("/music"),),
            queue=(),
            calendar=Rows(CalendarEntry),
            tags=tags,
            size_on_disk=0,
        )
    }


type Watch = tuple[str, bool, int, datetime | None, bool]


def jf_item(
    item_id: str, type_: str, ids: dict[str, str], *watch: Watch
) -> tuple[Any, ...]:
    flat = tuple(part for pair in ids.items() for part in pair)
    return (item_id, item_id, type_, flat, None, None, *watch)


def jellyfin(
    *items: tuple[Any, ...], sessions: tuple[JellyfinSession, ...] = ()
) -> JellyfinSnapshot:
    return JellyfinSnapshot(
        info=JellyfinServerInfo(id="jf", name="jf", version="10", product_name="J"),
        counts=JellyfinCounts(movies=0, series=0, episodes=0, albums=0, songs=0),
        sessions=sessions,
        items=Rows(Any, items),  # type: ignore[arg-type]
        never_watched=0,
    )


def session(item_id: str, **values: Any) -> JellyfinSession:
    return JellyfinSession(
        id=f"s-{item_id}",
        user_id="u1",
        user_name="alice",
        client=None,
        device_name=None,
        item_id=item_id,
        item_name="x",
        item_type="Movie",
        is_paused=False,
        **values,
    )


def build(**kwargs: Any) -> list[Candidate]:
    kwargs.setdefault("policy", POLICY)
    return build_candidates(**kwargs)


def only(items: list[Candidate]) -> Candidate:
    assert len(items) == 1, items
    return items[0]


# -- movies -----------------------------------------------------------------


def test_a_movie_candidate_carries_every_field() -> None:
    movie = a_movie(7, tags=(1, 2, 9))
    found = only(
        build(
            radarr=radarr(
                movie, tags=(Tag(id=1, label="lcars-keep"), Tag(id=2, label="kids"))
            )
        )
    )
    assert found == Candidate(
        key="radarr/main/movie/7",
        instance_id="radarr/main",
        kind="movie",
        title="Movie 7",
        root_folder="/movies",
        size=5_000,
        added=ago(300),
        year=2000,
        ids=found.ids,
        path="/movies/Movie 7",
        # Tag 9 was deleted in Radarr: left out.
        tags=frozenset({"lcars-keep", "kids"}),
    )
    assert (found.ids.tmdb, found.ids.imdb) == (107, "tt1007")
    assert (found.ids.tvdb, found.ids.musicbrainz) == (None, None)


@pytest.mark.parametrize(
    ("has_file", "size", "listed"),
    [(True, 0, True), (False, 1, True), (False, 0, False), (False, -1, False)],
)
def test_a_movie_is_a_candidate_with_a_file_or_bytes_on_disk(
    has_file: bool, size: int, listed: bool
) -> None:
    found = build(radarr=radarr(a_movie(has_file=has_file, size_on_disk=size)))
    assert bool(found) is listed


def test_a_movie_is_as_old_as_its_file_when_radarr_knows_the_import() -> None:
    imported = a_movie(1, file_added=ago(3))
    unknown = a_movie(2, file_added=None)
    found = build(radarr=radarr(imported, unknown))
    assert [c.added for c in found] == [ago(3), ago(300)]


def test_a_movie_matches_jellyfin_by_tmdb_then_imdb_never_by_title() -> None:
    by_tmdb = a_movie(1)
    by_imdb = a_movie(2, tmdb_id=None)
    unmatched = a_movie(3, tmdb_id=None, imdb_id=None)
    played = ("u1", True, 1, ago(5), False)
    snap = jellyfin(
        jf_item("jf-1", "Movie", {"Tmdb": "101"}, played),
        # An IMDb id compares trimmed and in lowercase.
        jf_item("jf-2", "Movie", {"Imdb": " TT1002 "}, played),
        # A series or an album with the same ids is not the movie.
        jf_item("jf-3", "Series", {"Tmdb": "103", "Imdb": "tt1003"}, played),
        jf_item("jf-4", "Movie", {"Tvdb": "103"}, played),
    )
    found = build(radarr=radarr(by_tmdb, by_imdb, unmatched), jellyfin=snap)
    assert [(c.jellyfin_matched, c.jellyfin_id) for c in found] == [
        (True, "jf-1"),
        (True, "jf-2"),
        (False, None),
    ]
    assert [c.last_played for c in found] == [ago(5), ago(5), None]
    assert [c.played for c in found] == [True, True, False]


def test_the_first_id_that_finds_an_item_decides() -> None:
    """TMDb before IMDb: a movie found by TMDb never takes the IMDb item's data."""
    snap = jellyfin(
        jf_item("jf-tmdb", "Movie", {"Tmdb": "101"}),
        jf_item("jf-imdb", "Movie", {"Imdb": "tt1001"}, ("u1", True, 1, ago(1), True)),
    )
    found = only(build(radarr=radarr(a_movie(1)), jellyfin=snap))
    assert found.jellyfin_id == "jf-tmdb"
    assert (found.played, found.favorite, found.last_played) == (False, False, None)


@pytest.mark.parametrize(
    ("jellyfin_ids", "conflict"),
    [
        ({"Tmdb": "101", "Imdb": "tt1001"}, False),
        ({"Tmdb": "101", "Imdb": "TT1001"}, False),
        ({"Tmdb": "101", "Imdb": "tt9999"}, True),
        ({"Tmdb": "101"}, False),
        ({"Tmdb": "101", "Tvdb": "5"}, False),
    ],
)
def test_ids_conflict_only_when_a_provider_both_sides_know_disagrees(
    jellyfin_ids: dict[str, str], conflict: bool
) -> None:
    snap = jellyfin(jf_item("jf-1", "Movie", jellyfin_ids))
    found = only(build(radarr=radarr(a_movie(1)), jellyfin=snap))
    assert found.ids_conflict is conflict
    assert found.jellyfin_matched


def test_an_id_radarr_does_not_know_is_no_conflict() -> None:
    snap = jellyfin(jf_item("jf-1", "Movie", {"Tmdb": "101", "Imdb": "tt5"}))
    found = only(build(radarr=radarr(a_movie(1, imdb_id=None)), jellyfin=snap))
    assert not found.ids_conflict


def test_an_empty_provider_id_matches_nothing() -> None:
    snap = jellyfin(jf_item("jf-1", "Movie", {"Tmdb": "  ", "Imdb": ""}))
    found = only(
        build(radarr=radarr(a_movie(1, tmdb_id=None, imdb_id="  ")), jellyfin=snap)
    )
    assert not found.jellyfin_matched


def test_watch_data_merges_every_counted_user() -> None:
    snap = jellyfin(
        jf_item(
            "jf-1",
            "Movie",
            {"Tmdb": "101"},
            ("u1", False, 0, None, False),
            ("u2", True, 1, ago(9), False),
            ("u3", False, 0, ago(4), True),
            ("u4", True, 2, ago(6), False),
        )
    )
    found = only(build(radarr=radarr(a_movie(1)), jellyfin=snap))
    assert (found.last_played, found.played, found.favorite) == (ago(4), True, True)


@pytest.mark.parametrize(
    ("watch", "played"),
    [
        (("u1", False, 0, None, False), False),
        (("u1", True, 0, None, False), True),
        # Plays counted but no date: played, the date unknown (the planner holds it).
        (("u1", False, 1, None, False), True),
        (("u1", False, 0, NOW, False), True),
    ],
)
def test_any_sign_of_a_play_counts_as_played(watch: Watch, played: bool) -> None:
    snap = jellyfin(jf_item("jf-1", "Movie", {"Tmdb": "101"}, watch))
    found = only(build(radarr=radarr(a_movie(1)), jellyfin=snap))
    assert found.played is played
    assert found.last_played == watch[3]


def test_two_jellyfin_copies_of_a_movie_share_watch_data_and_playing() -> None:
    """A 4K edition watched or playing counts for the movie, whichever copy it is."""
    snap = jellyfin(
        jf_item("jf-hd", "Movie", {"Tmdb": "101"}, ("u1", False, 0, None, False)),
        jf_item("jf-4k", "Movie", {"Tmdb": "101"}, ("u1", True, 1, ago(2), True)),
        jf_item("jf-3d", "Movie", {"Tmdb": "101"}, ("u2", True, 1, ago(8), False)),
        sessions=(session("jf-3d"),),
    )
    found = only(build(radarr=radarr(a_movie(1)), jellyfin=snap))
    assert found.jellyfin_id == "jf-hd"
    assert (found.last_played, found.played, found.favorite) == (ago(2), True, True)
    assert found.playing


@pytest.mark.parametrize("playing_id", ["jf-hd", "jf-4k"])
def test_playing_any_copy_protects_the_movie(playing_id: str) -> None:
    snap = jellyfin(
        jf_item("jf-hd", "Movie", {"Tmdb": "101"}),
        jf_item("jf-4k", "Movie", {"Tmdb": "101"}),
        sessions=(session(playing_id),),
    )
    assert only(build(radarr=radarr(a_movie(1)), jellyfin=snap)).playing


def test_nothing_playing_protects_nothing() -> None:
    snap = jellyfin(
        jf_item("jf-hd", "Movie", {"Tmdb": "101"}),
        jf_item("jf-4k", "Movie", {"Tmdb": "101"}),
        sessions=(session("jf-other"),),
    )
    assert not only(build(radarr=radarr(a_movie(1)), jellyfin=snap)).playing


def test_sessions_given_replace_the_snapshots() -> None:
    snap = jellyfin(
        jf_item("jf-1", "Movie", {"Tmdb": "101"}), sessions=(session("jf-1"),)
    )
    assert not only(
        build(radarr=radarr(a_movie(1)), jellyfin=snap, sessions=())
    ).playing
    assert only(
        build(radarr=radarr(a_movie(1)), jellyfin=snap, sessions=[session("jf-1")])
    ).playing


def test_without_jellyfin_nothing_is_matched() -> None:
    found = only(build(radarr=radarr(a_movie(1))))
    assert (found.jellyfin_matched, found.jellyfin_id, found.playing) == (
        False,
        None,
        False,
    )


# -- root folders and tags ---------------------------------------------------


@pytest.mark.parametrize(
    ("root_folder", "path", "expected"),
    [
        ("/movies", "/movies/A", "/movies/"),
        ("/movies/", "/movies/A", "/movies/"),
        (None, "/movies/A", "/movies/"),
        (None, "/movies/4k/A", "/movies/4k"),
        (None, "C:\\media\\A", "C:\\media\\"),
        # A folder whose name only starts like a root folder is not inside it.
        (None, "/movies-old/A", "/movies-old"),
        ("/elsewhere", "/elsewhere/A", "/elsewhere"),
        ("/elsewhere", None, "/elsewhere"),
        (None, None, ""),
        (None, "A", ""),
    ],
)
def test_root_folder_resolves_to_one_the_arr_reports(
    root_folder: str | None, path: str | None, expected: str
) -> None:
    folders = (folder("/movies/"), folder("/movies/4k"), folder("C:\\media\\"))
    found = build(
        radarr=radarr(
            a_movie(1, root_folder=root_folder, path=path),
            a_movie(2, root_folder=root_folder, path=path),
            root_folders=folders,
        )
    )
    assert [c.root_folder for c in found] == [expected, expected]


def test_root_folder_slash_alone_stays_a_folder() -> None:
    found = only(
        build(
            radarr=radarr(
                a_movie(1, root_folder=None, path="/A"), root_folders=(folder("/"),)
            )
        )
    )
    assert found.root_folder == "/"


def test_disk_figures_name_every_root_folder_of_every_instance() -> None:
    figures = disk_figures(
        radarr=radarr(root_folders=(folder("/movies", 1, 2), folder("/x", None, 3))),
        sonarr=sonarr(),
        lidarr=lidarr([]),
    )
    assert figures == [
        DiskFigure(
            instance_id="radarr/main",
            root_folder="/movies",
            free_bytes=1,
            total_bytes=2,
        ),
        DiskFigure(
            instance_id="radarr/main", root_folder="/x", free_bytes=None, total_bytes=3
        ),
        DiskFigure(
            instance_id="sonarr/main", root_folder="/tv", free_bytes=50, total_bytes=100
        ),
        DiskFigure(
            instance_id="lidarr/main",
            root_folder="/music",
            free_bytes=50,
            total_bytes=100,
        ),
    ]
    inaccessible = replace(folder("/movies"), accessible=False)
    assert (
        disk_figures(radarr=radarr(root_folders=(inaccessible,)))[0].accessible is False
    )
    assert disk_figures() == []


def test_source_health_gives_the_ids_the_candidates_carry() -> None:
    health = source_health(
        [
            SourceFact(kind="radarr", instance="main", ok=True, fetched_at=ago(0)),
            SourceFact(kind="jellyfin", instance="jf", ok=False, fetched_at=None),
        ],
        jellyfin_configured=True,
    )
    assert health.jellyfin_configured is True
    assert [
        (s.source_id, s.kind, s.fetched_at, s.last_refresh_ok) for s in health.sources
    ] == [
        ("radarr/main", "radarr", ago(0), True),
        ("jellyfin/jf", "jellyfin", None, False),
    ]


# -- series, seasons and episodes ------------------------------------------


def test_seasons_with_files_are_candidates_and_carry_their_series() -> None:
    show = a_series(
        1, a_season(0, files=0, size=0), a_season(1), a_season(2, size=900), tags=(4,)
    )
    found = build(sonarr=sonarr(show, tags=(Tag(id=4, label="kids"),)))
    assert [c.key for c in found] == [
        "sonarr/main/season/1/1",
        "sonarr/main/season/1/2",
    ]
    second = found[1]
    assert second == Candidate(
        key="sonarr/main/season/1/2",
        instance_id="sonarr/main",
        kind="season",
        title="Show 1 - Season 2",
        root_folder="/tv",
        size=900,
        added=ago(300),
        year=2010,
        ids=second.ids,
        path="/tv/Show 1",
        series_key="sonarr/main/series/1",
        series_title="Show 1",
        series_tags=frozenset({"kids"}),
        season_number=2,
    )
    assert (second.ids.tvdb, second.ids.tmdb, second.ids.imdb) == (201, 301, "tt2001")
    assert second.tags == frozenset()


def test_a_season_with_a_file_but_no_size_is_a_candidate() -> None:
    found = build(sonarr=sonarr(a_series(1, a_season(1, files=1, size=0))))
    assert [c.key for c in found] == ["sonarr/main/season/1/1"]


@pytest.mark.parametrize(
    ("files", "size", "listed"),
    [(1, 0, True), (0, 1, True), (0, 0, False), (-1, 0, False)],
)
def test_whole_series_mode_lists_series_with_files_only(
    files: int, size: int, listed: bool
) -> None:
    """An upcoming series (no file yet) is never a candidate."""
    show = a_series(1, a_season(1, files=0, size=0))
    show = replace(show, episode_file_count=files, size_on_disk=size)
    found = build(policy=CleanupPolicy(series_unit="series"), sonarr=sonarr(show))
    assert [c.key for c in found] == (["sonarr/main/series/1"] if listed else [])


def test_in_season_mode_a_series_without_files_yields_nothing() -> None:
    show = replace(
        a_series(1, a_season(1, files=1)), episode_file_count=0, size_on_disk=0
    )
    assert build(sonarr=sonarr(show)) == []


def test_a_whole_series_candidate_carries_its_own_tags_and_watch() -> None:
    show = a_series(1, a_season(1), tags=(4,))
    snap = jellyfin(
        jf_item("jf-s", "Series", {"Tvdb": "201"}, ("u1", True, 3, ago(7), True)),
        sessions=(session("jf-ep", series_id="jf-s", season_number=1),),
    )
    found = only(
        build(
            policy=CleanupPolicy(series_unit="series"),
            sonarr=sonarr(show, tags=(Tag(id=4, label="kids"),)),
            jellyfin=snap,
        )
    )
    assert found.kind == "series"
    assert found.key == "sonarr/main/series/1"
    assert found.title == "Show 1"
    assert found.size == 700
    assert found.tags == frozenset({"kids"})
    assert found.series_tags == frozenset()
    assert (found.last_played, found.played, found.favorite) == (ago(7), True, True)
    assert found.playing
    assert found.jellyfin_id == "jf-s"


def test_a_whole_series_not_playing_is_not_playing() -> None:
    snap = jellyfin(
        jf_item("jf-s", "Series", {"Tvdb": "201"}),
        sessions=(session("jf-ep", series_id="jf-other", season_number=1),),
    )
    found = only(
        build(
            policy=CleanupPolicy(series_unit="series"),
            sonarr=sonarr(a_series(1, a_season(1))),
            jellyfin=snap,
        )
    )
    assert not found.playing


def test_series_match_by_tvdb_then_tmdb_then_imdb() -> None:
    shows = [
        a_series(1, a_season(1)),
        a_series(2, a_season(1), tvdb_id=None),
        a_series(3, a_season(1), tvdb_id=None, tmdb_id=None),
    ]
    snap = jellyfin(
        jf_item("jf-1", "Series", {"Tvdb": "201"}),
        jf_item("jf-2", "Series", {"Tmdb": "302"}),
        jf_item("jf-3", "Series", {"Imdb": "tt2003"}),
    )
    found = build(sonarr=sonarr(*shows), jellyfin=snap)
    assert [c.jellyfin_id for c in found] == ["jf-1", "jf-2", "jf-3"]


def _season_watch_snapshot(*sessions: JellyfinSession) -> JellyfinSnapshot:
    return jellyfin(
        jf_item("jf-s", "Series", {"Tvdb": "201"}, ("u1", True, 1, ago(1), False)),
        sessions=sessions,
    )


def test_without_episode_data_a_season_takes_its_series_watch() -> None:
    found = build(
        sonarr=sonarr(a_series(1, a_season(1), a_season(2))),
        jellyfin=_season_watch_snapshot(),
    )
    assert [(c.last_played, c.played) for c in found] == [(ago(1), True)] * 2


@pytest.mark.parametrize("as_rows", [True, False])
def test_with_episode_data_each_season_has_its_own_watch(as_rows: bool) -> None:
    watch = [
        EpisodeWatch("jf-s", 1, 1, ago(20), True, False),
        EpisodeWatch("jf-s", 1, 2, ago(10), True, False),
        EpisodeWatch("jf-s", 1, 3, None, False, True),
        EpisodeWatch("jf-other", 2, 1, ago(1), True, False),
        # Season 3: a date without a play, then a play without favourite.
        EpisodeWatch("jf-s", 3, 1, ago(30), False, False),
        EpisodeWatch("jf-s", 3, 2, None, False, False),
        EpisodeWatch("jf-s", 4, 1, None, True, False),
        EpisodeWatch("jf-s", 4, 2, None, True, False),
    ]
    episode_watch: Any = (
        Rows(EpisodeWatch, [_row(w) for w in watch]) if as_rows else watch
    )
    found = build(
        sonarr=sonarr(a_series(1, a_season(1), a_season(2), a_season(3), a_season(4))),
        jellyfin=jellyfin(jf_item("jf-s", "Series", {"Tvdb": "201"})),
        episode_watch=episode_watch,
    )
    assert [(c.last_played, c.played, c.favorite) for c in found] == [
        (ago(10), True, True),
        (None, False, False),
        (ago(30), False, False),
        (None, True, False),
    ]


def test_a_favourite_series_keeps_every_season() -> None:
    snap = jellyfin(
        jf_item("jf-s", "Series", {"Tvdb": "201"}, ("u1", False, 0, None, True))
    )
    found = build(
        sonarr=sonarr(a_series(1, a_season(1))), jellyfin=snap, episode_watch=[]
    )
    assert only(found).favorite
    assert not only(found).played


def test_an_unmatched_series_has_no_season_watch() -> None:
    found = only(
        build(
            sonarr=sonarr(a_series(1, a_season(1))),
            jellyfin=jellyfin(jf_item("jf-x", "Series", {"Tvdb": "999"})),
            episode_watch=[EpisodeWatch("jf-x", 1, 1, ago(1), True, True)],
        )
    )
    assert (found.jellyfin_matched, found.played, found.favorite) == (
        False,
        False,
        False,
    )


def test_a_season_is_playing_only_when_an_episode_of_it_plays() -> None:
    playing = session("jf-ep", series_id="jf-s", season_number=2)
    found = build(
        sonarr=sonarr(a_series(1, a_season(1), a_season(2))),
        jellyfin=_season_watch_snapshot(playing),
    )
    assert [c.playing for c in found] == [False, True]
    # A session without a season number names no season.
    found = build(
        sonarr=sonarr(a_series(1, a_season(1))),
        jellyfin=_season_watch_snapshot(session("jf-ep", series_id="jf-s")),
    )
    assert [c.playing for c in found] == [False]


ROLLING = CleanupPolicy()


def _rolling(
    episodes: list[Episode], *, snap: JellyfinSnapshot | None = None, **kw: Any
) -> list[Candidate]:
    show = a_series(1, a_season(1), tags=(3,))
    return build(
        sonarr=sonarr(show, tags=(Tag(id=3, label="LCARS_Rolling"),)),
        rolling_episodes={"main": {1: episodes}},
        jellyfin=snap,
        **kw,
    )


def test_a_rolling_series_yields_its_episodes_with_files() -> None:
    episodes = [
        an_episode(1, 2, file_added=ago(5)),
        an_episode(1, 1),
        an_episode(1, 3, has_file=False, episode_file_id=None),
    ]
    found = _rolling(episodes)
    assert [c.key for c in found] == [
        "sonarr/main/episode/1/1/1",
        "sonarr/main/episode/1/1/2",
    ]
    first, second = found
    assert first == Candidate(
        key="sonarr/main/episode/1/1/1",
        instance_id="sonarr/main",
        kind="episode",
        title="Show 1 S01E01",
        root_folder="/tv",
        size=100,
        added=ago(300),
        year=2010,
        ids=first.ids,
        path="/tv/Show 1",
        series_key="sonarr/main/series/1",
        series_title="Show 1",
        series_tags=frozenset({"LCARS_Rolling"}),
        season_number=1,
        episode_number=1,
        air_date=ago(399),
    )
    # The import of its own file, when Sonarr gives it.
    assert second.added == ago(5)


def test_a_file_holding_two_episodes_is_one_candidate() -> None:
    episodes = [
        an_episode(1, 1, episode_file_id=50),
        an_episode(1, 2, episode_file_id=50),
        an_episode(1, 3, episode_file_id=None),
        an_episode(1, 4, episode_file_id=None),
    ]
    found = _rolling(episodes)
    assert [c.key for c in found] == [
        "sonarr/main/episode/1/1/1",
        "sonarr/main/episode/1/1/3",
        "sonarr/main/episode/1/1/4",
    ]


def test_a_rolling_series_without_fetched_episodes_yields_nothing() -> None:
    show = a_series(1, a_season(1), tags=(3,))
    found = build(
        sonarr=sonarr(show, tags=(Tag(id=3, label="lcars-rolling"),)),
        rolling_episodes={"main": {2: [an_episode(1, 1)]}},
    )
    assert found == []


def test_rolling_episodes_take_their_own_watch_and_the_series_favourite() -> None:
    snap = jellyfin(
        jf_item("jf-s", "Series", {"Tvdb": "201"}, ("u1", False, 0, None, True)),
        sessions=(session("jf-ep", series_id="jf-s", season_number=1),),
    )
    watch = [EpisodeWatch("jf-s", 1, 2, ago(3), True, False)]
    found = _rolling(
        [an_episode(1, 1), an_episode(1, 2), an_episode(2, 1)],
        snap=snap,
        episode_watch=watch,
    )
    assert [(c.last_played, c.played) for c in found] == [
        (None, False),
        (ago(3), True),
        (None, False),
    ]
    assert all(c.favorite for c in found)
    assert [c.playing for c in found] == [True, True, False]
    assert all(c.jellyfin_id == "jf-s" for c in found)


def test_rolling_episodes_without_a_jellyfin_match_have_no_watch() -> None:
    snap = jellyfin(
        jf_item("jf-x", "Series", {"Tvdb": "999"}),
        sessions=(session("jf-ep", series_id="jf-x", season_number=1),),
    )
    found = _rolling(
        [an_episode(1, 1)],
        snap=snap,
        episode_watch=[EpisodeWatch("jf-x", 1, 1, ago(3), True, True)],
    )
    assert (found[0].played, found[0].favorite, found[0].playing) == (
        False,
        False,
        False,
    )


def test_rolling_series_ids_name_the_series_tagged_rolling() -> None:
    shows = [a_series(1, tags=(3,)), a_series(2, tags=(4,)), a_series(3, tags=(3, 4))]
    found = rolling_series_ids(
        {
            "main": sonarr(
                *shows, tags=(Tag(id=3, label="LCARS_ROLLING"), Tag(id=4, label="x"))
            )["main"],
            "other": sonarr(*shows, tags=(Tag(id=4, label="x"),))["main"],
        },
        POLICY,
    )
    assert found == {"main": [1, 3]}


# -- albums -----------------------------------------------------------------


def test_an_album_candidate_carries_its_artists_folder_and_tags() -> None:
    found = only(
        build(
            lidarr=lidarr(
                [an_album(5)],
                [an_artist(tags=(2,))],
                tags=(Tag(id=2, label="lcars-keep"),),
            )
        )
    )
    assert found == Candidate(
        key="lidarr/main/album/5",
        instance_id="lidarr/main",
        kind="album",
        title="Artist - Album 5",
        root_folder="/music",
        size=900,
        added=ago(300),
        year=1975,
        ids=found.ids,
        path="/music/Artist",
        tags=frozenset({"lcars-keep"}),
    )
    assert found.ids.musicbrainz == "rg-5"


@pytest.mark.parametrize(
    ("artist_added", "release", "added"),
    [
        # A 1975 album of an artist added last week arrived last week.
        (ago(7), datetime(1975, 1, 1, tzinfo=UTC), ago(7)),
        # An album released after its artist was added arrived on release.
        (ago(300), ago(20), ago(20)),
        (None, ago(20), ago(20)),
        (ago(7), None, ago(7)),
        (None, None, None),
    ],
)
def test_an_album_arrived_no_earlier_than_its_artist_nor_its_release(
    artist_added: datetime | None, release: datetime | None, added: datetime | None
) -> None:
    found = only(
        build(
            lidarr=lidarr(
                [an_album(1, release_date=release)], [an_artist(added=artist_added)]
            )
        )
    )
    assert found.added == added
    assert found.year == (release.year if release else None)


@pytest.mark.parametrize(
    ("files", "size", "listed"),
    [(1, 0, True), (0, 1, True), (0, 0, False), (-1, 0, False)],
)
def test_an_album_is_a_candidate_with_track_files(
    files: int, size: int, listed: bool
) -> None:
    found = build(
        lidarr=lidarr([an_album(1, track_file_count=files, size_on_disk=size)])
    )
    assert bool(found) is listed


def test_an_album_whose_artist_is_gone_is_left_out() -> None:
    assert build(lidarr=lidarr([an_album(1, artist_id=9)])) == []


def test_albums_match_by_release_group_then_release() -> None:
    albums = [an_album(1), an_album(2), an_album(3)]
    snap = jellyfin(
        jf_item(
            "jf-1",
            "MusicAlbum",
            {"MusicBrainzReleaseGroup": "RG-1"},
            ("u1", True, 1, ago(2), True),
        ),
        jf_item("jf-2", "MusicAlbum", {"MusicBrainzAlbum": "rg-2"}),
        jf_item("jf-3", "Movie", {"MusicBrainzReleaseGroup": "rg-3"}),
        sessions=(session("track", album_id="jf-2"),),
    )
    found = build(lidarr=lidarr(albums), jellyfin=snap)
    assert [c.jellyfin_id for c in found] == ["jf-1", "jf-2", None]
    assert (found[0].last_played, found[0].played, found[0].favorite) == (
        ago(2),
        True,
        True,
    )
    assert [c.playing for c in found] == [False, True, False]


# -- the whole library -------------------------------------------------------


def test_movies_then_series_then_albums_of_every_instance() -> None:
    found = build(
        radarr={**radarr(a_movie(1)), "4k": radarr(a_movie(2))["main"]},
        sonarr=sonarr(a_series(1, a_season(1))),
        lidarr=lidarr([an_album(1)]),
    )
    assert [c.key for c in found] == [
        "radarr/main/movie/1",
        "radarr/4k/movie/2",
        "sonarr/main/season/1/1",
        "lidarr/main/album/1",
    ]


def test_seeding_marks_only_the_items_it_names() -> None:
    found = list(
        iter_candidates(
            policy=POLICY,
            radarr=radarr(a_movie(1), a_movie(2)),
            seeding=lambda c: c.key.endswith("/2"),
        )
    )
    assert [c.seeding for c in found] == [False, True]
    assert [
        c.seeding for c in iter_candidates(policy=POLICY, radarr=radarr(a_movie(1)))
    ] == [False]


def test_jellyfin_items_of_other_types_are_never_matched() -> None:
    snap = jellyfin(
        jf_item("jf-box", "BoxSet", {"Tmdb": "101"}, ("u1", True, 1, ago(1), True)),
        jf_item("jf-ep", "Episode", {"Tmdb": "101"}),
    )
    assert not only(build(radarr=radarr(a_movie(1)), jellyfin=snap)).jellyfin_matched


def test_watch_data_without_an_episode_number_counts_for_its_season_only() -> None:
    watch = [EpisodeWatch("jf-s", 1, None, ago(4), True, False)]
    found = build(
        sonarr=sonarr(a_series(1, a_season(1))),
        jellyfin=jellyfin(jf_item("jf-s", "Series", {"Tvdb": "201"})),
        episode_watch=watch,
    )
    assert (only(found).last_played, only(found).played) == (ago(4), True)
    rolling = _rolling(
        [an_episode(1, 1)],
        snap=jellyfin(jf_item("jf-s", "Series", {"Tvdb": "201"})),
        episode_watch=watch,
    )
    assert (rolling[0].last_played, rolling[0].played) == (None, False)
