"""Sonarr (a v4 server, API v3; v3.0.x servers are read as well)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
import re
from typing import Any

from custom_components.lcars.library.candidates import ID_TVDB, Candidate

from .arr import (
    ArrClient,
    QueueNames,
    QueueRecord,
    bool_params,
    require_int,
    statistics,
)
from .convert import (
    as_bool,
    as_dict,
    covers_of,
    int_or_zero,
    int_tuple,
    opt_id,
    opt_int,
    opt_str,
    parse_datetime,
    rating_value,
    root_folder_of,
    text_tuple,
    to_utc,
)
from .errors import BadResponseError
from .http import concurrent_requests
from .lookup import series_candidate
from .models import (
    CalendarEntry,
    CalendarEntryRow,
    Episode,
    Rows,
    Season,
    SeasonRow,
    Series,
    SeriesRow,
    SonarrSnapshot,
)

# How far ahead the calendar of a refresh looks.
CALENDAR_DAYS = 30


# An episode of the calendar, before its series title is known: episode id,
# air date, series id, series title, episode code ("S01E02"), episode title.
# A plain tuple: the calendar of a large library has thousands, kept until
# the series list has arrived, and the collector ignores plain tuples.
type _Airing = tuple[int, datetime, int | None, str | None, str | None, str | None]


def _airing(data: Any) -> _Airing | None:
    """Read one episode of `/calendar`; None when it has no air date."""
    episode_id = require_int(data["id"])
    when = parse_datetime(data.get("airDateUtc"))
    if when is None:
        return None
    season = opt_int(data.get("seasonNumber"))
    number = opt_int(data.get("episodeNumber"))
    return (
        episode_id,
        when,
        opt_int(data.get("seriesId")),
        opt_str(as_dict(data.get("series")).get("title")),
        f"S{season:02d}E{number:02d}"
        if season is not None and number is not None
        else None,
        opt_str(data.get("title")),
    )


def _calendar_row(airing: _Airing, titles: Mapping[int, str]) -> CalendarEntryRow:
    """Make the calendar entry, naming the series from `titles` if needed."""
    episode_id, start, series_id, series_title, code, episode_title = airing
    if series_title is None and series_id is not None:
        series_title = titles.get(series_id)
    title = " ".join(part for part in (series_title, code) if part)
    return (
        f"sonarr-episode-{episode_id}",
        title or episode_title or "",
        start,
        episode_title,
        series_id,
        None,
    )


def _calendar(
    airings: list[_Airing], titles: Mapping[int, str]
) -> list[CalendarEntryRow]:
    rows = [_calendar_row(airing, titles) for airing in airings]
    rows.sort(key=lambda row: row[2])  # the start
    return rows


def season_row(data: Any) -> SeasonRow:
    """Read a season with its statistics (zero counts when the server sends none).

    A season with files whose size is missing or not a whole number has
    the size None, never 0; without files it weighs nothing.
    """
    stats = statistics(data)
    files = int_or_zero(stats.get("episodeFileCount"))
    size = opt_int(stats.get("sizeOnDisk"))
    return (
        require_int(data["seasonNumber"]),
        as_bool(data.get("monitored")),
        files,
        int_or_zero(stats.get("episodeCount")),
        int_or_zero(stats.get("totalEpisodeCount")),
        0 if size is None and files <= 0 else size,
    )


def _files(season: Season) -> int:
    return season.episode_file_count


def series_row(data: Any) -> SeriesRow:
    """Keep what LCARS uses of a Sonarr series resource, as a row of Series.

    Without a `statistics` object (older servers) the figures are summed
    from the seasons, or read from the series itself.
    """
    seasons = tuple(
        season_row(season)
        for season in data.get("seasons") or ()
        if isinstance(season, dict)
    )
    stats = statistics(data)
    source = stats or data

    def figure(key: str, of_season: Callable[[Season], int]) -> int:
        if key in source:
            return int_or_zero(source.get(key))
        return sum(of_season(Season.from_row(season)) for season in seasons)

    def size() -> int | None:
        # As for a season: None when the series has files but no size.
        if "sizeOnDisk" in source:
            found = opt_int(source.get("sizeOnDisk"))
            if found is None and figure("episodeFileCount", _files) <= 0:
                return 0
            return found
        sizes = [season[5] for season in seasons]
        return None if None in sizes else sum(s for s in sizes if s is not None)

    path = opt_str(data.get("path"))
    covers, stamp = covers_of(data, "poster", "fanart")
    return (
        require_int(data["id"]),
        str(data.get("title") or ""),
        opt_id(data.get("year")),
        opt_id(data.get("tvdbId")),
        opt_id(data.get("tmdbId")),
        opt_str(data.get("imdbId")),
        path,
        root_folder_of(data, path),
        as_bool(data.get("monitored")),
        opt_str(data.get("seriesType")),
        size(),
        figure("episodeFileCount", lambda s: s.episode_file_count),
        figure("episodeCount", lambda s: s.episode_count),
        figure("totalEpisodeCount", lambda s: s.total_episode_count),
        parse_datetime(data.get("added")),
        int_tuple(data.get("tags")),
        opt_int(data.get("qualityProfileId")),
        opt_str(data.get("overview")),
        text_tuple(data.get("genres")),
        opt_int(data.get("runtime")) or None,
        rating_value(data.get("ratings")),
        covers["poster"],
        covers["fanart"],
        stamp,
        *seasons,
    )


def episode_from_json(data: Any) -> Episode:
    """Keep what the cleanup uses of a Sonarr episode, with its file if embedded."""
    file = as_dict(data.get("episodeFile"))
    file_id = opt_id(data.get("episodeFileId"))
    has_file = as_bool(data.get("hasFile")) or bool(file_id)
    return Episode(
        id=require_int(data["id"]),
        series_id=require_int(data["seriesId"]),
        season_number=require_int(data["seasonNumber"]),
        episode_number=require_int(data["episodeNumber"]),
        title=str(data.get("title") or ""),
        air_date=parse_datetime(data.get("airDateUtc")),
        has_file=has_file,
        monitored=as_bool(data.get("monitored")),
        episode_file_id=file_id,
        size=opt_int(file.get("size")) if has_file else 0,
        file_added=parse_datetime(file.get("dateAdded")) if has_file else None,
    )


def episode_code(season: int | None, episode: int | None) -> str | None:
    """Spell an episode as "S01E02" (None without both numbers)."""
    if season is None or episode is None:
        return None
    return f"S{season:02d}E{episode:02d}"


# "S01E02" in a release name, as scene names spell an episode.
_RELEASE_EPISODE = re.compile(r"(?<![A-Za-z0-9])S(\d{1,3})E(\d{1,4})(?![0-9])", re.I)


def release_episode(release_title: str) -> tuple[int, int] | None:
    """Read the season and episode a release name spells ("S01E02")."""
    match = _RELEASE_EPISODE.search(release_title)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def download_code(records: Sequence[QueueRecord]) -> str | None:
    """Spell what of a series a download holds: "S01E02", season "S01", "S01-S03".

    A season pack lists each of its episodes as a record.
    """
    seasons = sorted({r.season_number for r in records if r.season_number is not None})
    episodes = {
        (r.season_number, r.episode_number)
        for r in records
        if r.season_number is not None and r.episode_number is not None
    }
    if len(records) == 1:
        if episodes:
            return episode_code(*next(iter(episodes)))
        # Without the episode embedded (an older query, or a server that
        # leaves it out) the release name tells, when its season agrees;
        # otherwise the series alone says nothing wrong.
        spelled = release_episode(records[0].release_title)
        if spelled is not None and records[0].season_number in (None, spelled[0]):
            return episode_code(*spelled)
        return None
    if len(seasons) == 1:
        return f"S{seasons[0]:02d}"
    if seasons:
        return f"S{seasons[0]:02d}-S{seasons[-1]:02d}"
    return None


def series_from_json(data: Any) -> Series:
    """Keep what LCARS uses of a Sonarr series resource.

    Without a `statistics` object (older servers) the figures are summed
    from the seasons, or read from the series itself.
    """
    return Series.from_row(series_row(data))


class SonarrClient(ArrClient):
    """A Sonarr server."""

    service = "Sonarr"
    api = "/api/v3"
    queue_media_key = "seriesId"
    history_item_key = "seriesId"
    # The episode of each record gives its numbers; the series titles come
    # from the series list.
    queue_params = bool_params(includeSeries=False, includeEpisode=True)
    named_queue_params = bool_params(includeSeries=True, includeEpisode=True)
    library_path = "series"
    editor_ids_key = "seriesIds"
    exclusion_flag = "addImportListExclusion"
    root_folders_need_disk_space = True

    def _queue_parts(self, data: Any) -> dict[str, Any]:
        """Return the episode of a record: its id and numbers, and the series title.

        Sonarr v3 sends the season only inside the episode.
        """
        episode = as_dict(data.get("episode"))
        season = opt_int(data.get("seasonNumber"))
        if season is None:
            season = opt_int(episode.get("seasonNumber"))
        return {
            "part_id": opt_int(data.get("episodeId")),
            "season_number": season,
            "episode_number": opt_int(episode.get("episodeNumber")),
            "media_title": opt_str(as_dict(data.get("series")).get("title")),
        }

    def _download_title(self, records: list[QueueRecord], names: QueueNames) -> str:
        """Name the series and what of it: "Title S01E02", or "Title S01" (season)."""
        series = next(
            (
                title
                for r in records
                if (title := r.media_title or names.media.get(r.media_id or 0))
            ),
            None,
        )
        if series is None:
            return ""
        code = download_code(records)
        return f"{series} {code}" if code else series

    async def async_get_series(self) -> list[Series]:
        """Every series, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/series", series_from_json)

    async def async_lookup(self, term: str) -> list[Candidate]:
        """Look series up by title or id (`tvdb:81189`); see `_async_lookup`."""
        return await self._async_lookup("series", term, series_candidate)

    async def async_add_series(self, body: Mapping[str, Any]) -> Candidate:
        """Add a series (`POST /series`); return it as Sonarr created it."""
        return await self._async_add("series", body, series_candidate)

    async def async_find_series(self, tvdb_id: int) -> Candidate | None:
        """Return the library's series with this TVDb id, if there is one."""
        return await self._async_find(
            "series",
            {"tvdbId": str(tvdb_id)},
            series_candidate,
            lambda series: series.ids.get(ID_TVDB) == tvdb_id,
        )

    async def async_get_series_by_id(self, series_id: int) -> Series:
        """One series; NotFoundError when there is no such series."""
        path = self._library_item_path(series_id)
        data = await self._get_object(path, item=True)
        return self._project_one(data, series_from_json, path)

    async def async_get_episodes(
        self, series_id: int, season_number: int | None = None
    ) -> list[Episode]:
        """Return the episodes of one series (or one season), with their files.

        One request per series: ask it only for the few series that need
        their episodes (rolling ones, a season being deleted), never for the
        library.
        """
        params = {"seriesId": str(int(series_id)), "includeEpisodeFile": "true"}
        if season_number is not None:
            params["seasonNumber"] = str(int(season_number))
        return await self._stream_list(
            f"{self.api}/episode", episode_from_json, params=params
        )

    async def async_delete_series(
        self, series_id: int, *, delete_files: bool = False, add_exclusion: bool = False
    ) -> None:
        """Remove a series, and its files with `delete_files`.

        `add_exclusion` keeps import lists from adding it again.
        """
        await self._delete_library_item(
            series_id, delete_files=delete_files, add_exclusion=add_exclusion
        )

    async def async_set_episodes_monitored(
        self, episode_ids: Sequence[int], monitored: bool
    ) -> None:
        """Monitor or unmonitor episodes in one request (`PUT /episode/monitor`)."""
        await self._send(
            "PUT",
            f"{self.api}/episode/monitor",
            json_body={"episodeIds": list(episode_ids), "monitored": monitored},
        )

    async def async_delete_episode_files(self, file_ids: Sequence[int]) -> None:
        """Delete episode files in one request; the episodes stay in the library."""
        await self._send(
            "DELETE",
            f"{self.api}/episodefile/bulk",
            json_body={"episodeFileIds": list(file_ids)},
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
        return [CalendarEntry.from_row(row) for row in _calendar(airings, {})]

    async def async_fetch_snapshot(self, now: datetime) -> SonarrSnapshot:
        """Everything a refresh needs, in eight concurrent requests."""
        now = to_utc(now)
        async with concurrent_requests() as group:
            status = group.create_task(self.async_get_system_status())
            series_rows = group.create_task(
                self._stream_list(f"{self.api}/series", series_row)
            )
            missing = group.create_task(self.async_get_episodes_missing_count())
            root_folders = group.create_task(self.async_get_root_folders())
            queue = group.create_task(self._async_get_queue_records(self.queue_params))
            airings = group.create_task(
                self._stream_calendar(
                    now, now + timedelta(days=CALENDAR_DAYS), {}, _airing
                )
            )
            tags = group.create_task(self.async_get_tags())
        rows = series_rows.result()
        # A series row starts with the id and the title.
        titles = {row[0]: row[1] for row in rows}
        series = Rows(Series, rows)
        return SonarrSnapshot(
            status=status.result(),
            series=series,
            episodes_missing=missing.result(),
            root_folders=tuple(root_folders.result()),
            queue=tuple(self._downloads(queue.result(), QueueNames(media=titles))),
            calendar=Rows(CalendarEntry, _calendar(airings.result(), titles)),
            tags=tuple(tags.result()),
            episode_files=series.total("episode_file_count"),
            size_on_disk=series.total("size_on_disk"),
        )
