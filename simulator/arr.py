"""What Radarr, Sonarr and Lidarr share: auth, status, disks, queue, tags...

`ArrService` serves the routes the three have in common; the subclasses in
radarr.py, sonarr.py and lidarr.py add the library routes and the pieces
that differ (quality model, ids carried by queue and history records).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
import hashlib
import hmac
from pathlib import Path, PurePosixPath
import re
from typing import Any, ClassVar, cast

from aiohttp import web

from .common import (
    BodyCache,
    Route,
    ServiceContext,
    arr_stamp,
    empty,
    json_body,
    json_response,
    parse_datetime,
    query_bool,
    query_int,
    query_ints,
    query_value,
    read_json,
    timespan,
)
from .library import MEDIA_POOL
from .metadata import IndexCache
from .state import (
    ArrState,
    CommandRecord,
    Exclusion,
    HistoryRecord,
    MovieFile,
    QueueRecord,
    RadarrState,
    RootFolder,
    Tag,
    clean_path,
    is_inside,
    join_path,
    path_key,
)

# A tag label as the *arr accept it since 2023.
TAG_LABEL = re.compile(r"^[a-z0-9-]+$", re.IGNORECASE)
ENGLISH = {"id": 1, "name": "English"}

# How long a finished download stays listed as waiting for import.
IMPORT_DELAY = timedelta(seconds=60)

type Json = dict[str, Any]


def omit_none(data: Json) -> Json:
    """Drop null fields, as the *arr serializers do."""
    return {k: v for k, v in data.items() if v is not None}


def not_found(description: str = "") -> web.Response:
    """Return the *arr answer for an unknown id."""
    return json_response(
        {"message": "NotFound", "description": description}, status=404
    )


def bad_request(message: str) -> web.Response:
    """Return the *arr answer for a request it cannot serve (missing filter...)."""
    return json_response({"message": message, "description": ""}, status=400)


# A validation failure: property, message, attempted value and, when the
# message does not tell, the validator that failed (its `errorCode`).
type Failure = tuple[str, str, Any] | tuple[str, str, Any, str]

# Validators whose message names the path they refused (`{path}`).
_PATH_VALIDATORS = frozenset(
    {
        "RootFolderExistsValidator",
        "RootFolderValidator",
        "MoviePathValidator",
        "MovieAncestorValidator",
        "SeriesPathValidator",
        "SeriesAncestorValidator",
        "ArtistPathValidator",
        "ArtistAncestorValidator",
    }
)

# `lastWrite` of local artwork: .NET ticks of the time the file was written.
LAST_WRITE_TICKS = 638412345678901234

# `added` of a lookup result that is not in the library (.NET's DateTime.MinValue).
NO_DATE = "0001-01-01T00:00:00Z"


def _error_code(message: str) -> str:
    """Return the FluentValidation validator behind a message of its own wording."""
    if message.endswith("must not be empty."):
        return "NotEmptyValidator"
    if "must be greater than" in message:
        return "GreaterThanValidator"
    if message.startswith("Allowed characters"):
        # The tag label rule: `Matches("^[a-z0-9-]+$").WithMessage(...)`.
        return "RegularExpressionValidator"
    return "PredicateValidator"


def _display_name(prop: str) -> str:
    """`RootFolderPath` -> `Root Folder Path`, as FluentValidation names it."""
    return re.sub(r"(?<!^)(?<![.])([A-Z])", r" \1", prop.rsplit(".", 1)[-1])


def validation_failed(errors: Sequence[Failure]) -> web.Response:
    """400 with the FluentValidation list of `{propertyName, errorMessage, ...}`.

    `errorCode` is the validator's class name, as FluentValidation writes it;
    the placeholders are the ones its message template used.
    """
    out = []
    for error in errors:
        prop, message, value = error[0], error[1], error[2]
        code = str(error[3]) if len(error) > 3 else _error_code(message)
        placeholders: Json = {
            "propertyName": _display_name(prop),
            "propertyValue": value,
        }
        if code == "GreaterThanValidator":
            placeholders["comparisonValue"] = 0
        if code in _PATH_VALIDATORS:
            placeholders["path"] = value
        out.append(
            {
                "isWarning": False,
                "propertyName": prop,
                "errorMessage": message,
                "attemptedValue": value,
                "severity": "error",
                "errorCode": code,
                "formattedMessagePlaceholderValues": placeholders,
            }
        )
    return json_response(out, status=400)


def body_rating(body: Json) -> float:
    """Return the `ratings.value` of an added item's body (0 when absent)."""
    ratings = body.get("ratings")
    value = ratings.get("value") if isinstance(ratings, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def path_failures(
    path: str,
    root_folders: Sequence[RootFolder],
    others: Sequence[str],
    noun: str,
    *,
    clash: str = "is already configured for an existing",
) -> list[Failure]:
    """Check an item's folder as the *arr do: not a root folder, not taken, not above one.

    `others` are the folders of the other items of the library.
    """
    key = path_key(path)
    if any(path_key(f.path) == key for f in root_folders):
        return [
            (
                "Path",
                f"Path '{path}' is already configured as a root folder",
                path,
                "RootFolderValidator",
            )
        ]
    if any(path_key(other) == key for other in others):
        return [
            (
                "Path",
                f"Path '{path}' {clash} {noun}",
                path,
                f"{noun.capitalize()}PathValidator",
            )
        ]
    if any(is_inside(other, path) for other in others):
        return [
            (
                "Path",
                f"Path '{path}' is an ancestor of an existing {noun}",
                path,
                f"{noun.capitalize()}AncestorValidator",
            )
        ]
    return []


def root_folder_failures(
    root_folder: str, root_folders: Sequence[RootFolder]
) -> list[Failure]:
    """`RootFolderExistsValidator`: the root folder must be one of the instance's."""
    key = path_key(root_folder)
    if any(path_key(f.path) == key for f in root_folders):
        return []
    return [
        (
            "RootFolderPath",
            f"Root folder '{root_folder}' does not exist",
            root_folder,
            "RootFolderExistsValidator",
        )
    ]


def profile_failures(
    prop: str, value: Any, known: Iterable[int], message: str, code: str
) -> list[Failure]:
    """`ValidId` then the profile's exists validator."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        label = _display_name(prop)
        return [(prop, f"'{label}' must be greater than '0'.", value)]
    if value not in set(known):
        return [(prop, message, value, code)]
    return []


def image_token(seed: int, salt: int) -> str:
    """Return a stable pseudo-random file name for remote artwork."""
    digest = hashlib.blake2b(f"{seed}:{salt}".encode(), digest_size=16).hexdigest()
    return digest[:27]


def _words(text: str) -> str:
    """Lower case words of a release or title name, for matching."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _size_of(path: Path) -> int:
    """Bytes of a file, or of the files under a folder; 0 when absent."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


async def import_movie_download(
    state: RadarrState, params: dict[str, Any], now: datetime
) -> None:
    """`DownloadedMoviesScan` of one download: its movie gets a file from it.

    The movie is the one whose title and year start the download's name, as
    in a release name; a movie with a file already, or no match, is left alone.
    """
    path = params.get("path")
    if not isinstance(path, str) or not path:
        return
    download = PurePosixPath(path).name
    name = _words(download)
    movie = next(
        (
            m
            for m in state.movies.values()
            if m.file is None and name.startswith(_words(f"{m.title} {m.year}"))
        ),
        None,
    )
    if movie is None:
        return
    size = await asyncio.to_thread(_size_of, Path(path))
    suffix = PurePosixPath(download).suffix if "." in download else ""
    quality_id = 3
    movie.file = MovieFile(
        id=state.next_id("moviefile"),
        movie_id=movie.id,
        relative_path=f"{movie.title} ({movie.year}){suffix}",
        size=size,
        date_added=now,
        quality_id=quality_id,
        release_group="",
        scene_name=download,
        media=MEDIA_POOL[1080][0],
    )
    download_id = params.get("downloadClientId")
    state.add_history(
        event_type="downloadFolderImported",
        source_title=download,
        quality_id=quality_id,
        media_id=movie.id,
        download_id=download_id if isinstance(download_id, str) else None,
        data={
            "droppedPath": path,
            "importedPath": join_path(movie.path, movie.file.relative_path),
        },
    )
    state.touch()


def command_label(name: str) -> str:
    """`RefreshMovie` -> `Refresh Movie`, as `commandName` shows it."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


class ArrService[S: ArrState]:
    """The routes every *arr serves, for one instance."""

    app_name: ClassVar[str]
    api: ClassVar[str]
    version: ClassVar[str]
    migration: ClassVar[int]
    # Query parameter of the queue that filters by library item.
    media_ids_param: ClassVar[str]
    # Key of the library item id in queue and history records.
    media_key: ClassVar[str]
    exclusions_path: ClassVar[str] = "importlistexclusion"
    default_missing_sort: ClassVar[str]
    # Tag detail list naming the tagged library items.
    tag_items_key: ClassVar[str]
    tag_rules_key: ClassVar[str] = "restrictionIds"
    # Whether command bodies carry `isTypeExclusive` (Sonarr's do not).
    type_exclusive_flag: ClassVar[bool] = True

    def __init__(self, ctx: ServiceContext) -> None:
        """Serve the instance described by `ctx`."""
        self.ctx = ctx
        self.cache = BodyCache()
        self.started = ctx.clock.now().replace(microsecond=0)
        # Remote artwork of lookup results (address and cover type) by the
        # hash of its address: what `/MediaCoverProxy/{hash}/{file}` serves
        # (the real cache keeps them 24 hours).
        self.proxied: dict[str, tuple[str, str]] = {}
        # What the metadata service can find, built once per library version.
        self._index: IndexCache[Any] = IndexCache()

    # ------------------------------------------------------------------ basics

    @property
    def state(self) -> S:
        """Return the state of this instance."""
        return cast("S", self.ctx.service_state)

    def now(self) -> datetime:
        """Return the simulated time."""
        return self.ctx.clock.now()

    def version_key(self) -> tuple[int, int]:
        """Return the cache version: state changes, and the hour.

        Statuses, availability and next airings move with time; an hourly
        rebuild keeps them close enough without rebuilding large lists often.
        """
        return (self.state.version, int(self.now().timestamp() // 3600))

    async def cached(self, key: Any, build: Callable[[], Any]) -> web.Response:
        """Return a JSON response built once per state version and key.

        `build` runs in a worker thread and must only touch what it captured.
        """
        body = await self.cache.get(self.version_key(), key, build)
        return json_body(body)

    def authorize(self, request: web.Request) -> web.StreamResponse | None:
        """401 with an empty body unless the API key is right."""
        key = request.headers.get("X-Api-Key") or query_value(request, "apikey") or ""
        if hmac.compare_digest(key.encode(), self.ctx.api_key.encode()):
            return None
        return web.Response(status=401)

    def media_url(self, item_id: int, cover: str) -> str:
        """Local artwork URL (it carries the base path, as the real servers do)."""
        return (
            f"{self.ctx.base_path}/MediaCover/{item_id}/{cover}.jpg"
            f"?lastWrite={LAST_WRITE_TICKS}"
        )

    def proxy_url(self, remote: str, cover: str) -> str:
        """Return the local address of a lookup result's remote artwork (MediaCoverProxy)."""
        digest = hashlib.sha256(remote.encode()).hexdigest()
        self.proxied[digest] = (remote, cover)
        name = remote.rsplit("/", 1)[-1]
        return f"{self.ctx.base_path}/MediaCoverProxy/{digest}/{name}"

    def routes(self) -> list[Route]:
        """Return the shared routes; subclasses add theirs."""
        api = self.api
        return [
            Route("GET", f"{api}/system/status", self.get_status),
            Route("GET", f"{api}/rootfolder", self.get_root_folders),
            Route("GET", f"{api}/rootfolder/{{id:\\d+}}", self.get_root_folder),
            Route("GET", f"{api}/diskspace", self.get_disk_space),
            Route("GET", f"{api}/queue", self.get_queue),
            Route("GET", f"{api}/queue/details", self.get_queue_details),
            Route("GET", f"{api}/queue/status", self.get_queue_status),
            Route("DELETE", f"{api}/queue/{{id:\\d+}}", self.delete_queue_item),
            Route("GET", f"{api}/calendar", self.get_calendar),
            Route("GET", f"{api}/tag", self.get_tags),
            Route("POST", f"{api}/tag", self.post_tag),
            Route("GET", f"{api}/tag/detail", self.get_tag_details),
            Route("GET", f"{api}/tag/detail/{{id:\\d+}}", self.get_tag_detail),
            Route("GET", f"{api}/tag/{{id:\\d+}}", self.get_tag),
            Route("PUT", f"{api}/tag/{{id:\\d+}}", self.put_tag),
            Route("DELETE", f"{api}/tag/{{id:\\d+}}", self.delete_tag),
            Route("GET", f"{api}/qualityprofile", self.get_quality_profiles),
            Route("GET", f"{api}/qualityprofile/{{id:\\d+}}", self.get_quality_profile),
            Route("GET", f"{api}/command", self.get_commands),
            Route("POST", f"{api}/command", self.post_command),
            Route("GET", f"{api}/command/{{id:\\d+}}", self.get_command),
            Route("GET", f"{api}/history", self.get_history),
            Route("GET", f"{api}/wanted/missing", self.get_missing),
            Route("GET", f"{api}/{self.exclusions_path}", self.get_exclusions),
        ]

    # ------------------------------------------------------------------ hooks

    def quality_model(self, quality_id: int) -> Json:
        """Return the `quality` object of a file, queue or history record."""
        raise NotImplementedError

    def quality_profiles(self) -> list[Json]:
        """All quality profiles."""
        raise NotImplementedError

    def queue_media(self, record: QueueRecord, request: web.Request) -> Json:
        """Library ids (and included objects) of a queue record."""
        raise NotImplementedError

    def history_media(self, record: HistoryRecord) -> Json:
        """Library ids of a history record."""
        raise NotImplementedError

    def calendar(
        self, request: web.Request, start: datetime, end: datetime, unmonitored: bool
    ) -> list[Json]:
        """Calendar entries between two dates."""
        raise NotImplementedError

    def missing(
        self, request: web.Request
    ) -> tuple[list[Any], Callable[[Any], Json], dict[str, Callable[[Any], Any]]]:
        """Missing items, their serializer and the sort keys they support."""
        raise NotImplementedError

    def tagged(self, tag_id: int) -> list[int]:
        """Ids of the library items that carry a tag."""
        raise NotImplementedError

    def exclusion(self, record: Exclusion) -> Json:
        """Return an import list exclusion."""
        raise NotImplementedError

    @property
    def server_version(self) -> str:
        """The version this instance reports (and whose shapes it sends)."""
        return self.ctx.version or self.version

    def version_tuple(self) -> tuple[int, ...]:
        """Return the reported version as numbers, for comparing."""
        return tuple(int(p) for p in self.server_version.split(".") if p.isdigit())

    @property
    def decimals_with_fraction(self) -> bool:
        """Whether every decimal is written with a fraction (Newtonsoft, v3)."""
        return False

    def root_folder(self, folder: RootFolder) -> Json:
        """Return a root folder with its free space.

        The path is written without a trailing separator however it was
        stored; items name their root folder as stored.
        """
        return {
            "path": clean_path(folder.path),
            "accessible": folder.accessible,
            "freeSpace": self.state.free_space_of(folder.path),
            "unmappedFolders": [],
            "id": folder.id,
        }

    def status_extra(self) -> Json:
        """Fields of `/system/status` only one *arr sends."""
        return {}

    # ------------------------------------------------------------------ system

    async def get_status(self, request: web.Request) -> web.StreamResponse:
        """`/system/status`."""
        base = self.ctx.base_path
        status = {
            "appName": self.app_name,
            "instanceName": self.app_name
            if self.ctx.name == self.ctx.kind
            else self.ctx.name,
            "version": self.server_version,
            "buildTime": "2025-06-01T10:21:40Z",
            "isDebug": False,
            "isProduction": True,
            "isAdmin": False,
            "isUserInteractive": False,
            "startupPath": f"/app/{self.ctx.kind}/bin",
            "appData": "/config",
            "osName": "alpine",
            "osVersion": "3.21.3",
            "isNetCore": True,
            "isLinux": True,
            "isOsx": False,
            "isWindows": False,
            "isDocker": True,
            "mode": "console",
            "branch": "master",
            "databaseType": "sqLite",
            "databaseVersion": "3.48.0",
            "authentication": "forms",
            "migrationVersion": self.migration,
            "urlBase": base,
            "runtimeVersion": "8.0.12",
            "runtimeName": ".NET",
            "startTime": arr_stamp(self.started),
            "packageVersion": f"{self.server_version}-ls270",
            "packageAuthor": "[linuxserver.io](https://linuxserver.io)",
            "packageUpdateMechanism": "docker",
            **self.status_extra(),
        }
        if self.state.platform == "windows":
            status |= {
                "startupPath": f"C:\\ProgramData\\{self.app_name}\\bin",
                "appData": f"C:\\ProgramData\\{self.app_name}",
                "osName": "windows",
                "osVersion": "10.0.19045.0",
                "isLinux": False,
                "isWindows": True,
                "isDocker": False,
                "mode": "service",
            }
            for key in ("packageVersion", "packageAuthor", "packageUpdateMechanism"):
                del status[key]
        return json_response(status)

    async def get_root_folders(self, request: web.Request) -> web.StreamResponse:
        """`/rootfolder`."""
        folders = sorted(self.state.root_folders, key=lambda f: f.id)
        return json_response([omit_none(self.root_folder(f)) for f in folders])

    async def get_root_folder(self, request: web.Request) -> web.StreamResponse:
        """`/rootfolder/{id}`."""
        wanted = int(request.match_info["id"])
        for folder in self.state.root_folders:
            if folder.id == wanted:
                return json_response(omit_none(self.root_folder(folder)))
        return not_found(f"RootFolder with ID {wanted} does not exist")

    async def get_disk_space(self, request: web.Request) -> web.StreamResponse:
        """`/diskspace`: every mount point."""
        return json_response(
            [
                {
                    "path": d.path,
                    "label": d.label,
                    "freeSpace": d.free_space,
                    "totalSpace": d.total_space,
                }
                for d in sorted(self.state.disks, key=lambda d: d.path)
            ]
        )

    # ------------------------------------------------------------------ queue

    def progress(
        self, record: QueueRecord, now: datetime
    ) -> tuple[int, str, str, float | None, datetime | None, bool]:
        """(size left, status, tracked state, seconds left, finish time, visible)."""
        if record.status != "downloading" or record.rate <= 0:
            if record.status == "completed":
                return 0, record.status, record.tracked_state, 0.0, None, True
            return (
                record.left_at_start,
                record.status,
                record.tracked_state,
                None,
                None,
                True,
            )
        elapsed = max(0.0, (now - self.state.progress_start).total_seconds())
        left = max(0, int(record.left_at_start - record.rate * elapsed))
        if left > 0:
            seconds = left / record.rate
            return (
                left,
                "downloading",
                "downloading",
                seconds,
                now + timedelta(seconds=seconds),
                True,
            )
        done = self.state.progress_start + timedelta(
            seconds=record.left_at_start / record.rate
        )
        if now - done < IMPORT_DELAY:
            return 0, "completed", "importPending", 0.0, done, True
        # Imported, and listed so until the next refresh of the downloads.
        return 0, "completed", "imported", 0.0, done, now - done < 2 * IMPORT_DELAY

    def visible_queue(self) -> list[QueueRecord]:
        """Queue records still listed (imported downloads leave the queue)."""
        now = self.now()
        return [q for q in self.state.queue if self.progress(q, now)[5]]

    def queue_record(
        self, record: QueueRecord, request: web.Request, now: datetime
    ) -> Json:
        """Return a queue record as the API shows it at `now`.

        One `now` for a whole answer: the records of one download (a season
        pack) show the same progress, as the server keeps one per download.
        """
        left, status, tracked_state, seconds, finish, _visible = self.progress(
            record, now
        )
        message = record.status_message
        size: float = record.size
        size_left: float = left
        if record.protocol == "usenet" or self.decimals_with_fraction:
            # Sizes are decimals: written with a fraction by the Newtonsoft
            # serializer of older servers, and so by this one for usenet
            # downloads, so that both spellings come by default.
            size, size_left = float(size), float(size_left)
        data: Json = {
            **self.queue_media(record, request),
            "quality": self.quality_model(record.quality_id),
            "customFormats": [],
            "customFormatScore": 0,
            "size": size,
            "title": record.title,
            "sizeleft": size_left,
            "timeleft": timespan(seconds) if seconds is not None else None,
            "estimatedCompletionTime": arr_stamp(finish),
            "added": arr_stamp(record.added),
            "status": status,
            "trackedDownloadStatus": record.tracked_status,
            "trackedDownloadState": tracked_state,
            "statusMessages": [{"title": record.title, "messages": [message]}]
            if message
            else [],
            "errorMessage": record.error_message,
            "downloadId": record.download_id,
            "protocol": record.protocol,
            "downloadClient": record.download_client,
            "downloadClientHasPostImportCategory": False,
            "indexer": record.indexer,
            "outputPath": f"/downloads/complete/{record.title}",
            "id": record.id,
        }
        return omit_none(data)

    def paged(
        self,
        request: web.Request,
        records: list[Any],
        serialize: Callable[[Any], Json],
        sort_keys: dict[str, Callable[[Any], Any]],
        default_key: str,
        default_direction: str = "ascending",
    ) -> web.Response:
        """Return a paging resource: page, pageSize, sortKey, sortDirection, totalRecords, records."""
        page = max(1, query_int(request, "page", 1) or 1)
        page_size = query_int(request, "pageSize", 10)
        page_size = 10 if page_size is None or page_size < 0 else page_size
        sort_key = query_value(request, "sortKey") or default_key
        direction = query_value(request, "sortDirection") or "default"
        key = sort_keys.get(sort_key) or sort_keys[default_key]
        effective = default_direction if direction == "default" else direction
        ordered = sorted(records, key=key, reverse=effective == "descending")
        start = (page - 1) * page_size
        return json_response(
            {
                "page": page,
                "pageSize": page_size,
                "sortKey": sort_key,
                "sortDirection": direction,
                "totalRecords": len(records),
                "records": [serialize(r) for r in ordered[start : start + page_size]],
            }
        )

    def _queue_filtered(self, request: web.Request) -> list[QueueRecord]:
        records = self.visible_queue()
        wanted = set(query_ints(request, self.media_ids_param))
        if wanted:
            records = [q for q in records if q.media_id in wanted]
        return records

    async def get_queue(self, request: web.Request) -> web.StreamResponse:
        """`/queue`, paged."""
        now = self.now()
        never = timedelta(days=36500).total_seconds()

        def time_left(q: QueueRecord) -> tuple[float, int]:
            seconds = self.progress(q, now)[3]
            return (never if seconds is None else seconds, q.id)

        return self.paged(
            request,
            self._queue_filtered(request),
            lambda q: self.queue_record(q, request, now),
            {
                "timeleft": time_left,
                "title": lambda q: (q.title.lower(), q.id),
                "added": lambda q: (q.added, q.id),
                "size": lambda q: (q.size, q.id),
                "status": lambda q: (q.status, q.id),
                "id": lambda q: q.id,
            },
            "timeleft",
        )

    async def get_queue_details(self, request: web.Request) -> web.StreamResponse:
        """`/queue/details`: every record, not paged."""
        records = sorted(self._queue_filtered(request), key=lambda q: q.id)
        now = self.now()
        return json_response([self.queue_record(q, request, now) for q in records])

    async def get_queue_status(self, request: web.Request) -> web.StreamResponse:
        """`/queue/status`: counts and whether anything needs attention."""
        records = self.visible_queue()
        return json_response(
            {
                "totalCount": len(records),
                "count": len(records),
                "unknownCount": 0,
                "errors": any(q.tracked_status == "error" for q in records),
                "warnings": any(q.tracked_status == "warning" for q in records),
                "unknownErrors": False,
                "unknownWarnings": False,
            }
        )

    async def delete_queue_item(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /queue/{id}`: remove a download."""
        queue_id = int(request.match_info["id"])
        if not self.state.remove_queue_item(queue_id):
            return not_found(f"Queue item with ID {queue_id} does not exist")
        return empty()

    # ------------------------------------------------------------------ calendar

    async def get_calendar(self, request: web.Request) -> web.StreamResponse:
        """`/calendar?start=&end=`: upcoming releases (default: today and tomorrow)."""
        today = self.now().replace(hour=0, minute=0, second=0, microsecond=0)
        start = parse_datetime(query_value(request, "start")) or today
        end = parse_datetime(query_value(request, "end")) or today + timedelta(days=2)
        unmonitored = query_bool(request, "unmonitored")
        return json_response(self.calendar(request, start, end, unmonitored))

    # ------------------------------------------------------------------ tags

    def tag_json(self, tag: Tag) -> Json:
        """Return a tag."""
        return {"id": tag.id, "label": tag.label}

    def _tag(self, request: web.Request) -> Tag | None:
        wanted = int(request.match_info["id"])
        return next((t for t in self.state.tags if t.id == wanted), None)

    async def get_tags(self, request: web.Request) -> web.StreamResponse:
        """`/tag`."""
        return json_response(
            [self.tag_json(t) for t in sorted(self.state.tags, key=lambda t: t.id)]
        )

    async def get_tag(self, request: web.Request) -> web.StreamResponse:
        """`/tag/{id}`."""
        tag = self._tag(request)
        if tag is None:
            return not_found("Tag does not exist")
        return json_response(self.tag_json(tag))

    def _label_errors(self, body: Any) -> tuple[str, list[tuple[str, str, Any]]]:
        label = body.get("label") if isinstance(body, dict) else None
        if not isinstance(label, str) or not label.strip():
            return "", [("Label", "'Label' must not be empty.", label)]
        if not TAG_LABEL.match(label):
            return label, [("Label", "Allowed characters a-z, 0-9 and -", label)]
        return label, []

    async def post_tag(self, request: web.Request) -> web.StreamResponse:
        """`POST /tag`: 201 with the tag (an existing label is returned as is)."""
        label, errors = self._label_errors(await read_json(request))
        if errors:
            return validation_failed(errors)
        return json_response(self.tag_json(self.state.add_tag(label)), status=201)

    async def put_tag(self, request: web.Request) -> web.StreamResponse:
        """`PUT /tag/{id}`: rename."""
        tag = self._tag(request)
        if tag is None:
            return not_found("Tag does not exist")
        label, errors = self._label_errors(await read_json(request))
        if errors:
            return validation_failed(errors)
        tag.label = label.lower()
        self.state.touch()
        return json_response(self.tag_json(tag), status=202)

    async def delete_tag(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /tag/{id}`: the tag leaves every item too."""
        tag = self._tag(request)
        if tag is None:
            return not_found("Tag does not exist")
        self.untag(tag.id)
        self.state.delete_tag(tag.id)
        return empty()

    def untag(self, tag_id: int) -> None:
        """Remove a tag id from every library item."""
        raise NotImplementedError

    def tag_detail(self, tag: Tag) -> Json:
        """Return a tag with what uses it."""
        return {
            "id": tag.id,
            "label": tag.label,
            "delayProfileIds": [],
            "importListIds": [],
            "notificationIds": [],
            self.tag_rules_key: [],
            "indexerIds": [],
            "downloadClientIds": [],
            "autoTagIds": [],
            self.tag_items_key: self.tagged(tag.id),
        }

    async def get_tag_details(self, request: web.Request) -> web.StreamResponse:
        """`/tag/detail`."""
        return json_response(
            [self.tag_detail(t) for t in sorted(self.state.tags, key=lambda t: t.id)]
        )

    async def get_tag_detail(self, request: web.Request) -> web.StreamResponse:
        """`/tag/detail/{id}`."""
        tag = self._tag(request)
        if tag is None:
            return not_found("Tag does not exist")
        return json_response(self.tag_detail(tag))

    # ------------------------------------------------------------------ profiles

    async def get_quality_profiles(self, request: web.Request) -> web.StreamResponse:
        """`/qualityprofile`."""
        return json_response(self.quality_profiles())

    async def get_quality_profile(self, request: web.Request) -> web.StreamResponse:
        """`/qualityprofile/{id}`."""
        wanted = int(request.match_info["id"])
        for profile in self.quality_profiles():
            if profile["id"] == wanted:
                return json_response(profile)
        return not_found(f"QualityProfile with ID {wanted} does not exist")

    # ------------------------------------------------------------------ commands

    def command_json(self, record: CommandRecord, *, fresh: bool = False) -> Json:
        """Return a command; it completes one second after it was queued."""
        now = self.now()
        ended = record.queued + timedelta(seconds=1)
        if fresh:
            status, result = "queued", "unknown"
        elif now >= ended:
            status, result = "completed", "successful"
        else:
            status, result = "started", "unknown"
        return omit_none(
            {
                "name": record.name,
                "commandName": command_label(record.name),
                "message": "Completed" if status == "completed" else None,
                "body": {
                    "sendUpdatesToClient": True,
                    "updateScheduledTask": True,
                    "completionMessage": "Completed",
                    "requiresDiskAccess": False,
                    "isExclusive": False,
                    **({"isTypeExclusive": False} if self.type_exclusive_flag else {}),
                    "isLongRunning": False,
                    "name": record.name,
                    "trigger": record.trigger,
                    "suppressMessages": False,
                },
                "priority": "normal",
                "status": status,
                "result": result,
                "queued": arr_stamp(record.queued),
                "started": None if fresh else arr_stamp(record.queued),
                "ended": arr_stamp(ended) if status == "completed" else None,
                "duration": "00:00:01" if status == "completed" else None,
                "trigger": record.trigger,
                "stateChangeTime": arr_stamp(
                    ended if status == "completed" else record.queued
                ),
                "sendUpdatesToClient": True,
                "updateScheduledTask": True,
                "id": record.id,
            }
        )

    async def post_command(self, request: web.Request) -> web.StreamResponse:
        """`POST /command`: recorded, answered 201 with the queued command."""
        body = await read_json(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            return validation_failed([("Name", "'Name' must not be empty.", name)])
        params = {k: v for k, v in body.items() if k != "name"}
        if name == "DownloadedMoviesScan" and isinstance(self.state, RadarrState):
            # Imported before the command is on record: whoever sees the
            # command sees its outcome too.
            await import_movie_download(self.state, params, self.now())
        record = self.state.add_command(name, params)
        return json_response(self.command_json(record, fresh=True), status=201)

    async def get_commands(self, request: web.Request) -> web.StreamResponse:
        """`/command`: commands posted so far."""
        return json_response([self.command_json(c) for c in self.state.commands])

    async def get_command(self, request: web.Request) -> web.StreamResponse:
        """`/command/{id}`."""
        wanted = int(request.match_info["id"])
        for record in self.state.commands:
            if record.id == wanted:
                return json_response(self.command_json(record))
        return not_found(f"Command with ID {wanted} does not exist")

    # ------------------------------------------------------------------ history

    def history_record(self, record: HistoryRecord) -> Json:
        """Return a history event."""
        return omit_none(
            {
                **self.history_media(record),
                "sourceTitle": record.source_title,
                "quality": self.quality_model(record.quality_id),
                "customFormats": [],
                "customFormatScore": 0,
                "qualityCutoffNotMet": False,
                "date": arr_stamp(record.date),
                "downloadId": record.download_id,
                "eventType": record.event_type,
                "data": dict(record.data),
                "id": record.id,
            }
        )

    async def get_history(self, request: web.Request) -> web.StreamResponse:
        """`/history`, paged, newest first."""
        records = list(self.state.history)
        event_types = query_value(request, "eventType")
        if event_types and not event_types.isdigit():
            records = [r for r in records if r.event_type == event_types]
        download_id = query_value(request, "downloadId")
        if download_id:
            records = [
                r
                for r in records
                if (r.download_id or "").casefold() == download_id.casefold()
            ]
        return self.paged(
            request,
            records,
            self.history_record,
            {"date": lambda r: (r.date, r.id), "id": lambda r: r.id},
            "date",
            "descending",
        )

    # ------------------------------------------------------------------ missing

    async def get_missing(self, request: web.Request) -> web.StreamResponse:
        """`/wanted/missing`, paged."""
        records, serialize, sort_keys = self.missing(request)
        return self.paged(
            request,
            records,
            serialize,
            sort_keys,
            self.default_missing_sort,
            "descending",
        )

    # ------------------------------------------------------------------ exclusions

    async def get_exclusions(self, request: web.Request) -> web.StreamResponse:
        """Import list exclusions written by deletes."""
        return json_response(
            [
                self.exclusion(e)
                for e in sorted(self.state.exclusions, key=lambda e: e.id)
            ]
        )


def video_media_info(media: Any, runtime_minutes: int) -> Json:
    """`mediaInfo` of a video file (Radarr and Sonarr)."""
    seconds = runtime_minutes * 60 + 17
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return {
        "audioBitrate": media.audio_bitrate,
        "audioChannels": media.audio_channels,
        "audioCodec": media.audio_codec,
        "audioLanguages": media.audio_languages,
        "audioStreamCount": media.audio_streams,
        "videoBitDepth": media.video_bit_depth,
        "videoBitrate": media.video_bitrate,
        "videoCodec": media.video_codec,
        "videoFps": media.video_fps,
        "videoDynamicRange": media.dynamic_range,
        "videoDynamicRangeType": media.dynamic_range_type,
        "resolution": f"{media.width}x{media.height}",
        "runTime": f"{hours}:{minutes:02d}:{secs:02d}",
        "scanType": "Progressive",
        "subtitles": media.subtitles,
    }


def video_profiles(
    profiles: dict[int, tuple[str, tuple[int, ...], int]],
    qualities: dict[int, Json],
    extra_item: Callable[[int], Json] | None = None,
    extra_profile: Json | None = None,
) -> list[Json]:
    """Quality profiles with every known quality listed, allowed or not."""
    out = []
    for profile_id, (name, allowed, cutoff) in profiles.items():
        items = []
        for quality_id, quality in qualities.items():
            if quality_id == 0:
                continue
            item: Json = {
                "quality": quality,
                "items": [],
                "allowed": quality_id in allowed,
            }
            if extra_item is not None:
                item.update(extra_item(quality_id))
            items.append(item)
        out.append(
            {
                "name": name,
                "upgradeAllowed": profile_id in (4, 5),
                "cutoff": cutoff,
                "items": items,
                "minFormatScore": 0,
                "cutoffFormatScore": 0,
                "formatItems": [],
                **(extra_profile or {}),
                "id": profile_id,
            }
        )
    return out


def apply_tags(current: list[int], tags: list[int], mode: str) -> list[int]:
    """Editor tag semantics: add, remove or replace."""
    if mode == "add":
        return sorted(set(current) | set(tags))
    if mode == "remove":
        return sorted(set(current) - set(tags))
    return sorted(set(tags))


def int_list(value: Any) -> list[int]:
    """Return a list of ints from a JSON value (anything else gives an empty list)."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
