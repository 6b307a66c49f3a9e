"""Sonarr API v3 (Sonarr v4): series, episodes, episode files, editor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web

from .arr import (
    ENGLISH,
    NO_DATE,
    ArrService,
    Failure,
    Json,
    apply_tags,
    bad_request,
    body_rating,
    image_token,
    int_list,
    not_found,
    omit_none,
    path_failures,
    profile_failures,
    root_folder_failures,
    validation_failed,
    video_media_info,
    video_profiles,
)
from .common import (
    Route,
    arr_date,
    arr_stamp,
    empty,
    json_response,
    query_bool,
    query_int,
    query_ints,
    query_value,
    read_json,
)
from .library import (
    SONARR_QUALITIES,
    VIDEO_PROFILES,
    clean_title,
    folder_name,
    slug,
    sort_title,
)
from .metadata import (
    SERIES,
    Entry,
    IdTerm,
    SeriesInfo,
    is_path_like,
    parse_series_term,
    search,
)
from .state import (
    Episode,
    EpisodeFile,
    Exclusion,
    HistoryRecord,
    QueueRecord,
    RootFolder,
    Series,
    SonarrState,
    join_path,
    split_path,
)

SERIES_TYPES = ("standard", "daily", "anime")
MONITOR_TYPES = (
    "unknown",
    "all",
    "future",
    "missing",
    "existing",
    "firstSeason",
    "lastSeason",
    "latestSeason",
    "pilot",
    "recent",
    "monitorSpecials",
    "unmonitorSpecials",
    "none",
    "skip",
)

type Found = Series | SeriesInfo


def series_folder(title: str, year: int) -> str:
    """Sonarr's series folder: `{Series TitleYear}`."""
    return folder_name(title if title.endswith(f"({year})") else f"{title} ({year})")


def artwork_remote(tvdb_id: int, salt: int, cover: str) -> str:
    """TVDb address of a series' banner, poster or fanart."""
    token = image_token(tvdb_id, salt)
    return f"https://artworks.thetvdb.com/banners/{cover}s/{token}.jpg"


def lookup_statistics(seasons: list[Json]) -> Json:
    """Return the statistics of a lookup result: only the seasons are counted.

    SeriesLookupController: `new SeriesStatistics().ToResource(seasons)`.
    """
    return {
        "seasonCount": len([s for s in seasons if s["seasonNumber"] > 0]),
        "episodeFileCount": 0,
        "episodeCount": 0,
        "totalEpisodeCount": 0,
        "sizeOnDisk": 0,
        "releaseGroups": [],
        "percentOfEpisodes": 0.0,
    }


def episode_monitored(
    monitor: str,
    season: int,
    number: int,
    aired: datetime | None,
    has_file: bool,
    first_season: int,
    last_season: int,
    now: datetime,
) -> bool | None:
    """Whether `addOptions.monitor` monitors an episode (None: leave it as it is).

    The rules of EpisodeMonitoredService.SetEpisodeMonitoredStatus.
    """
    if monitor in ("unknown", "skip", "monitorSpecials", "unmonitorSpecials"):
        if monitor == "monitorSpecials" and season == 0:
            return True
        if monitor == "unmonitorSpecials" and season == 0:
            return False
        return None
    if monitor == "none":
        return False
    if season <= 0:
        return False
    recent = aired is None or aired >= now - timedelta(days=90)
    return {
        "all": True,
        "future": aired is None or aired >= now,
        "missing": not has_file,
        "existing": has_file,
        "pilot": season == first_season and number == 1,
        "firstSeason": season == first_season,
        "lastSeason": season == last_season,
        "latestSeason": season == last_season,
        "recent": recent,
    }.get(monitor, True)


def _quality(quality_id: int) -> Json:
    name, source, resolution = SONARR_QUALITIES.get(quality_id, SONARR_QUALITIES[0])
    return {"id": quality_id, "name": name, "source": source, "resolution": resolution}


def _size_limits(quality_id: int) -> Json:
    return {"minSize": 0.0, "maxSize": 1000.0, "preferredSize": 995.0}


class SonarrService(ArrService[SonarrState]):
    """A Sonarr instance."""

    app_name: ClassVar[str] = "Sonarr"
    api: ClassVar[str] = "/api/v3"
    version: ClassVar[str] = "4.0.14.2939"
    migration: ClassVar[int] = 217
    media_ids_param: ClassVar[str] = "seriesIds"
    media_key: ClassVar[str] = "seriesId"
    default_missing_sort: ClassVar[str] = "episodes.airDateUtc"
    tag_items_key: ClassVar[str] = "seriesIds"
    type_exclusive_flag: ClassVar[bool] = False

    def routes(self) -> list[Route]:
        """Shared routes plus series, episodes and episode files."""
        api = self.api
        return [
            *super().routes(),
            Route("GET", f"{api}/series", self.get_series_list),
            Route("POST", f"{api}/series", self.post_series),
            Route("GET", f"{api}/series/lookup", self.get_lookup),
            Route("PUT", f"{api}/series/editor", self.put_editor),
            Route("DELETE", f"{api}/series/editor", self.delete_editor),
            Route("GET", f"{api}/series/{{id:\\d+}}", self.get_series),
            Route("PUT", f"{api}/series/{{id:\\d+}}", self.put_series),
            Route("DELETE", f"{api}/series/{{id:\\d+}}", self.delete_series),
            Route("GET", f"{api}/episode", self.get_episodes),
            Route("PUT", f"{api}/episode/monitor", self.put_episodes_monitor),
            Route("GET", f"{api}/episode/{{id:\\d+}}", self.get_episode),
            Route("PUT", f"{api}/episode/{{id:\\d+}}", self.put_episode),
            Route("GET", f"{api}/episodefile", self.get_episode_files),
            Route("DELETE", f"{api}/episodefile/bulk", self.delete_episode_files),
            Route("GET", f"{api}/episodefile/{{id:\\d+}}", self.get_episode_file),
            Route("DELETE", f"{api}/episodefile/{{id:\\d+}}", self.delete_episode_file),
        ]

    # ------------------------------------------------------------------ shapes

    @property
    def v3(self) -> bool:
        """Whether this is a Sonarr v3 server (its API is v3 as well)."""
        return self.version_tuple() < (4,)

    @property
    def decimals_with_fraction(self) -> bool:
        """Sonarr v3 serializes with Newtonsoft: every decimal has a fraction."""
        return self.v3

    def languages(self) -> Json:
        """Return the language of a file or release: a list since v4, one before."""
        if self.v3:
            return {"language": ENGLISH}
        return {"languages": [ENGLISH]}

    def root_folder(self, folder: RootFolder) -> Json:
        """Servers before 3.0.5 do not tell whether a root folder is accessible."""
        data = super().root_folder(folder)
        if self.version_tuple() < (3, 0, 5):
            del data["accessible"]
        return data

    def status_extra(self) -> Json:
        """Sonarr reports its SQLite version too."""
        return {"sqliteVersion": "3.48.0"}

    def quality_model(self, quality_id: int) -> Json:
        """Quality with revision."""
        return {
            "quality": _quality(quality_id),
            "revision": {"version": 1, "real": 0, "isRepack": False},
        }

    def quality_profiles(self) -> list[Json]:
        """Sonarr's profiles list size limits per quality."""
        qualities = {qid: _quality(qid) for qid in SONARR_QUALITIES}
        return video_profiles(
            VIDEO_PROFILES,
            qualities,
            extra_item=_size_limits,
            extra_profile={"minUpgradeFormatScore": 1},
        )

    def episode_file(self, file: EpisodeFile, series: Series | None) -> Json:
        """Return an episode file."""
        base = series.path if series else ""
        return {
            "seriesId": file.series_id,
            "seasonNumber": file.season_number,
            "relativePath": file.relative_path,
            "path": join_path(base, file.relative_path),
            "size": file.size,
            "dateAdded": arr_stamp(file.date_added),
            "sceneName": file.scene_name,
            "releaseGroup": file.release_group,
            **self.languages(),
            "quality": self.quality_model(file.quality_id),
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "releaseType": "singleEpisode",
            "mediaInfo": video_media_info(file.media, series.runtime if series else 45),
            "qualityCutoffNotMet": False,
            "id": file.id,
        }

    def episode_json(
        self,
        episode: Episode,
        *,
        with_file: bool = False,
        with_series: bool = False,
        now: datetime | None = None,
    ) -> Json:
        """Return an episode."""
        air = episode.air_date_utc
        data: Json = {
            "seriesId": episode.series_id,
            "tvdbId": episode.tvdb_id,
            "episodeFileId": episode.episode_file_id,
            "seasonNumber": episode.season_number,
            "episodeNumber": episode.episode_number,
            "title": episode.title,
            "airDate": air.strftime("%Y-%m-%d") if air else None,
            "airDateUtc": arr_date(air),
            "runtime": episode.runtime,
            "finaleType": episode.finale_type,
            "overview": episode.overview,
            "hasFile": episode.episode_file_id > 0,
            "monitored": episode.monitored,
            "absoluteEpisodeNumber": episode.absolute_episode_number,
            "unverifiedSceneNumbering": False,
            "id": episode.id,
        }
        series = self.state.series.get(episode.series_id)
        if with_file and episode.episode_file_id:
            file = self.state.episode_files.get(episode.episode_file_id)
            if file is not None:
                data["episodeFile"] = self.episode_file(file, series)
        if with_series and series is not None:
            data["series"] = self.series_json(series, now or self.now())
        return omit_none(data)

    def _statistics(
        self, series: Series, now: datetime
    ) -> tuple[Json, list[Json], datetime | None, datetime | None, datetime | None]:
        """Series statistics, season list, next and previous airing, last aired."""
        per_season: dict[int, dict[str, Any]] = {}
        files = self.state.episode_files
        next_airing: datetime | None = None
        previous_airing: datetime | None = None
        last_aired: datetime | None = None
        groups: set[str] = set()
        for episode in self.state.series_episodes(series.id):
            season = per_season.setdefault(
                episode.season_number,
                {
                    "files": 0,
                    "count": 0,
                    "total": 0,
                    "size": 0,
                    "next": None,
                    "previous": None,
                    "groups": set(),
                },
            )
            season["total"] += 1
            air = episode.air_date_utc
            aired = air is not None and air <= now
            file = (
                files.get(episode.episode_file_id) if episode.episode_file_id else None
            )
            if file is not None:
                season["files"] += 1
                season["size"] += file.size
                season["groups"].add(file.release_group)
            if file is not None or (episode.monitored and aired):
                season["count"] += 1
            if air is not None:
                if air > now:
                    if season["next"] is None or air < season["next"]:
                        season["next"] = air
                elif season["previous"] is None or air > season["previous"]:
                    season["previous"] = air
                if last_aired is None or air > last_aired:
                    last_aired = air
        seasons: list[Json] = []
        totals = {"files": 0, "count": 0, "total": 0, "size": 0}
        for number in sorted(set(series.seasons) | set(per_season)):
            season = per_season.get(number) or {
                "files": 0,
                "count": 0,
                "total": 0,
                "size": 0,
                "next": None,
                "previous": None,
                "groups": set(),
            }
            for key in totals:
                totals[key] += season[key]
            groups |= season["groups"]
            if season["next"] is not None and (
                next_airing is None or season["next"] < next_airing
            ):
                next_airing = season["next"]
            if season["previous"] is not None and (
                previous_airing is None or season["previous"] > previous_airing
            ):
                previous_airing = season["previous"]
            seasons.append(
                {
                    "seasonNumber": number,
                    "monitored": series.seasons.get(number, False),
                    "statistics": omit_none(
                        {
                            "nextAiring": arr_date(season["next"]),
                            "previousAiring": arr_date(season["previous"]),
                            "episodeFileCount": season["files"],
                            "episodeCount": season["count"],
                            "totalEpisodeCount": season["total"],
                            "sizeOnDisk": season["size"],
                            "releaseGroups": sorted(season["groups"]),
                            "percentOfEpisodes": round(
                                season["files"] * 100 / season["count"], 2
                            )
                            if season["count"]
                            else 0.0,
                        }
                    ),
                }
            )
        statistics = {
            "seasonCount": len([s for s in seasons if s["seasonNumber"] > 0]),
            "episodeFileCount": totals["files"],
            "episodeCount": totals["count"],
            "totalEpisodeCount": totals["total"],
            "sizeOnDisk": totals["size"],
            "releaseGroups": sorted(groups),
            "percentOfEpisodes": round(totals["files"] * 100 / totals["count"], 2)
            if totals["count"]
            else 0.0,
        }
        ended_last = last_aired if series.status == "ended" else previous_airing
        return statistics, seasons, next_airing, previous_airing, ended_last

    def series_json(self, series: Series, now: datetime) -> Json:
        """Return a series with seasons and statistics."""
        statistics, seasons, next_airing, previous_airing, last_aired = (
            self._statistics(series, now)
        )
        data: Json = {
            "title": series.title,
            "alternateTitles": [
                {"title": t, "sceneSeasonNumber": -1} for t in series.alternate_titles
            ],
            "sortTitle": sort_title(series.title),
            "status": series.status,
            "ended": series.status == "ended",
            "overview": series.overview,
            "nextAiring": arr_date(next_airing),
            "previousAiring": arr_date(previous_airing),
            "network": series.network,
            "airTime": series.air_time,
            "images": [
                {
                    "coverType": cover,
                    "url": self.media_url(series.id, cover),
                    "remoteUrl": artwork_remote(series.tvdb_id, salt, cover),
                }
                for salt, cover in enumerate(("banner", "poster", "fanart"))
            ],
            "originalLanguage": {
                "id": series.original_language[0],
                "name": series.original_language[1],
            },
            "seasons": seasons,
            "year": series.year,
            "path": series.path,
            "qualityProfileId": series.quality_profile_id,
            "seasonFolder": series.season_folder,
            "monitored": series.monitored,
            "monitorNewItems": series.monitor_new_items,
            "useSceneNumbering": False,
            "runtime": series.runtime,
            "tvdbId": series.tvdb_id,
            "tvRageId": series.tvrage_id,
            "tvMazeId": series.tvmaze_id,
            "tmdbId": series.tmdb_id,
            "firstAired": arr_date(series.first_aired),
            "lastAired": arr_date(last_aired),
            "seriesType": series.series_type,
            "cleanTitle": clean_title(series.title),
            "imdbId": series.imdb_id or None,
            "titleSlug": slug(series.title),
            # Sonarr v3 leaves the root folder of a series out.
            "rootFolderPath": None if self.v3 else series.root_folder_path,
            "certification": series.certification,
            "genres": list(series.genres),
            "tags": list(series.tags),
            "added": arr_stamp(series.added),
            "ratings": {"votes": series.votes, "value": series.rating},
            "statistics": statistics,
            "languageProfileId": 1,
            "id": series.id,
        }
        return omit_none(data)

    def queue_media(self, record: QueueRecord, request: web.Request) -> Json:
        """Series, episode and season ids; objects on request."""
        episode = self.state.episodes.get(record.sub_id)
        data: Json = {
            "seriesId": record.media_id,
            "episodeId": record.sub_id or None,
            **self.languages(),
        }
        if not self.v3:
            data["seasonNumber"] = record.season_number
            data["episodeHasFile"] = bool(episode and episode.episode_file_id)
        if query_bool(request, "includeSeries"):
            series = self.state.series.get(record.media_id)
            if series is not None:
                data["series"] = self.series_json(series, self.now())
        if query_bool(request, "includeEpisode") and episode is not None:
            data["episode"] = self.episode_json(episode)
        return data

    def history_media(self, record: HistoryRecord) -> Json:
        """Series and episode ids of a history event."""
        return {
            "episodeId": record.sub_id,
            "seriesId": record.media_id,
            **self.languages(),
        }

    def calendar(
        self, request: web.Request, start: datetime, end: datetime, unmonitored: bool
    ) -> list[Json]:
        """Episodes airing in the window."""
        with_series = query_bool(request, "includeSeries")
        with_file = query_bool(request, "includeEpisodeFile")
        now = self.now()
        episodes = [
            e
            for e in self.state.episodes.values()
            if e.air_date_utc is not None
            and start <= e.air_date_utc <= end
            and (unmonitored or e.monitored)
        ]
        episodes.sort(key=lambda e: (e.air_date_utc or now, e.id))
        return [
            self.episode_json(e, with_series=with_series, with_file=with_file, now=now)
            for e in episodes
        ]

    def missing(
        self, request: web.Request
    ) -> tuple[list[Any], Callable[[Any], Json], dict[str, Callable[[Any], Any]]]:
        """Aired, monitored episodes of monitored series without a file."""
        now = self.now()
        monitored = query_bool(request, "monitored", True)
        with_series = query_bool(request, "includeSeries")
        series = self.state.series
        records = [
            e
            for e in self.state.episodes.values()
            if e.episode_file_id == 0
            and e.air_date_utc is not None
            and e.air_date_utc <= now
            and (e.monitored and series[e.series_id].monitored) == monitored
        ]
        return (
            records,
            lambda e: self.episode_json(e, with_series=with_series, now=now),
            {
                "episodes.airDateUtc": lambda e: (e.air_date_utc, e.id),
                "airDateUtc": lambda e: (e.air_date_utc, e.id),
                "series.sortTitle": lambda e: (
                    sort_title(series[e.series_id].title),
                    e.id,
                ),
                "id": lambda e: e.id,
            },
        )

    def tagged(self, tag_id: int) -> list[int]:
        """Series carrying a tag."""
        return sorted(s.id for s in self.state.series.values() if tag_id in s.tags)

    def untag(self, tag_id: int) -> None:
        """Remove a tag from every series."""
        for series in self.state.series.values():
            if tag_id in series.tags:
                series.tags = [t for t in series.tags if t != tag_id]

    def exclusion(self, record: Exclusion) -> Json:
        """Return a series exclusion."""
        return {
            "tvdbId": int(record.foreign_id),
            "title": record.title,
            "id": record.id,
        }

    # ------------------------------------------------------------------ lookup

    def series_info(self, series: Series, state: SonarrState) -> SeriesInfo:
        """Return what TVDb knows of a series of some library."""
        counts: dict[int, int] = dict.fromkeys(series.seasons, 0)
        for episode in state.series_episodes(series.id):
            counts[episode.season_number] = counts.get(episode.season_number, 0) + 1
        return SeriesInfo(
            tvdb_id=series.tvdb_id,
            tmdb_id=series.tmdb_id,
            imdb_id=series.imdb_id,
            title=series.title,
            year=series.year,
            alternate_titles=tuple(series.alternate_titles),
            overview=series.overview,
            network=series.network,
            runtime=series.runtime,
            status=series.status,
            genres=tuple(series.genres),
            seasons=tuple(sorted(counts.items())),
            first_aired=series.first_aired or series.added,
            certification=series.certification,
            original_language=series.original_language,
            rating=series.rating,
            votes=series.votes,
            popularity=float(series.votes),
            air_time=series.air_time,
        )

    def _world(self) -> list[Entry[tuple[Found, SonarrState | None]]]:
        """Return what TVDb can find: this library, other Sonarrs', the catalogue."""
        own = self.state
        others = [
            s
            for s in self.ctx.state.services.values()
            if isinstance(s, SonarrState) and s is not own
        ]
        key = (own.version, tuple(s.version for s in others))

        def build() -> list[Entry[tuple[Found, SonarrState | None]]]:
            seen: set[int] = set()
            entries: list[Entry[tuple[Found, SonarrState | None]]] = []
            for state in (own, *others):
                for series in state.series.values():
                    if series.tvdb_id not in seen:
                        seen.add(series.tvdb_id)
                        names = (series.title, *series.alternate_titles)
                        entries.append(
                            Entry(names, series.year, series.votes, (series, state))
                        )
            entries += [
                Entry(s.names, s.year, s.popularity, (s, None))
                for s in SERIES
                if s.tvdb_id not in seen
            ]
            return entries

        return self._index.get(key, build)

    def _find(
        self, kind: str, value: int | str
    ) -> tuple[Found, SonarrState | None] | None:
        """Return the series TVDb knows by a tvdb, tmdb or imdb id (and its library)."""
        for entry in self._world():
            item = entry.item[0]
            ids = {"tvdb": item.tvdb_id, "tmdb": item.tmdb_id, "imdb": item.imdb_id}
            if ids[kind] == value:
                return entry.item
        return None

    def lookup_json(self, found: Found, state: SonarrState | None) -> Json:
        """Return a lookup result: the library series, or a candidate without an id."""
        if isinstance(found, Series):
            if state is self.state:
                # SeriesLookupController adds these to every result, and
                # statistics that only count the seasons.
                data = self.series_json(found, self.now())
                seasons = [
                    {k: v for k, v in s.items() if k != "statistics"}
                    for s in data["seasons"]
                ]
                return {
                    **data,
                    "seasons": seasons,
                    "remotePoster": artwork_remote(found.tvdb_id, 1, "poster"),
                    "folder": found.folder_name,
                    "statistics": lookup_statistics(seasons),
                }
            assert state is not None
            found = self.series_info(found, state)
        return self.candidate_json(found)

    def candidate_json(self, info: SeriesInfo) -> Json:
        """Return a series Sonarr does not have: no id, artwork through its proxy."""
        images = [
            {
                "coverType": cover,
                "url": self.proxy_url(artwork_remote(info.tvdb_id, salt, cover), cover),
                "remoteUrl": artwork_remote(info.tvdb_id, salt, cover),
            }
            for salt, cover in enumerate(("banner", "poster", "fanart"))
        ]
        return omit_none(
            {
                "title": info.title,
                "alternateTitles": [
                    {"title": t, "sceneSeasonNumber": -1} for t in info.alternate_titles
                ],
                "sortTitle": sort_title(info.title),
                "status": info.status,
                "ended": info.status == "ended",
                "overview": info.overview,
                "network": info.network,
                "airTime": info.air_time,
                "images": images,
                "originalLanguage": {
                    "id": info.original_language[0],
                    "name": info.original_language[1],
                },
                "remotePoster": artwork_remote(info.tvdb_id, 1, "poster"),
                "seasons": [
                    {"seasonNumber": number, "monitored": number > 0}
                    for number, _ in info.seasons
                ],
                "year": info.year,
                "qualityProfileId": 0,
                "seasonFolder": False,
                "monitored": False,
                "monitorNewItems": "all",
                "useSceneNumbering": False,
                "runtime": info.runtime,
                "tvdbId": info.tvdb_id,
                "tvRageId": 0,
                "tvMazeId": 0,
                "tmdbId": info.tmdb_id,
                "firstAired": arr_date(info.first_aired),
                "seriesType": "standard",
                "cleanTitle": clean_title(info.title),
                "imdbId": info.imdb_id or None,
                "titleSlug": slug(info.title),
                "folder": series_folder(info.title, info.year),
                "certification": info.certification,
                "genres": list(info.genres),
                "tags": [],
                "added": NO_DATE,
                "ratings": {"votes": info.votes, "value": info.rating},
                "statistics": lookup_statistics(
                    [{"seasonNumber": n} for n, _ in info.seasons]
                ),
                "languageProfileId": 1,
            }
        )

    async def get_lookup(self, request: web.Request) -> web.StreamResponse:
        """`/series/lookup?term=`: TVDb's answer, library series as they are stored."""
        text = query_value(request, "term") or ""
        if is_path_like(text):
            message = f"Invalid search term '{text}'"
            return json_response(
                {
                    "message": message,
                    "description": "NzbDrone.Core.MetadataSource.SkyHook."
                    f"InvalidSearchTermException: {message}",
                },
                status=400,
            )
        term = parse_series_term(text, self.now().year)
        found: list[tuple[Found, SonarrState | None]]
        if isinstance(term, IdTerm):
            item = self._find(term.kind, term.value) if term.value else None
            found = [item] if item is not None else []
        else:
            found = search(self._world(), term, year_filters=False)
        return json_response([self.lookup_json(f, st) for f, st in found])

    # ------------------------------------------------------------------ series

    async def get_series_list(self, request: web.Request) -> web.StreamResponse:
        """`/series` (optionally `?tvdbId=`)."""
        tvdb_id = query_int(request, "tvdbId")

        now = self.now()
        # Ids grow with insertion, so the dict order is the id order.
        shows = list(self.state.series.values())
        if tvdb_id is not None:
            shows = [s for s in shows if s.tvdb_id == tvdb_id]
        return await self.cached(
            ("series", tvdb_id), lambda: [self.series_json(s, now) for s in shows]
        )

    async def get_series(self, request: web.Request) -> web.StreamResponse:
        """`/series/{id}`."""
        series = self.state.series.get(int(request.match_info["id"]))
        if series is None:
            return not_found("Series does not exist")
        return json_response(self.series_json(series, self.now()))

    def _series_errors(self, body: Json) -> list[Failure]:
        """Check the fields of `PUT /series/{id}` that LCARS may change."""
        errors: list[Failure] = []
        if "qualityProfileId" in body:
            errors += profile_failures(
                "QualityProfileId",
                body.get("qualityProfileId"),
                VIDEO_PROFILES,
                "Quality Profile does not exist",
                "QualityProfileExistsValidator",
            )
        series_type = body.get("seriesType")
        if series_type is not None and series_type not in SERIES_TYPES:
            errors.append(("SeriesType", "Invalid series type", series_type))
        return errors

    def _add_failures(self, body: Json) -> list[Failure]:
        """Check `POST /series` as SeriesController's validators do."""
        errors: list[Failure] = []
        path, root = body.get("path"), body.get("rootFolderPath")
        has_path = isinstance(path, str) and bool(path.strip())
        has_root = isinstance(root, str) and bool(root.strip())
        others = [s.path for s in self.state.series.values()]
        if has_path:
            errors += path_failures(
                str(path),
                self.state.root_folders,
                others,
                "series",
                clash="is already configured for another",
            )
        elif not has_root:
            errors.append(("Path", "'Path' must not be empty.", path))
            errors.append(
                ("RootFolderPath", "'Root Folder Path' must not be empty.", root)
            )
        else:
            errors += root_folder_failures(str(root), self.state.root_folders)
        errors += profile_failures(
            "QualityProfileId",
            body.get("qualityProfileId"),
            VIDEO_PROFILES,
            "Quality Profile does not exist",
            "QualityProfileExistsValidator",
        )
        if not body.get("title"):
            errors.append(("Title", "'Title' must not be empty.", body.get("title")))
        tvdb_id = body.get("tvdbId")
        if not isinstance(tvdb_id, int) or isinstance(tvdb_id, bool) or tvdb_id <= 0:
            errors.append(("TvdbId", "'Tvdb Id' must be greater than '0'.", tvdb_id))
        elif any(s.tvdb_id == tvdb_id for s in self.state.series.values()):
            errors.append(
                (
                    "TvdbId",
                    "This series has already been added",
                    tvdb_id,
                    "SeriesExistsValidator",
                )
            )
        series_type = body.get("seriesType")
        if series_type is not None and series_type not in SERIES_TYPES:
            errors.append(("SeriesType", "Invalid series type", series_type))
        options = body.get("addOptions")
        monitor = options.get("monitor") if isinstance(options, dict) else None
        if monitor is not None and monitor not in MONITOR_TYPES:
            errors.append(("AddOptions.Monitor", "Invalid monitor type", monitor))
        return errors

    def _add_episodes(
        self, series: Series, info: SeriesInfo, monitor: str | None
    ) -> None:
        """Episodes of a new series from TVDb, monitored as `addOptions.monitor` says.

        Seasons air a year apart from the first airing, an episode a week.
        """
        now = self.now()
        numbers = [n for n, _ in info.seasons]
        first = min((n for n in numbers if n > 0), default=0)
        last = max(numbers, default=0)
        ids = self.state.episodes_by_series.setdefault(series.id, [])
        start = info.first_aired.replace(hour=int(info.air_time[:2] or 21))
        for season, count in info.seasons:
            base = start + timedelta(days=365 * max(season - 1, 0))
            for number in range(1, count + 1):
                aired = base + timedelta(weeks=number - 1)
                wanted = series.seasons.get(season, season > 0)
                if monitor is not None:
                    rule = episode_monitored(
                        monitor, season, number, aired, False, first, last, now
                    )
                    wanted = wanted if rule is None else rule
                episode = Episode(
                    id=self.state.next_id("episode"),
                    series_id=series.id,
                    tvdb_id=series.tvdb_id * 100 + season * 1000 + number,
                    season_number=season,
                    episode_number=number,
                    title=f"Episode {number}",
                    air_date_utc=aired,
                    runtime=info.runtime,
                    overview="",
                    monitored=wanted,
                )
                self.state.episodes[episode.id] = episode
                ids.append(episode.id)
        if monitor is None or monitor in ("unknown", "skip"):
            return
        monitored = {
            e.season_number
            for e in self.state.series_episodes(series.id)
            if e.monitored
        }
        for season in series.seasons:
            if (
                season > 0
                and season == last
                and (
                    monitor == "all"
                    or (
                        monitor == "future"
                        and series.status in ("continuing", "upcoming")
                    )
                )
            ):
                series.seasons[season] = True
            elif season == first and monitor == "pilot":
                series.seasons[season] = False
            else:
                series.seasons[season] = season in monitored

    async def post_series(self, request: web.Request) -> web.StreamResponse:
        """`POST /series`: add a series (201 with it); nothing is stored on a 400.

        As AddSeriesService does, the metadata and episodes come from TVDb
        when it knows the id (the body's fields otherwise), the folder is the
        root folder plus `{Series TitleYear}`, and `addOptions.monitor` sets
        which seasons and episodes are monitored.
        """
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Series", "A series object is required", None)])
        errors = self._add_failures(body)
        if errors:
            return validation_failed(errors)
        now = self.now()
        info: SeriesInfo | None = None
        match self._find("tvdb", body["tvdbId"]):
            case (Series() as known, SonarrState() as state):
                info = self.series_info(known, state)
            case (SeriesInfo() as known, _):
                info = known
        title = info.title if info else str(body["title"])
        given_year = body.get("year")
        year = (
            info.year
            if info
            else given_year
            if isinstance(given_year, int)
            else now.year
        )
        path = body.get("path")
        if isinstance(path, str) and path.strip():
            root = self.state.root_folder_for(path)
            parent, folder = split_path(path)
            root_path = root.path if root else parent
        else:
            given = str(body["rootFolderPath"])
            root = self.state.root_folder_for(given)
            root_path = root.path if root else given.rstrip("/\\") or "/"
            folder = series_folder(title, year)
            errors = path_failures(
                join_path(root_path, folder),
                self.state.root_folders,
                [s.path for s in self.state.series.values()],
                "series",
                clash="is already configured for another",
            )
            if errors:
                return validation_failed(errors)
        seasons: dict[int, bool] = {}
        for season in body.get("seasons") or []:
            if isinstance(season, dict) and isinstance(season.get("seasonNumber"), int):
                seasons[season["seasonNumber"]] = bool(season.get("monitored", True))
        if info is not None:
            seasons = {n: seasons.get(n, n > 0) for n, _ in info.seasons}
        series = Series(
            id=0,
            tvdb_id=body["tvdbId"],
            tmdb_id=info.tmdb_id if info else int(body.get("tmdbId") or 0),
            imdb_id=info.imdb_id if info else str(body.get("imdbId") or ""),
            tvrage_id=0,
            tvmaze_id=int(body.get("tvMazeId") or 0),
            title=title,
            year=year,
            overview=info.overview if info else str(body.get("overview") or ""),
            network=info.network if info else str(body.get("network") or ""),
            air_time=info.air_time if info else str(body.get("airTime") or "21:00"),
            status=info.status if info else "continuing",
            runtime=info.runtime if info else int(body.get("runtime") or 0),
            certification=info.certification if info else "",
            genres=list(info.genres)
            if info
            else [str(g) for g in body.get("genres") or []],
            series_type=str(body.get("seriesType") or "standard"),
            added=now.replace(microsecond=0),
            monitored=bool(body.get("monitored", True)),
            quality_profile_id=int(body["qualityProfileId"]),
            root_folder_path=root_path,
            folder_name=folder,
            tags=sorted(set(int_list(body.get("tags")))),
            rating=info.rating if info else body_rating(body),
            votes=info.votes if info else 0,
            first_aired=info.first_aired if info else None,
            alternate_titles=list(info.alternate_titles) if info else [],
            seasons=seasons,
            original_language=info.original_language if info else (1, "English"),
            season_folder=bool(body.get("seasonFolder", True)),
            monitor_new_items=str(body.get("monitorNewItems") or "all"),
        )
        self.state.add_series(series)
        options = body.get("addOptions")
        monitor = options.get("monitor") if isinstance(options, dict) else None
        if info is not None:
            self._add_episodes(
                series, info, monitor if isinstance(monitor, str) else None
            )
        if isinstance(options, dict) and options.get("searchForMissingEpisodes"):
            self.state.add_command("SeriesSearch", {"seriesId": series.id})
        return json_response(self.series_json(series, now), status=201)

    def _apply_series(self, series: Series, body: Json) -> None:
        if "monitored" in body:
            series.monitored = bool(body["monitored"])
        if isinstance(body.get("qualityProfileId"), int):
            series.quality_profile_id = body["qualityProfileId"]
        if isinstance(body.get("seriesType"), str):
            series.series_type = body["seriesType"]
        if isinstance(body.get("seasonFolder"), bool):
            series.season_folder = body["seasonFolder"]
        if isinstance(body.get("monitorNewItems"), str):
            series.monitor_new_items = body["monitorNewItems"]
        if isinstance(body.get("tags"), list):
            series.tags = sorted(set(int_list(body["tags"])))
        for season in body.get("seasons") or []:
            if (
                isinstance(season, dict)
                and season.get("seasonNumber") in series.seasons
            ):
                number = season["seasonNumber"]
                monitored = bool(season.get("monitored", series.seasons[number]))
                if monitored != series.seasons[number]:
                    series.seasons[number] = monitored
                    for episode in self.state.series_episodes(series.id):
                        if episode.season_number == number:
                            episode.monitored = monitored

    async def put_series(self, request: web.Request) -> web.StreamResponse:
        """`PUT /series/{id}`: 202 with the updated series."""
        series = self.state.series.get(int(request.match_info["id"]))
        if series is None:
            return not_found("Series does not exist")
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Series", "A series object is required", None)])
        errors = self._series_errors(body)
        if errors:
            return validation_failed(errors)
        self._apply_series(series, body)
        self.state.touch()
        return json_response(self.series_json(series, self.now()), status=202)

    async def delete_series(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /series/{id}?deleteFiles=&addImportListExclusion=`."""
        deleted = self.state.delete_series(
            int(request.match_info["id"]),
            delete_files=query_bool(request, "deleteFiles"),
            add_exclusion=query_bool(request, "addImportListExclusion"),
        )
        if not deleted:
            return not_found("Series does not exist")
        return empty()

    async def put_editor(self, request: web.Request) -> web.StreamResponse:
        """`PUT /series/editor`: change several series; 202 with them."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("SeriesIds", "'Series Ids' must not be empty.", None)]
            )
        shows = [
            self.state.series[i]
            for i in int_list(body.get("seriesIds"))
            if i in self.state.series
        ]
        if (
            body.get("qualityProfileId") is not None
            and body["qualityProfileId"] not in VIDEO_PROFILES
        ):
            return validation_failed(
                [
                    (
                        "QualityProfileId",
                        "QualityProfile does not exist",
                        body["qualityProfileId"],
                    )
                ]
            )
        for series in shows:
            if isinstance(body.get("monitored"), bool):
                series.monitored = body["monitored"]
            if isinstance(body.get("qualityProfileId"), int):
                series.quality_profile_id = body["qualityProfileId"]
            if isinstance(body.get("seriesType"), str):
                series.series_type = body["seriesType"]
            if isinstance(body.get("rootFolderPath"), str) and body["rootFolderPath"]:
                root = self.state.root_folder_for(body["rootFolderPath"])
                series.root_folder_path = (
                    root.path if root else body["rootFolderPath"].rstrip("/\\")
                )
            if isinstance(body.get("tags"), list):
                series.tags = apply_tags(
                    series.tags,
                    int_list(body["tags"]),
                    str(body.get("applyTags", "add")),
                )
        self.state.touch()
        now = self.now()
        return json_response([self.series_json(s, now) for s in shows], status=202)

    async def delete_editor(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /series/editor`: delete several series."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("SeriesIds", "'Series Ids' must not be empty.", None)]
            )
        for series_id in int_list(body.get("seriesIds")):
            self.state.delete_series(
                series_id,
                delete_files=bool(body.get("deleteFiles")),
                add_exclusion=bool(body.get("addImportListExclusion")),
            )
        return empty()

    # ------------------------------------------------------------------ episodes

    async def get_episodes(self, request: web.Request) -> web.StreamResponse:
        """`/episode?seriesId=` (or `episodeIds`, `episodeFileId`); 400 without."""
        series_id = query_int(request, "seriesId")
        episode_ids = query_ints(request, "episodeIds")
        file_id = query_int(request, "episodeFileId")
        with_file = query_bool(request, "includeEpisodeFile")
        with_series = query_bool(request, "includeSeries")
        if series_id is not None:
            if series_id not in self.state.series:
                return not_found(f"Series with ID {series_id} does not exist")
            episodes = self.state.series_episodes(series_id)
            season = query_int(request, "seasonNumber")
            if season is not None:
                episodes = [e for e in episodes if e.season_number == season]
        elif episode_ids:
            episodes = [
                self.state.episodes[i] for i in episode_ids if i in self.state.episodes
            ]
        elif file_id is not None:
            episodes = [
                e for e in self.state.episodes.values() if e.episode_file_id == file_id
            ]
        else:
            return bad_request("seriesId or episodeIds must be provided")
        now = self.now()
        return json_response(
            [
                self.episode_json(
                    e, with_file=with_file, with_series=with_series, now=now
                )
                for e in episodes
            ]
        )

    async def get_episode(self, request: web.Request) -> web.StreamResponse:
        """`/episode/{id}` with its file and series."""
        episode = self.state.episodes.get(int(request.match_info["id"]))
        if episode is None:
            return not_found("Episode does not exist")
        return json_response(
            self.episode_json(episode, with_file=True, with_series=True)
        )

    async def put_episode(self, request: web.Request) -> web.StreamResponse:
        """`PUT /episode/{id}`: only `monitored` changes."""
        episode = self.state.episodes.get(int(request.match_info["id"]))
        if episode is None:
            return not_found("Episode does not exist")
        body = await read_json(request)
        if isinstance(body, dict) and isinstance(body.get("monitored"), bool):
            self.state.set_episodes_monitored([episode.id], body["monitored"])
        return json_response(self.episode_json(episode), status=202)

    async def put_episodes_monitor(self, request: web.Request) -> web.StreamResponse:
        """`PUT /episode/monitor {episodeIds, monitored}`: 202 with the episodes."""
        body = await read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("monitored"), bool):
            return validation_failed(
                [("Monitored", "'Monitored' must not be empty.", None)]
            )
        episodes = self.state.set_episodes_monitored(
            int_list(body.get("episodeIds")), body["monitored"]
        )
        return json_response([self.episode_json(e) for e in episodes], status=202)

    # ------------------------------------------------------------------ files

    async def get_episode_files(self, request: web.Request) -> web.StreamResponse:
        """`/episodefile?seriesId=` (or `episodeFileIds`); 400 without."""
        series_id = query_int(request, "seriesId")
        file_ids = query_ints(request, "episodeFileIds")
        if series_id is not None:
            if series_id not in self.state.series:
                return not_found(f"Series with ID {series_id} does not exist")
            files = self.state.series_files(series_id)
        elif file_ids:
            files = [
                self.state.episode_files[i]
                for i in file_ids
                if i in self.state.episode_files
            ]
        else:
            return bad_request("seriesId or episodeFileIds must be provided")
        return json_response(
            [self.episode_file(f, self.state.series.get(f.series_id)) for f in files]
        )

    async def get_episode_file(self, request: web.Request) -> web.StreamResponse:
        """`/episodefile/{id}`."""
        file = self.state.episode_files.get(int(request.match_info["id"]))
        if file is None:
            return not_found("Episode file does not exist")
        return json_response(
            self.episode_file(file, self.state.series.get(file.series_id))
        )

    async def delete_episode_file(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /episodefile/{id}`: the file goes, the episodes stay."""
        if not self.state.delete_episode_file(int(request.match_info["id"])):
            return not_found("Episode file does not exist")
        return empty()

    async def delete_episode_files(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /episodefile/bulk {episodeFileIds}`."""
        body = await read_json(request)
        ids = int_list(body.get("episodeFileIds")) if isinstance(body, dict) else []
        if not ids:
            return validation_failed(
                [("EpisodeFileIds", "'Episode File Ids' must not be empty.", None)]
            )
        for file_id in ids:
            self.state.delete_episode_file(file_id)
        return empty()
