"""Typed views of what LCARS reads from the services.

Only the fields LCARS uses are kept: a 20,000 movie library arrives as 40 MB
of JSON, and keeping every field would cost hundreds of megabytes. Dates are
timezone-aware UTC datetimes, sizes are bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

type MediaKind = Literal["movie", "series", "artist"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemStatus:
    """`/system/status` of an *arr, or the equivalent of Jellyfin and Jellyseerr."""

    app_name: str
    version: str
    instance_name: str | None = None
    url_base: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RootFolder:
    """A root folder with its free space and the total of the disk it lives on.

    Radarr and Sonarr only send `freeSpace` for a root folder; the total comes
    from `/diskspace`, matched by the longest mount path that contains it.
    """

    id: int
    path: str
    accessible: bool
    free_space: int | None
    total_space: int | None

    @property
    def free_percent(self) -> float | None:
        """Free space as a percentage of the disk, when both figures are known."""
        if self.free_space is None or not self.total_space:
            return None
        return round(self.free_space * 100 / self.total_space, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskSpace:
    """One entry of `/diskspace`: a mount point."""

    path: str
    label: str | None
    free_space: int
    total_space: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Movie:
    """A Radarr movie."""

    id: int
    title: str
    year: int | None
    tmdb_id: int | None
    imdb_id: str | None
    path: str | None
    root_folder: str | None
    monitored: bool
    has_file: bool
    is_available: bool
    size_on_disk: int
    added: datetime | None
    tags: tuple[int, ...] = ()
    quality_profile_id: int | None = None
    # When the movie file was imported; None without a file.
    file_added: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Season:
    """A season of a Sonarr series with its statistics."""

    season_number: int
    monitored: bool
    episode_file_count: int
    episode_count: int
    total_episode_count: int
    size_on_disk: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """A Sonarr series."""

    id: int
    title: str
    year: int | None
    tvdb_id: int | None
    tmdb_id: int | None
    imdb_id: str | None
    path: str | None
    root_folder: str | None
    monitored: bool
    series_type: str | None
    size_on_disk: int
    episode_file_count: int
    episode_count: int
    total_episode_count: int
    added: datetime | None
    seasons: tuple[Season, ...] = ()
    tags: tuple[int, ...] = ()
    quality_profile_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Artist:
    """A Lidarr artist."""

    id: int
    name: str
    musicbrainz_id: str | None
    path: str | None
    root_folder: str | None
    monitored: bool
    size_on_disk: int
    album_count: int
    track_file_count: int
    total_track_count: int
    added: datetime | None
    tags: tuple[int, ...] = ()
    quality_profile_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Album:
    """A Lidarr album."""

    id: int
    artist_id: int
    title: str
    musicbrainz_id: str | None
    monitored: bool
    release_date: datetime | None
    track_file_count: int
    total_track_count: int
    size_on_disk: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    """A download in an *arr queue."""

    id: int
    title: str
    size: int
    size_left: int
    status: str | None
    tracked_download_state: str | None
    estimated_completion: datetime | None
    download_client: str | None
    protocol: str | None
    # The library item the download belongs to (movieId, seriesId, artistId).
    media_id: int | None = None
    error_message: str | None = None

    @property
    def progress(self) -> float:
        """Percent downloaded, 0 to 100."""
        if self.size <= 0:
            return 0.0
        done = max(0, self.size - self.size_left)
        return round(min(100.0, done * 100 / self.size), 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class CalendarEntry:
    """An upcoming release: a movie, an episode or an album."""

    uid: str
    title: str
    start: datetime
    description: str | None = None
    media_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """An *arr tag."""

    id: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarrSnapshot:
    """Everything one Radarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    movies: tuple[Movie, ...]
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: tuple[CalendarEntry, ...]
    tags: tuple[Tag, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SonarrSnapshot:
    """Everything one Sonarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    series: tuple[Series, ...]
    # Monitored aired episodes without a file (`/wanted/missing` totalRecords).
    episodes_missing: int
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: tuple[CalendarEntry, ...]
    tags: tuple[Tag, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LidarrSnapshot:
    """Everything one Lidarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    artists: tuple[Artist, ...]
    albums: tuple[Album, ...]
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: tuple[CalendarEntry, ...]
    tags: tuple[Tag, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinUser:
    """A Jellyfin user whose watch data may count."""

    id: str
    name: str
    is_administrator: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class UserData:
    """What one Jellyfin user did with one item."""

    played: bool
    play_count: int
    last_played: datetime | None
    favorite: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinItem:
    """A movie, series or album in Jellyfin, with watch data per counted user.

    Matched to the *arr items by provider ids (Tmdb, Tvdb, Imdb,
    MusicBrainzReleaseGroup, MusicBrainzAlbumArtist), never by title.
    """

    id: str
    name: str
    type: str
    provider_ids: dict[str, str]
    path: str | None
    date_created: datetime | None
    user_data: dict[str, UserData] = field(default_factory=dict)

    @property
    def last_played(self) -> datetime | None:
        """The latest play by any counted user."""
        dates = [d.last_played for d in self.user_data.values() if d.last_played]
        return max(dates) if dates else None

    @property
    def watched(self) -> bool:
        """Whether any counted user has played it."""
        return any(
            d.played or d.play_count > 0 or d.last_played is not None
            for d in self.user_data.values()
        )

    @property
    def favorite(self) -> bool:
        """Whether any counted user marked it as a favourite."""
        return any(d.favorite for d in self.user_data.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinSession:
    """A client session that is playing something now."""

    id: str
    user_id: str | None
    user_name: str | None
    client: str | None
    device_name: str | None
    item_id: str
    item_name: str
    item_type: str
    is_paused: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinCounts:
    """`/Items/Counts`."""

    movies: int
    series: int
    episodes: int
    albums: int
    songs: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinServerInfo:
    """`/System/Info` of a Jellyfin server."""

    id: str
    name: str
    version: str
    product_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinSnapshot:
    """Everything one Jellyfin refresh reads, in a fixed number of requests.

    Requests grow with the number of counted users (one item list each), never
    with the size of the library.
    """

    info: JellyfinServerInfo
    counts: JellyfinCounts
    sessions: tuple[JellyfinSession, ...]
    items: tuple[JellyfinItem, ...]
    # Movies, series and albums no counted user has played.
    never_watched: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCounts:
    """`/api/v1/request/count` of Jellyseerr."""

    total: int
    movie: int
    tv: int
    pending: int
    approved: int
    declined: int
    processing: int
    available: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyseerrSnapshot:
    """Everything one Jellyseerr refresh reads."""

    status: SystemStatus
    requests: RequestCounts
