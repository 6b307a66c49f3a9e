"""What Radarr, Sonarr and Lidarr have in common.

The three share one API design: `/system/status`, `/rootfolder`,
`/diskspace`, `/queue/details`, `/tag`, `/calendar`, `/command`, and a bulk
editor for tags. The service clients add their library lists and snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
import dataclasses
from datetime import datetime
from operator import itemgetter
from typing import Any, ClassVar, Literal, NamedTuple

from yarl import URL

from custom_components.lcars.library.candidates import Candidate

from .convert import (
    as_bool,
    as_dict,
    clean_path,
    format_datetime,
    int_or_zero,
    opt_int,
    opt_str,
    parse_datetime,
    path_key,
    to_utc,
)
from .errors import (
    BadResponseError,
    LookupUnavailableError,
    NotFoundError,
    RefusedError,
)
from .http import REFUSAL_STATUSES, HttpClient, concurrent_requests, flag
from .models import (
    CalendarEntry,
    CalendarEntryRow,
    DiskSpace,
    Profile,
    QueueItem,
    RootFolder,
    SystemStatus,
    Tag,
)
from .streaming import release

type TagMode = Literal["add", "remove", "replace"]
type Projection = Callable[[Any], Candidate]

# The most results of one lookup kept: a person chooses among a few, and a
# term such as "the" finds hundreds.
MAX_LOOKUP_RESULTS = 50
# What a lookup refuses with the service's words: a bad term (400), and its
# metadata source out of reach (503).
LOOKUP_UNAVAILABLE = 503
LOOKUP_REFUSALS: frozenset[int] = REFUSAL_STATUSES | {LOOKUP_UNAVAILABLE}

# The start of a calendar entry row.
_START = itemgetter(2)


def require_int(value: object) -> int:
    """Return an id that must be there; raise TypeError (a shape error) if not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError("expected an integer id")


def _contains(mount: str, path: str) -> bool:
    """Whether `path` lies on `mount` (both spelled by `path_key`)."""
    return path == mount or path.startswith(mount.rstrip("/") + "/")


def merge_disk_space(
    folders: Sequence[RootFolder], disks: Sequence[DiskSpace]
) -> list[RootFolder]:
    """Give each root folder the figures of the disk it lives on.

    The disk is the mount with the longest path that contains the folder.
    A figure the root folder already has (Lidarr sends totalSpace) is kept.
    """
    mounts = sorted(
        ((path_key(disk.path), disk) for disk in disks),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    merged: list[RootFolder] = []
    for folder in folders:
        if folder.total_space is not None and folder.free_space is not None:
            merged.append(folder)
            continue
        path = path_key(folder.path)
        disk = next((d for mount, d in mounts if _contains(mount, path)), None)
        if disk is None:
            merged.append(folder)
            continue
        merged.append(
            dataclasses.replace(
                folder,
                free_space=disk.free_space
                if folder.free_space is None
                else folder.free_space,
                total_space=disk.total_space
                if folder.total_space is None
                else folder.total_space,
            )
        )
    return merged


def _root_folder(data: Any) -> RootFolder:
    return RootFolder(
        id=require_int(data["id"]),
        # As the items name it: without a trailing separator.
        path=clean_path(str(data.get("path") or "")),
        # Servers before Sonarr 3.0.5 do not say; they listed it, so it is.
        accessible=as_bool(data.get("accessible"), True),
        free_space=opt_int(data.get("freeSpace")),
        total_space=opt_int(data.get("totalSpace")),
    )


def _disk_space(data: Any) -> DiskSpace | None:
    path = opt_str(data.get("path"))
    if path is None:
        return None
    return DiskSpace(
        path=path,
        label=opt_str(data.get("label")),
        free_space=int_or_zero(data.get("freeSpace")),
        total_space=int_or_zero(data.get("totalSpace")),
    )


def profile_from_json(data: Any) -> Profile:
    """Read a quality or metadata profile: its id and name."""
    return Profile(id=require_int(data["id"]), name=str(data.get("name") or ""))


def _shaped(project: Projection) -> Callable[[Any], Candidate]:
    """Refuse an element that is not an object, as a shape error."""

    def check(data: Any) -> Candidate:
        if not isinstance(data, dict):
            raise TypeError("expected an object")
        return project(data)

    return check


def _first(project: Projection, limit: int) -> Callable[[Any], Candidate | None]:
    """Project the first `limit` elements of a list and skip the rest."""
    kept = 0
    shaped = _shaped(project)

    def first(data: Any) -> Candidate | None:
        nonlocal kept
        if kept >= limit:
            return None
        kept += 1
        return shaped(data)

    return first


def _tag(data: Any) -> Tag:
    return Tag(id=require_int(data["id"]), label=str(data.get("label") or ""))


def _size(value: object) -> int:
    """Read a size the queue sends as a JSON number (sometimes with a fraction)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Finite: the JSON readers refuse NaN and infinities.
        return max(0, int(value))
    return 0


class QueueRecord(NamedTuple):
    """One record of `/queue/details`, before the records of a download merge."""

    id: int
    release_title: str
    size: int
    size_left: int
    status: str | None
    tracked_state: str | None
    estimated_completion: datetime | None
    download_client: str | None
    protocol: str | None
    media_id: int | None
    error_message: str | None
    download_id: str | None
    # What of the library item it holds: the episode (Sonarr), the album
    # (Lidarr), with the season and episode numbers when known.
    part_id: int | None = None
    season_number: int | None = None
    episode_number: int | None = None
    # Names embedded in the record (with includeMovie, includeSeries...).
    media_title: str | None = None
    part_title: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class QueueNames:
    """Titles of library items by id, for naming downloads after them.

    `media` names movies, series or artists; `parts` names albums.
    """

    media: Mapping[int, str] = dataclasses.field(default_factory=dict)
    parts: Mapping[int, str] = dataclasses.field(default_factory=dict)


def unique_titles(titles: Iterable[str | None]) -> list[str]:
    """Return the titles that are there, each once, in order."""
    return list(dict.fromkeys(title for title in titles if title))


def _download_key(record: QueueRecord) -> tuple[str | None, str] | tuple[int]:
    """Return what the records of one download share: client and download id.

    A record without a download id (a release waiting to be sent) is a
    download of its own.
    """
    if record.download_id:
        return (record.download_client, record.download_id)
    return (record.id,)


def merge_downloads(
    records: Iterable[QueueRecord], title: Callable[[list[QueueRecord]], str]
) -> list[QueueItem]:
    """Make one queue item per download out of its records, in queue order.

    The records of a download repeat its size, bytes left and state; the
    item takes them once. `title` names a download from its records.
    """
    downloads: dict[tuple[Any, ...], list[QueueRecord]] = {}
    for record in records:
        downloads.setdefault(_download_key(record), []).append(record)
    items = []
    for group in downloads.values():
        group.sort(key=lambda r: r.id)
        first = group[0]
        etas = [r.estimated_completion for r in group if r.estimated_completion]
        size = max(r.size for r in group)
        items.append(
            QueueItem(
                id=first.id,
                title=title(group) or first.release_title,
                size=size,
                size_left=max(r.size_left for r in group),
                status=first.status,
                tracked_download_state=first.tracked_state,
                estimated_completion=max(etas) if etas else None,
                download_client=first.download_client,
                protocol=first.protocol,
                media_id=first.media_id,
                error_message=next(
                    (r.error_message for r in group if r.error_message), None
                ),
                release_title=first.release_title or None,
                download_id=first.download_id,
                record_ids=tuple(r.id for r in group),
            )
        )
    return items


class ArrClient(HttpClient):
    """Base of the Radarr, Sonarr and Lidarr clients."""

    # The path of the API ("/api/v3").
    api: ClassVar[str] = "/api/v3"
    # The library item in a queue record ("movieId").
    queue_media_key: ClassVar[str] = "movieId"
    # Key of the library item a history record is about: the unit the
    # cleanup deletes (movie, series, album).
    history_item_key: ClassVar[str] = "movieId"
    # Query of the queue in a refresh: the names come from the library lists
    # read alongside, so the records stay small.
    queue_params: ClassVar[dict[str, str]] = {}
    # Query of the queue read on its own: the records carry the names.
    named_queue_params: ClassVar[dict[str, str]] = {}
    # Query of the calendar besides start and end.
    calendar_params: ClassVar[dict[str, str]] = {}
    # The library path ("movie") and the ids key of its editor ("movieIds").
    library_path: ClassVar[str] = "movie"
    editor_ids_key: ClassVar[str] = "movieIds"
    # The delete flag that adds an exclusion (Radarr differs from the others).
    exclusion_flag: ClassVar[str] = "addImportListExclusion"
    # Whether /rootfolder lacks the disk total, so /diskspace is always needed.
    root_folders_need_disk_space: ClassVar[bool] = True

    async def async_get_system_status(self) -> SystemStatus:
        """Read `/system/status` and check that this is the expected service.

        Raises WrongServiceError when another application answers: another
        *arr (by its appName) or something without this API at all.
        """
        try:
            data = await self._get_json(f"{self.api}/system/status", item=True)
        except NotFoundError:
            raise self._wrong_service(None) from None
        if not isinstance(data, dict):
            raise self._wrong_service(None)
        app_name = data.get("appName")
        if not isinstance(app_name, str):
            raise self._wrong_service(None)
        if app_name.casefold() != self.service.casefold():
            raise self._wrong_service(app_name)
        return SystemStatus(
            app_name=app_name,
            version=str(data.get("version") or ""),
            instance_name=opt_str(data.get("instanceName")),
            url_base=opt_str(data.get("urlBase")),
        )

    async def async_get_cover(self, path: str) -> tuple[bytes, str]:
        """Read a cover at a path the server gave (`images[].url`): bytes and type.

        The path comes with the server's url base, as its answers give it;
        it is read under the URL LCARS knows the server by. NotFoundError
        when the server has no such cover.
        """
        base = URL(self._base).path.rstrip("/")
        if base and path.startswith(base + "/"):
            path = path[len(base) :]
        return await self._get_image(path)

    async def async_get_disk_space(self) -> list[DiskSpace]:
        """Return the mounts the service can see (`/diskspace`)."""
        return await self._get_small_list(f"{self.api}/diskspace", _disk_space)

    async def async_get_root_folders(self) -> list[RootFolder]:
        """Root folders with free space and the total of the disk they live on."""
        if not self.root_folders_need_disk_space:
            folders = await self._get_small_list(f"{self.api}/rootfolder", _root_folder)
            if all(
                f.total_space is not None and f.free_space is not None for f in folders
            ):
                return folders
            return merge_disk_space(folders, await self.async_get_disk_space())
        async with concurrent_requests() as group:
            folders_task = group.create_task(
                self._get_small_list(f"{self.api}/rootfolder", _root_folder)
            )
            disks_task = group.create_task(self.async_get_disk_space())
        return merge_disk_space(folders_task.result(), disks_task.result())

    def _queue_record(self, data: Any) -> QueueRecord | None:
        """Read one queue record; None for a download already imported.

        An imported download stays listed until the server next looks at its
        download client; it is no longer in the queue.
        """
        state = opt_str(data.get("trackedDownloadState"))
        if state is not None and state.casefold() == "imported":
            return None
        size = _size(data.get("size"))
        return QueueRecord(
            id=require_int(data["id"]),
            release_title=str(data.get("title") or ""),
            size=size,
            size_left=min(size, _size(data.get("sizeleft"))) if size else 0,
            status=opt_str(data.get("status")),
            tracked_state=state,
            estimated_completion=parse_datetime(data.get("estimatedCompletionTime")),
            download_client=opt_str(data.get("downloadClient")),
            protocol=opt_str(data.get("protocol")),
            media_id=opt_int(data.get(self.queue_media_key)),
            error_message=opt_str(data.get("errorMessage")),
            download_id=opt_str(data.get("downloadId")),
            **self._queue_parts(data),
        )

    def _queue_parts(self, data: Any) -> dict[str, Any]:
        """Return the part of the library item a record holds, and embedded names."""
        return {}

    def _download_title(self, records: list[QueueRecord], names: QueueNames) -> str:
        """Name a download after what it holds (empty: its release name)."""
        raise NotImplementedError

    async def _async_get_queue_records(
        self, params: Mapping[str, str]
    ) -> list[QueueRecord]:
        return await self._stream_list(
            f"{self.api}/queue/details", self._queue_record, params=params
        )

    def _downloads(
        self, records: Iterable[QueueRecord], names: QueueNames
    ) -> list[QueueItem]:
        return merge_downloads(
            records, lambda group: self._download_title(group, names)
        )

    async def async_get_queue(self) -> list[QueueItem]:
        """Every download in the queue (`/queue/details`, not paged).

        One item per download, named after the library items it holds.
        """
        records = await self._async_get_queue_records(self.named_queue_params)
        return self._downloads(records, QueueNames())

    def _calendar_rows(
        self, data: Any, start: datetime, end: datetime
    ) -> list[CalendarEntryRow]:
        """Return the calendar entries one element of `/calendar` stands for."""
        raise NotImplementedError

    async def _stream_calendar[T](
        self,
        start: datetime,
        end: datetime,
        params: Mapping[str, str],
        project: Callable[[Any], T | None],
    ) -> list[T]:
        """Stream `/calendar` between `start` and `end` (both in UTC).

        With the library item embedded in each element a month of releases
        runs to megabytes, so it is parsed as it arrives like the libraries.
        """
        return await self._stream_list(
            f"{self.api}/calendar",
            project,
            params={
                "start": format_datetime(start),
                "end": format_datetime(end),
                **params,
            },
        )

    async def _calendar_rows_between(
        self, start: datetime, end: datetime
    ) -> list[CalendarEntryRow]:
        """Return the releases between `start` and `end` as rows, sorted by date."""
        start, end = to_utc(start), to_utc(end)
        rows: list[CalendarEntryRow] = []

        def collect(element: Any) -> None:
            # Gathered flat as they stream: a tuple of rows per element
            # would outlive the young collections as a tracked object.
            rows.extend(self._calendar_rows(element, start, end))

        try:
            await self._stream_calendar(start, end, self.calendar_params, collect)
        except BaseException:
            # As the list parser does with its own rows (see `release`).
            await release(rows)
            raise
        rows.sort(key=_START)
        return rows

    async def async_get_calendar(
        self, start: datetime, end: datetime
    ) -> list[CalendarEntry]:
        """Return the releases between `start` and `end`, sorted by date."""
        rows = await self._calendar_rows_between(start, end)
        return [CalendarEntry.from_row(row) for row in rows]

    async def async_get_downloaded_items(self, download_id: str) -> set[int]:
        """Ids of the library items a download (a torrent's info hash) went to.

        One request: the history filtered by the download id, as the *arr
        records it (an info hash in capitals for torrents).
        """
        path = f"{self.api}/history"
        data = await self._get_object(
            path,
            params={"downloadId": download_id.upper(), "pageSize": "100"},
        )
        records = data.get("records")
        if not isinstance(records, list):
            raise self._error(BadResponseError, f"expected records from {path}")
        found = self._project_all(
            records, lambda r: opt_int(r.get(self.history_item_key)), path
        )
        return set(found)

    async def async_get_quality_profiles(self) -> list[Profile]:
        """Every quality profile (`/qualityprofile`), by id and name."""
        return await self._get_small_list(
            f"{self.api}/qualityprofile", profile_from_json
        )

    async def _async_lookup(
        self, what: str, term: str, project: Projection
    ) -> list[Candidate]:
        """Look a term up (`/{what}/lookup?term=`): one request, bounded results.

        The answer is parsed as it arrives and only the first
        MAX_LOOKUP_RESULTS results are kept. A 503 is the metadata source
        out of reach (LookupUnavailableError); a refused term is a
        RefusedError with the service's words.
        """
        try:
            return await self._stream_list(
                f"{self.api}/{what}/lookup",
                _first(project, MAX_LOOKUP_RESULTS),
                params={"term": term},
                refusals=LOOKUP_REFUSALS,
            )
        except RefusedError as err:
            if err.status != LOOKUP_UNAVAILABLE:
                raise
            message = "; ".join(err.messages) or "the metadata source is unavailable"
            raise LookupUnavailableError(self.service, self.url, message) from None

    async def _async_add(
        self, what: str, body: Mapping[str, Any], project: Projection
    ) -> Candidate:
        """Add an item (`POST /{what}`); return the item the service created.

        The *arr answer 201 with the new item. A change they refuse is a
        RefusedError carrying their validation messages.
        """
        path = f"{self.api}/{what}"
        data = await self._send("POST", path, json_body=body, answer=True)
        return self._project_one(data, _shaped(project), path)

    async def _async_find(
        self,
        what: str,
        params: Mapping[str, str],
        project: Projection,
        matches: Callable[[Candidate], bool],
    ) -> Candidate | None:
        """Return the library item with an external id (`GET /{what}?...`), if any.

        Only an item that `matches` counts: a server that does not know the
        filter answers with its whole library.
        """
        shaped = _shaped(project)

        def matching(data: Any) -> Candidate | None:
            candidate = shaped(data)
            return candidate if matches(candidate) else None

        found = await self._stream_list(f"{self.api}/{what}", matching, params=params)
        return found[0] if found else None

    async def async_get_tags(self) -> list[Tag]:
        """Every tag (`/tag`)."""
        return await self._get_small_list(f"{self.api}/tag", _tag)

    async def async_add_tag(self, label: str) -> Tag:
        """Create a tag (the service returns the existing one for a known label)."""
        path = f"{self.api}/tag"
        data = await self._send("POST", path, json_body={"label": label}, answer=True)
        return self._project_one(data, _tag, path)

    async def async_update_tags(
        self,
        item_ids: Sequence[int],
        tag_ids: Sequence[int],
        *,
        mode: TagMode = "add",
    ) -> None:
        """Add, remove or replace tags on library items in one request.

        Uses the bulk editor (`PUT /movie/editor`, `/series/editor`,
        `/artist/editor`), which changes only the tags.
        """
        await self._send(
            "PUT",
            f"{self.api}/{self.library_path}/editor",
            json_body={
                self.editor_ids_key: list(item_ids),
                "tags": list(tag_ids),
                "applyTags": mode,
            },
        )

    async def async_set_monitored(
        self, item_ids: Sequence[int], monitored: bool
    ) -> None:
        """Monitor or unmonitor library items in one request (the bulk editor)."""
        await self._send(
            "PUT",
            f"{self.api}/{self.library_path}/editor",
            json_body={self.editor_ids_key: list(item_ids), "monitored": monitored},
        )

    async def async_run_command(
        self, name: str, body: dict[str, Any] | None = None
    ) -> int:
        """Queue a command (`RefreshMovie`, `RescanSeries`, ...); return its id."""
        path = f"{self.api}/command"
        data = await self._send(
            "POST", path, json_body={**(body or {}), "name": name}, answer=True
        )
        return self._project_one(data, lambda d: require_int(d["id"]), path)

    async def _delete_library_item(
        self, item_id: int, *, delete_files: bool, add_exclusion: bool
    ) -> None:
        await self._send(
            "DELETE",
            self._library_item_path(item_id),
            params={
                "deleteFiles": flag(delete_files),
                self.exclusion_flag: flag(add_exclusion),
            },
            item=True,
        )

    def _library_item_path(self, item_id: int) -> str:
        return f"{self.api}/{self.library_path}/{int(item_id)}"


def bool_params(**values: bool) -> dict[str, str]:
    """Spell boolean query parameters as the services expect them."""
    return {key: flag(value) for key, value in values.items()}


def statistics(data: dict[str, Any]) -> dict[str, Any]:
    """Return the `statistics` object of a library item, empty when missing."""
    return as_dict(data.get("statistics"))
