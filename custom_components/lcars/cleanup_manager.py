"""The cleanup of one LCARS entry: schedule, ledger, runs, events.

The policy itself lives in the `cleanup` subpackage, free of Home Assistant;
this module feeds it the coordinators' data, keeps the ledger in a `Store`,
carries out the plan through the clients and tells the rest of Home
Assistant (entities, the event bus) what happened.

A run belongs to the loaded entry that started it: unloading the entry stops
it (`async_shutdown`) before anything else unloads, and from then on it sends
no change to any server and saves nothing, so a new instance of the entry
starts from what is stored and nothing of the old run overwrites it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import time
from typing import Any, Final, Literal, cast
import uuid

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .cleanup import (
    Candidate,
    CleanupPolicy,
    Ledger,
    LedgerError,
    Plan,
    Protection,
    SourceHealth,
    SourceKind,
    plan_cleanup,
    protections_of,
)
from .cleanup.candidates import (
    SourceFact,
    build_candidates,
    disk_figures,
    instance_id,
    iter_candidates,
    rolling_series_ids,
    source_health,
)
from .cleanup.clock import ClockReading
from .cleanup.execute import ExecutionReport, execute_plan, sync_leaving_soon_collection
from .cleanup.model import MediaType, trusted_size
from .cleanup.reasons import protections as protections_text
from .cleanup.records import (
    CleanupResult,
    CleanupRunSummary,
    CleanupState,
    DeletedEntry,
    LeavingSoonEntry,
)
from .clients import LcarsClientError
from .clients.arr import ArrClient
from .clients.models import (
    Episode,
    EpisodeWatch,
    JellyfinSnapshot,
    LidarrSnapshot,
    MissingWatchData,
    RadarrSnapshot,
    Rows,
    SonarrSnapshot,
)
from .const import (
    CONF_CLEANUP,
    CONF_CLEANUP_INTERVAL,
    CONF_CLEANUP_POLICY,
    CONF_IMPORT_EXCLUSION,
    CONF_LEAVING_SOON_COLLECTION,
    DEFAULT_CLEANUP_INTERVAL_MINUTES,
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_DELETED,
    LOGGER,
)
from .coordinator import AnyCoordinator, Services, SonarrCoordinator
from .listeners import async_subscribe
from .torrent.models import TorrentState
from .torrent_manager import TorrentManager

type CleanupTrigger = Literal["schedule", "button", "action", "delete_media"]

# Repair issues, one of each per entry (the entry id follows the name).
ISSUE_STATE_UNREADABLE: Final = "cleanup_state_unreadable"
ISSUE_WATCH_DATA_MISSING: Final = "jellyfin_watch_data_missing"

# Linux names each boot: readings of the monotonic clock (which counts from
# the boot) compare across restarts of Home Assistant on the same boot.
BOOT_ID_FILE: Final = "/proc/sys/kernel/random/boot_id"
# Elsewhere, readings compare within this process only.
_PROCESS_CLOCK: Final = f"process:{uuid.uuid4().hex}"

STORAGE_VERSION: Final = 1
# The first automatic run after a start comes soon, so that leaving soon
# reflects the libraries again, but not while Home Assistant is starting.
STARTUP_DELAY: Final = timedelta(minutes=2)
# Episode lists of rolling series fetched at once.
ROLLING_FETCHES: Final = 4

MEDIA_TYPE_OF_SERVICE: Final[dict[str, MediaType]] = {
    "radarr": "movies",
    "sonarr": "series",
    "lidarr": "albums",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupInputs:
    """What the planner reads, gathered from the coordinators on the loop."""

    radarr: dict[str, RadarrSnapshot]
    sonarr: dict[str, SonarrSnapshot]
    lidarr: dict[str, LidarrSnapshot]
    jellyfin: JellyfinSnapshot | None
    episode_watch: Rows[EpisodeWatch] | None
    rolling: dict[str, dict[int, Sequence[Episode]]]
    facts: tuple[SourceFact, ...]
    jellyfin_configured: bool
    # Counted Jellyfin users whose watch data did not come in full.
    missing_watch_data: tuple[MissingWatchData, ...] = ()

    def health(self) -> SourceHealth:
        """Return the state of the sources, and whose watch data is missing."""
        return source_health(
            self.facts,
            jellyfin_configured=self.jellyfin_configured,
            missing_watch_data=self.missing_watch_data,
        )

    def candidates(
        self,
        policy: CleanupPolicy,
        seeding: Callable[[Candidate], bool] | None = None,
    ) -> list[Candidate]:
        """Build every candidate (hundreds of milliseconds for a large library)."""
        return build_candidates(
            policy=policy,
            radarr=self.radarr,
            sonarr=self.sonarr,
            lidarr=self.lidarr,
            jellyfin=self.jellyfin,
            episode_watch=self.episode_watch,
            rolling_episodes=self.rolling,
            seeding=seeding,
        )

    def plan(
        self,
        policy: CleanupPolicy,
        ledger: Ledger,
        now: datetime,
        seeding: Callable[[Candidate], bool] | None = None,
        clock: ClockReading | None = None,
    ) -> Plan:
        """Plan the cleanup; runs in an executor."""
        return plan_cleanup(
            self.candidates(policy, seeding),
            disks=disk_figures(
                radarr=self.radarr, sonarr=self.sonarr, lidarr=self.lidarr
            ),
            health=self.health(),
            policy=policy,
            ledger=ledger,
            now=now,
            clock=clock,
        )


def _source_fact(coordinator: AnyCoordinator, *, ok: bool = True) -> SourceFact:
    """Return what the last refresh of one coordinator tells about its source."""
    return SourceFact(
        kind=cast("SourceKind", coordinator.kind),
        instance=coordinator.subentry_id,
        ok=ok and coordinator.last_update_success,
        fetched_at=coordinator.last_fetched_at,
        name=coordinator.subentry.title,
    )


async def _async_rolling_episodes(
    sonarr: Sequence[SonarrCoordinator], policy: CleanupPolicy
) -> tuple[dict[str, dict[int, Sequence[Episode]]], set[str]]:
    """Fetch the episodes of the rolling series, and name the instances that failed.

    One request per rolling series, never per series of the library.
    """
    snapshots = {c.subentry_id: c.data for c in sonarr if c.data is not None}
    wanted = rolling_series_ids(snapshots, policy)
    coordinators = {c.subentry_id: c for c in sonarr}
    episodes: dict[str, dict[int, Sequence[Episode]]] = {}
    failed: set[str] = set()
    # A few at a time: a user may tag many series as rolling.
    slots = asyncio.Semaphore(ROLLING_FETCHES)

    async def fetch(instance: str, series_id: int) -> None:
        try:
            async with slots:
                client = coordinators[instance].client
                found = await client.async_get_episodes(series_id)
        except LcarsClientError:
            failed.add(instance)
            return
        episodes.setdefault(instance, {})[series_id] = found

    await asyncio.gather(
        *(
            fetch(instance, series_id)
            for instance, series_ids in wanted.items()
            for series_id in series_ids
        )
    )
    return episodes, failed


async def async_gather_inputs(data: Services, policy: CleanupPolicy) -> CleanupInputs:
    """Collect the planner's input from the coordinators' last snapshots.

    Only the Jellyfin episode watch data and the episodes of rolling series
    are fetched here, as the snapshots do not hold them. A coordinator
    without data (its refresh failed) gives no snapshot; its failed source
    then makes the plan fail closed.
    """
    failed: set[str] = set()
    # The planner matches one Jellyfin server: the first one connected.
    jellyfin = data.jellyfin[0] if data.jellyfin else None
    snapshot: JellyfinSnapshot | None = None
    episode_watch: Rows[EpisodeWatch] | None = None
    missing: list[MissingWatchData] = []
    if jellyfin is not None and jellyfin.data is not None:
        snapshot = jellyfin.data
        missing.extend(snapshot.missing_watch_data)
        try:
            episode_watch = await jellyfin.client.async_get_episode_watch(
                missing=missing
            )
        except LcarsClientError:
            failed.add(jellyfin.subentry_id)
    rolling, failed_sonarr = await _async_rolling_episodes(data.sonarr, policy)
    failed |= failed_sonarr
    return CleanupInputs(
        radarr={c.subentry_id: c.data for c in data.radarr if c.data is not None},
        sonarr={c.subentry_id: c.data for c in data.sonarr if c.data is not None},
        lidarr={c.subentry_id: c.data for c in data.lidarr if c.data is not None},
        jellyfin=snapshot,
        episode_watch=episode_watch,
        rolling=rolling,
        facts=tuple(
            _source_fact(c, ok=c.subentry_id not in failed)
            for c in data.coordinators.values()
            if c.kind != "jellyfin" or c is jellyfin
        ),
        jellyfin_configured=jellyfin is not None,
        missing_watch_data=tuple(missing),
    )


_UNLOADED: Final = "Stopped: the LCARS entry was unloaded during the run"


def _monotonic() -> float:
    # Looked up on every call, so that a test's clock (freezegun) applies.
    return time.monotonic()


def _read_boot_id() -> str | None:
    """Return the id of this boot of the machine, or None where there is none."""
    try:
        with open(BOOT_ID_FILE, encoding="ascii") as file:
            return file.read().strip() or None
    except OSError:
        return None


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.cleanup")


@dataclass(frozen=True, slots=True)
class _Planned:
    """A plan with its texts, worked out in the executor."""

    plan: Plan
    leaving_soon: tuple[LeavingSoonEntry, ...]
    # Key -> the deletion's entry, with its reason.
    due: dict[str, DeletedEntry]
    # Key -> the same item as it stays listed when it is not deleted (a dry
    # run, or a deletion that failed).
    due_listed: dict[str, LeavingSoonEntry]


class CleanupManager:
    """Runs the cleanup policy of one LCARS entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        services: Services,
        torrent: TorrentManager | None,
    ) -> None:
        """Read the options; `PolicyError` when the stored policy is invalid.

        `torrent` is the entry's BitTorrent client: what it seeds is kept.
        """
        self.hass = hass
        self.entry = entry
        self.services = services
        self.torrent = torrent
        options: Mapping[str, Any] = entry.options.get(CONF_CLEANUP, {})
        self.policy = CleanupPolicy.from_dict(options.get(CONF_CLEANUP_POLICY, {}))
        self.interval = timedelta(
            minutes=int(
                options.get(CONF_CLEANUP_INTERVAL, DEFAULT_CLEANUP_INTERVAL_MINUTES)
            )
        )
        self.add_import_exclusion = bool(options.get(CONF_IMPORT_EXCLUSION, False))
        self.sync_collection = bool(options.get(CONF_LEAVING_SOON_COLLECTION, True))
        self._store = _store(hass, entry.entry_id)
        # Dry run stays on until the user turns it off, across restarts.
        self.dry_run = True
        self.automatic = True
        self.ledger = Ledger()
        self.leaving_soon: tuple[LeavingSoonEntry, ...] = ()
        self.last_run: CleanupRunSummary | None = None
        self.running = False
        self.next_run: datetime | None = None
        # Worked out before each plan from the torrents seeding now: their
        # library items are kept.
        self.seeding: Callable[[Candidate], bool] | None = None
        # Info hash -> the library items it went to, by *arr instance id. An
        # import does not change, so each torrent is looked up once.
        self._downloads: dict[str, dict[str, set[int]]] = {}
        self._lock = asyncio.Lock()
        self._listeners: list[CALLBACK_TYPE] = []
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._cancel_stop: CALLBACK_TYPE | None = None
        # Set once the entry unloads: nothing is sent or saved any more.
        self._closed = False
        # The runs and deletions under way, stopped when the entry unloads.
        self._work: set[asyncio.Task[Any]] = set()
        # Counts the times dry run was turned on: a run stops sending changes
        # when it changes under it.
        self._dry_run_turned_on = 0
        # Which monotonic clock readings come from (see `cleanup.clock`).
        self._clock_source = _PROCESS_CLOCK
        self.monotonic: Callable[[], float] = _monotonic

    @property
    def closed(self) -> bool:
        """Whether the entry unloads: nothing is sent or saved any more."""
        return self._closed

    # -- state -----------------------------------------------------------

    def read_clock(self) -> ClockReading:
        """Read the wall clock and the monotonic clock together."""
        return ClockReading(
            wall=dt_util.utcnow(), monotonic=self.monotonic(), source=self._clock_source
        )

    async def async_load(self) -> None:
        """Read the switches, the ledger and the last run from storage.

        Stored state that cannot be read, whatever its shape, is dropped:
        dry run is on, nothing is listed, and a repair issue says so.
        """
        boot = await self.hass.async_add_executor_job(_read_boot_id)
        if boot:
            self._clock_source = f"boot:{boot}"
        try:
            stored = await self._store.async_load()
            if stored is not None:
                self._read_stored(stored)
        except (
            HomeAssistantError,
            NotImplementedError,
            LedgerError,
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
        ) as err:
            # Starting again from an empty ledger restarts every grace period:
            # items wait longer, never shorter; and nothing is deleted until
            # an administrator turns dry run off again.
            LOGGER.warning(
                "The stored cleanup state is unreadable; dry run is on and"
                " the cleanup starts anew: %s",
                err,
            )
            self.dry_run = True
            self.automatic = True
            self.ledger = Ledger()
            self.leaving_soon = ()
            self.last_run = None
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"{ISSUE_STATE_UNREADABLE}_{self.entry.entry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_STATE_UNREADABLE,
                translation_placeholders={
                    "entry": self.entry.title,
                    "error": str(err)[:200],
                },
            )

    def _read_stored(self, stored: Any) -> None:
        """Take the stored state; raise on anything of the wrong shape or type."""
        state = CleanupState.from_dict(stored)
        self.dry_run, self.automatic, self.ledger = (
            state.dry_run,
            state.automatic,
            state.ledger,
        )
        self.leaving_soon, self.last_run = state.leaving_soon, state.last_run

    def _stored(self) -> dict[str, Any]:
        return CleanupState(
            dry_run=self.dry_run,
            automatic=self.automatic,
            ledger=self.ledger,
            leaving_soon=self.leaving_soon,
            last_run=self.last_run,
        ).as_dict()

    async def _async_save(self) -> None:
        # Saved at once, not delayed: the ledger is what guarantees the grace
        # period, and must not be lost by a crash right after a run. Never
        # once the entry unloads: the store belongs to the next instance.
        if self._closed:
            return
        await self._store.async_save(self._stored())

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the stored state (and the repair issues) of a removed entry."""
        await _store(hass, entry_id).async_remove()
        for issue in (ISSUE_STATE_UNREADABLE, ISSUE_WATCH_DATA_MISSING):
            ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update_callback` after every change; return the unsubscribe."""
        return async_subscribe(self._listeners, update_callback)

    @callback
    def _notify(self) -> None:
        for update_callback in list(self._listeners):
            update_callback()

    async def async_set_dry_run(self, on: bool) -> None:
        """Turn dry run on or off (kept across restarts).

        A dry run writes to no server, so Jellyfin's Leaving Soon collection
        never showed what it listed. Turning it off therefore starts the
        grace period of everything on leaving soon again: each item is
        announced for the full period before it can go. Turning it off waits
        for a run under way; turning it on stops the run's changes at once.
        """
        if on:
            if not self.dry_run:
                self._dry_run_turned_on += 1
            self.dry_run = True
            await self._async_save()
            self._notify()
            return
        async with self._lock:
            if self.dry_run:
                clock = self.read_clock()
                now = clock.wall
                grace = timedelta(days=self.policy.grace_days)
                self.ledger = self.ledger.restart_grace(now, grace, clock)
                self.leaving_soon = tuple(
                    replace(e, entered=now, delete_on=now + grace)
                    for e in self.leaving_soon
                )
            self.dry_run = False
            await self._async_save()
        # The administrator decided: the notice of a lost state is done.
        ir.async_delete_issue(
            self.hass, DOMAIN, f"{ISSUE_STATE_UNREADABLE}_{self.entry.entry_id}"
        )
        self._notify()

    async def async_set_automatic(self, on: bool) -> None:
        """Turn the scheduled runs on or off (kept across restarts)."""
        self.automatic = on
        await self._async_save()
        if on:
            self._schedule(self.interval)
        else:
            self._unschedule()
        self._notify()

    def expiration_days(self, kind: str, free_percent: float | None) -> int | None:
        """Return the age limit in effect for a root folder of an *arr kind."""
        media_type = MEDIA_TYPE_OF_SERVICE.get(kind)
        if media_type is None or free_percent is None:
            return None
        return self.policy.limit_at(media_type, free_percent)

    # -- schedule --------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the schedule (when automatic) and stop it with Home Assistant."""
        if self.automatic:
            self._schedule(STARTUP_DELAY)

        @callback
        def stop(_event: Event) -> None:
            self._cancel_stop = None
            self._unschedule()

        self._cancel_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, stop
        )

    @callback
    def async_stop(self) -> None:
        """Stop the schedule (the entry unloads)."""
        self._unschedule()
        if self._cancel_stop is not None:
            self._cancel_stop()
            self._cancel_stop = None

    async def async_shutdown(self) -> None:
        """Stop everything under way: the entry unloads (or reloads).

        From here on no change reaches any server and nothing is saved; the
        run in progress is cancelled and awaited, so that it is over before
        a new instance of the entry reads the store.
        """
        self._closed = True
        self.async_stop()
        work = list(self._work)
        for task in work:
            task.cancel()
        if work:
            await asyncio.wait(work)

    def _keep_going(self, turned_on: int) -> Callable[[], bool]:
        """Whether a run that started with this count may still send changes."""
        return lambda: not self._closed and self._dry_run_turned_on == turned_on

    async def _async_owned[T](self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` as a task the entry can stop; CancelledError when it does."""
        task = self.hass.async_create_task(work, eager_start=False)
        self._work.add(task)
        try:
            return await task
        finally:
            self._work.discard(task)

    @callback
    def _schedule(self, delay: timedelta) -> None:
        self._unschedule()
        self.next_run = dt_util.utcnow() + delay
        self._cancel_timer = async_call_later(self.hass, delay, self._on_timer)
        self._notify()

    @callback
    def _unschedule(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None
        self.next_run = None
        self._notify()

    @callback
    def _on_timer(self, _now: datetime) -> None:
        self._cancel_timer = None
        self._schedule(self.interval)
        self.entry.async_create_background_task(
            self.hass, self.async_run(trigger="schedule"), "lcars cleanup run"
        )

    # -- runs ------------------------------------------------------------

    async def async_preview(self) -> Plan:
        """Plan with fresh data and the current ledger; changes nothing."""
        async with self._lock:
            await self._async_refresh_sources()
            inputs = await async_gather_inputs(self.services, self.policy)
            clock = self.read_clock()
            now = dt_util.as_local(clock.wall)
            plan = await self.hass.async_add_executor_job(
                inputs.plan, self.policy, self.ledger, now, self.seeding, clock
            )
            self._update_watch_data_issue(inputs.health())
            return plan

    async def async_run(
        self, *, trigger: CleanupTrigger, dry_run: bool | None = None
    ) -> CleanupRunSummary:
        """Plan and carry out a cleanup; return what it did.

        `dry_run` overrides the switch for this run only. A run never raises:
        an error is its result, so that automations and entities see it.
        """
        async with self._lock:
            started = dt_util.utcnow()
            dry = self.dry_run if dry_run is None else dry_run
            if self._closed:
                return self._error(started, trigger, dry, _UNLOADED)
            self.running = True
            self._notify()
            try:
                summary = await self._async_owned(
                    self._async_run(trigger, dry, started)
                )
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not self.closed or (current is not None and current.cancelling()):
                    raise
                # Stopped by the unload: the entry's state is the next
                # instance's, so this run records nothing.
                self.running = False
                return self._error(started, trigger, dry, _UNLOADED)
            except (LcarsClientError, HomeAssistantError) as err:
                LOGGER.warning("Cleanup stopped: %s", err)
                summary = self._error(started, trigger, dry, str(err))
            except Exception as err:  # noqa: BLE001 - every run must end with a result
                LOGGER.exception("Cleanup stopped by an unexpected error")
                summary = self._error(started, trigger, dry, repr(err))
            finally:
                self.running = False
            self.last_run = summary
            await self._async_save()
            self._fire_finished(summary)
            self._notify()
            return summary

    def _error(
        self, started: datetime, trigger: str, dry: bool, message: str
    ) -> CleanupRunSummary:
        return CleanupRunSummary(
            started=started,
            finished=dt_util.utcnow(),
            result="error",
            dry_run=dry,
            trigger=trigger,
            leaving_soon_count=len(self.leaving_soon),
            message=message,
        )

    async def _async_refresh_sources(self) -> None:
        """Refresh every service first: a run decides on fresh figures only.

        Also works out which library items are still seeding.
        """
        await asyncio.gather(
            *(c.async_refresh() for c in self.services.coordinators.values())
        )
        self.seeding = await self._async_seeding_check()

    async def _async_seeding_check(self) -> Callable[[Candidate], bool] | None:
        """Return whether a candidate's files are seeding, or None without torrents.

        The *arr history says which library item each torrent went to (by
        its info hash, the download id). A lookup that fails raises: without
        it, a seeding item could look free to delete.
        """
        torrent = self.torrent
        if torrent is None or not torrent.running:
            return None
        seeding = {
            status.info_hash
            for status in torrent.torrents()
            if status.state in (TorrentState.SEEDING, TorrentState.FINISHED)
        }
        arr = self.services.arr
        # A service not heard from since setup is not asked (the plan fails
        # closed on it); lookups made without it are made again later.
        unasked = any(coordinator.data is None for coordinator in arr)
        new = seeding - set(self._downloads)
        for info_hash in new:
            found: dict[str, set[int]] = {}
            for coordinator in arr:
                if coordinator.data is None:
                    continue
                try:
                    items = await coordinator.client.async_get_downloaded_items(
                        info_hash
                    )
                except LcarsClientError as err:
                    raise HomeAssistantError(
                        translation_domain=DOMAIN,
                        translation_key="seeding_lookup_failed",
                        translation_placeholders={
                            "service": coordinator.subentry.title,
                            "error": err.detail,
                        },
                    ) from err
                if items:
                    source = instance_id(
                        cast("SourceKind", coordinator.kind), coordinator.subentry_id
                    )
                    found[source] = items
            self._downloads[info_hash] = found
        kept: set[tuple[str, int]] = {
            (source, item_id)
            for info_hash in seeding
            for source, items in self._downloads[info_hash].items()
            for item_id in items
        }
        if unasked:
            for info_hash in new:
                del self._downloads[info_hash]
        if not kept:
            return None

        def is_seeding(item: Candidate) -> bool:
            # Movies and albums by their own id; seasons and episodes by
            # their series, as Sonarr's history names the series.
            number = item.key.split("/")[3]
            return (item.instance_id, int(number)) in kept

        return is_seeding

    def _titles(self) -> dict[str, str]:
        return {
            instance_id(cast("SourceKind", c.kind), c.subentry_id): c.subentry.title
            for c in self.services.coordinators.values()
        }

    def _work_out(
        self,
        inputs: CleanupInputs,
        now: datetime,
        titles: Mapping[str, str],
        clock: ClockReading | None = None,
    ) -> _Planned:
        """Plan and build the texts; runs in an executor."""
        plan = inputs.plan(self.policy, self.ledger, now, self.seeding, clock)

        def service_of(item: Candidate) -> tuple[str, str]:
            service = item.instance_id.split("/", 1)[0]
            return service, titles.get(item.instance_id, item.instance_id)

        def listed(
            item: Candidate, entered: datetime, delete_on: datetime, reason: str
        ) -> LeavingSoonEntry:
            service, instance = service_of(item)
            return LeavingSoonEntry(
                key=item.key,
                title=item.title,
                kind=item.kind,
                service=service,
                instance=instance,
                root_folder=item.root_folder,
                size=trusted_size(item),
                entered=entered,
                delete_on=delete_on,
                reason=reason,
                jellyfin_id=item.jellyfin_id,
            )

        due: dict[str, DeletedEntry] = {}
        due_listed: dict[str, LeavingSoonEntry] = {}
        for deletion in plan.delete_now:
            entry = listed(
                deletion.item, deletion.entered, deletion.delete_on, deletion.reason
            )
            due_listed[entry.key] = entry
            due[entry.key] = entry.deleted()
        return _Planned(
            plan=plan,
            leaving_soon=tuple(
                listed(e.item, e.entered, e.delete_on, e.reason)
                for e in plan.leaving_soon
            ),
            due=due,
            due_listed=due_listed,
        )

    def _client_of(self, instance: str) -> ArrClient | None:
        """Return the client of an *arr instance id, such as "radarr/<subentry id>"."""
        _kind, _sep, subentry_id = instance.partition("/")
        client = self.services.clients.get(subentry_id)
        return client if isinstance(client, ArrClient) else None

    async def _async_run(
        self, trigger: str, dry: bool, started: datetime
    ) -> CleanupRunSummary:
        keep_going = self._keep_going(self._dry_run_turned_on)
        await self._async_refresh_sources()
        inputs = await async_gather_inputs(self.services, self.policy)
        clock = self.read_clock()
        now = dt_util.as_local(clock.wall)
        planned = await self.hass.async_add_executor_job(
            self._work_out, inputs, now, self._titles(), clock
        )
        plan = planned.plan
        self._update_watch_data_issue(inputs.health())
        # Items new on leaving soon are on record before anything is deleted.
        self.ledger = plan.ledger
        await self._async_save()

        report: ExecutionReport | None = None
        if not plan.failed_closed and plan.delete_now:
            report = await self._async_execute(plan, dry, keep_going)
            self.ledger = report.apply_to(self.ledger, now)

        deleted_keys = set(report.deleted_keys) if report and not dry else set()
        failures = dict(report.failures) if report else {}
        # What stays: leaving soon, plus what was due but not deleted (a dry
        # run, or a deletion that failed), still waiting to go.
        remaining = list(planned.leaving_soon)
        remaining.extend(
            entry
            for key, entry in planned.due_listed.items()
            if key not in deleted_keys
        )
        remaining.sort(key=lambda e: (e.delete_on, e.title))
        if not plan.failed_closed:
            # A plan that failed closed keeps the list as it was: its view of
            # the libraries is in doubt.
            self.leaving_soon = tuple(remaining)

        message: str | None = None
        if plan.failed_closed:
            message = plan.summary
        collection_error = None
        stopped = report is not None and report.stopped
        if not plan.failed_closed and not dry and keep_going():
            # A dry run writes nothing anywhere, the collection included.
            collection_error = await self._async_sync_collection()

        deleted = tuple(
            entry
            for key, entry in planned.due.items()
            if (key in deleted_keys) or (dry and report is not None)
        )
        failed = tuple(
            (key, planned.due[key].title, error) for key, error in failures.items()
        )
        result: CleanupResult
        if plan.failed_closed:
            result = "failed_closed"
        elif failed and not dry:
            result = "error"
            message = (
                f"{len(failed)} of {len(planned.due)} deletions failed: "
                + "; ".join(f"{title}: {error}" for _key, title, error in failed)
            )
        elif stopped:
            result = "error"
            message = (
                "Stopped: dry run was turned on during the run; "
                f"{len(deleted)} of {len(planned.due)} deletions were done"
            )
        elif not planned.due:
            result = "listed" if self.leaving_soon else "nothing_to_do"
        elif dry:
            result = "dry_run"
        else:
            result = "ok"
        if collection_error and message is None:
            message = collection_error
        refresh_error = _refresh_error(report)
        if refresh_error and message is None:
            message = refresh_error
        summary = CleanupRunSummary(
            started=started,
            finished=dt_util.utcnow(),
            result=result,
            dry_run=dry,
            trigger=trigger,
            deleted=deleted,
            failed=failed,
            bytes_freed=0 if dry else sum(e.size for e in deleted),
            leaving_soon_count=len(self.leaving_soon),
            message=message,
        )
        if not dry:
            for entry in deleted:
                self._fire_deleted(entry)
        return summary

    def _instance_title(self, key: str) -> str:
        kind, _sep, rest = key.partition("/")
        subentry_id = rest.partition("/")[0]
        return self._titles().get(f"{kind}/{subentry_id}", subentry_id)

    async def _async_execute(
        self, plan: Plan, dry: bool, keep_going: Callable[[], bool]
    ) -> ExecutionReport:
        jellyseerr = (
            self.services.jellyseerr[0].client if self.services.jellyseerr else None
        )
        jellyfin = self.services.jellyfin[0].client if self.services.jellyfin else None
        return await execute_plan(
            plan.delete_now,
            self._client_of,
            dry_run=dry,
            add_import_exclusion=self.add_import_exclusion,
            jellyseerr=jellyseerr,
            jellyfin=jellyfin,
            keep_going=keep_going,
        )

    @callback
    def _update_watch_data_issue(self, health: SourceHealth) -> None:
        """Tell the user which counted Jellyfin users' watch data is missing."""
        issue_id = f"{ISSUE_WATCH_DATA_MISSING}_{self.entry.entry_id}"
        if not health.watch_data_gaps:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        jellyfin = (
            self.services.jellyfin[0].subentry.title if self.services.jellyfin else ""
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_WATCH_DATA_MISSING,
            translation_placeholders={
                "users": ", ".join(gap.user for gap in health.watch_data_gaps),
                "service": jellyfin,
            },
        )

    async def _async_sync_collection(self) -> str | None:
        """Make Jellyfin's Leaving Soon collection match; return an error text."""
        if not self.sync_collection or not self.services.jellyfin:
            return None
        client = self.services.jellyfin[0].client
        ids = [e.jellyfin_id for e in self.leaving_soon if e.jellyfin_id]
        try:
            await sync_leaving_soon_collection(client, ids)
        except LcarsClientError as err:
            LOGGER.warning("The Leaving Soon collection was not updated: %s", err)
            return f"The Leaving Soon collection was not updated: {err}"
        return None

    # -- one item ----------------------------------------------------------

    async def async_find_candidate(
        self, key: str, *, whole_series: bool
    ) -> Candidate | None:
        """Return the candidate with `key` from fresh data, or None."""
        policy = replace(
            self.policy,
            series_unit="series" if whole_series else "season",
            # Deleting one item by hand ignores rolling: a season of a rolling
            # series is still a season.
            rolling_tag="lcars-no-rolling-for-single-items",
        )
        await self._async_refresh_sources()
        inputs = await async_gather_inputs(self.services, policy)

        def find() -> Candidate | None:
            for item in iter_candidates(
                policy=policy,
                radarr=inputs.radarr,
                sonarr=inputs.sonarr,
                lidarr=inputs.lidarr,
                jellyfin=inputs.jellyfin,
                episode_watch=inputs.episode_watch,
                seeding=self.seeding,
            ):
                if item.key == key:
                    return item
            return None

        return await self.hass.async_add_executor_job(find)

    def protections(self, item: Candidate) -> tuple[Protection, ...]:
        """Return what keeps an item under the policy."""
        return protections_of(item, self.policy)

    @staticmethod
    def protections_text(found: Sequence[Protection]) -> str:
        """Name what protects an item, for a person."""
        return protections_text(found)

    async def async_delete_item(
        self, item: Candidate, *, dry_run: bool | None, reason: str
    ) -> tuple[CleanupRunSummary, ExecutionReport]:
        """Delete one item by the user's request, through the cleanup's steps."""
        async with self._lock:
            started = dt_util.utcnow()
            dry = self.dry_run if dry_run is None else dry_run
            if self._closed:
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="entry_unloading"
                )
            jellyseerr = (
                self.services.jellyseerr[0].client if self.services.jellyseerr else None
            )
            jellyfin = (
                self.services.jellyfin[0].client if self.services.jellyfin else None
            )
            try:
                report: ExecutionReport = await self._async_owned(
                    execute_plan(
                        (item,),
                        self._client_of,
                        dry_run=dry,
                        add_import_exclusion=self.add_import_exclusion,
                        jellyseerr=jellyseerr,
                        jellyfin=jellyfin,
                        keep_going=self._keep_going(self._dry_run_turned_on),
                    )
                )
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not self.closed or (current is not None and current.cancelling()):
                    raise
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="entry_unloading"
                ) from None
            now = dt_util.utcnow()
            self.ledger = report.apply_to(self.ledger, now)
            service = item.instance_id.split("/", 1)[0]
            # What a deletion by hand frees is told only when the size is known.
            size = item.size if item.size is not None and item.size > 0 else 0
            entry = DeletedEntry(
                key=item.key,
                title=item.title,
                kind=item.kind,
                service=service,
                instance=self._instance_title(item.key),
                size=size,
                reason=reason,
            )
            failed = tuple((key, item.title, error) for key, error in report.failures)
            deleted_now = not dry and item.key in report.deleted_keys
            if deleted_now:
                self.leaving_soon = tuple(
                    e for e in self.leaving_soon if e.key != item.key
                )
            summary = CleanupRunSummary(
                started=started,
                finished=now,
                result="error" if failed else ("dry_run" if dry else "ok"),
                dry_run=dry,
                trigger="delete_media",
                deleted=(entry,) if (deleted_now or (dry and not failed)) else (),
                failed=failed,
                bytes_freed=size if deleted_now else 0,
                leaving_soon_count=len(self.leaving_soon),
                message=failed[0][2] if failed else _refresh_error(report),
            )
            await self._async_save()
            if deleted_now:
                self._fire_deleted(entry)
                await self._async_sync_collection()
            self._notify()
            return summary, report

    # -- events ------------------------------------------------------------

    @callback
    def _fire_finished(self, summary: CleanupRunSummary) -> None:
        self.hass.bus.async_fire(
            EVENT_CLEANUP_FINISHED,
            {
                "config_entry_id": self.entry.entry_id,
                "result": summary.result,
                "dry_run": summary.dry_run,
                "trigger": summary.trigger,
                "deleted": len(summary.deleted),
                "failed": len(summary.failed),
                "bytes_freed": summary.bytes_freed,
                "leaving_soon": summary.leaving_soon_count,
                "message": summary.message,
            },
        )

    @callback
    def _fire_deleted(self, entry: DeletedEntry) -> None:
        self.hass.bus.async_fire(
            EVENT_MEDIA_DELETED,
            {"config_entry_id": self.entry.entry_id, **entry.as_dict()},
        )


__all__ = [
    "CleanupInputs",
    "CleanupManager",
    "CleanupResult",
    "CleanupRunSummary",
    "DeletedEntry",
    "LeavingSoonEntry",
    "async_gather_inputs",
]


def _refresh_error(report: ExecutionReport | None) -> str | None:
    """Say why Jellyfin did not rescan its libraries after deletions, or None.

    The deletions stand, but Jellyfin keeps showing the deleted items until
    its next scan: the run says so rather than reporting all is well.
    """
    refresh = report.library_refresh if report is not None else None
    if refresh is None or refresh.ok:
        return None
    LOGGER.warning("Jellyfin did not rescan its libraries: %s", refresh.error)
    return f"Jellyfin did not rescan its libraries: {refresh.error}"
