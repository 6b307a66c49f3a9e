"""Radarr (API v3)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from custom_components.lcars.library.candidates import ID_TMDB, Candidate

from .arr import (
    ArrClient,
    QueueNames,
    QueueRecord,
    bool_params,
    require_int,
    statistics,
    unique_titles,
)
from .convert import (
    as_bool,
    as_dict,
    covers_of,
    int_tuple,
    opt_id,
    opt_int,
    opt_str,
    parse_datetime,
    rating_value,
    root_folder_of,
    text_tuple,
)
from .http import concurrent_requests
from .lookup import movie_candidate
from .models import (
    CalendarEntry,
    CalendarEntryRow,
    Movie,
    MovieRow,
    RadarrSnapshot,
    Rows,
)

# How far ahead the calendar of a refresh looks.
CALENDAR_DAYS = 30

# The release dates of a movie that make calendar entries: the date's key, the
# entry's id suffix, the release as its event names it and the description.
_RELEASES = (
    ("inCinemas", "cinemas", "In cinemas", "In cinemas"),
    ("digitalRelease", "digital", "Digital", "Digital release"),
    ("physicalRelease", "physical", "Physical", "Physical release"),
)


def movie_row(data: Any) -> MovieRow:
    """Keep what LCARS uses of a Radarr movie resource, as a row of Movie."""
    movie_file = data.get("movieFile")
    file = as_dict(movie_file)
    has_file = data.get("hasFile")
    if not isinstance(has_file, bool):
        has_file = bool(file) or (opt_int(data.get("movieFileId")) or 0) > 0
    size = opt_int(data.get("sizeOnDisk"))
    if size is None:
        size = opt_int(statistics(data).get("sizeOnDisk"))
    if size is None:
        size = opt_int(file.get("size"))
    if size is None and not has_file:
        # Without a file it weighs nothing; with one, a size that is missing
        # stays None, never 0 (the cleanup holds an item whose size is in doubt).
        size = 0
    path = opt_str(data.get("path"))
    covers, stamp = covers_of(data, "poster", "fanart")
    return (
        require_int(data["id"]),
        str(data.get("title") or ""),
        opt_id(data.get("year")),
        opt_id(data.get("tmdbId")),
        opt_str(data.get("imdbId")),
        path,
        root_folder_of(data, path),
        as_bool(data.get("monitored")),
        has_file,
        as_bool(data.get("isAvailable")),
        size,
        parse_datetime(data.get("added")),
        int_tuple(data.get("tags")),
        opt_int(data.get("qualityProfileId")),
        parse_datetime(file.get("dateAdded")) if has_file else None,
        opt_str(data.get("overview")),
        text_tuple(data.get("genres")),
        opt_int(data.get("runtime")) or None,
        movie_rating(data.get("ratings")),
        covers["poster"],
        covers["fanart"],
        stamp,
    )


def movie_rating(ratings: object) -> float | None:
    """Radarr's rating of a movie: IMDb's, else TMDb's (0 to 10)."""
    found = as_dict(ratings)
    for source in ("imdb", "tmdb"):
        value = rating_value(found.get(source))
        if value is not None:
            return value
    return None


def movie_from_json(data: Any) -> Movie:
    """Keep what LCARS uses of a Radarr movie resource."""
    return Movie.from_row(movie_row(data))


class RadarrClient(ArrClient):
    """A Radarr server."""

    service = "Radarr"
    api = "/api/v3"
    queue_media_key = "movieId"
    queue_params = bool_params(includeMovie=False)
    named_queue_params = bool_params(includeMovie=True)
    library_path = "movie"
    editor_ids_key = "movieIds"
    exclusion_flag = "addImportExclusion"
    root_folders_need_disk_space = True

    def _queue_parts(self, data: Any) -> dict[str, Any]:
        """Return the title of the movie, when the record embeds it."""
        return {"media_title": opt_str(as_dict(data.get("movie")).get("title"))}

    def _download_title(self, records: list[QueueRecord], names: QueueNames) -> str:
        """Name the movie (the movies, for a download holding several)."""
        return ", ".join(
            unique_titles(
                r.media_title or names.media.get(r.media_id or 0) for r in records
            )
        )

    async def async_get_movies(self) -> list[Movie]:
        """Every movie, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/movie", movie_from_json)

    async def async_get_movie(self, movie_id: int) -> Movie:
        """One movie; NotFoundError when there is no such movie."""
        path = self._library_item_path(movie_id)
        data = await self._get_object(path, item=True)
        return self._project_one(data, movie_from_json, path)

    async def async_lookup(self, term: str) -> list[Candidate]:
        """Look movies up by title or id (`tmdb:438631`); see `_async_lookup`."""
        return await self._async_lookup("movie", term, movie_candidate)

    async def async_add_movie(self, body: Mapping[str, Any]) -> Candidate:
        """Add a movie (`POST /movie`); return it as Radarr created it."""
        return await self._async_add("movie", body, movie_candidate)

    async def async_find_movie(self, tmdb_id: int) -> Candidate | None:
        """Return the library's movie with this TMDb id, if there is one."""
        return await self._async_find(
            "movie",
            {"tmdbId": str(tmdb_id)},
            movie_candidate,
            lambda movie: movie.ids.get(ID_TMDB) == tmdb_id,
        )

    async def async_delete_movie(
        self, movie_id: int, *, delete_files: bool = False, add_exclusion: bool = False
    ) -> None:
        """Remove a movie, and its files with `delete_files`.

        `add_exclusion` keeps import lists from adding it again.
        """
        await self._delete_library_item(
            movie_id, delete_files=delete_files, add_exclusion=add_exclusion
        )

    def _calendar_rows(
        self, data: Any, start: datetime, end: datetime
    ) -> list[CalendarEntryRow]:
        movie_id = require_int(data["id"])
        title = str(data.get("title") or "")
        rows: list[CalendarEntryRow] = []
        for key, slug, release, description in _RELEASES:
            when = parse_datetime(data.get(key))
            if when is not None and start <= when <= end:
                rows.append(
                    (
                        f"radarr-movie-{movie_id}-{slug}",
                        title,
                        when,
                        description,
                        movie_id,
                        release,
                    )
                )
        return rows

    async def async_fetch_snapshot(self, now: datetime) -> RadarrSnapshot:
        """Everything a refresh needs, in seven concurrent requests."""
        async with concurrent_requests() as group:
            status = group.create_task(self.async_get_system_status())
            movie_rows = group.create_task(
                self._stream_list(f"{self.api}/movie", movie_row)
            )
            root_folders = group.create_task(self.async_get_root_folders())
            queue = group.create_task(self._async_get_queue_records(self.queue_params))
            calendar = group.create_task(
                self._calendar_rows_between(now, now + timedelta(days=CALENDAR_DAYS))
            )
            tags = group.create_task(self.async_get_tags())
        movies = Rows(Movie, movie_rows.result())
        # A movie row starts with the id and the title.
        titles = {row[0]: row[1] for row in movies.rows}
        return RadarrSnapshot(
            status=status.result(),
            movies=movies,
            root_folders=tuple(root_folders.result()),
            queue=tuple(self._downloads(queue.result(), QueueNames(media=titles))),
            calendar=Rows(CalendarEntry, calendar.result()),
            tags=tuple(tags.result()),
            movies_missing=movies.count_where(
                monitored=True, has_file=False, is_available=True
            ),
            size_on_disk=movies.total("size_on_disk"),
        )
