"""The Media panel: the library of the *arr, to browse (playing is Jellyfin's).

Folders: movies, series (seasons, episodes), music (artists, albums),
leaving soon, downloads, recently added and missing. A folder of more than
MAX_CHILDREN items is split into letter folders, so that no websocket
message carries a whole large library. Items are named by stable text:
`item/<service>/<instance>/<kind>/<ids>`, the library item keys of LCARS,
plus `artist` for Lidarr's artists. Thumbnails are LCARS's artwork paths,
which the frontend reads with its token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
import time
from typing import Any, Final
import unicodedata

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .cleanup.reasons import shown_percent
from .clients import LcarsClientError
from .clients.models import Album, Artist, Episode, Movie, Series
from .const import DOMAIN
from .coordinator import (
    AnyCoordinator,
    ArrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from .data import LcarsConfigEntry
from .library.views import is_missing
from .runtime.artwork import (
    async_item_cover_urls,
    async_key_poster,
    async_queue_poster,
)

# More children than this in one folder are split into letter folders.
MAX_CHILDREN: Final = 500
# How many items "Recently added" lists.
RECENT_ITEMS: Final = 50
# How long the episodes of an opened series are kept before reading again.
EPISODES_KEPT_SECONDS: Final = 300.0
# The folders of the root, in order, with their media class.
FOLDERS: Final = (
    "movies",
    "series",
    "music",
    "leaving_soon",
    "downloads",
    "recent",
    "missing",
)
# Folders that are split by letter when large.
_LETTERED: Final = frozenset({"movies", "series", "music", "missing"})
OTHER_LETTER: Final = "#"
_ITEM: Final = "item"

type Shown = Movie | Series | Artist | Album


async def async_get_media_source(hass: HomeAssistant) -> LcarsMediaSource:
    """Set up the LCARS media source."""
    return LcarsMediaSource(hass)


def _not_found() -> BrowseError:
    return BrowseError(translation_domain=DOMAIN, translation_key="browse_not_found")


def letter_of(title: str) -> str:
    """Return the letter folder a title goes in: A to Z without accents, else "#"."""
    folded = unicodedata.normalize("NFKD", title.strip())
    first = next((c for c in folded if not unicodedata.combining(c)), "")
    upper = first.upper()
    return upper if "A" <= upper <= "Z" else OTHER_LETTER


def _sort_key(title: str) -> str:
    return title.casefold()


@dataclass(frozen=True, slots=True)
class _Entry:
    """One item of a folder, before it becomes a browse item."""

    title: str
    identifier: str
    media_class: str
    content_type: str
    can_expand: bool
    thumbnail: str | None = None


class LcarsMediaSource(MediaSource):
    """The libraries of the *arr of the LCARS entry, for the Media panel."""

    name = "LCARS"

    def __init__(self, hass: HomeAssistant) -> None:
        """Browse the loaded LCARS entry."""
        super().__init__(DOMAIN)
        self.hass = hass
        # (subentry id, series id) → (when read, its episodes).
        self._episodes: dict[tuple[str, int], tuple[float, list[Episode]]] = {}

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """LCARS items are for browsing; Jellyfin plays them."""
        raise Unresolvable(translation_domain=DOMAIN, translation_key="not_playable")

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Browse a folder or an item of the library."""
        entry = self._entry()
        identifier = item.identifier or ""
        titles = await self._folder_titles()
        if not identifier:
            return self._folder(
                "",
                self.name,
                [_Entry(titles[f], f, MediaClass.DIRECTORY, "", True) for f in FOLDERS],
            )
        parts = identifier.split("/")
        if parts[0] == _ITEM:
            return await self._browse_item(entry, identifier, parts[1:])
        folder, letter = parts[0], parts[1] if len(parts) == 2 else None
        if folder not in FOLDERS or len(parts) > 2:
            raise _not_found()
        entries = self._folder_entries(entry, folder)
        title = titles[folder]
        if folder in _LETTERED:
            if letter is not None:
                entries = [e for e in entries if letter_of(e.title) == letter]
                if not entries:
                    raise _not_found()
                return self._folder(identifier, f"{title}: {letter}", entries)
            if len(entries) > MAX_CHILDREN:
                letters = sorted({letter_of(e.title) for e in entries})
                return self._folder(
                    folder,
                    title,
                    [
                        _Entry(
                            initial,
                            f"{folder}/{initial}",
                            MediaClass.DIRECTORY,
                            "",
                            True,
                        )
                        for initial in letters
                    ],
                )
        elif letter is not None:
            raise _not_found()
        return self._folder(folder, title, entries)

    # ------------------------------------------------------------- helpers

    def _entry(self) -> LcarsConfigEntry:
        for entry in self.hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED:
                loaded: LcarsConfigEntry = entry
                return loaded
        raise BrowseError(
            translation_domain=DOMAIN, translation_key="browse_entry_not_loaded"
        )

    async def _folder_titles(self) -> dict[str, str]:
        """Return the folders' titles in the user's language (English when missing)."""
        language = self.hass.config.language
        found = await async_get_translations(self.hass, language, "selector", [DOMAIN])
        prefix = f"component.{DOMAIN}.selector.media_folder.options."
        return {
            folder: found.get(prefix + folder) or folder.replace("_", " ").capitalize()
            for folder in FOLDERS
        }

    def _folder(
        self, identifier: str, title: str, entries: Sequence[_Entry]
    ) -> BrowseMediaSource:
        children = [self._child(e) for e in entries]
        classes = {c.media_class for c in children}
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier or None,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=title,
            can_play=False,
            can_expand=True,
            children=children,
            children_media_class=classes.pop() if len(classes) == 1 else None,
        )

    @staticmethod
    def _child(entry: _Entry) -> BrowseMediaSource:
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=entry.identifier,
            media_class=entry.media_class,
            media_content_type=entry.content_type,
            title=entry.title,
            can_play=False,
            can_expand=entry.can_expand,
            thumbnail=entry.thumbnail,
        )

    def _shown(self, coordinator: ArrCoordinator, item: Shown) -> _Entry:
        """Return a library item as a child of a folder, with its thumbnail."""
        sub = coordinator.subentry_id
        thumbnail = async_item_cover_urls(self.hass, coordinator, item, signed=False)[
            "poster"
        ]
        if isinstance(item, Movie):
            year = f" ({item.year})" if item.year else ""
            return _Entry(
                item.title + year,
                f"{_ITEM}/radarr/{sub}/movie/{item.id}",
                MediaClass.MOVIE,
                MediaType.MOVIE,
                False,
                thumbnail,
            )
        if isinstance(item, Series):
            return _Entry(
                item.title,
                f"{_ITEM}/sonarr/{sub}/series/{item.id}",
                MediaClass.TV_SHOW,
                MediaType.TVSHOW,
                True,
                thumbnail,
            )
        if isinstance(item, Artist):
            return _Entry(
                item.name,
                f"{_ITEM}/lidarr/{sub}/artist/{item.id}",
                MediaClass.ARTIST,
                MediaType.ARTIST,
                True,
                thumbnail,
            )
        return _Entry(
            item.title,
            f"{_ITEM}/lidarr/{sub}/album/{item.id}",
            MediaClass.ALBUM,
            MediaType.ALBUM,
            False,
            thumbnail,
        )

    def _library(
        self,
        entry: LcarsConfigEntry,
        wanted: Callable[[ArrCoordinator, Any], bool] | None = None,
        kinds: tuple[type[AnyCoordinator], ...] = (
            RadarrCoordinator,
            SonarrCoordinator,
            LidarrCoordinator,
        ),
    ) -> list[tuple[ArrCoordinator, Shown]]:
        found: list[tuple[ArrCoordinator, Shown]] = []
        for coordinator in entry.runtime_data.arr:
            data = coordinator.data
            if data is None or not isinstance(coordinator, kinds):
                continue
            items: Iterable[Shown]
            if isinstance(coordinator, RadarrCoordinator):
                items = coordinator.data.movies if coordinator.data else ()
            elif isinstance(coordinator, SonarrCoordinator):
                items = coordinator.data.series if coordinator.data else ()
            else:
                items = coordinator.data.artists if coordinator.data else ()
            found.extend(
                (coordinator, item)
                for item in items
                if wanted is None or wanted(coordinator, item)
            )
        return found

    def _sorted(self, found: list[tuple[ArrCoordinator, Shown]]) -> list[_Entry]:
        entries = [self._shown(c, item) for c, item in found]
        entries.sort(key=lambda e: (_sort_key(e.title), e.identifier))
        return entries

    def _folder_entries(self, entry: LcarsConfigEntry, folder: str) -> list[_Entry]:
        if folder == "movies":
            return self._sorted(self._library(entry, kinds=(RadarrCoordinator,)))
        if folder == "series":
            return self._sorted(self._library(entry, kinds=(SonarrCoordinator,)))
        if folder == "music":
            return self._sorted(self._library(entry, kinds=(LidarrCoordinator,)))
        if folder == "missing":
            return self._sorted(
                self._library(
                    entry,
                    lambda _, item: not isinstance(item, Artist) and is_missing(item),
                    kinds=(RadarrCoordinator, SonarrCoordinator),
                )
            )
        if folder == "recent":
            return self._recent(entry)
        if folder == "downloads":
            return self._downloads(entry)
        return self._leaving_soon(entry)

    def _recent(self, entry: LcarsConfigEntry) -> list[_Entry]:
        def added(item: Shown) -> datetime | None:
            if isinstance(item, Movie):
                return item.file_added or item.added
            return item.added if isinstance(item, Series | Artist) else None

        dated = [
            (when, coordinator, item)
            for coordinator, item in self._library(entry)
            if (when := added(item)) is not None
        ]
        dated.sort(key=lambda found: found[0], reverse=True)
        return [self._shown(c, item) for _, c, item in dated[:RECENT_ITEMS]]

    def _downloads(self, entry: LcarsConfigEntry) -> list[_Entry]:
        entries: list[_Entry] = []
        for coordinator in entry.runtime_data.arr:
            if coordinator.data is None:
                continue
            for download in coordinator.data.queue:
                progress = shown_percent(download.progress)
                entries.append(
                    _Entry(
                        f"{download.title or download.release_title} ({progress} %)",
                        f"download/{coordinator.kind}/{coordinator.subentry_id}/{download.id}",
                        MediaClass.VIDEO
                        if not isinstance(coordinator, LidarrCoordinator)
                        else MediaClass.MUSIC,
                        "",
                        False,
                        async_queue_poster(
                            self.hass, coordinator, download.media_id, signed=False
                        ),
                    )
                )
        return entries

    def _leaving_soon(self, entry: LcarsConfigEntry) -> list[_Entry]:
        classes = {
            "movie": (MediaClass.MOVIE, MediaType.MOVIE, False),
            "series": (MediaClass.TV_SHOW, MediaType.TVSHOW, True),
            "season": (MediaClass.SEASON, MediaType.SEASON, True),
            "episode": (MediaClass.EPISODE, MediaType.EPISODE, False),
            "album": (MediaClass.ALBUM, MediaType.ALBUM, False),
        }
        entries: list[_Entry] = []
        for leaving in sorted(
            entry.runtime_data.cleanup.leaving_soon, key=lambda e: e.delete_on
        ):
            media_class, content_type, expand = classes.get(
                leaving.kind, (MediaClass.DIRECTORY, "", False)
            )
            entries.append(
                _Entry(
                    f"{leaving.title} ({leaving.delete_on.date().isoformat()})",
                    f"{_ITEM}/{leaving.key}",
                    media_class,
                    content_type,
                    expand,
                    async_key_poster(self.hass, leaving.key, signed=False),
                )
            )
        return entries

    # --------------------------------------------------------------- items

    async def _browse_item(
        self, entry: LcarsConfigEntry, identifier: str, parts: list[str]
    ) -> BrowseMediaSource:
        """Browse an item of a library: a series' seasons, a season's episodes, albums."""
        if len(parts) < 4 or not all(p.isascii() and p.isdigit() for p in parts[3:]):
            raise _not_found()
        service, sub, kind = parts[:3]
        numbers = [int(p) for p in parts[3:]]
        coordinator = entry.runtime_data.coordinators.get(sub)
        if (
            coordinator is None
            or coordinator.kind != service
            or coordinator.data is None
        ):
            raise _not_found()
        if isinstance(coordinator, RadarrCoordinator) and kind == "movie":
            movie = (
                _by_id(coordinator.data.movies, numbers[0])
                if coordinator.data
                else None
            )
            if movie is None or len(numbers) != 1:
                raise _not_found()
            return self._leaf(identifier, self._shown(coordinator, movie))
        if isinstance(coordinator, SonarrCoordinator):
            series = (
                _by_id(coordinator.data.series, numbers[0])
                if coordinator.data
                else None
            )
            if series is None:
                raise _not_found()
            return await self._browse_series(
                coordinator, series, identifier, kind, numbers
            )
        if isinstance(coordinator, LidarrCoordinator) and coordinator.data:
            if kind == "artist" and len(numbers) == 1:
                artist = _by_id(coordinator.data.artists, numbers[0])
                if artist is not None:
                    albums = [
                        self._shown(coordinator, album)
                        for album in coordinator.data.albums
                        if album.artist_id == artist.id
                    ]
                    albums.sort(key=lambda e: _sort_key(e.title))
                    return self._parent(
                        identifier, self._shown(coordinator, artist), albums
                    )
            if kind == "album" and len(numbers) == 1:
                album = _by_id(coordinator.data.albums, numbers[0])
                if album is not None:
                    return self._leaf(identifier, self._shown(coordinator, album))
        raise _not_found()

    async def _browse_series(
        self,
        coordinator: SonarrCoordinator,
        series: Series,
        identifier: str,
        kind: str,
        numbers: list[int],
    ) -> BrowseMediaSource:
        sub = coordinator.subentry_id
        shown = self._shown(coordinator, series)
        if kind == "series" and len(numbers) == 1:
            seasons = [
                _Entry(
                    f"{series.title} S{season.season_number:02d}",
                    f"{_ITEM}/sonarr/{sub}/season/{series.id}/{season.season_number}",
                    MediaClass.SEASON,
                    MediaType.SEASON,
                    True,
                    shown.thumbnail,
                )
                for season in sorted(series.seasons, key=lambda s: s.season_number)
            ]
            return self._parent(identifier, shown, seasons)
        if kind not in ("season", "episode") or len(numbers) != (
            2 if kind == "season" else 3
        ):
            raise _not_found()
        number = numbers[1]
        if all(season.season_number != number for season in series.seasons):
            raise _not_found()
        episodes = [
            e
            for e in await self._series_episodes(coordinator, series.id)
            if e.season_number == number
        ]
        episodes.sort(key=lambda e: e.episode_number)
        entries = [
            _Entry(
                " ".join(
                    part
                    for part in (f"S{number:02d}E{e.episode_number:02d}", e.title)
                    if part
                ),
                f"{_ITEM}/sonarr/{sub}/episode/{series.id}/{number}/{e.episode_number}",
                MediaClass.EPISODE,
                MediaType.EPISODE,
                False,
                shown.thumbnail,
            )
            for e in episodes
        ]
        if kind == "episode":
            found = next((e for e in entries if e.identifier == identifier), None)
            if found is None:
                raise _not_found()
            return self._leaf(identifier, found)
        season_title = f"{series.title} S{number:02d}"
        return self._parent(
            identifier,
            _Entry(
                season_title,
                identifier,
                MediaClass.SEASON,
                MediaType.SEASON,
                True,
                shown.thumbnail,
            ),
            entries,
        )

    async def _series_episodes(
        self, coordinator: SonarrCoordinator, series_id: int
    ) -> list[Episode]:
        """Return the episodes of a series: one request per series, kept a few minutes."""
        key = (coordinator.subentry_id, series_id)
        now = time.monotonic()
        kept = self._episodes.get(key)
        if kept is not None and now - kept[0] < EPISODES_KEPT_SECONDS:
            return kept[1]
        try:
            episodes = await coordinator.client.async_get_episodes(series_id)
        except LcarsClientError as err:
            raise BrowseError(
                translation_domain=DOMAIN,
                translation_key="browse_failed",
                translation_placeholders={
                    "service": coordinator.subentry.title,
                    "error": str(err),
                },
            ) from err
        # Only the series opened lately are kept.
        self._episodes = {
            k: v
            for k, v in self._episodes.items()
            if now - v[0] < EPISODES_KEPT_SECONDS
        }
        self._episodes[key] = (now, episodes)
        return episodes

    def _leaf(self, identifier: str, shown: _Entry) -> BrowseMediaSource:
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=shown.media_class,
            media_content_type=shown.content_type,
            title=shown.title,
            can_play=False,
            can_expand=False,
            thumbnail=shown.thumbnail,
        )

    def _parent(
        self, identifier: str, shown: _Entry, children: Sequence[_Entry]
    ) -> BrowseMediaSource:
        built = [self._child(c) for c in children]
        classes = {c.media_class for c in built}
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=identifier,
            media_class=shown.media_class,
            media_content_type=shown.content_type,
            title=shown.title,
            can_play=False,
            can_expand=True,
            thumbnail=shown.thumbnail,
            children=built,
            children_media_class=classes.pop() if len(classes) == 1 else None,
        )


def _by_id[T: Shown](items: Iterable[T], item_id: int) -> T | None:
    return next((item for item in items if item.id == item_id), None)
