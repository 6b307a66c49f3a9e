"""Turn the service snapshots into what the cleanup planner reads.

Pure and synchronous, like the planner: it runs in an executor on data the
coordinators already hold. The snapshots keep their large collections as
rows of plain tuples (see `clients.models.Rows`); they are read here column
by column, without building a model per movie, series or album.

What becomes a candidate:

- a movie with a file;
- a season with episode files (or, with `series_unit="series"`, a whole
  series with episode files);
- an episode with a file, of a series tagged with the rolling tag, for
  the series whose episodes the caller fetched (`rolling_series_ids` names
  them: episodes are fetched one request per series, so only for those);
- an album with track files.

*arr items are matched to Jellyfin items by the library's one matcher
(`library.matching`): by provider ids of their own kind only, never by
title. A Jellyfin item found by one id that carries another id of the *arr
item with a different value is an ids conflict: its watch data may be
another item's.

Every candidate, disk figure and source status of one *arr instance carries
the same instance id, `"<kind>/<instance>"` (such as "radarr/main"), and keys
are stable across refreshes: "radarr/main/movie/12",
"sonarr/main/season/5/2", "sonarr/main/series/5",
"sonarr/main/episode/5/2/7" (series, season, episode number),
"lidarr/main/album/40".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, Final

from custom_components.lcars.clients.convert import parent_folder, path_key
from custom_components.lcars.clients.models import (
    Album,
    Artist,
    Episode,
    EpisodeWatch,
    JellyfinSession,
    JellyfinSnapshot,
    LidarrSnapshot,
    MissingWatchData,
    Movie,
    RadarrSnapshot,
    RootFolder,
    Rows,
    Season,
    Series,
    SonarrSnapshot,
    Tag,
    season_rows,
)
from custom_components.lcars.library import JellyfinIndex, MediaKind
from custom_components.lcars.library.keys import key_text
from custom_components.lcars.library.kinds import ServiceKind
from custom_components.lcars.library.matching import provider_ids

from .model import (
    Candidate,
    DiskFigure,
    MediaIds,
    SourceHealth,
    SourceStatus,
    WatchDataGap,
)
from .policy import CleanupPolicy, tag_key

__all__ = [
    "SourceFact",
    "build_candidates",
    "disk_figures",
    "instance_id",
    "iter_candidates",
    "rolling_series_ids",
    "source_health",
]


def instance_id(kind: ServiceKind, instance: str) -> str:
    """Return the id candidates, disk figures and source statuses share."""
    return f"{kind}/{instance}"


def _columns(model: type[Any]) -> dict[str, int]:
    """Positions of a row model's fields in its rows."""
    return {f.name: position for position, f in enumerate(fields(model))}


_MOVIE: Final = _columns(Movie)
_SERIES: Final = _columns(Series)
_SEASON: Final = _columns(Season)
_ARTIST: Final = _columns(Artist)
_ALBUM: Final = _columns(Album)

# (latest play, played, favourite) over the counted users.
type _Watch = tuple[datetime | None, bool, bool]
_NOT_WATCHED: Final[_Watch] = (None, False, False)


@dataclass(frozen=True, slots=True)
class _Match:
    """What matching one *arr item to Jellyfin found."""

    jellyfin_id: str | None
    conflict: bool
    watch: _Watch
    # Whether the item (or another Jellyfin copy of it) is playing now.
    playing: bool = False


_UNMATCHED: Final = _Match(None, False, _NOT_WATCHED)


class _Jellyfin:
    """Jellyfin items indexed by provider id, and what is playing now."""

    def __init__(
        self,
        snapshot: JellyfinSnapshot,
        episode_watch: Iterable[EpisodeWatch] | None,
        sessions: Sequence[JellyfinSession] | None,
    ) -> None:
        self.index = JellyfinIndex(snapshot.items.rows)
        # Per season and per episode of a Jellyfin series, when the episode
        # watch data was fetched; otherwise seasons take their series' data.
        self.by_season: dict[tuple[str, int], _Watch] | None = None
        self.by_episode: dict[tuple[str, int, int], _Watch] = {}
        if episode_watch is not None:
            self.by_season = {}
            rows = (
                episode_watch.rows
                if isinstance(episode_watch, Rows)
                else (
                    (
                        w.series_id,
                        w.season_number,
                        w.episode_number,
                        w.last_played,
                        w.played,
                        w.favorite,
                    )
                    for w in episode_watch
                )
            )
            for series_id, season, number, last, played, favorite in rows:
                watch = (last, played, favorite)
                key = (series_id, season)
                self.by_season[key] = _merge(self.by_season.get(key), watch)
                if number is not None:
                    episode = (series_id, season, number)
                    self.by_episode[episode] = _merge(
                        self.by_episode.get(episode), watch
                    )
        self.playing_items: set[str] = set()
        self.playing_series: set[str] = set()
        self.playing_seasons: set[tuple[str, int]] = set()
        for session in snapshot.sessions if sessions is None else sessions:
            self.playing_items.add(session.item_id)
            if session.album_id:
                self.playing_items.add(session.album_id)
            if session.series_id:
                self.playing_series.add(session.series_id)
                if session.season_number is not None:
                    self.playing_seasons.add((session.series_id, session.season_number))

    def match(self, kind: MediaKind, ids: Sequence[tuple[str, str | None]]) -> _Match:
        """Find the item of `kind` by the first of `ids` (provider, id) it has."""
        found = self.index.match(kind, ids)
        if found is None:
            return _UNMATCHED
        watch = _NOT_WATCHED
        playing = False
        for row in found.rows:
            watch = _merge(watch, _item_watch(row))
            playing = playing or row[0] in self.playing_items
        return _Match(found.row[0], found.conflict, watch, playing)


def _merge(known: _Watch | None, new: _Watch) -> _Watch:
    """Combine watch data: the latest play, played or favourite by anyone."""
    if known is None:
        return new
    last = known[0]
    if new[0] is not None and (last is None or new[0] > last):
        last = new[0]
    return (last, known[1] or new[1], known[2] or new[2])


def _item_watch(row: tuple[Any, ...]) -> _Watch:
    """Merge the watch data of every counted user of a Jellyfin item's row."""
    last: datetime | None = None
    played = favorite = False
    for _, user_played, play_count, user_last, user_favorite in row[6:]:
        if user_last is not None and (last is None or user_last > last):
            last = user_last
        played = played or user_played or play_count > 0 or user_last is not None
        favorite = favorite or user_favorite
    return (last, played, favorite)


class _Folders:
    """Resolves the root folder of an item to one the *arr reports.

    Disk figures are keyed by the root folder path as `/rootfolder` gives it;
    an item's `rootFolderPath` may differ in a trailing separator, in the
    separator or the case of a Windows path, or be missing.
    """

    def __init__(self, root_folders: Sequence[RootFolder]) -> None:
        self.paths = {path_key(rf.path): rf.path for rf in root_folders}
        # Longest first, so the first prefix found is the longest.
        self.by_length = sorted(self.paths, key=len, reverse=True)
        # By the item's root folder: the folder reported, or None.
        self.resolved: dict[str, str | None] = {}

    def of(self, root_folder: str | None, path: str | None) -> str:
        """Return the item's root folder as the *arr reports it.

        Without an exact match, the longest root folder containing the
        item's path; failing that the item's own (the planner then finds no
        disk figure for it and fails closed).
        """
        if root_folder is not None:
            if root_folder in self.resolved:
                found = self.resolved[root_folder]
            else:
                found = self.resolved[root_folder] = self.paths.get(
                    path_key(root_folder)
                )
            if found is not None:
                return found
        if path is not None:
            key = path_key(path)
            for folder in self.by_length:
                if key.startswith(folder.rstrip("/") + "/"):
                    return self.paths[folder]
        return root_folder or parent_folder(path) or ""


class _Tags:
    """Tag ids of one instance to labels, each set of ids worked out once."""

    def __init__(self, tags: Sequence[Tag]) -> None:
        self.labels = {tag.id: tag.label for tag in tags}
        self.sets: dict[tuple[int, ...], frozenset[str]] = {(): frozenset()}

    def of(self, ids: tuple[int, ...]) -> frozenset[str]:
        """Return the labels of `ids`; an unknown id (a deleted tag) is left out."""
        labels = self.sets.get(ids)
        if labels is None:
            labels = self.sets[ids] = frozenset(
                self.labels[i] for i in ids if i in self.labels
            )
        return labels


def rolling_series_ids(
    sonarr: Mapping[str, SonarrSnapshot], policy: CleanupPolicy
) -> dict[str, list[int]]:
    """Name the series tagged with the rolling tag, by instance.

    Only these need their episodes (`SonarrClient.async_get_episodes`, one
    request per series): fetching every series' episodes would cost a
    request per series of the library on every run.
    """
    found: dict[str, list[int]] = {}
    id_at, tags_at = _SERIES["id"], _SERIES["tags"]
    for instance, snapshot in sonarr.items():
        rolling = {
            tag.id for tag in snapshot.tags if tag_key(tag.label) == policy.rolling_tag
        }
        if rolling:
            found[instance] = [
                row[id_at]
                for row in snapshot.series.rows
                if not rolling.isdisjoint(row[tags_at])
            ]
    return found


def build_candidates(
    *,
    policy: CleanupPolicy,
    radarr: Mapping[str, RadarrSnapshot] | None = None,
    sonarr: Mapping[str, SonarrSnapshot] | None = None,
    lidarr: Mapping[str, LidarrSnapshot] | None = None,
    jellyfin: JellyfinSnapshot | None = None,
    episode_watch: Iterable[EpisodeWatch] | None = None,
    rolling_episodes: Mapping[str, Mapping[int, Sequence[Episode]]] | None = None,
    sessions: Sequence[JellyfinSession] | None = None,
    seeding: Callable[[Candidate], bool] | None = None,
) -> list[Candidate]:
    """Return every candidate of the libraries; see `iter_candidates`."""
    return list(
        iter_candidates(
            policy=policy,
            radarr=radarr,
            sonarr=sonarr,
            lidarr=lidarr,
            jellyfin=jellyfin,
            episode_watch=episode_watch,
            rolling_episodes=rolling_episodes,
            sessions=sessions,
            seeding=seeding,
        )
    )


def iter_candidates(
    *,
    policy: CleanupPolicy,
    radarr: Mapping[str, RadarrSnapshot] | None = None,
    sonarr: Mapping[str, SonarrSnapshot] | None = None,
    lidarr: Mapping[str, LidarrSnapshot] | None = None,
    jellyfin: JellyfinSnapshot | None = None,
    episode_watch: Iterable[EpisodeWatch] | None = None,
    rolling_episodes: Mapping[str, Mapping[int, Sequence[Episode]]] | None = None,
    sessions: Sequence[JellyfinSession] | None = None,
    seeding: Callable[[Candidate], bool] | None = None,
) -> Iterator[Candidate]:
    """Yield the candidates of the libraries, movies first, then series, then albums.

    Snapshots are given by instance (the part after "radarr/" in the
    instance id). `jellyfin` is None when Jellyfin is not configured: no
    item is then matched. `episode_watch` is the episode watch data of
    `JellyfinClient.async_get_episode_watch`; without it, a season takes the
    watch data of its series (the latest play of any of its episodes, so it
    may look younger than it is, never older). `rolling_episodes` holds, by
    instance and series id, the episodes of the rolling series
    (`rolling_series_ids`); a rolling series without them yields no episode
    and is left alone by the planner. `sessions` defaults to the snapshot's
    playing-now sessions. `seeding` says whether a candidate's files are
    being seeded (none by default).

    A generator, so that a caller can build a large library in chunks
    (`itertools.islice`); the indexes are made once, before the first item.
    """
    matcher = (
        _Jellyfin(jellyfin, episode_watch, sessions) if jellyfin is not None else None
    )
    items = _iter_all(
        policy=policy,
        radarr=radarr or {},
        sonarr=sonarr or {},
        lidarr=lidarr or {},
        matcher=matcher,
        rolling_episodes=rolling_episodes or {},
    )
    if seeding is None:
        yield from items
        return
    for item in items:
        yield replace(item, seeding=True) if seeding(item) else item


def _iter_all(
    *,
    policy: CleanupPolicy,
    radarr: Mapping[str, RadarrSnapshot],
    sonarr: Mapping[str, SonarrSnapshot],
    lidarr: Mapping[str, LidarrSnapshot],
    matcher: _Jellyfin | None,
    rolling_episodes: Mapping[str, Mapping[int, Sequence[Episode]]],
) -> Iterator[Candidate]:
    for instance, movies in radarr.items():
        yield from _movies(instance_id(ServiceKind.RADARR, instance), movies, matcher)
    for instance, shows in sonarr.items():
        yield from _series(
            instance_id(ServiceKind.SONARR, instance),
            shows,
            matcher,
            policy=policy,
            episodes_by_series=rolling_episodes.get(instance, {}),
        )
    for instance, music in lidarr.items():
        yield from _albums(instance_id(ServiceKind.LIDARR, instance), music, matcher)


def _movies(
    source: str, snapshot: RadarrSnapshot, matcher: _Jellyfin | None
) -> Iterator[Candidate]:
    c = _MOVIE
    id_at, title_at, year_at = c["id"], c["title"], c["year"]
    tmdb_at, imdb_at, path_at = c["tmdb_id"], c["imdb_id"], c["path"]
    root_at, has_file_at, size_at = c["root_folder"], c["has_file"], c["size_on_disk"]
    added_at, file_added_at, tags_at = c["added"], c["file_added"], c["tags"]
    folders = _Folders(snapshot.root_folders)
    tags = _Tags(snapshot.tags)
    for row in snapshot.movies.rows:
        size = row[size_at]
        if not row[has_file_at] and (size is None or size <= 0):
            continue
        tmdb, imdb = row[tmdb_at], row[imdb_at]
        match = (
            matcher.match(MediaKind.MOVIE, provider_ids(MediaKind.MOVIE, tmdb, imdb))
            if matcher is not None
            else _UNMATCHED
        )
        last, played, favorite = match.watch
        path = row[path_at]
        yield Candidate(
            key=key_text(source, MediaKind.MOVIE, row[id_at]),
            instance_id=source,
            kind="movie",
            title=row[title_at],
            root_folder=folders.of(row[root_at], path),
            size=size,
            # The import of the file, when known: a movie added long ago
            # but only downloaded now is new to the disk.
            added=row[file_added_at] or row[added_at],
            year=row[year_at],
            ids=MediaIds(tmdb=tmdb, imdb=imdb),
            path=path,
            tags=tags.of(row[tags_at]),
            jellyfin_matched=match.jellyfin_id is not None,
            jellyfin_id=match.jellyfin_id,
            ids_conflict=match.conflict,
            last_played=last,
            played=played,
            favorite=favorite,
            playing=match.playing,
        )


def _series(
    source: str,
    snapshot: SonarrSnapshot,
    matcher: _Jellyfin | None,
    *,
    policy: CleanupPolicy,
    episodes_by_series: Mapping[int, Sequence[Episode]],
) -> Iterator[Candidate]:
    # One pass over the rows with every column's place read once: a large
    # library's series list goes through here at every plan.
    c = _SERIES
    id_at, title_at, year_at = c["id"], c["title"], c["year"]
    tvdb_at, tmdb_at, imdb_at = c["tvdb_id"], c["tmdb_id"], c["imdb_id"]
    path_at, root_at, size_at = c["path"], c["root_folder"], c["size_on_disk"]
    files_at, added_at, tags_at = c["episode_file_count"], c["added"], c["tags"]
    whole = policy.series_unit == "series"
    folders = _Folders(snapshot.root_folders)
    tags = _Tags(snapshot.tags)
    for row in snapshot.series.rows:
        if row[files_at] <= 0 and (row[size_at] is None or row[size_at] <= 0):
            continue
        series_id = row[id_at]
        tvdb, tmdb, imdb = row[tvdb_at], row[tmdb_at], row[imdb_at]
        match = (
            matcher.match(
                MediaKind.SERIES, provider_ids(MediaKind.SERIES, tvdb, tmdb, imdb)
            )
            if matcher is not None
            else _UNMATCHED
        )
        jf_id = match.jellyfin_id
        labels = tags.of(row[tags_at])
        path = row[path_at]
        title = row[title_at]
        series_key = key_text(source, MediaKind.SERIES, series_id)
        ids = MediaIds(tvdb=tvdb, tmdb=tmdb, imdb=imdb)
        # Sonarr's series list has no import date per season: a season is
        # as old as its series was added (the age a season can show without
        # a request per series for its files).
        added = row[added_at]
        common: dict[str, Any] = {
            "instance_id": source,
            "root_folder": folders.of(row[root_at], path),
            "added": added,
            "year": row[year_at],
            "ids": ids,
            "path": path,
            "jellyfin_matched": jf_id is not None,
            "jellyfin_id": jf_id,
            "ids_conflict": match.conflict,
        }
        parts = _SeriesParts(common, series_key, title, labels, jf_id, match, matcher)
        if policy.rolling_tag in {tag_key(label) for label in labels}:
            yield from _episodes(episodes_by_series.get(series_id, ()), parts)
        elif whole:
            last, played, favorite = match.watch
            yield Candidate(
                key=series_key,
                kind="series",
                title=title,
                size=row[size_at],
                tags=labels,
                last_played=last,
                played=played,
                favorite=favorite,
                playing=matcher is not None and jf_id in matcher.playing_series,
                **common,
            )
        else:
            yield from _seasons(season_rows(row), series_id, parts)


@dataclass(frozen=True, slots=True)
class _SeriesParts:
    """What the seasons or episodes of one series share."""

    common: dict[str, Any]
    series_key: str
    title: str
    labels: frozenset[str]
    jf_id: str | None
    match: _Match
    matcher: _Jellyfin | None


def _seasons(
    seasons: Sequence[Any], series_id: int, parts: _SeriesParts
) -> Iterator[Candidate]:
    """Yield the seasons with files of a series judged season by season."""
    number_at, files_at = _SEASON["season_number"], _SEASON["episode_file_count"]
    size_at = _SEASON["size_on_disk"]
    source, matcher, jf_id = parts.common["instance_id"], parts.matcher, parts.jf_id
    for season in seasons:
        if season[files_at] <= 0:
            continue
        number = season[number_at]
        last, played, favorite = _season_watch(matcher, jf_id, number, parts.match)
        yield Candidate(
            key=key_text(source, MediaKind.SEASON, series_id, number),
            kind="season",
            title=f"{parts.title} - Season {number}",
            size=season[size_at],
            series_key=parts.series_key,
            series_title=parts.title,
            series_tags=parts.labels,
            season_number=number,
            last_played=last,
            played=played,
            favorite=favorite,
            playing=matcher is not None
            and jf_id is not None
            and (jf_id, number) in matcher.playing_seasons,
            **parts.common,
        )


def _season_watch(
    matcher: _Jellyfin | None, jf_id: str | None, number: int, match: _Match
) -> _Watch:
    """Return the season's own watch data, or its series' without episode data.

    A favourite series keeps its seasons too.
    """
    if matcher is None or jf_id is None:
        return _NOT_WATCHED
    if matcher.by_season is None:
        return match.watch
    last, played, favorite = matcher.by_season.get((jf_id, number), _NOT_WATCHED)
    return (last, played, favorite or match.watch[2])


def _episodes(episodes: Sequence[Episode], parts: _SeriesParts) -> Iterator[Candidate]:
    """Yield the episodes with a file of a rolling series.

    A file holding several episodes is one candidate, named by its first
    episode: deleting it removes them all.
    """
    common, title, jf_id, matcher = (
        parts.common,
        parts.title,
        parts.jf_id,
        parts.matcher,
    )
    source = common["instance_id"]
    seen_files: set[int] = set()
    # A favourite series keeps its episodes too.
    series_favorite = parts.match.watch[2]
    for episode in sorted(episodes, key=lambda e: (e.season_number, e.episode_number)):
        if not episode.has_file:
            continue
        if episode.episode_file_id is not None:
            if episode.episode_file_id in seen_files:
                continue
            seen_files.add(episode.episode_file_id)
        season, number = episode.season_number, episode.episode_number
        watch = _NOT_WATCHED
        playing = False
        if matcher is not None and jf_id is not None:
            watch = matcher.by_episode.get((jf_id, season, number), _NOT_WATCHED)
            playing = (jf_id, season) in matcher.playing_seasons
        last, played, favorite = watch
        yield Candidate(
            key=key_text(source, MediaKind.EPISODE, episode.series_id, season, number),
            kind="episode",
            title=f"{title} S{season:02d}E{number:02d}",
            size=episode.size,
            series_key=parts.series_key,
            series_title=title,
            series_tags=parts.labels,
            season_number=season,
            episode_number=number,
            air_date=episode.air_date,
            last_played=last,
            played=played,
            favorite=favorite or series_favorite,
            playing=playing,
            **{
                **common,
                # The import of the episode's file, when Sonarr says.
                "added": episode.file_added or common["added"],
            },
        )


def _albums(
    source: str, snapshot: LidarrSnapshot, matcher: _Jellyfin | None
) -> Iterator[Candidate]:
    a, b = _ARTIST, _ALBUM
    artists = {
        row[a["id"]]: (
            row[a["name"]],
            row[a["path"]],
            row[a["root_folder"]],
            row[a["added"]],
            row[a["tags"]],
            row[a["musicbrainz_id"]],
        )
        for row in snapshot.artists.rows
    }
    id_at, artist_at, title_at = b["id"], b["artist_id"], b["title"]
    mbid_at, release_at = b["musicbrainz_id"], b["release_date"]
    files_at, size_at = b["track_file_count"], b["size_on_disk"]
    folders = _Folders(snapshot.root_folders)
    tags = _Tags(snapshot.tags)
    for row in snapshot.albums.rows:
        if row[files_at] <= 0 and (row[size_at] is None or row[size_at] <= 0):
            continue
        artist = artists.get(row[artist_at])
        if artist is None:
            # An album whose artist is not in the list (removed meanwhile):
            # without its folder and tags it cannot be judged.
            continue
        name, path, root, artist_added, tag_ids, _ = artist
        mbid = row[mbid_at]
        match = (
            matcher.match(MediaKind.ALBUM, provider_ids(MediaKind.ALBUM, mbid, mbid))
            if matcher is not None
            else _UNMATCHED
        )
        release = row[release_at]
        last, played, favorite = match.watch
        yield Candidate(
            key=key_text(source, MediaKind.ALBUM, row[id_at]),
            instance_id=source,
            kind="album",
            title=f"{name} - {row[title_at]}",
            root_folder=folders.of(root, path),
            size=row[size_at],
            added=_album_added(artist_added, release),
            year=release.year if release is not None else None,
            ids=MediaIds(musicbrainz=row[mbid_at]),
            path=path,
            # Lidarr tags artists, not albums: an album carries its artist's.
            tags=tags.of(tag_ids),
            jellyfin_matched=match.jellyfin_id is not None,
            jellyfin_id=match.jellyfin_id,
            last_played=last,
            played=played,
            favorite=favorite,
            playing=match.playing,
        )


def _album_added(
    artist_added: datetime | None, release: datetime | None
) -> datetime | None:
    """Return when an album arrived, as far as Lidarr's album list tells.

    It has no import date: the album arrived no earlier than its artist was
    added, nor than its release.
    """
    if release is not None and (artist_added is None or release > artist_added):
        return release
    return artist_added


def disk_figures(
    *,
    radarr: Mapping[str, RadarrSnapshot] | None = None,
    sonarr: Mapping[str, SonarrSnapshot] | None = None,
    lidarr: Mapping[str, LidarrSnapshot] | None = None,
) -> list[DiskFigure]:
    """Return the free and total space of every root folder of every instance."""
    figures: list[DiskFigure] = []
    sources: list[tuple[ServiceKind, Mapping[str, Any]]] = [
        (ServiceKind.RADARR, radarr or {}),
        (ServiceKind.SONARR, sonarr or {}),
        (ServiceKind.LIDARR, lidarr or {}),
    ]
    for kind, snapshots in sources:
        for instance, snapshot in snapshots.items():
            root_folders: Sequence[RootFolder] = snapshot.root_folders
            figures.extend(
                DiskFigure(
                    instance_id=instance_id(kind, instance),
                    root_folder=folder.path,
                    free_bytes=folder.free_space,
                    total_bytes=folder.total_space,
                    accessible=folder.accessible,
                )
                for folder in root_folders
            )
    return figures


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceFact:
    """What the caller knows of one source: did its last refresh work, and when.

    `name` is what a person calls the source (the server's name in LCARS).
    """

    kind: ServiceKind
    instance: str
    ok: bool
    fetched_at: datetime | None
    name: str | None = None


def source_health(
    facts: Iterable[SourceFact],
    *,
    jellyfin_configured: bool,
    missing_watch_data: Iterable[MissingWatchData] = (),
) -> SourceHealth:
    """Return the state of every source, with the ids the candidates carry.

    `missing_watch_data` names the counted Jellyfin users whose watch data
    did not come (from the snapshot and the episode watch data); a user
    named twice for the same problem is told once, with the larger count and
    the name either report knows.
    """
    gaps: dict[tuple[str, str], WatchDataGap] = {}
    for missing in missing_watch_data:
        where = (missing.user_id, missing.problem)
        items, name = missing.items, missing.user_name
        known = gaps.get(where)
        if known is not None:
            items, name = max(items, known.items), known.user_name or name
        gaps[where] = WatchDataGap(
            user_id=missing.user_id,
            problem=missing.problem,
            user_name=name,
            items=items,
        )
    return SourceHealth(
        sources=tuple(
            SourceStatus(
                source_id=instance_id(fact.kind, fact.instance),
                kind=fact.kind,
                fetched_at=fact.fetched_at,
                last_refresh_ok=fact.ok,
                name=fact.name,
            )
            for fact in facts
        ),
        jellyfin_configured=jellyfin_configured,
        watch_data_gaps=tuple(gaps[key] for key in sorted(gaps)),
    )
