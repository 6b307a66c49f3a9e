"""The cleanup of one LCARS entry: schedule, ledger, runs, events.

The policy itself lives in the `cleanup` subpackage, free of Home Assistant;
this module feeds it the coordinators' data (`cleanup_inputs`), keeps the
ledger (`cleanup_store`), runs on a timer (`cleanup_schedule`), carries out
the plan through the clients and tells the rest of Home Assistant what
happened (`cleanup_outcome`; to the entities and the event bus:
`cleanup_events`).

A run belongs to the loaded entry that started it: unloading the entry stops
it (`async_shutdown`) before anything else unloads, and from then on it sends
no change to any server and saves nothing, so a new instance of the entry
starts from what is stored and nothing of the old run overwrites it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final, Literal

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DeletionItem,
    Ledger,
    Plan,
    SourceHealth,
)
from custom_components.lcars.cleanup.clock import ClockReading
from custom_components.lcars.cleanup.execute import (
    ExecutionReport,
    execute_plan,
    sync_leaving_soon_collection,
)
from custom_components.lcars.cleanup.records import (
    CleanupRunSummary,
    CleanupState,
    DeletedEntry,
    LeavingSoonEntry,
)
from custom_components.lcars.clients import LcarsClientError
from custom_components.lcars.const import (
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
from custom_components.lcars.coordinator import Services
from custom_components.lcars.library.keys import ItemKey
from custom_components.lcars.runtime.torrent import TorrentManager
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .cleanup_clock import PROCESS_CLOCK, async_clock_source, monotonic
from .cleanup_events import CleanupEventCallback, CleanupEvents
from .cleanup_inputs import (
    SeedingLookup,
    arr_client,
    async_gather_inputs,
    instance_title,
    instance_titles,
)
from .cleanup_outcome import (
    Planned,
    RunOutcome,
    deletion_summary,
    run_summary,
    work_out,
)
from .cleanup_schedule import STARTUP_DELAY, CleanupSchedule
from .cleanup_store import CleanupStore
from .long_lived import with_objects_set_aside

type CleanupTrigger = Literal["schedule", "button", "action", "delete_media"]

_UNLOADED: Final = "Stopped: the LCARS entry was unloaded during the run"


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
        self._read_options(entry.options.get(CONF_CLEANUP, {}))
        self._store = CleanupStore(hass, entry)
        # Dry run stays on until the user turns it off, across restarts.
        self.dry_run = True
        self.automatic = True
        self.ledger = Ledger()
        self.leaving_soon: tuple[LeavingSoonEntry, ...] = ()
        self.last_run: CleanupRunSummary | None = None
        self.running = False
        self._schedule = CleanupSchedule(
            hass,
            entry,
            self.interval,
            lambda: self.async_run(trigger="schedule"),
            self._notify,
        )
        # Worked out before each plan from the torrents seeding now: their
        # library items are kept.
        self.seeding: Callable[[Candidate], bool] | None = None
        self._seeding = SeedingLookup()
        self._lock = asyncio.Lock()
        self._events = CleanupEvents(hass, entry.entry_id)
        # Set once the entry unloads: nothing is sent or saved any more.
        self._closed = False
        # The runs and deletions under way, stopped when the entry unloads.
        self._work: set[asyncio.Task[Any]] = set()
        # Counts the times dry run was turned on: a run stops sending changes
        # when it changes under it.
        self._dry_run_turned_on = 0
        # Which monotonic clock readings come from (see `cleanup.clock`).
        self._clock_source = PROCESS_CLOCK
        self.monotonic: Callable[[], float] = monotonic

    def _read_options(self, options: Mapping[str, Any]) -> None:
        """Take the cleanup options; PolicyError, with nothing changed, if invalid."""
        policy = CleanupPolicy.from_dict(options.get(CONF_CLEANUP_POLICY, {}))
        interval = timedelta(
            minutes=int(
                options.get(CONF_CLEANUP_INTERVAL, DEFAULT_CLEANUP_INTERVAL_MINUTES)
            )
        )
        self.policy = policy
        self.interval = interval
        self.add_import_exclusion = bool(options.get(CONF_IMPORT_EXCLUSION, False))
        self.sync_collection = bool(options.get(CONF_LEAVING_SOON_COLLECTION, True))

    async def async_apply_options(self, options: Mapping[str, Any]) -> None:
        """Take new cleanup options without a reload; PolicyError if invalid.

        A run under way ends with the options it started with; the timer
        runs every new interval from now on.
        """
        async with self._lock:
            interval = self.interval
            self._read_options(options)
            if self.interval != interval:
                self._schedule.interval = self.interval
                if self._schedule.next_run is not None:
                    self._schedule.schedule(self.interval)
        self._notify()

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
        self._clock_source = await async_clock_source(self.hass)
        state = await self._store.async_load()
        self.dry_run, self.automatic = state.dry_run, state.automatic
        self.ledger, self.leaving_soon = state.ledger, state.leaving_soon
        self.last_run = state.last_run

    async def _async_save(self) -> None:
        # Saved at once, not delayed: the ledger is what guarantees the grace
        # period, and must not be lost by a crash right after a run. Never
        # once the entry unloads: the store belongs to the next instance.
        if self._closed:
            return
        await self._store.async_save(
            CleanupState(
                dry_run=self.dry_run,
                automatic=self.automatic,
                ledger=self.ledger,
                leaving_soon=self.leaving_soon,
                last_run=self.last_run,
            )
        )

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the stored state (and the repair issues) of a removed entry."""
        await CleanupStore.async_remove(hass, entry_id)

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `update_callback` after every change; return the unsubscribe."""
        return self._events.async_listen_changes(update_callback)

    @callback
    def async_add_event_listener(
        self, event_type: str, event_callback: CleanupEventCallback
    ) -> CALLBACK_TYPE:
        """Call `event_callback` with the data of each event of this type."""
        return self._events.async_listen(event_type, event_callback)

    @callback
    def _notify(self) -> None:
        self._events.changed()

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
        self._store.clear_unreadable_issue()
        self._notify()

    async def async_set_automatic(self, on: bool) -> None:
        """Turn the scheduled runs on or off (kept across restarts)."""
        self.automatic = on
        # At once: saving yields to the event loop, where a run that is due
        # would otherwise still start.
        if on:
            self._schedule.schedule(self.interval)
        else:
            self._schedule.unschedule()
        await self._async_save()
        self._notify()

    # -- schedule --------------------------------------------------------

    @property
    def next_run(self) -> datetime | None:
        """When the next scheduled run starts, or None."""
        return self._schedule.next_run

    @callback
    def async_start(self) -> None:
        """Start the schedule (when automatic) and stop it with Home Assistant."""
        self._schedule.async_start(self.automatic)

    @callback
    def async_stop(self) -> None:
        """Stop the schedule (the entry unloads)."""
        self._schedule.async_stop()

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

    def _stopped_by_unload(self) -> bool:
        """Whether a CancelledError came from the entry unloading, not a caller."""
        current = asyncio.current_task()
        return self.closed and not (current is not None and current.cancelling())

    # -- runs ------------------------------------------------------------

    async def async_preview(self) -> Plan:
        """Plan with fresh data and the current ledger; changes nothing."""
        async with self._lock:
            await self._async_refresh_sources()
            inputs = await async_gather_inputs(self.services, self.policy)
            clock = self.read_clock()
            now = dt_util.as_local(clock.wall)
            plan = await self.hass.async_add_executor_job(
                with_objects_set_aside(inputs.plan),
                self.policy,
                self.ledger,
                now,
                self.seeding,
                clock,
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
                if not self._stopped_by_unload():
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
        self.seeding = await self._seeding.async_check(self.torrent, self.services.arr)

    async def _async_run(
        self, trigger: str, dry: bool, started: datetime
    ) -> CleanupRunSummary:
        keep_going = self._keep_going(self._dry_run_turned_on)
        planned, now = await self._async_work_out()
        plan = planned.plan
        self.ledger = plan.ledger
        deleting = not plan.failed_closed and bool(plan.delete_now)
        if deleting and not dry:
            # Items new on leaving soon are on record before anything is
            # deleted. Otherwise the run saves once, when it ends: a crash
            # before then only starts their grace periods later.
            await self._async_save()

        report: ExecutionReport | None = None
        if deleting:
            report = await self._async_execute(plan.delete_now, dry, keep_going)
            self.ledger = report.apply_to(self.ledger, now)

        deleted_keys = set(report.deleted_keys) if report and not dry else set()
        collection_error = None
        if not plan.failed_closed:
            # A plan that failed closed keeps the list as it was: its view of
            # the libraries is in doubt.
            self.leaving_soon = planned.still_listed(deleted_keys)
            if not dry and keep_going():
                # A dry run writes nothing anywhere, the collection included.
                collection_error = await self._async_sync_collection()
        summary = run_summary(
            planned,
            RunOutcome(
                started=started,
                finished=dt_util.utcnow(),
                trigger=trigger,
                dry_run=dry,
                report=report,
                leaving_soon=self.leaving_soon,
                collection_error=collection_error,
            ),
        )
        if not dry:
            for entry in summary.deleted:
                self._fire_deleted(entry)
        return summary

    async def _async_work_out(self) -> tuple[Planned, datetime]:
        """Plan with fresh data; return the plan's texts and the time planned for."""
        await self._async_refresh_sources()
        inputs = await async_gather_inputs(self.services, self.policy)
        clock = self.read_clock()
        now = dt_util.as_local(clock.wall)
        planned = await self.hass.async_add_executor_job(
            partial(
                with_objects_set_aside(work_out),
                inputs,
                policy=self.policy,
                ledger=self.ledger,
                now=now,
                titles=instance_titles(self.services),
                seeding=self.seeding,
                clock=clock,
            )
        )
        self._update_watch_data_issue(inputs.health())
        return planned, now

    async def _async_execute(
        self,
        items: Iterable[DeletionItem | Candidate],
        dry: bool,
        keep_going: Callable[[], bool],
    ) -> ExecutionReport:
        services = self.services
        return await execute_plan(
            items,
            partial(arr_client, self.services),
            dry_run=dry,
            add_import_exclusion=self.add_import_exclusion,
            jellyseerr=services.jellyseerr[0].client if services.jellyseerr else None,
            jellyfin=services.jellyfin[0].client if services.jellyfin else None,
            keep_going=keep_going,
        )

    @callback
    def _update_watch_data_issue(self, health: SourceHealth) -> None:
        """Tell the user which counted Jellyfin users' watch data is missing."""
        jellyfin = self.services.jellyfin
        self._store.update_watch_data_issue(
            health, jellyfin[0].subentry.title if jellyfin else ""
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
        self, key: ItemKey, *, whole_series: bool
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

        return await self.hass.async_add_executor_job(
            inputs.find, key, policy, self.seeding
        )

    async def async_delete_item(
        self, item: Candidate, *, dry_run: bool | None, reason: str
    ) -> tuple[CleanupRunSummary, ExecutionReport]:
        """Delete one item by the user's request, through the cleanup's steps."""
        # Read before anything is deleted: a key that cannot be read stops here.
        instance = instance_title(self.services, ItemKey.parse(item.key))
        async with self._lock:
            started = dt_util.utcnow()
            dry = self.dry_run if dry_run is None else dry_run
            if self._closed:
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="entry_unloading"
                )
            try:
                report = await self._async_owned(
                    self._async_execute(
                        (item,), dry, self._keep_going(self._dry_run_turned_on)
                    )
                )
            except asyncio.CancelledError:
                if not self._stopped_by_unload():
                    raise
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key="entry_unloading"
                ) from None
            now = dt_util.utcnow()
            self.ledger = report.apply_to(self.ledger, now)
            deleted_now = not dry and item.key in report.deleted_keys
            if deleted_now:
                self.leaving_soon = tuple(
                    e for e in self.leaving_soon if e.key != item.key
                )
            summary = deletion_summary(
                item,
                report,
                reason=reason,
                instance=instance,
                outcome=RunOutcome(
                    started=started,
                    finished=now,
                    trigger="delete_media",
                    dry_run=dry,
                    report=report,
                    leaving_soon=self.leaving_soon,
                ),
            )
            await self._async_save()
            if deleted_now:
                self._fire_deleted(summary.deleted[0])
                await self._async_sync_collection()
            self._notify()
            return summary, report

    # -- events ------------------------------------------------------------

    @callback
    def _fire_finished(self, summary: CleanupRunSummary) -> None:
        self._events.fire(EVENT_CLEANUP_FINISHED, summary.event_data())

    @callback
    def _fire_deleted(self, entry: DeletedEntry) -> None:
        self._events.fire(EVENT_MEDIA_DELETED, entry.as_dict())


__all__ = ["STARTUP_DELAY", "CleanupManager", "CleanupTrigger"]
