"""Typed views of what LCARS reads from the services.

Only the fields LCARS uses are kept: a 20,000 movie library arrives as 40 MB
of JSON, and keeping every field would cost hundreds of megabytes. Dates are
timezone-aware UTC datetimes, sizes are bytes.

The large collections of a snapshot (movies, series, artists, albums,
Jellyfin items, calendar entries) are kept as `Rows`: plain tuples of the
fields, in the order the model declares them, from which the model is built
when it is read. The garbage collector stops tracking a plain tuple of
strings, numbers, dates (and of such tuples) at a collection it survives,
while every instance of a class is tracked for as long as it lives; tens of thousands of
tracked objects kept from one refresh to the next make the interpreter run
full collections that stop the event loop for hundreds of milliseconds. The
models built on reading die young, where collecting them is cheap.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import Field, dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, Self, overload

type MediaKind = Literal["movie", "series", "artist"]


class RowModel(Protocol):
    """A model that `Rows` can build from a row of its fields."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @classmethod
    def from_row(cls, row: Any, /) -> Self:
        """Build the model from a row of its fields, in declaration order."""
        ...


class Rows[T: RowModel](Sequence[T]):
    """Models of one kind, kept as plain tuples and built when they are read.

    `len()` costs nothing; iterating or indexing builds the models one by
    one. Figures that are read often are better counted once, with
    `total()` and `count_where()`, than by building every model each time.
    """

    __slots__ = ("_model", "rows")

    def __init__(self, model: type[T], rows: Iterable[tuple[Any, ...]] = ()) -> None:
        """Keep `rows`: tuples of the fields of `model`, in declaration order."""
        self._model = model
        self.rows: tuple[tuple[Any, ...], ...] = tuple(rows)

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Rows[T]: ...

    def __getitem__(self, index: int | slice) -> T | Rows[T]:
        """Build the model at `index`, or return the rows of a slice."""
        if isinstance(index, slice):
            return Rows(self._model, self.rows[index])
        return self._model.from_row(self.rows[index])

    def __iter__(self) -> Iterator[T]:
        """Build the models one at a time."""
        return map(self._model.from_row, self.rows)

    def __eq__(self, other: object) -> bool:
        """Rows of the same model with equal fields are equal."""
        if not isinstance(other, Rows):
            return NotImplemented
        return self._model is other._model and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        """Name the model and the number of rows, not every row."""
        return f"Rows({self._model.__name__}, {len(self.rows)} rows)"

    def _column(self, name: str) -> int:
        for position, model_field in enumerate(fields(self._model)):
            if model_field.name == name:
                return position
        raise AttributeError(f"{self._model.__name__} has no field {name!r}")

    def column(self, name: str) -> Iterator[Any]:
        """Yield the field `name` of every row, without building models.

        Values are as the row keeps them: a nested collection is a tuple.
        """
        column = self._column(name)
        return (row[column] for row in self.rows)

    def total(self, name: str) -> int:
        """Sum the integer field `name` over every row, without building models.

        Rows without the figure (None: the server sent none) are left out.
        """
        return sum(value for value in self.column(name) if value is not None)

    def positions_in(self, name: str, values: Container[object]) -> list[int]:
        """Return the positions of the rows whose field `name` is in `values`.

        One pass over the rows without building models: a lookup's "is it
        in the library" over tens of thousands of rows, on the event loop.
        """
        column = self._column(name)
        return [i for i, row in enumerate(self.rows) if row[column] in values]

    def count_where(self, **values: object) -> int:
        """Count the rows whose fields equal `values`, without building models."""
        wanted = [(self._column(name), value) for name, value in values.items()]
        return sum(
            1
            for row in self.rows
            if all(row[column] == value for column, value in wanted)
        )


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
        """Free space as a percentage of the disk, when both figures are known.

        Not rounded: the expiration compares it with the policy's percents, and
        the figures shown round it their own way.
        """
        if self.free_space is None or not self.total_space:
            return None
        return self.free_space * 100 / self.total_space


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskSpace:
    """One entry of `/diskspace`: a mount point."""

    path: str
    label: str | None
    free_space: int
    total_space: int


# The models kept as rows take their fields positionally too (`from_row`);
# the order of their fields is the order of the rows. A nested collection
# (the seasons of a series, the watch data of a Jellyfin item) is the last
# field, and its rows follow the other fields of the row: a row then holds
# only atomic values and flat tuples of them. The collector stops tracking a
# tuple once everything in it is untracked, one level per collection, and a
# survivor reaches the old generation after two collections, so a deeper
# nesting would leave the rows tracked.

# What a library item says about itself, and its covers, follow the other
# fields of its row (after everything a row already held, so that rows made
# without them still read): overview, genres, runtime in minutes, rating,
# the *arr's own paths of the poster and the fanart (as its `images[].url`
# gives them, without the query), and the `lastWrite` of its covers. A
# series keeps its seasons last, after these.


type MovieRow = tuple[
    int,
    str,
    int | None,
    int | None,
    str | None,
    str | None,
    str | None,
    bool,
    bool,
    bool,
    int | None,
    datetime | None,
    tuple[int, ...],
    int | None,
    datetime | None,
    str | None,
    tuple[str, ...],
    int | None,
    float | None,
    str | None,
    str | None,
    int | None,
]


@dataclass(frozen=True, slots=True)
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
    # None when Radarr sent no size, or one that is not a whole number.
    size_on_disk: int | None
    added: datetime | None
    tags: tuple[int, ...] = ()
    quality_profile_id: int | None = None
    # When the movie file was imported; None without a file.
    file_added: datetime | None = None
    overview: str | None = None
    genres: tuple[str, ...] = ()
    runtime: int | None = None
    rating: float | None = None
    # The *arr's paths of the covers (with its url base, without the query)
    # and when they were last written (`lastWrite`, .NET ticks).
    poster: str | None = None
    fanart: str | None = None
    cover_stamp: int | None = None

    @classmethod
    def from_row(cls, row: MovieRow) -> Self:
        """Build the movie from a row of its fields."""
        return cls(*row)


type SeasonRow = tuple[int, bool, int, int, int, int | None]


@dataclass(frozen=True, slots=True)
class Season:
    """A season of a Sonarr series with its statistics."""

    season_number: int
    monitored: bool
    episode_file_count: int
    episode_count: int
    total_episode_count: int
    # None when Sonarr sent no size, or one that is not a whole number.
    size_on_disk: int | None

    @classmethod
    def from_row(cls, row: SeasonRow) -> Self:
        """Build the season from a row of its fields."""
        return cls(*row)


# The rows of the seasons follow the other fields.
type SeriesRow = tuple[
    int,
    str,
    int | None,
    int | None,
    int | None,
    str | None,
    str | None,
    str | None,
    bool,
    str | None,
    int | None,
    int,
    int,
    int,
    datetime | None,
    tuple[int, ...],
    int | None,
    str | None,
    tuple[str, ...],
    int | None,
    float | None,
    str | None,
    str | None,
    int | None,
    *tuple[SeasonRow, ...],
]


@dataclass(frozen=True, slots=True)
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
    # None when Sonarr sent no size, or one that is not a whole number.
    size_on_disk: int | None
    episode_file_count: int
    episode_count: int
    total_episode_count: int
    added: datetime | None
    tags: tuple[int, ...] = ()
    quality_profile_id: int | None = None
    overview: str | None = None
    genres: tuple[str, ...] = ()
    # Minutes of an episode.
    runtime: int | None = None
    rating: float | None = None
    # The *arr's paths of the covers (with its url base, without the query)
    # and when they were last written (`lastWrite`, .NET ticks).
    poster: str | None = None
    fanart: str | None = None
    cover_stamp: int | None = None
    # Last, as in the row.
    seasons: tuple[Season, ...] = ()

    @classmethod
    def from_row(cls, row: SeriesRow) -> Self:
        """Build the series and its seasons from a row of its fields.

        A row made without the details (its 18th element is already a
        season) reads as well.
        """
        fields: Any = row
        seasons = season_rows(row)
        details = fields[_SERIES_FIELDS : len(row) - len(seasons)]
        built: Self = cls(  # type: ignore[misc]
            *fields[:_SERIES_FIELDS],
            *details,
            seasons=tuple(map(Season.from_row, seasons)),
        )
        return built


def season_rows(row: SeriesRow) -> tuple[SeasonRow, ...]:
    """Return the rows of the seasons at the end of a series row.

    They follow the details, or directly the first fields in a row made
    without details.
    """
    fields: Any = row
    if len(row) > _SERIES_FIELDS and not isinstance(row[_SERIES_FIELDS], tuple):
        seasons: tuple[SeasonRow, ...] = fields[_SERIES_DETAILS_END:]
    else:
        seasons = fields[_SERIES_FIELDS:]
    return seasons


# The fields of a series row before its details, and where they end.
_SERIES_FIELDS = 17
_SERIES_DETAILS_END = _SERIES_FIELDS + 7


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """A Sonarr episode with what its file weighs and when it was imported."""

    id: int
    series_id: int
    season_number: int
    episode_number: int
    title: str
    air_date: datetime | None
    has_file: bool
    monitored: bool = True
    episode_file_id: int | None = None
    # Of the file; 0 without one, None when Sonarr sent no size for it.
    size: int | None = 0
    file_added: datetime | None = None


type ArtistRow = tuple[
    int,
    str,
    str | None,
    str | None,
    str | None,
    bool,
    int,
    int,
    int,
    int,
    datetime | None,
    tuple[int, ...],
    int | None,
    str | None,
    tuple[str, ...],
    int | None,
    float | None,
    str | None,
    str | None,
    int | None,
]


@dataclass(frozen=True, slots=True)
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
    overview: str | None = None
    genres: tuple[str, ...] = ()
    # Lidarr gives an artist no runtime: always None.
    runtime: int | None = None
    rating: float | None = None
    # The *arr's paths of the covers (with its url base, without the query)
    # and when they were last written (`lastWrite`, .NET ticks).
    poster: str | None = None
    fanart: str | None = None
    cover_stamp: int | None = None

    @classmethod
    def from_row(cls, row: ArtistRow) -> Self:
        """Build the artist from a row of its fields."""
        return cls(*row)


type AlbumRow = tuple[
    int,
    int,
    str,
    str | None,
    bool,
    datetime | None,
    int,
    int,
    int | None,
    str | None,
    int | None,
]


@dataclass(frozen=True, slots=True)
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
    # None when Lidarr sent no size, or one that is not a whole number.
    size_on_disk: int | None
    # Lidarr's path of the album cover (as `images[].url` gives it, without
    # the query) and its `lastWrite`.
    cover: str | None = None
    cover_stamp: int | None = None

    @classmethod
    def from_row(cls, row: AlbumRow) -> Self:
        """Build the album from a row of its fields."""
        return cls(*row)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueItem:
    """A download in an *arr queue: one per download, however many records.

    Sonarr lists a season pack once per episode and Lidarr a release of
    several albums once per album, each record repeating the download's
    size and bytes left; they are one download here. Downloads already
    imported are left out.
    """

    # The lowest id of the download's queue records: stable while it is queued.
    id: int
    # What is downloading in the user's words: the movie, the series with its
    # episode ("S01E02") or season ("S01"), the artist and album.
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
    # The release name the download client shows.
    release_title: str | None = None
    # The download client's id of the download (a torrent's info hash).
    download_id: str | None = None
    # Every queue record of the download, by id.
    record_ids: tuple[int, ...] = ()

    @property
    def progress(self) -> float:
        """Percent downloaded, 0 to 100; not rounded, the figures shown round it."""
        if self.size <= 0:
            return 0.0
        done = max(0, self.size - self.size_left)
        return min(100.0, done * 100 / self.size)

    def details(self) -> dict[str, Any]:
        """Return what is downloading and how long it still takes, as JSON data."""
        eta = self.estimated_completion
        return {
            "title": self.title,
            "release_title": self.release_title,
            "size": self.size,
            "size_left": self.size_left,
            "eta": eta.isoformat() if eta else None,
            "status": self.status,
            "error_message": self.error_message,
        }


def queue_progress(queue: Iterable[QueueItem]) -> float | None:
    """Percent of a queue downloaded: bytes done over bytes to download.

    Not rounded, as `QueueItem.progress`; None when the queue has no bytes
    to download (it is empty, or no download knows its size yet).
    """
    total = 0
    left = 0
    for item in queue:
        total += max(0, item.size)
        left += max(0, min(item.size_left, item.size))
    if total <= 0:
        return None
    return (total - left) * 100 / total


def queue_size_left(queue: Iterable[QueueItem]) -> int:
    """Bytes a queue still has to download."""
    return sum(max(0, item.size_left) for item in queue)


def queue_eta(queue: Iterable[QueueItem]) -> datetime | None:
    """When the last download of a queue is expected to finish, when known."""
    return max(
        (item.estimated_completion for item in queue if item.estimated_completion),
        default=None,
    )


type CalendarEntryRow = tuple[str, str, datetime, str | None, int | None, str | None]


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """An upcoming release: a movie, an episode or an album."""

    uid: str
    title: str
    start: datetime
    description: str | None = None
    media_id: int | None = None
    # Which release of a movie this is ("In cinemas", "Digital", "Physical"):
    # a movie can have all three in one month.
    release: str | None = None

    @classmethod
    def from_row(cls, row: CalendarEntryRow) -> Self:
        """Build the entry from a row of its fields."""
        return cls(*row)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """An *arr tag."""

    id: int
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarrSnapshot:
    """Everything one Radarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    movies: Rows[Movie]
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: Rows[CalendarEntry]
    tags: tuple[Tag, ...]
    # Counted once per refresh: the sensors read them on every update.
    # Monitored movies that are available but have no file.
    movies_missing: int
    size_on_disk: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SonarrSnapshot:
    """Everything one Sonarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    series: Rows[Series]
    # Monitored aired episodes without a file (`/wanted/missing` totalRecords).
    episodes_missing: int
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: Rows[CalendarEntry]
    tags: tuple[Tag, ...]
    # Counted once per refresh: the sensors read them on every update.
    episode_files: int
    size_on_disk: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LidarrSnapshot:
    """Everything one Lidarr refresh reads, in a fixed number of requests."""

    status: SystemStatus
    artists: Rows[Artist]
    albums: Rows[Album]
    root_folders: tuple[RootFolder, ...]
    queue: tuple[QueueItem, ...]
    calendar: Rows[CalendarEntry]
    tags: tuple[Tag, ...]
    # Counted once per refresh: the sensors read it on every update.
    size_on_disk: int


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinUser:
    """A Jellyfin user whose watch data may count.

    A disabled user cannot sign in: it is not offered, and its watch data
    never counts.
    """

    id: str
    name: str
    is_administrator: bool = False
    is_disabled: bool = False


@dataclass(frozen=True, slots=True)
class UserData:
    """What one Jellyfin user did with one item."""

    played: bool
    play_count: int
    last_played: datetime | None
    favorite: bool


# The watch data of one user in a Jellyfin item's row: the user id, then the
# fields of UserData.
type WatchRow = tuple[str, bool, int, datetime | None, bool]
# The provider ids alternate provider and id; the watch data of each counted
# user follows the other fields.
type JellyfinItemRow = tuple[
    str, str, str, tuple[str, ...], str | None, datetime | None, *tuple[WatchRow, ...]
]


@dataclass(frozen=True, slots=True)
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

    @classmethod
    def from_row(cls, row: JellyfinItemRow) -> Self:
        """Build the item and its watch data from a row of its fields."""
        ids = row[3]
        provider_ids = dict(zip(ids[::2], ids[1::2], strict=True))
        user_data = {watch[0]: UserData(*watch[1:]) for watch in row[6:]}
        return cls(*row[:3], provider_ids, *row[4:6], user_data)

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


# The watch data of one episode over the counted users: Jellyfin id of its
# series, season number, episode number, latest play, played, favourite.
type EpisodeWatchRow = tuple[str, int, int | None, datetime | None, bool, bool]


@dataclass(frozen=True, slots=True)
class EpisodeWatch:
    """What the counted users did with one episode, merged over the users.

    Episodes carry no provider ids of their series: `series_id` is the
    Jellyfin id of the series item, whose provider ids match it to Sonarr.
    `last_played` is the latest play of any counted user, `played` and
    `favorite` whether any counted user played it or marked it.
    """

    series_id: str
    season_number: int
    episode_number: int | None
    last_played: datetime | None
    played: bool
    favorite: bool

    @classmethod
    def from_row(cls, row: EpisodeWatchRow) -> Self:
        """Build the watch data from a row of its fields."""
        return cls(*row)


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
    # Where the item playing belongs: the series and season of an episode,
    # the album of a track (Jellyfin ids), so that what is playing keeps its
    # season or album as well.
    series_id: str | None = None
    season_number: int | None = None
    album_id: str | None = None

    def listing(self) -> dict[str, Any]:
        """Return what is playing, briefly: who, what and where, no ids or addresses."""
        return {
            "user": self.user_name,
            "title": self.item_name,
            "type": self.item_type,
            "client": self.client,
            "device": self.device_name,
            "paused": self.is_paused,
        }


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
class MissingWatchData:
    """A counted Jellyfin user whose watch data the server did not send.

    `user_missing`: the server does not know the user (404), for example
    after it was deleted. `no_user_data`: `items` items came without the
    user's data. Either way the user's plays are unknown, not absent.
    """

    user_id: str
    problem: Literal["user_missing", "no_user_data"]
    user_name: str | None = None
    items: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class JellyfinSnapshot:
    """Everything one Jellyfin refresh reads, in a fixed number of requests.

    Requests grow with the number of counted users (one item list each), never
    with the size of the library.
    """

    info: JellyfinServerInfo
    counts: JellyfinCounts
    sessions: tuple[JellyfinSession, ...]
    items: Rows[JellyfinItem]
    # Movies, series and albums no counted user has played, of those whose
    # watch data every counted user's list sent.
    never_watched: int
    # The users whose watch data counts: the chosen ones that are enabled
    # (every enabled user when none is chosen, or none of them is left).
    counted_user_ids: tuple[str, ...] = ()
    # Items some counted user's list sent without watch data (a server
    # that leaves UserData out): whether that user played them is unknown.
    watch_unknown: frozenset[str] = frozenset()
    # Counted users whose watch data did not come in full.
    missing_watch_data: tuple[MissingWatchData, ...] = ()


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


@dataclass(frozen=True, slots=True)
class Profile:
    """A quality or metadata profile of an *arr: what it downloads, or which releases."""

    id: int
    name: str
