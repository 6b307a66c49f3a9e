"""In-memory state of the simulated services, its mutations and its dump.

Records hold what the services store; the service modules turn them into the
JSON each API sends. Every mutation goes through a method here so that the
version counter (which invalidates cached list bodies) and the disk space
bookkeeping stay right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

type Plain = bool | int | float | str | list[Plain] | dict[str, Plain] | None


class Clock:
    """Wall-clock time that tests can move forward or stop."""

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        """Follow `source` (default: the system clock in UTC)."""
        self._source = source or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        """Return the current simulated time, timezone-aware UTC."""
        base = self._frozen if self._frozen is not None else self._source()
        return base + self._offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back with a negative value)."""
        self._offset += timedelta(seconds=seconds)

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock at `at` (default: now); `advance` still moves it."""
        self._frozen = (at or self.now()) - self._offset

    def unfreeze(self) -> None:
        """Let the clock follow its source again, keeping the offset."""
        self._frozen = None


# --------------------------------------------------------------------------- shared


def path_key(path: str) -> str:
    """Spell a path so that equal paths compare equal on either platform.

    Windows paths (a drive letter) use backslashes and ignore case; a
    trailing separator is dropped except at the root.
    """
    if len(path) >= 2 and path[1] == ":":
        path = path.replace("\\", "/").casefold()
    stripped = path.rstrip("/")
    return stripped if stripped and not stripped.endswith(":") else stripped + "/"


def is_inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies below it (either platform)."""
    child, parent = path_key(path), path_key(folder)
    return child == parent or child.startswith(parent.rstrip("/") + "/")


def join_path(base: str, *parts: str) -> str:
    """Join path parts with the separator of `base` (a backslash on Windows)."""
    separator = "\\" if "\\" in base else "/"
    text = base.rstrip("/\\")
    for part in parts:
        text += separator + part.replace("/", separator).strip(separator)
    return text


def clean_path(path: str) -> str:
    """Return a path without its trailing separator (kept at the root)."""
    trimmed = path.rstrip("/\\")
    if not trimmed:
        return path[:1]
    return trimmed + "\\" if trimmed.endswith(":") else trimmed


def split_path(path: str) -> tuple[str, str]:
    """Return the parent folder and the last part of a path (either platform)."""
    trimmed = path.rstrip("/\\")
    cut = max(trimmed.rfind("/"), trimmed.rfind("\\"))
    if cut < 0:
        return "/", trimmed
    return trimmed[:cut] or "/", trimmed[cut + 1 :]


@dataclass(slots=True)
class Disk:
    """A mount point as `/diskspace` lists it."""

    path: str
    label: str
    total_space: int
    free_space: int


@dataclass(slots=True)
class RootFolder:
    """A root folder; its free space is the one of the disk it lives on."""

    id: int
    path: str
    name: str = ""
    accessible: bool = True


@dataclass(slots=True)
class Tag:
    """An *arr tag."""

    id: int
    label: str


@dataclass(slots=True)
class QueueRecord:
    """A download: progress is a function of the clock.

    `left_at_start` bytes remain at `progress_start`, and `rate` bytes per
    second arrive after it; a rate of 0 means stalled, paused or queued.
    """

    id: int
    title: str
    size: int
    left_at_start: int
    rate: int
    added: datetime
    status: str
    tracked_state: str
    tracked_status: str
    protocol: str
    download_client: str
    indexer: str
    download_id: str
    quality_id: int
    media_id: int
    sub_id: int = 0
    season_number: int | None = None
    error_message: str | None = None
    status_message: str | None = None


@dataclass(slots=True)
class CommandRecord:
    """A command posted to an *arr."""

    id: int
    name: str
    params: dict[str, Any]
    queued: datetime
    trigger: str = "manual"


@dataclass(slots=True)
class HistoryRecord:
    """One history event of an *arr."""

    id: int
    event_type: str
    date: datetime
    source_title: str
    quality_id: int
    media_id: int
    sub_id: int = 0
    download_id: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Exclusion:
    """An import list exclusion written by a delete with the exclusion flag."""

    id: int
    foreign_id: str
    title: str
    year: int = 0


@dataclass(slots=True)
class MediaInfo:
    """Technical data of a video file."""

    video_codec: str
    video_bit_depth: int
    video_bitrate: int
    video_fps: float
    dynamic_range: str
    dynamic_range_type: str
    width: int
    height: int
    audio_codec: str
    audio_channels: float
    audio_bitrate: int
    audio_languages: str
    audio_streams: int
    subtitles: str


# --------------------------------------------------------------------------- radarr


@dataclass(slots=True)
class MovieFile:
    """The file of a movie."""

    id: int
    movie_id: int
    relative_path: str
    size: int
    date_added: datetime
    quality_id: int
    release_group: str
    scene_name: str
    media: MediaInfo
    edition: str = ""


@dataclass(slots=True)
class Movie:
    """A Radarr movie."""

    id: int
    tmdb_id: int
    imdb_id: str
    title: str
    original_title: str
    year: int
    overview: str
    studio: str
    certification: str
    genres: list[str]
    keywords: list[str]
    runtime: int
    status: str
    in_cinemas: datetime | None
    physical_release: datetime | None
    digital_release: datetime | None
    added: datetime
    monitored: bool
    minimum_availability: str
    quality_profile_id: int
    root_folder_path: str
    folder_name: str
    tags: list[int]
    rating_imdb: float
    votes_imdb: int
    rating_tmdb: float
    votes_tmdb: int
    rating_metacritic: int
    rating_rotten: int
    popularity: float
    alternate_titles: list[str]
    collection: tuple[str, int] | None
    youtube_trailer_id: str
    website: str
    original_language: tuple[int, str]
    file: MovieFile | None = None

    @property
    def path(self) -> str:
        """The movie folder."""
        return join_path(self.root_folder_path, self.folder_name)


# --------------------------------------------------------------------------- sonarr


@dataclass(slots=True)
class Series:
    """A Sonarr series; seasons are listed with their monitored flag."""

    id: int
    tvdb_id: int
    tmdb_id: int
    imdb_id: str
    tvrage_id: int
    tvmaze_id: int
    title: str
    year: int
    overview: str
    network: str
    air_time: str
    status: str
    runtime: int
    certification: str
    genres: list[str]
    series_type: str
    added: datetime
    monitored: bool
    quality_profile_id: int
    root_folder_path: str
    folder_name: str
    tags: list[int]
    rating: float
    votes: int
    first_aired: datetime | None
    alternate_titles: list[str]
    seasons: dict[int, bool]
    original_language: tuple[int, str] = (1, "English")
    monitor_new_items: str = "all"
    season_folder: bool = True

    @property
    def path(self) -> str:
        """The series folder."""
        return join_path(self.root_folder_path, self.folder_name)


@dataclass(slots=True)
class Episode:
    """A Sonarr episode."""

    id: int
    series_id: int
    tvdb_id: int
    season_number: int
    episode_number: int
    title: str
    air_date_utc: datetime | None
    runtime: int
    overview: str
    monitored: bool
    episode_file_id: int = 0
    absolute_episode_number: int | None = None
    finale_type: str | None = None


@dataclass(slots=True)
class EpisodeFile:
    """The file of one episode."""

    id: int
    series_id: int
    season_number: int
    relative_path: str
    size: int
    date_added: datetime
    quality_id: int
    release_group: str
    scene_name: str
    media: MediaInfo


# --------------------------------------------------------------------------- lidarr


@dataclass(slots=True)
class Artist:
    """A Lidarr artist."""

    id: int
    mbid: str
    name: str
    sort_name: str
    overview: str
    artist_type: str
    status: str
    disambiguation: str
    genres: list[str]
    added: datetime
    monitored: bool
    quality_profile_id: int
    metadata_profile_id: int
    root_folder_path: str
    folder_name: str
    tags: list[int]
    rating: float
    votes: int
    discogs_id: int
    tadb_id: int
    monitor_new_items: str = "all"

    @property
    def path(self) -> str:
        """The artist folder."""
        return join_path(self.root_folder_path, self.folder_name)


@dataclass(slots=True)
class Album:
    """A Lidarr album (a MusicBrainz release group with one chosen release)."""

    id: int
    artist_id: int
    release_group_mbid: str
    release_mbid: str
    title: str
    overview: str
    album_type: str
    secondary_types: list[str]
    release_date: datetime | None
    monitored: bool
    track_count: int
    duration_ms: int
    genres: list[str]
    rating: float
    votes: int
    label: str
    country: str
    media_format: str
    folder_name: str
    disambiguation: str = ""
    any_release_ok: bool = True
    profile_id: int = 1


@dataclass(slots=True)
class TrackFile:
    """The file of one track of an album."""

    id: int
    artist_id: int
    album_id: int
    track_number: int
    path: str
    size: int
    date_added: datetime
    quality_id: int
    title: str


# --------------------------------------------------------------------------- arr states


@dataclass(slots=True)
class ArrState:
    """What every *arr instance stores besides its library."""

    name: str
    kind: str
    disks: list[Disk]
    root_folders: list[RootFolder]
    tags: list[Tag]
    queue: list[QueueRecord]
    progress_start: datetime
    clock: Clock
    history: list[HistoryRecord] = field(default_factory=list)
    commands: list[CommandRecord] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    version: int = 0
    removed_paths: list[str] = field(default_factory=list)
    # "linux", or "windows": drive letters and backslashes in every path.
    platform: str = "linux"

    def touch(self) -> None:
        """Mark the state changed so cached list bodies are rebuilt."""
        self.version += 1

    def next_id(self, table: str) -> int:
        """Return the next free id of a table."""
        value = self.counters.get(table, 0) + 1
        self.counters[table] = value
        return value

    def disk_for(self, path: str) -> Disk | None:
        """Return the disk holding `path`: the longest mount path that contains it."""
        best: Disk | None = None
        for disk in self.disks:
            if is_inside(path, disk.path) and (
                best is None or len(path_key(disk.path)) > len(path_key(best.path))
            ):
                best = disk
        return best

    def root_folder_for(self, path: str) -> RootFolder | None:
        """Return the root folder an item path lives in."""
        best: RootFolder | None = None
        for folder in self.root_folders:
            if is_inside(path, folder.path) and (
                best is None or len(path_key(folder.path)) > len(path_key(best.path))
            ):
                best = folder
        return best

    def free_space_of(self, path: str) -> int | None:
        """Free bytes of the disk holding `path`."""
        disk = self.disk_for(path)
        return None if disk is None else disk.free_space

    def total_space_of(self, path: str) -> int | None:
        """Total bytes of the disk holding `path`."""
        disk = self.disk_for(path)
        return None if disk is None else disk.total_space

    def release_space(self, path: str, size: int) -> None:
        """Give back the space of deleted files under `path`."""
        disk = self.disk_for(path)
        if disk is not None:
            disk.free_space = min(disk.total_space, disk.free_space + size)
        self.removed_paths.append(path)

    def set_free_space(self, path: str, free_bytes: int) -> None:
        """Set the free space of the disk holding `path` (a root folder or mount)."""
        disk = self.disk_for(path)
        if disk is None:
            raise KeyError(path)
        disk.free_space = max(0, min(int(free_bytes), disk.total_space))
        self.touch()

    def add_tag(self, label: str) -> Tag:
        """Add a tag, or return the one with the same label."""
        label = label.lower()
        for tag in self.tags:
            if tag.label == label:
                return tag
        tag = Tag(self.next_id("tag"), label)
        self.tags.append(tag)
        self.touch()
        return tag

    def delete_tag(self, tag_id: int) -> bool:
        """Remove a tag; True when it existed."""
        before = len(self.tags)
        self.tags = [t for t in self.tags if t.id != tag_id]
        if len(self.tags) == before:
            return False
        self.touch()
        return True

    def add_command(self, name: str, params: dict[str, Any]) -> CommandRecord:
        """Record a command queued now."""
        record = CommandRecord(self.next_id("command"), name, params, self.clock.now())
        self.commands.append(record)
        return record

    def add_history(self, **fields: Any) -> HistoryRecord:
        """Append a history event dated now."""
        record = HistoryRecord(
            id=self.next_id("history"), date=self.clock.now(), **fields
        )
        self.history.append(record)
        return record

    def add_exclusion(self, foreign_id: str, title: str, year: int = 0) -> None:
        """Exclude an item from import lists, once."""
        if any(e.foreign_id == foreign_id for e in self.exclusions):
            return
        self.exclusions.append(
            Exclusion(self.next_id("exclusion"), foreign_id, title, year)
        )

    def remove_queue_item(self, queue_id: int) -> bool:
        """Drop a download from the queue; True when it existed."""
        before = len(self.queue)
        self.queue = [q for q in self.queue if q.id != queue_id]
        if len(self.queue) == before:
            return False
        self.touch()
        return True

    def dump(self) -> dict[str, Plain]:
        """Everything this instance stores, as plain data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "disks": plain(sorted(self.disks, key=lambda d: d.path)),
            "root_folders": plain(sorted(self.root_folders, key=lambda r: r.id)),
            "tags": plain(sorted(self.tags, key=lambda t: t.id)),
            "queue": plain(sorted(self.queue, key=lambda q: q.id)),
            "progress_start": plain(self.progress_start),
            "history": plain(sorted(self.history, key=lambda h: h.id)),
            "commands": plain(sorted(self.commands, key=lambda c: c.id)),
            "exclusions": plain(sorted(self.exclusions, key=lambda e: e.id)),
            "removed_paths": list(self.removed_paths),
        }


@dataclass(slots=True)
class RadarrState(ArrState):
    """A Radarr instance."""

    movies: dict[int, Movie] = field(default_factory=dict)

    def movie_by_file(self, file_id: int) -> Movie | None:
        """Return the movie owning a file id."""
        for movie in self.movies.values():
            if movie.file is not None and movie.file.id == file_id:
                return movie
        return None

    def add_movie(self, movie: Movie) -> Movie:
        """Store a new movie (its id is assigned here)."""
        movie.id = self.next_id("movie")
        self.movies[movie.id] = movie
        self.touch()
        return movie

    def delete_movie_file(self, movie: Movie) -> int:
        """Delete the file of a movie; returns the bytes freed."""
        file = movie.file
        if file is None:
            return 0
        movie.file = None
        self.release_space(join_path(movie.path, file.relative_path), file.size)
        self.add_history(
            event_type="movieFileDeleted",
            source_title=file.scene_name or file.relative_path,
            quality_id=file.quality_id,
            media_id=movie.id,
            data={"reason": "Manual", "size": str(file.size)},
        )
        self.touch()
        return file.size

    def delete_movie(
        self, movie_id: int, *, delete_files: bool, add_exclusion: bool
    ) -> bool:
        """Remove a movie; with `delete_files` its folder is deleted too."""
        movie = self.movies.pop(movie_id, None)
        if movie is None:
            return False
        if delete_files:
            size = movie.file.size if movie.file else 0
            self.release_space(movie.path, size)
        if add_exclusion:
            self.add_exclusion(str(movie.tmdb_id), movie.title, movie.year)
        self.queue = [q for q in self.queue if q.media_id != movie_id]
        self.touch()
        return True


@dataclass(slots=True)
class SonarrState(ArrState):
    """A Sonarr instance."""

    series: dict[int, Series] = field(default_factory=dict)
    episodes: dict[int, Episode] = field(default_factory=dict)
    episode_files: dict[int, EpisodeFile] = field(default_factory=dict)
    episodes_by_series: dict[int, list[int]] = field(default_factory=dict)

    def series_episodes(self, series_id: int) -> list[Episode]:
        """Return the episodes of a series in season and number order."""
        return [self.episodes[i] for i in self.episodes_by_series.get(series_id, [])]

    def series_files(self, series_id: int) -> list[EpisodeFile]:
        """Return the episode files of a series, by id."""
        return sorted(
            (f for f in self.episode_files.values() if f.series_id == series_id),
            key=lambda f: f.id,
        )

    def add_series(self, series: Series) -> Series:
        """Store a new series (its id is assigned here)."""
        series.id = self.next_id("series")
        self.series[series.id] = series
        self.episodes_by_series[series.id] = []
        self.touch()
        return series

    def delete_episode_file(self, file_id: int) -> bool:
        """Delete one episode file and unlink its episodes."""
        file = self.episode_files.pop(file_id, None)
        if file is None:
            return False
        for episode_id in self.episodes_by_series.get(file.series_id, []):
            episode = self.episodes[episode_id]
            if episode.episode_file_id == file_id:
                episode.episode_file_id = 0
        series = self.series.get(file.series_id)
        base = series.path if series else ""
        self.release_space(join_path(base, file.relative_path), file.size)
        self.add_history(
            event_type="episodeFileDeleted",
            source_title=file.scene_name,
            quality_id=file.quality_id,
            media_id=file.series_id,
            data={"reason": "Manual", "size": str(file.size)},
        )
        self.touch()
        return True

    def delete_series(
        self, series_id: int, *, delete_files: bool, add_exclusion: bool
    ) -> bool:
        """Remove a series with its episodes; with `delete_files` its folder too."""
        series = self.series.pop(series_id, None)
        if series is None:
            return False
        files = [f for f in self.episode_files.values() if f.series_id == series_id]
        for file in files:
            del self.episode_files[file.id]
        for episode_id in self.episodes_by_series.pop(series_id, []):
            del self.episodes[episode_id]
        if delete_files:
            self.release_space(series.path, sum(f.size for f in files))
        if add_exclusion:
            self.add_exclusion(str(series.tvdb_id), series.title, series.year)
        self.queue = [q for q in self.queue if q.media_id != series_id]
        self.touch()
        return True

    def set_episodes_monitored(
        self, episode_ids: Iterable[int], monitored: bool
    ) -> list[Episode]:
        """Change the monitored flag of episodes; returns the ones found."""
        changed = [self.episodes[i] for i in episode_ids if i in self.episodes]
        for episode in changed:
            episode.monitored = monitored
        self.touch()
        return changed


@dataclass(slots=True)
class LidarrState(ArrState):
    """A Lidarr instance."""

    artists: dict[int, Artist] = field(default_factory=dict)
    albums: dict[int, Album] = field(default_factory=dict)
    track_files: dict[int, TrackFile] = field(default_factory=dict)
    albums_by_artist: dict[int, list[int]] = field(default_factory=dict)
    files_by_album: dict[int, list[int]] = field(default_factory=dict)

    def artist_albums(self, artist_id: int) -> list[Album]:
        """Return the albums of an artist by release date."""
        return [self.albums[i] for i in self.albums_by_artist.get(artist_id, [])]

    def album_files(self, album_id: int) -> list[TrackFile]:
        """Return the track files of an album by track number."""
        return [self.track_files[i] for i in self.files_by_album.get(album_id, [])]

    def add_artist(self, artist: Artist) -> Artist:
        """Store a new artist (its id is assigned here)."""
        artist.id = self.next_id("artist")
        self.artists[artist.id] = artist
        self.albums_by_artist[artist.id] = []
        self.touch()
        return artist

    def delete_track_file(self, file_id: int) -> bool:
        """Delete one track file."""
        file = self.track_files.pop(file_id, None)
        if file is None:
            return False
        ids = self.files_by_album.get(file.album_id, [])
        if file_id in ids:
            ids.remove(file_id)
        self.release_space(file.path, file.size)
        self.touch()
        return True

    def delete_album(
        self, album_id: int, *, delete_files: bool, add_exclusion: bool
    ) -> bool:
        """Remove an album; with `delete_files` its files too."""
        album = self.albums.pop(album_id, None)
        if album is None:
            return False
        ids = self.albums_by_artist.get(album.artist_id, [])
        if album_id in ids:
            ids.remove(album_id)
        files = [self.track_files.pop(i) for i in self.files_by_album.pop(album_id, [])]
        artist = self.artists.get(album.artist_id)
        if delete_files and artist is not None:
            self.release_space(
                join_path(artist.path, album.folder_name), sum(f.size for f in files)
            )
        if add_exclusion:
            self.add_exclusion(album.release_group_mbid, album.title)
        self.touch()
        return True

    def delete_artist(
        self, artist_id: int, *, delete_files: bool, add_exclusion: bool
    ) -> bool:
        """Remove an artist with its albums; with `delete_files` its folder too."""
        artist = self.artists.pop(artist_id, None)
        if artist is None:
            return False
        size = 0
        for album_id in self.albums_by_artist.pop(artist_id, []):
            self.albums.pop(album_id, None)
            for file_id in self.files_by_album.pop(album_id, []):
                size += self.track_files.pop(file_id).size
        if delete_files:
            self.release_space(artist.path, size)
        if add_exclusion:
            self.add_exclusion(artist.mbid, artist.name)
        self.queue = [q for q in self.queue if q.media_id != artist_id]
        self.touch()
        return True

    def set_albums_monitored(
        self, album_ids: Iterable[int], monitored: bool
    ) -> list[Album]:
        """Change the monitored flag of albums; returns the ones found."""
        changed = [self.albums[i] for i in album_ids if i in self.albums]
        for album in changed:
            album.monitored = monitored
        self.touch()
        return changed


# --------------------------------------------------------------------------- jellyfin


@dataclass(slots=True)
class JellyfinUser:
    """A Jellyfin user."""

    id: str
    name: str
    is_admin: bool
    last_login: datetime
    last_activity: datetime
    # A disabled user cannot sign in; its watch data stays on the server.
    is_disabled: bool = False


@dataclass(slots=True)
class JellyfinItem:
    """A Jellyfin library item (folder, movie, series, season, episode, album...)."""

    id: str
    type: str
    name: str
    sort_name: str
    parent_id: str | None
    path: str | None
    date_created: datetime
    provider_ids: dict[str, str] = field(default_factory=dict)
    premiere_date: datetime | None = None
    production_year: int | None = None
    run_time_ticks: int | None = None
    community_rating: float | None = None
    official_rating: str | None = None
    overview: str | None = None
    genres: list[str] = field(default_factory=list)
    is_folder: bool = False
    collection_type: str | None = None
    series_id: str | None = None
    series_name: str | None = None
    season_id: str | None = None
    season_name: str | None = None
    index_number: int | None = None
    parent_index_number: int | None = None
    album_artist: str | None = None
    artist_ids: list[str] = field(default_factory=list)
    status: str | None = None
    child_count: int = 0
    # A track's album (Jellyfin id and name).
    album_id: str | None = None
    album: str | None = None
    # DateCreated as the server writes it when it is no date Python reads
    # (.NET's MinValue with an offset, or MaxValue), instead of date_created.
    date_created_text: str | None = None
    # Sent without UserData even when a user is asked for.
    without_user_data: bool = False


@dataclass(slots=True)
class UserData:
    """What one user did with one item."""

    played: bool = False
    play_count: int = 0
    last_played: datetime | None = None
    is_favorite: bool = False
    position_ticks: int = 0


@dataclass(slots=True)
class JellyfinSession:
    """A client session; `item_id` is set while playing."""

    id: str
    user_id: str
    client: str
    device_name: str
    device_id: str
    app_version: str
    remote_end_point: str
    last_activity: datetime
    item_id: str | None = None
    position_ticks: int = 0
    is_paused: bool = False
    play_started: datetime | None = None
    play_method: str = "DirectPlay"


@dataclass(slots=True)
class JellyfinState:
    """A Jellyfin server."""

    name: str
    server_id: str
    server_name: str
    users: list[JellyfinUser]
    items: dict[str, JellyfinItem]
    children: dict[str, list[str]]
    user_data: dict[str, dict[str, UserData]]
    sessions: list[JellyfinSession]
    library_folders: list[str]
    collections_folder_id: str
    kind: str = "jellyfin"
    collections: dict[str, list[str]] = field(default_factory=dict)
    version: int = 0
    id_counter: int = 0
    refreshes: int = 0
    # User id -> item types whose answers leave out that user's `UserData`
    # (an empty set: every type). A fault of a server or a proxy in between.
    withheld_user_data: dict[str, set[str]] = field(default_factory=dict)

    def touch(self) -> None:
        """Mark the state changed so cached list bodies are rebuilt."""
        self.version += 1

    def user(self, user_id: str) -> JellyfinUser | None:
        """Return a user by id (case-insensitive, dashes ignored)."""
        wanted = user_id.replace("-", "").lower()
        return next((u for u in self.users if u.id == wanted), None)

    def remove_user(self, user_id: str) -> bool:
        """Delete a user and its watch data, as an administrator can."""
        user = self.user(user_id)
        if user is None:
            return False
        self.users.remove(user)
        self.user_data.pop(user.id, None)
        self.withheld_user_data.pop(user.id, None)
        self.touch()
        return True

    def withhold_user_data(self, user_id: str, types: Iterable[str] = ()) -> None:
        """Leave a user's `UserData` out of items of `types` (default: all)."""
        user = self.user(user_id)
        if user is None:
            raise KeyError(user_id)
        self.withheld_user_data[user.id] = set(types)
        self.touch()

    def user_data_withheld(self, user_id: str, item_type: str) -> bool:
        """Whether answers leave out this user's data for items of this type."""
        types = self.withheld_user_data.get(user_id)
        return types is not None and (not types or item_type in types)

    def user_data_of(self, user_id: str, item_id: str) -> UserData:
        """Return the stored user data, or an empty one."""
        return self.user_data.get(user_id, {}).get(item_id) or UserData()

    def new_id(self) -> str:
        """Return a fresh item id, deterministic for a given history of calls."""
        self.id_counter += 1
        return f"{0xB0C5E7 << 104 | self.id_counter:032x}"

    def add_item(self, item: JellyfinItem) -> None:
        """Store an item under its parent."""
        self.items[item.id] = item
        if item.parent_id is not None:
            self.children.setdefault(item.parent_id, []).append(item.id)

    def descendants(self, item_id: str) -> list[str]:
        """All items below an item (depth first)."""
        out: list[str] = []
        stack = list(reversed(self.children.get(item_id, [])))
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self.children.get(current, [])))
        return out

    def delete_item(self, item_id: str) -> bool:
        """Remove an item and everything below it."""
        item = self.items.get(item_id)
        if item is None:
            return False
        doomed = [item_id, *self.descendants(item_id)]
        for doomed_id in doomed:
            self.items.pop(doomed_id, None)
            self.children.pop(doomed_id, None)
            self.collections.pop(doomed_id, None)
            for data in self.user_data.values():
                data.pop(doomed_id, None)
        if item.parent_id is not None and item.parent_id in self.children:
            siblings = self.children[item.parent_id]
            if item_id in siblings:
                siblings.remove(item_id)
        gone = set(doomed)
        for members in self.collections.values():
            members[:] = [m for m in members if m not in gone]
        for session in self.sessions:
            if session.item_id in gone:
                session.item_id = None
        self.touch()
        return True

    def set_played(
        self, user_id: str, item_id: str, played: bool, now: datetime
    ) -> UserData:
        """Mark an item (and for folders, what is below it) played or unplayed."""
        targets = [item_id]
        item = self.items[item_id]
        if item.is_folder:
            targets.extend(self.descendants(item_id))
        per_user = self.user_data.setdefault(user_id, {})
        for target in targets:
            data = per_user.setdefault(target, UserData())
            data.played = played
            if played:
                data.play_count = max(1, data.play_count)
                data.last_played = now
                data.position_ticks = 0
            else:
                data.play_count = 0
                data.last_played = None
        self.touch()
        return per_user[item_id]

    def set_favorite(self, user_id: str, item_id: str, favorite: bool) -> UserData:
        """Mark an item as a favourite or not."""
        data = self.user_data.setdefault(user_id, {}).setdefault(item_id, UserData())
        data.is_favorite = favorite
        self.touch()
        return data

    def create_collection(self, name: str, ids: list[str], now: datetime) -> str:
        """Create a collection (BoxSet) holding `ids`."""
        collection_id = self.new_id()
        self.add_item(
            JellyfinItem(
                id=collection_id,
                type="BoxSet",
                name=name,
                sort_name=name.lower(),
                parent_id=self.collections_folder_id,
                path=f"/config/data/collections/{name} [boxset]",
                date_created=now,
                is_folder=True,
            )
        )
        self.collections[collection_id] = [
            i for i in dict.fromkeys(ids) if i in self.items
        ]
        self.touch()
        return collection_id

    def refresh_library(self, removed_paths: Iterable[str]) -> int:
        """Forget items whose files were deleted; returns how many went."""
        self.refreshes += 1
        removed = tuple(p.rstrip("/") for p in removed_paths)
        if not removed:
            return 0
        doomed = [
            item.id
            for item in self.items.values()
            if item.path
            and any(item.path == p or item.path.startswith(p + "/") for p in removed)
        ]
        count = 0
        for item_id in doomed:
            if item_id in self.items and self.delete_item(item_id):
                count += 1
        self._drop_empty_folders()
        return count

    def _drop_empty_folders(self) -> None:
        """Remove seasons, series and artists left empty, as a library scan does."""
        for kind in ("Season", "Series", "MusicArtist"):
            empty = [
                i.id
                for i in self.items.values()
                if i.type == kind and not self.children.get(i.id)
            ]
            for item_id in empty:
                self.delete_item(item_id)

    def dump(self) -> dict[str, Plain]:
        """Everything this server stores, as plain data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "server_id": self.server_id,
            "users": plain(self.users),
            "items": [plain(self.items[k]) for k in sorted(self.items)],
            "children": {k: list(v) for k, v in sorted(self.children.items())},
            "user_data": {
                user: {item: plain(data) for item, data in sorted(items.items())}
                for user, items in sorted(self.user_data.items())
            },
            "sessions": plain(self.sessions),
            "collections": {k: list(v) for k, v in sorted(self.collections.items())},
            "refreshes": self.refreshes,
            "withheld_user_data": {
                user: sorted(types)
                for user, types in sorted(self.withheld_user_data.items())
            },
        }


# --------------------------------------------------------------------------- jellyseerr


@dataclass(slots=True)
class SeerrUser:
    """A Jellyseerr user."""

    id: int
    display_name: str
    email: str
    jellyfin_user_id: str
    permissions: int
    created: datetime
    # Requests allowed per quota period (None: the server's default, no limit);
    # series count their seasons.
    movie_quota_limit: int | None = None
    tv_quota_limit: int | None = None


@dataclass(slots=True)
class SeerrMedia:
    """A Jellyseerr media entry (one movie or series)."""

    id: int
    media_type: str
    tmdb_id: int
    tvdb_id: int | None
    imdb_id: str | None
    status: int
    created: datetime
    updated: datetime
    jellyfin_media_id: str | None = None
    service_id: int | None = None
    external_service_id: int | None = None
    external_service_slug: str | None = None


@dataclass(slots=True)
class SeerrRequest:
    """A Jellyseerr request for a media entry."""

    id: int
    status: int
    media_id: int
    requested_by: int
    modified_by: int | None
    created: datetime
    updated: datetime
    is4k: bool = False
    seasons: list[int] = field(default_factory=list)
    # Chosen when the request is approved: null until then.
    root_folder: str | None = ""
    profile_id: int | None = 1
    server_id: int | None = 0
    tags: list[int] | None = None


@dataclass(slots=True)
class JellyseerrState:
    """A Jellyseerr server."""

    name: str
    users: list[SeerrUser]
    media: dict[int, SeerrMedia]
    requests: dict[int, SeerrRequest]
    kind: str = "jellyseerr"
    version: int = 0

    def touch(self) -> None:
        """Mark the state changed."""
        self.version += 1

    def next_media_id(self) -> int:
        """Return the id the next media entry gets."""
        return max(self.media, default=0) + 1

    def next_request_id(self) -> int:
        """Return the id the next request gets."""
        return max(self.requests, default=0) + 1

    def delete_request(self, request_id: int) -> bool:
        """Remove a request."""
        if self.requests.pop(request_id, None) is None:
            return False
        self.touch()
        return True

    def delete_media(self, media_id: int) -> bool:
        """Remove a media entry and its requests."""
        if self.media.pop(media_id, None) is None:
            return False
        for request_id in [
            r.id for r in self.requests.values() if r.media_id == media_id
        ]:
            del self.requests[request_id]
        self.touch()
        return True

    def dump(self) -> dict[str, Plain]:
        """Everything this server stores, as plain data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "users": plain(self.users),
            "media": [plain(self.media[k]) for k in sorted(self.media)],
            "requests": [plain(self.requests[k]) for k in sorted(self.requests)],
        }


type ServiceState = (
    RadarrState | SonarrState | LidarrState | JellyfinState | JellyseerrState
)


@dataclass(slots=True)
class State:
    """All simulated services: name -> state, plus the shared clock."""

    clock: Clock
    services: dict[str, ServiceState]
    seed: int

    def removed_paths(self) -> list[str]:
        """Paths deleted by any *arr, as a library scan would notice them."""
        out: list[str] = []
        for service in self.services.values():
            if isinstance(service, ArrState):
                out.extend(service.removed_paths)
        return out

    def dump(self) -> dict[str, Plain]:
        """Return the whole state as plain JSON-able data with a stable order."""
        out: dict[str, Plain] = {}
        for name in sorted(self.services):
            service = self.services[name]
            if isinstance(service, RadarrState):
                out[name] = {
                    **service.dump(),
                    "movies": [
                        plain(service.movies[k]) for k in sorted(service.movies)
                    ],
                }
            elif isinstance(service, SonarrState):
                out[name] = {
                    **service.dump(),
                    "series": [
                        plain(service.series[k]) for k in sorted(service.series)
                    ],
                    "episodes": [
                        plain(service.episodes[k]) for k in sorted(service.episodes)
                    ],
                    "episode_files": [
                        plain(service.episode_files[k])
                        for k in sorted(service.episode_files)
                    ],
                }
            elif isinstance(service, LidarrState):
                out[name] = {
                    **service.dump(),
                    "artists": [
                        plain(service.artists[k]) for k in sorted(service.artists)
                    ],
                    "albums": [
                        plain(service.albums[k]) for k in sorted(service.albums)
                    ],
                    "track_files": [
                        plain(service.track_files[k])
                        for k in sorted(service.track_files)
                    ],
                }
            else:
                out[name] = service.dump()
        return {"seed": self.seed, "services": out}


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second (as the *arr send dates)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain(value: Any) -> Any:
    """Turn records into plain JSON-able data (dates as ISO 8601 with Z)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {
            str(k): plain(v)
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    raise TypeError(f"cannot dump {type(value).__name__}")
