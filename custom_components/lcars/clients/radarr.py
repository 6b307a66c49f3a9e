"""Radarr (API v3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .arr import ArrClient, bool_params, require_int, statistics
from .convert import (
    as_bool,
    as_dict,
    int_tuple,
    opt_id,
    opt_int,
    opt_str,
    parse_datetime,
    root_folder_of,
)
from .http import concurrent_requests
from .models import CalendarEntry, Movie, RadarrSnapshot

# How far ahead the calendar of a refresh looks.
CALENDAR_DAYS = 30

# The release dates of a movie that make calendar entries.
_RELEASES = (
    ("inCinemas", "cinemas", "In cinemas"),
    ("digitalRelease", "digital", "Digital release"),
    ("physicalRelease", "physical", "Physical release"),
)


def movie_from_json(data: Any) -> Movie:
    """Keep what LCARS uses of a Radarr movie resource."""
    movie_file = data.get("movieFile")
    file = as_dict(movie_file)
    has_file = data.get("hasFile")
    if not isinstance(has_file, bool):
        has_file = bool(file) or (opt_int(data.get("movieFileId")) or 0) > 0
    size = opt_int(data.get("sizeOnDisk"))
    if size is None:
        size = opt_int(statistics(data).get("sizeOnDisk"))
    if size is None:
        size = opt_int(file.get("size")) or 0
    path = opt_str(data.get("path"))
    return Movie(
        id=require_int(data["id"]),
        title=str(data.get("title") or ""),
        year=opt_id(data.get("year")),
        tmdb_id=opt_id(data.get("tmdbId")),
        imdb_id=opt_str(data.get("imdbId")),
        path=path,
        root_folder=root_folder_of(data, path),
        monitored=as_bool(data.get("monitored")),
        has_file=has_file,
        is_available=as_bool(data.get("isAvailable")),
        size_on_disk=size,
        added=parse_datetime(data.get("added")),
        tags=int_tuple(data.get("tags")),
        quality_profile_id=opt_int(data.get("qualityProfileId")),
        file_added=parse_datetime(file.get("dateAdded")) if has_file else None,
    )


class RadarrClient(ArrClient):
    """A Radarr server."""

    service = "Radarr"
    api = "/api/v3"
    queue_media_key = "movieId"
    queue_params = bool_params(includeMovie=False)
    library_path = "movie"
    editor_ids_key = "movieIds"
    exclusion_flag = "addImportExclusion"
    root_folders_need_disk_space = True

    async def async_get_movies(self) -> list[Movie]:
        """Every movie, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/movie", movie_from_json)

    async def async_get_movie(self, movie_id: int) -> Movie:
        """One movie; NotFoundError when there is no such movie."""
        path = self._library_item_path(movie_id)
        data = await self._get_object(path, item=True)
        return self._project_one(data, movie_from_json, path)

    async def async_delete_movie(
        self, movie_id: int, *, delete_files: bool = False, add_exclusion: bool = False
    ) -> None:
        """Remove a movie, and its files with `delete_files`.

        `add_exclusion` keeps import lists from adding it again.
        """
        await self._delete_library_item(
            movie_id, delete_files=delete_files, add_exclusion=add_exclusion
        )

    def _calendar_entries(
        self, data: Any, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        movie_id = require_int(data["id"])
        title = str(data.get("title") or "")
        entries: list[CalendarEntry] = []
        for key, slug, label in _RELEASES:
            when = parse_datetime(data.get(key))
            if when is not None and start <= when <= end:
                entries.append(
                    CalendarEntry(
                        uid=f"radarr-movie-{movie_id}-{slug}",
                        title=title,
                        start=when,
                        description=label,
                        media_id=movie_id,
                    )
                )
        return entries

    async def async_fetch_snapshot(self, now: datetime) -> RadarrSnapshot:
        """Everything a refresh needs, in seven concurrent requests."""
        async with concurrent_requests() as group:
            status = group.create_task(self.async_get_system_status())
            movies = group.create_task(self.async_get_movies())
            root_folders = group.create_task(self.async_get_root_folders())
            queue = group.create_task(self.async_get_queue())
            calendar = group.create_task(
                self.async_get_calendar(now, now + timedelta(days=CALENDAR_DAYS))
            )
            tags = group.create_task(self.async_get_tags())
        return RadarrSnapshot(
            status=status.result(),
            movies=tuple(movies.result()),
            root_folders=tuple(root_folders.result()),
            queue=tuple(queue.result()),
            calendar=tuple(calendar.result()),
            tags=tuple(tags.result()),
        )
