"""Carrying out a cleanup plan through the service clients.

Each item goes through its steps in order: unmonitor it, delete it (or its
files) in its *arr, remove its Jellyseerr media entry (with the requests of
it), and once per run Jellyfin scans its libraries so the item leaves there
too. The first step that fails stops the item: nothing else is deleted in
its place, and the failure is reported for the ledger so the item is tried
again next run. A dry run sends no change at all; it only reads what it
needs to tell what would happen. The caller can stop a run between any two
changes (`keep_going`): no change is sent once it says no. An item listed
twice is taken once.

No Home Assistant here: the clients are passed in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal

from custom_components.lcars.clients.arr import ArrClient
from custom_components.lcars.clients.errors import LcarsClientError, NotFoundError
from custom_components.lcars.clients.jellyfin import JellyfinClient, normalize_item_id
from custom_components.lcars.clients.jellyseerr import JellyseerrClient, SeerrMediaRef
from custom_components.lcars.clients.lidarr import LidarrClient
from custom_components.lcars.clients.models import Episode
from custom_components.lcars.clients.radarr import RadarrClient
from custom_components.lcars.clients.sonarr import SonarrClient

from .ledger import Ledger
from .model import Candidate, ItemKind
from .plan import DeletionItem

type StepName = Literal[
    "unmonitor",
    "find_files",
    "delete",
    "delete_files",
    "jellyseerr",
    "jellyfin_refresh",
]
"""One step of deleting an item, in the words of the report."""

type ClientResolver = Mapping[str, ArrClient] | Callable[[str], ArrClient | None]
"""Gives the client of an *arr instance id (a mapping or a function)."""

type KeepGoing = Callable[[], bool]
"""Asked before each change is sent: False stops the run there."""

LEAVING_SOON_COLLECTION: Final = "Leaving Soon"

_DRY_RUN: Final = "dry run: not sent"


@dataclass(frozen=True, slots=True, kw_only=True)
class StepResult:
    """The outcome of one step.

    `performed` says whether a change was sent (never in a dry run). `error`
    names the service and its URL, never an API key.
    """

    step: StepName
    ok: bool
    performed: bool = False
    detail: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemResult:
    """The steps taken for one item; they stop at the first failure."""

    key: str
    title: str
    kind: ItemKind
    steps: tuple[StepResult, ...]
    # The run was stopped before one of its steps: not a failure of the item.
    stopped: bool = False

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return all(step.ok for step in self.steps)

    @property
    def error(self) -> str | None:
        """The error of the step that failed, or None."""
        return next((s.error for s in self.steps if not s.ok), None)

    @property
    def changed(self) -> bool:
        """Whether files or the item were deleted (so Jellyfin must rescan)."""
        return any(
            s.performed and s.step in ("delete", "delete_files") for s in self.steps
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutionReport:
    """What one run did, item by item, and the Jellyfin library scan."""

    dry_run: bool
    items: tuple[ItemResult, ...]
    # None when no scan was needed (nothing deleted, or no Jellyfin).
    library_refresh: StepResult | None = None
    # The caller stopped the run: the items after the last one were not tried.
    stopped: bool = False

    @property
    def deleted_keys(self) -> tuple[str, ...]:
        """Keys of the items deleted in full (none in a dry run)."""
        if self.dry_run:
            return ()
        return tuple(item.key for item in self.items if item.ok)

    @property
    def failures(self) -> tuple[tuple[str, str], ...]:
        """(key, error) of every item a step failed for (not one that was stopped)."""
        return tuple(
            (item.key, item.error or "failed")
            for item in self.items
            if not item.ok and not item.stopped
        )

    def apply_to(self, ledger: Ledger, at: datetime) -> Ledger:
        """Record the outcome in the ledger: deleted items leave, failures count."""
        if self.dry_run:
            return ledger
        ledger = ledger.record_deleted(self.deleted_keys)
        for key, error in self.failures:
            ledger = ledger.record_failure(key, error, at)
        return ledger


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionSyncResult:
    """What syncing the leaving soon collection did (or would do, in a dry run)."""

    collection_id: str | None
    created: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]
    dry_run: bool


class _StepFailedError(Exception):
    """A step failed; the item stops here."""

    def __init__(self, result: StepResult) -> None:
        super().__init__(result.error)
        self.result = result


class _StoppedError(_StepFailedError):
    """The caller stopped the run before this step: nothing more is sent."""


def _ids_of(item: Candidate) -> list[int]:
    """Read the *arr ids after "<instance>/<kind>/" in the key."""
    prefix = f"{item.instance_id}/{item.kind}/"
    if not item.key.startswith(prefix):
        raise ValueError
    return [int(part) for part in item.key[len(prefix) :].split("/")]


@dataclass(slots=True)
class _Runner:
    """Runs the steps of items; remembers the Jellyseerr list for the run."""

    clients: ClientResolver
    dry_run: bool
    add_import_exclusion: bool
    jellyseerr: JellyseerrClient | None
    keep_going: KeepGoing | None = None
    stopped: bool = False
    _media: dict[tuple[str, int], int] | None = None
    _media_error: str | None = None
    _steps: list[StepResult] = field(default_factory=list)
    # The step under way: the one a client error is reported for.
    _step: StepName = "unmonitor"

    def _client(self, item: Candidate) -> ArrClient | None:
        if isinstance(self.clients, Mapping):
            return self.clients.get(item.instance_id)
        return self.clients(item.instance_id)

    def _fail(self, step: StepName, error: str) -> _StepFailedError:
        return _StepFailedError(StepResult(step=step, ok=False, error=error))

    async def _change(
        self,
        step: StepName,
        send: Callable[[], Awaitable[None]],
        *,
        detail: str | None = None,
        gone_ok: bool = False,
    ) -> None:
        """Send one change, or only note it in a dry run."""
        self._step = step
        if self.dry_run:
            self._steps.append(StepResult(step=step, ok=True, detail=_DRY_RUN))
            return
        if self.keep_going is not None and not self.keep_going():
            raise _StoppedError(
                StepResult(step=step, ok=False, error="the run was stopped")
            )
        try:
            await send()
        except NotFoundError:
            if not gone_ok:
                raise
            detail = "already gone"
        self._steps.append(
            StepResult(step=step, ok=True, performed=True, detail=detail)
        )

    async def run(self, deletion: DeletionItem | Candidate) -> ItemResult:
        """Take every step for one item, stopping at the first failure."""
        item = deletion.item if isinstance(deletion, DeletionItem) else deletion
        self._steps = []
        self._step = "unmonitor"
        try:
            try:
                ids = _ids_of(item)
            except ValueError:
                raise self._fail("unmonitor", "the item key cannot be read") from None
            client = self._client(item)
            if client is None:
                raise self._fail(
                    "unmonitor", f"no client for instance {item.instance_id}"
                )
            await self._arr_steps(item, client, ids)
            self._step = "jellyseerr"
            await self._jellyseerr_step(item)
        except _StepFailedError as failed:
            self._steps.append(failed.result)
            self.stopped = isinstance(failed, _StoppedError)
        except LcarsClientError as err:
            self._steps.append(StepResult(step=self._step, ok=False, error=str(err)))
        return ItemResult(
            key=item.key,
            title=item.title,
            kind=item.kind,
            steps=tuple(self._steps),
            stopped=self.stopped,
        )

    async def _arr_steps(
        self, item: Candidate, client: ArrClient, ids: list[int]
    ) -> None:
        """Unmonitor and delete in the *arr."""
        kind = item.kind
        expected = {
            "movie": RadarrClient,
            "series": SonarrClient,
            "season": SonarrClient,
            "episode": SonarrClient,
            "album": LidarrClient,
        }[kind]
        if not isinstance(client, expected):
            raise self._fail(
                "unmonitor",
                f"instance {item.instance_id} is not a {expected.service} instance",
            )
        if kind in ("movie", "series") and len(ids) == 1:
            await self._whole_item(client, ids[0])
        elif isinstance(client, SonarrClient) and kind in ("season", "episode"):
            await self._episode_files(item, client, ids)
        elif isinstance(client, LidarrClient) and len(ids) == 1:
            await self._album(client, ids[0])
        else:
            raise self._fail("unmonitor", "the item key cannot be read")

    async def _whole_item(self, client: ArrClient, item_id: int) -> None:
        await self._change(
            "unmonitor", lambda: client.async_set_monitored([item_id], False)
        )
        exclusion = self.add_import_exclusion

        async def delete() -> None:
            if isinstance(client, RadarrClient):
                await client.async_delete_movie(
                    item_id, delete_files=True, add_exclusion=exclusion
                )
            else:
                # Only movies and series are deleted whole (see `_arr_steps`).
                assert isinstance(client, SonarrClient)
                await client.async_delete_series(
                    item_id, delete_files=True, add_exclusion=exclusion
                )

        await self._change("delete", delete, gone_ok=True)

    async def _episode_files(
        self, item: Candidate, client: SonarrClient, ids: list[int]
    ) -> None:
        """Delete the files of a season or one rolling episode; the series stays."""
        if item.kind == "season" and len(ids) == 2:
            series_id, season, number = ids[0], ids[1], None
        elif item.kind == "episode" and len(ids) == 3:
            series_id, season, number = ids
        else:
            raise self._fail("find_files", "the item key cannot be read")
        step: StepName = "find_files"
        self._step = step
        episodes: list[Episode] = await client.async_get_episodes(series_id, season)
        if number is not None:
            episodes = [e for e in episodes if e.episode_number == number]
            if not episodes:
                raise self._fail(
                    step,
                    f"{client.service} at {client.url}: episode {number} of "
                    f"season {season} of series {series_id} does not exist",
                )
        file_ids = sorted({e.episode_file_id for e in episodes if e.episode_file_id})
        self._steps.append(
            StepResult(
                step=step,
                ok=True,
                detail=f"{len(episodes)} episodes, {len(file_ids)} files",
            )
        )
        monitored = [e.id for e in episodes if e.monitored]
        step = "unmonitor"
        if monitored:
            await self._change(
                step, lambda: client.async_set_episodes_monitored(monitored, False)
            )
        else:
            self._steps.append(StepResult(step=step, ok=True, detail="not monitored"))
        step = "delete_files"
        if file_ids:
            await self._change(
                step,
                lambda: client.async_delete_episode_files(file_ids),
                detail=f"{len(file_ids)} files",
            )
        else:
            self._steps.append(StepResult(step=step, ok=True, detail="no files"))

    async def _album(self, client: LidarrClient, album_id: int) -> None:
        """Unmonitor an album and delete its track files; it stays listed."""
        await self._change(
            "unmonitor", lambda: client.async_set_albums_monitored([album_id], False)
        )
        step: StepName = "find_files"
        self._step = step
        file_ids = await client.async_get_album_track_file_ids(album_id)
        self._steps.append(
            StepResult(step=step, ok=True, detail=f"{len(file_ids)} files")
        )
        step = "delete_files"
        if file_ids:
            await self._change(
                step,
                lambda: client.async_delete_track_files(file_ids),
                detail=f"{len(file_ids)} files",
            )
        else:
            self._steps.append(StepResult(step=step, ok=True, detail="no files"))

    async def _media_index(self, seerr: JellyseerrClient) -> dict[tuple[str, int], int]:
        """Read every media entry once per run; a failure is kept for the run."""
        if self._media_error is not None:
            raise self._fail("jellyseerr", self._media_error)
        if self._media is None:
            try:
                refs = await seerr.async_get_media_refs()
            except LcarsClientError as err:
                self._media_error = str(err)
                raise self._fail("jellyseerr", self._media_error) from None
            self._media = _index_media(refs)
        return self._media

    async def _jellyseerr_step(self, item: Candidate) -> None:
        """Remove the media entry (and so its requests) of a movie or series."""
        seerr = self.jellyseerr
        # Albums are not requested through Jellyseerr, and a rolling
        # episode leaves its series requested.
        if seerr is None or item.kind in ("album", "episode"):
            return
        lookups: list[tuple[str, int]] = []
        if item.kind == "movie":
            if item.ids.tmdb is not None:
                lookups.append(("movie", item.ids.tmdb))
        else:
            if item.ids.tvdb is not None:
                lookups.append(("tv-tvdb", item.ids.tvdb))
            if item.ids.tmdb is not None:
                lookups.append(("tv-tmdb", item.ids.tmdb))
        if not lookups:
            self._steps.append(
                StepResult(step="jellyseerr", ok=True, detail="no provider id")
            )
            return
        index = await self._media_index(seerr)
        media_id = next((index[k] for k in lookups if k in index), None)
        if media_id is None:
            self._steps.append(
                StepResult(step="jellyseerr", ok=True, detail="not in Jellyseerr")
            )
            return
        await self._change(
            "jellyseerr",
            lambda: seerr.async_delete_media(media_id),
            detail=f"media {media_id} removed",
            gone_ok=True,
        )


def _index_media(refs: Iterable[SeerrMediaRef]) -> dict[tuple[str, int], int]:
    index: dict[tuple[str, int], int] = {}
    for ref in refs:
        if ref.media_type == "movie" and ref.tmdb_id is not None:
            index.setdefault(("movie", ref.tmdb_id), ref.id)
        elif ref.media_type == "tv":
            if ref.tvdb_id is not None:
                index.setdefault(("tv-tvdb", ref.tvdb_id), ref.id)
            if ref.tmdb_id is not None:
                index.setdefault(("tv-tmdb", ref.tmdb_id), ref.id)
    return index


async def _refresh_jellyfin(
    jellyfin: JellyfinClient | None, results: Iterable[ItemResult], *, dry_run: bool
) -> StepResult | None:
    """Scan the Jellyfin libraries once, if anything was (or would be) deleted."""
    if jellyfin is None:
        return None
    results = list(results)
    if dry_run:
        if not any(r.ok for r in results):
            return None
        return StepResult(step="jellyfin_refresh", ok=True, detail=_DRY_RUN)
    if not any(r.changed for r in results):
        return None
    try:
        await jellyfin.async_refresh_library()
    except LcarsClientError as err:
        return StepResult(step="jellyfin_refresh", ok=False, error=str(err))
    return StepResult(step="jellyfin_refresh", ok=True, performed=True)


async def execute_plan(
    items: Iterable[DeletionItem | Candidate],
    clients: ClientResolver,
    *,
    dry_run: bool,
    add_import_exclusion: bool = False,
    jellyseerr: JellyseerrClient | None = None,
    jellyfin: JellyfinClient | None = None,
    keep_going: KeepGoing | None = None,
) -> ExecutionReport:
    """Delete the items in order (a plan's `delete_now`) and report each outcome.

    `clients` gives the client of each *arr instance id. Jellyseerr's media
    list is read once per run and Jellyfin scans once at the end, so the
    requests besides the deletions do not grow with the library. Record the
    outcome with `ExecutionReport.apply_to(ledger, now)`. `keep_going` is
    asked before every change; once it says no, nothing more is sent (not
    even the Jellyfin scan) and the report says the run was stopped.
    """
    runner = _Runner(
        clients=clients,
        dry_run=dry_run,
        add_import_exclusion=add_import_exclusion,
        jellyseerr=jellyseerr,
        keep_going=keep_going,
    )
    results: list[ItemResult] = []
    taken: set[str] = set()
    for item in items:
        key = item.item.key if isinstance(item, DeletionItem) else item.key
        if key in taken:
            # Never delete one item twice (the planner holds duplicates).
            continue
        taken.add(key)
        results.append(await runner.run(item))
        if runner.stopped:
            return ExecutionReport(dry_run=dry_run, items=tuple(results), stopped=True)
    if keep_going is not None and not dry_run and not keep_going():
        return ExecutionReport(dry_run=dry_run, items=tuple(results), stopped=True)
    refresh = await _refresh_jellyfin(jellyfin, results, dry_run=dry_run)
    return ExecutionReport(
        dry_run=dry_run, items=tuple(results), library_refresh=refresh
    )


async def sync_leaving_soon_collection(
    jellyfin_client: JellyfinClient,
    item_ids: Iterable[str],
    *,
    dry_run: bool = False,
    name: str = LEAVING_SOON_COLLECTION,
) -> CollectionSyncResult:
    """Make the Jellyfin collection hold exactly the items leaving soon.

    The collection is created when needed (not while nothing is leaving),
    then items are added and removed in batches. In a dry run nothing is
    written and the result tells what would change.
    """
    wanted: dict[str, str] = {}
    for item_id in item_ids:
        wanted.setdefault(normalize_item_id(item_id), item_id)
    collection_id = await jellyfin_client.async_find_collection(name)
    if collection_id is None:
        if not wanted:
            return CollectionSyncResult(
                collection_id=None, created=False, added=(), removed=(), dry_run=dry_run
            )
        added = tuple(wanted.values())
        if not dry_run:
            collection_id = await jellyfin_client.async_create_collection(name, added)
        return CollectionSyncResult(
            collection_id=collection_id,
            created=True,
            added=added,
            removed=(),
            dry_run=dry_run,
        )
    current = {
        normalize_item_id(i): i
        for i in await jellyfin_client.async_get_collection_item_ids(collection_id)
    }
    add = tuple(original for key, original in wanted.items() if key not in current)
    remove = tuple(original for key, original in current.items() if key not in wanted)
    if not dry_run:
        if add:
            await jellyfin_client.async_add_to_collection(collection_id, add)
        if remove:
            await jellyfin_client.async_remove_from_collection(collection_id, remove)
    return CollectionSyncResult(
        collection_id=collection_id,
        created=False,
        added=add,
        removed=remove,
        dry_run=dry_run,
    )
