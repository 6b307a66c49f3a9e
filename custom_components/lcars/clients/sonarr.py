"""Sonarr (a v4 server, API v3; v3.0.x servers are read as well)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .arr import ArrClient, bool_params, require_int, statistics
from .convert import (
    as_bool,
    as_dict,
    int_or_zero,
    int_tuple,
    opt_id,
    opt_int,
    opt_str,
    parse_datetime,
    root_folder_of,
    to_utc,
)
from .errors import BadResponseError
from .http import concurrent_requests
from .models import CalendarEntry, Season, Series, SonarrSnapshot

# How far ahead the calendar of a refresh looks.
CALENDAR_DAYS = 30


@dataclass(frozen=True, slots=True)
class _Airing:
    """An episode of the calendar, before its series title is known."""

    episode_id: int
    start: datetime
    series_id: int | None
    series_title: str | None
    code: str | None
    episode_title: str | None

    def entry(self, titles: Mapping[int, str]) -> CalendarEntry:
        """Make the calendar entry, naming the series from `titles` if needed."""
        series_title = self.series_title
        if series_title is None and self.series_id is not None:
            series_title = titles.get(self.series_id)
        title = " ".join(part for part in (series_title, self.code) if part)
        return CalendarEntry(
            uid=f"sonarr-episode-{self.episode_id}",
            title=title or self.episode_title or "",
            start=self.start,
            description=self.episode_title,
            media_id=self.series_id,
        )


def _airing(data: Any) -> _Airing | None:
    """Read one episode of `/calendar`; None when it has no air date."""
    episode_id = require_int(data["id"])
    when = parse_datetime(data.get("airDateUtc"))
    if when is None:
        return None
    season = opt_int(data.get("seasonNumber"))
    number = opt_int(data.get("episodeNumber"))
    return _Airing(
        episode_id=episode_id,
        start=when,
        series_id=opt_int(data.get("seriesId")),
        series_title=opt_str(as_dict(data.get("series")).get("title")),
        code=f"S{season:02d}E{number:02d}"
        if season is not None and number is not None
        else None,
        episode_title=opt_str(data.get("title")),
    )


def _calendar(airings: list[_Airing], titles: Mapping[int, str]) -> list[CalendarEntry]:
    entries = [airing.entry(titles) for airing in airings]
    entries.sort(key=lambda entry: entry.start)
    return entries


def season_from_json(data: Any) -> Season:
    """Read a season with its statistics (zeros when the server sends none)."""
    stats = statistics(data)
    return Season(
        season_number=require_int(data["seasonNumber"]),
        monitored=as_bool(data.get("monitored")),
        episode_file_count=int_or_zero(stats.get("episodeFileCount")),
        episode_count=int_or_zero(stats.get("episodeCount")),
        total_episode_count=int_or_zero(stats.get("totalEpisodeCount")),
        size_on_disk=int_or_zero(stats.get("sizeOnDisk")),
    )


def series_from_json(data: Any) -> Series:
    """Keep what LCARS uses of a Sonarr series resource.

    Without a `statistics` object (older servers) the figures are summed
    from the seasons, or read from the series itself.
    """
    seasons = tuple(
        season_from_json(season)
        for season in data.get("seasons") or ()
        if isinstance(season, dict)
    )
    stats = statistics(data)
    source = stats or data

    def figure(key: str, from_season: int) -> int:
        if key in source:
            return int_or_zero(source.get(key))
        return from_season

    path = opt_str(data.get("path"))
    return Series(
        id=require_int(data["id"]),
        title=str(data.get("title") or ""),
        year=opt_id(data.get("year")),
        tvdb_id=opt_id(data.get("tvdbId")),
        tmdb_id=opt_id(data.get("tmdbId")),
        imdb_id=opt_str(data.get("imdbId")),
        path=path,
        root_folder=root_folder_of(data, path),
        monitored=as_bool(data.get("monitored")),
        series_type=opt_str(data.get("seriesType")),
        size_on_disk=figure("sizeOnDisk", sum(s.size_on_disk for s in seasons)),
        episode_file_count=figure(
            "episodeFileCount", sum(s.episode_file_count for s in seasons)
        ),
        episode_count=figure("episodeCount", sum(s.episode_count for s in seasons)),
        total_episode_count=figure(
            "totalEpisodeCount", sum(s.total_episode_count for s in seasons)
        ),
        added=parse_datetime(data.get("added")),
        seasons=seasons,
        tags=int_tuple(data.get("tags")),
        quality_profile_id=opt_int(data.get("qualityProfileId")),
    )


class SonarrClient(ArrClient):
    """A Sonarr server."""

    service = "Sonarr"
    api = "/api/v3"
    queue_media_key = "seriesId"
    queue_params = bool_params(includeSeries=False, includeEpisode=False)
    library_path = "series"
    editor_ids_key = "seriesIds"
    exclusion_flag = "addImportListExclusion"
    root_folders_need_disk_space = True

    async def async_get_series(self) -> list[Series]:
        """Every series, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/series", series_from_json)

    async def async_get_series_by_id(self, series_id: int) -> Series:
        """One series; NotFoundError when there is no such series."""
        path = self._library_item_path(series_id)
        data = await self._get_object(path, item=True)
        return self._project_one(data, series_from_json, path)

    async def async_delete_series(
        self, series_id: int, *, delete_files: bool = False, add_exclusion: bool = False
    ) -> None:
        """Remove a series, and its files with `delete_files`.

        `add_exclusion` keeps import lists from adding it again.
        """
        await self._delete_library_item(
            series_id, delete_files=delete_files, add_exclusion=add_exclusion
        )

    async def async_get_episodes_missing_count(self) -> int:
        """Count the monitored episodes that have aired without a file."""
        path = f"{self.api}/wanted/missing"
        data = await self._get_object(
            path, params={"page": 1, "pageSize": 1, "monitored": "true"}
        )
        total = opt_int(data.get("totalRecords"))
        if total is None:
            raise self._error(
                BadResponseError, f"no totalRecords in the answer to {path}"
            )
        return total

    async def async_get_calendar(
        self, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """Return the episodes airing between `start` and `end`, sorted by date.

        The series come embedded in the answer for their titles; a refresh
        takes the titles from its series list instead (a much smaller answer).
        """
        airings = await self._stream_calendar(
            to_utc(start), to_utc(end), bool_params(includeSeries=True), _airing
        )
        return _calendar(airings, {})

    async def async_fetch_snapshot(self, now: datetime) -> SonarrSnapshot:
        """Everything a refresh needs, in eight concurrent requests."""
        now = to_utc(now)
        async with concurrent_requests() as group:
            status = group.create_task(self.async_get_system_status())
            series = group.create_task(self.async_get_series())
            missing = group.create_task(self.async_get_episodes_missing_count())
            root_folders = group.create_task(self.async_get_root_folders())
            queue = group.create_task(self.async_get_queue())
            airings = group.create_task(
                self._stream_calendar(
                    now, now + timedelta(days=CALENDAR_DAYS), {}, _airing
                )
            )
            tags = group.create_task(self.async_get_tags())
        all_series = series.result()
        titles = {item.id: item.title for item in all_series}
        return SonarrSnapshot(
            status=status.result(),
            series=tuple(all_series),
            episodes_missing=missing.result(),
            root_folders=tuple(root_folders.result()),
            queue=tuple(queue.result()),
            calendar=tuple(_calendar(airings.result(), titles)),
            tags=tuple(tags.result()),
        )
