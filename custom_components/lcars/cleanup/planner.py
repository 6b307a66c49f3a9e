"""Plan a cleanup run from the library, the disks, the policy and the ledger.

Pure: the same input always gives the same plan, and nothing is read or
written. The planner goes through the items once; everything that is the same
for many items (the limit of a root folder, the cutoff date of a tag schedule)
is worked out once per plan and shared.

The questions asked of each item, in order:
1. Is it cleaned up at all under this policy (kind, rolling series)? Is its
   key in the list only once (otherwise it is held)?
2. Which limit applies, and is it past it? Most items stop here.
3. Does something protect it (exclusion tag, favourite, playing, seeding)?
4. Is its age or size in doubt (no Jellyfin match, played without date, no
   dates, a size that is missing, not positive or larger than its disk)?
5. Otherwise it is expired: on leaving soon, and due once the grace period,
   counted from the ledger, is over by the calendar and by the time observed
   on a monotonic clock (see `clock`).
Due items are then deleted stalest first, within free-until-target and the
caps, unless the plan failed closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from fractions import Fraction
import heapq
from math import ceil
from operator import attrgetter
from typing import Final, Literal

from .clock import ClockReading, ClockStep, elapsed_between
from .ledger import Ledger, LedgerEntry
from .model import (
    MEDIA_TYPE_OF_KIND,
    Candidate,
    DiskFigure,
    MediaType,
    SourceHealth,
    SourceStatus,
    WatchDataGap,
    trusted_size,
)
from .plan import (
    DeletionItem,
    DiskLimit,
    Expiry,
    ExpiryRule,
    FailReason,
    HeldItem,
    HoldReason,
    LeavingSoonItem,
    LedgerChange,
    LedgerChangeKind,
    LedgerChangeWhy,
    Plan,
    PlanTotals,
    ProtectedItem,
    Protection,
    RollingLimit,
    RootFolderOutlook,
    TagLimit,
    WaitReason,
)
from .policy import CleanupPolicy, tag_key

_TV_KINDS: Final = frozenset({"season", "episode"})
_SERIES_KINDS: Final = frozenset({"season", "series", "episode"})
_NOTHING: Final = timedelta(0)
_FAVORITE: Final = Protection(kind="favorite")
_PLAYING: Final = Protection(kind="playing")
_SEEDING: Final = Protection(kind="seeding")


def plan_cleanup(
    candidates: Iterable[Candidate],
    *,
    disks: Iterable[DiskFigure],
    health: SourceHealth,
    policy: CleanupPolicy,
    ledger: Ledger,
    now: datetime,
    clock: ClockReading | None = None,
) -> Plan:
    """Work out what to delete now, what goes on leaving soon, and what stays.

    `now` must be timezone-aware; reasons show dates in its time zone. The
    returned plan carries the new ledger, to be stored once the deletions of
    `delete_now` have been executed and recorded in it.

    `clock` is the reading of this run (Home Assistant always gives one):
    the time since the ledger's reading is credited to the items that stay
    listed, when no clock step makes it doubtful, and an item is due only
    once that observed time covers its grace period. Without a reading the
    grace period is judged by the dates alone.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    planner = _Planner(policy, ledger, now, disks, health, clock=clock)
    consider = planner.consider
    for item in candidates:
        consider(item)
    planner.judge_rolling_series()
    return planner.finish()


class _Doubt(Enum):
    """No limit can be worked out: the disk figure it depends on is in doubt."""

    UNJUDGED = "unjudged"


_UNJUDGED: Final = _Doubt.UNJUDGED


class _Rule:
    """The limit for items of one media type (and tag schedule) in one folder.

    Items are compared with `cutoff` (now minus the limit), so that checking
    an item costs one date comparison.
    """

    __slots__ = ("cutoff", "expiry", "schedule_cutoff", "target_bytes", "unjudged")

    def __init__(
        self,
        expiry: Expiry,
        cutoff: datetime,
        *,
        schedule_cutoff: datetime | None = None,
        target_bytes: int | None = None,
        unjudged: bool = False,
    ) -> None:
        self.expiry = expiry
        self.cutoff = cutoff
        # Items last active before this date are past their tag schedule too.
        self.schedule_cutoff = schedule_cutoff
        # Free-until-target: the free bytes at which the folder has enough;
        # None when the disk rule plays no part.
        self.target_bytes = target_bytes
        # Only a tag schedule could be checked: the disk figure is in doubt.
        self.unjudged = unjudged

    def enough_space_without(self, since: datetime, folder: _Folder) -> bool:
        """Whether the folder is at its target without this disk-only item.

        Only the disk rule counts here: an item also past its tag schedule is
        deleted whatever the free space.
        """
        return (
            self.target_bytes is not None
            and (self.schedule_cutoff is None or since >= self.schedule_cutoff)
            and folder.free + folder.freed >= self.target_bytes
        )


type _RuleOrDoubt = _Rule | Literal[_Doubt.UNJUDGED] | None


class _Folder:
    """A root folder of one instance, with its rules worked out once."""

    __slots__ = (
        "disk_limits",
        "figure",
        "free",
        "freed",
        "instance_id",
        "path",
        "problem",
        "rules",
        "targets",
    )

    def __init__(self, instance_id: str, path: str, figure: DiskFigure | None) -> None:
        self.instance_id = instance_id
        self.path = path
        self.figure = figure
        self.problem = figure.problem if figure is not None else "disk_missing"
        # Only used once the figure is known to be valid.
        self.free = (figure.free_bytes or 0) if figure is not None else 0
        # By media type, or by (media type, tag) for items with a tag schedule.
        self.rules: dict[object, _RuleOrDoubt] = {}
        self.disk_limits: dict[MediaType, DiskLimit | None] = {}
        # Free-until-target: percent and bytes, per media type in the folder.
        self.targets: dict[MediaType, tuple[float, int]] = {}
        self.freed = 0

    def outlook(self) -> RootFolderOutlook:
        figure = self.figure
        return RootFolderOutlook(
            instance_id=self.instance_id,
            root_folder=self.path,
            free_bytes=figure.free_bytes if figure else None,
            total_bytes=figure.total_bytes if figure else None,
            problem=self.problem,
            targets={mt: target[0] for mt, target in self.targets.items()},
            freed_bytes=self.freed,
        )


# An expired item whose grace period is over, as a tuple that sorts in the
# order of deletion: items that already failed last, then stalest first, then
# library order. (Failed, last activity, position, item, rule, ledger entry,
# folder.) A tuple, as there can be tens of thousands.
type _Due = tuple[bool, datetime, int, Candidate, _Rule, LedgerEntry, _Folder]
_SIZE: Final = attrgetter("item.size")


def _tag_schedules(policy: CleanupPolicy) -> list[TagLimit]:
    """Return the policy's tag schedules, shortest first.

    So the first tag of an item found in the list is the one in effect.
    """
    return sorted(
        (
            TagLimit(tag=tag, limit_days=days)
            for tag, days in policy.tag_schedules.items()
        ),
        key=attrgetter("limit_days", "tag"),
    )


def _rolling_rule(policy: CleanupPolicy, now: datetime, *, watch_data: bool) -> _Rule:
    """Return the rule of the episodes of rolling series."""
    return _Rule(
        Expiry(
            rule="rolling",
            limit_days=policy.rolling_max_age_days,
            watch_data=watch_data,
            rolling=RollingLimit(
                tag=policy.rolling_tag,
                keep_episodes=policy.rolling_keep_episodes,
                max_age_days=policy.rolling_max_age_days,
            ),
        ),
        now - timedelta(days=policy.rolling_max_age_days),
    )


class _Planner:
    """The state of one planning run."""

    def __init__(
        self,
        policy: CleanupPolicy,
        ledger: Ledger,
        now: datetime,
        disks: Iterable[DiskFigure],
        health: SourceHealth,
        *,
        clock: ClockReading | None = None,
    ) -> None:
        assert now.tzinfo is not None
        self.policy = policy
        self.now = now
        # Observed time: what this run adds to every item that stays listed.
        self.clock = clock
        self.ledger_clock = ledger.clock if clock is None else clock
        self.clock_step: ClockStep | None = None
        self.credit = _NOTHING
        if clock is not None:
            elapsed = elapsed_between(ledger.clock, clock)
            self.credit, self.clock_step = elapsed.trusted, elapsed.step
        self.tz: tzinfo = now.tzinfo
        self.grace = timedelta(days=policy.grace_days)
        self.jellyfin = health.jellyfin_configured
        self.keep_tags = policy.keep_tags
        self.rolling_tag = policy.rolling_tag
        # Tags as they compare (see `tag_key`), by the item's own set of
        # labels: a library has few distinct sets, so each is worked out once.
        self.tag_keys: dict[frozenset[str], frozenset[str]] = {frozenset(): frozenset()}
        self.old = ledger.entries
        self.new: dict[str, LedgerEntry] = {}
        self.dropped: set[str] = set()
        self.disks = {(d.instance_id, d.root_folder): d for d in disks}
        self.folders: dict[tuple[str, str], _Folder] = {}
        self.schedules = _tag_schedules(policy)
        self.rolling_rule = _rolling_rule(policy, now, watch_data=self.jellyfin)
        self.rolling_series: dict[str, list[Candidate]] = {}
        self.skipped_kind = "series" if policy.series_unit == "season" else "season"
        self.watch_data_gaps = health.watch_data_gaps
        self.source_failures = _source_failures(health, policy, now)
        self.source_failures.extend(map(_watch_data_failure, health.watch_data_gaps))
        self.known_sources = {s.source_id for s in health.sources}
        self.unknown_sources: set[str] = set()
        self.conflicts: list[FailReason] = []
        # Keys seen so far, and those listed more than once (by key, one of
        # the items): a duplicate is held, never deleted (twice or once).
        self.keys: set[str] = set()
        self.duplicates: dict[str, Candidate] = {}
        self.candidates = 0
        self.ignored = 0
        self.due: list[_Due] = []
        self.use_target = policy.free_until_target
        self.first_deletion_at: datetime | None = None
        self.leaving_soon: list[LeavingSoonItem] = []
        self.protected: list[ProtectedItem] = []
        self.held: list[HeldItem] = []
        self.changes: list[LedgerChange] = []

    # -- one item --------------------------------------------------------

    def consider(self, item: Candidate) -> None:
        """Sort one item of the library into the plan."""
        self.candidates += 1
        kind = item.kind
        if kind == self.skipped_kind:
            self._ignore(item)
            return
        if kind in _SERIES_KINDS:
            rolling = self.rolling_tag in self._keys(
                item.tags if kind == "series" else item.series_tags
            )
            # A rolling series is cleaned up episode by episode, never as
            # whole seasons (the disk rule would take the episodes the rolling
            # rule keeps); episodes of other series are left to their season.
            if rolling != (kind == "episode") or (rolling and item.series_key is None):
                self._ignore(item)
                return
        key = item.key
        if key in self.keys:
            # Settled once every item is in (`_hold_duplicates`): the first
            # one may already be anywhere in the plan.
            self.duplicates.setdefault(key, item)
            return
        self.keys.add(key)
        if item.instance_id not in self.known_sources:
            self.unknown_sources.add(item.instance_id)
        folder = self.folders.get((item.instance_id, item.root_folder))
        if folder is None:
            folder = self._add_folder(item.instance_id, item.root_folder)
        if item.ids_conflict:
            self._conflict(item)
        elif kind == "episode":
            self.rolling_series.setdefault(item.series_key or "", []).append(item)
        else:
            media_type = MEDIA_TYPE_OF_KIND[kind]
            schedule = (
                self._schedule(item)
                if self.schedules and (item.tags or item.series_tags)
                else None
            )
            rule_key = media_type if schedule is None else (media_type, schedule.tag)
            rules = folder.rules
            if rule_key in rules:
                rule = rules[rule_key]
            else:
                rule = rules[rule_key] = self._work_out_rule(
                    folder, media_type, schedule
                )
            if rule is None or rule is _UNJUDGED:
                self._not_expired(item, unjudged=rule is _UNJUDGED, folder=folder)
            else:
                self._judge(item, folder, rule)

    def _ignore(self, item: Candidate) -> None:
        self.ignored += 1
        if item.key in self.old:
            self._drop(item, "not_candidate")

    def _conflict(self, item: Candidate) -> None:
        """Hold an item whose ids disagree: it may carry another item's watch data."""
        self.conflicts.append(
            FailReason(
                code="ids_conflict",
                subject=item.key,
                message=f"{item.title} matches a Jellyfin item by one id but not by another",
            )
        )
        self._hold(item, "ids_conflict")

    def _add_folder(self, instance_id: str, path: str) -> _Folder:
        folder = _Folder(instance_id, path, self.disks.get((instance_id, path)))
        self.folders[(instance_id, path)] = folder
        return folder

    def _schedule(self, item: Candidate) -> TagLimit | None:
        """Find the shortest tag schedule on the item (or its series), if any."""
        tags, series_tags = self._keys(item.tags), self._keys(item.series_tags)
        for schedule in self.schedules:
            if schedule.tag in tags or schedule.tag in series_tags:
                return schedule
        return None

    def _keys(self, tags: frozenset[str]) -> frozenset[str]:
        """Return the tags in the form they compare in."""
        keys = self.tag_keys.get(tags)
        if keys is None:
            keys = self.tag_keys[tags] = frozenset(map(tag_key, tags))
        return keys

    def _work_out_rule(
        self, folder: _Folder, media_type: MediaType, schedule: TagLimit | None
    ) -> _RuleOrDoubt:
        """Combine the folder's disk limit and a tag schedule: the shorter applies."""
        unjudged = folder.problem is not None
        disk = None if unjudged else self._disk_limit(folder, media_type)
        schedule_cutoff = (
            None if schedule is None else self.now - timedelta(days=schedule.limit_days)
        )
        name: ExpiryRule
        if disk is not None and (
            schedule is None or disk.limit_days <= schedule.limit_days
        ):
            name, days = "disk", disk.limit_days
        elif schedule is not None:
            name, days = "tag_schedule", schedule.limit_days
        else:
            return _UNJUDGED if unjudged else None
        expiry = Expiry(
            rule=name,
            limit_days=days,
            watch_data=self.jellyfin,
            disk=disk,
            schedule=schedule,
        )
        target = folder.targets.get(media_type) if disk is not None else None
        return _Rule(
            expiry,
            self.now - timedelta(days=days),
            schedule_cutoff=schedule_cutoff,
            target_bytes=None if target is None else target[1],
            unjudged=unjudged,
        )

    def _disk_limit(self, folder: _Folder, media_type: MediaType) -> DiskLimit | None:
        """Find the limit of the smallest percent the folder's free space is under."""
        if media_type in folder.disk_limits:
            return folder.disk_limits[media_type]
        figure = folder.figure
        assert figure is not None
        free, total = figure.free_bytes, figure.total_bytes
        assert free is not None
        assert total is not None
        limits = self.policy.limits_for(media_type)
        found: DiskLimit | None = None
        if limits:
            target = min(limits) + self.policy.target_margin_percent
            needed = min(total, ceil(Fraction(target) * total / 100))
            folder.targets[media_type] = (target, needed)
            for percent, days in limits.items():
                # Exact: at exactly 10.0% free the 10% key does not apply.
                if free * 100 < Fraction(percent) * total:
                    found = DiskLimit(
                        instance_id=folder.instance_id,
                        root_folder=folder.path,
                        free_percent=free * 100 / total,
                        threshold_percent=percent,
                        limit_days=days,
                        target_percent=target,
                    )
                    break
        folder.disk_limits[media_type] = found
        return found

    def _judge(self, item: Candidate, folder: _Folder, rule: _Rule) -> None:
        """Decide between not expired, protected, held and expired."""
        # The later of the added date and the last play. With the watch
        # history in doubt the added date alone still bounds the age from
        # above: an item added recently is young whatever was watched.
        added, last = item.added, item.last_played
        hold: HoldReason | None = None
        if self.jellyfin:
            if not item.jellyfin_matched:
                hold, last = "not_in_jellyfin", None
            elif last is None and item.played:
                hold = "played_without_date"
        since = added if last is None or (added is not None and added > last) else last
        if since is None:
            hold = hold or "no_dates"
        elif since >= rule.cutoff:
            # Not past a tag schedule; a shorter disk limit might apply if its
            # figure could be read.
            self._not_expired(item, unjudged=rule.unjudged)
            return
        if (
            item.tags
            or item.series_tags
            or item.favorite
            or item.playing
            or item.seeding
        ):
            protections = self._protections(item)
            if protections:
                age = None if since is None else self.now - since
                self.protected.append(
                    ProtectedItem(item, protections, rule.expiry, age, self.tz)
                )
                if item.key in self.old:
                    self._drop(item, "protected")
                return
        if hold is None and _size_in_doubt(item, folder):
            hold = "size_in_doubt"
        if hold is not None:
            self._hold(item, hold)
            return
        assert since is not None
        self._expired(item, folder, rule, since)

    def _protections(self, item: Candidate) -> tuple[Protection, ...]:
        return _protections(item, self.policy, self.keep_tags, self._keys)

    def _hold(self, item: Candidate, hold: HoldReason) -> None:
        self.held.append(HeldItem(item, hold, tz=self.tz))
        if item.key in self.old:
            self._drop(item, "held")

    def _not_expired(
        self, item: Candidate, *, unjudged: bool, folder: _Folder | None = None
    ) -> None:
        entry = self.old.get(item.key)
        if entry is None:
            return
        if unjudged:
            if folder is not None and _size_in_doubt(item, folder):
                self._hold(item, "size_in_doubt")
                return
            # Without a trusted disk figure the item may well still be past
            # its limit: keep its place (and its grace clock) unchanged.
            entry = self._still_listed(entry)
            self.new[item.key] = entry
            self.leaving_soon.append(
                self._listed(item, None, None, entry, "not_judged")
            )
            return
        last = item.last_played
        watched = last is not None and last > entry.entered
        self._drop(item, "watched" if watched else "not_expired")

    def _still_listed(self, entry: LedgerEntry) -> LedgerEntry:
        """Credit an entry that stayed listed with the time observed since the last run."""
        if self.credit:
            return entry._replace(observed=entry.observed + self.credit)
        return entry

    def _listed(
        self,
        item: Candidate,
        expiry: Expiry | None,
        age: timedelta | None,
        entry: LedgerEntry,
        wait: WaitReason,
    ) -> LeavingSoonItem:
        observed: timedelta | None = None
        unobserved = _NOTHING
        if self.clock is not None:
            observed = entry.observed
            unobserved = max(_NOTHING, self.now - entry.entered - observed)
        return LeavingSoonItem(
            item,
            expiry,
            age,
            entry.entered,
            entry.delete_on,
            wait,
            self.tz,
            observed,
            unobserved,
        )

    def _drop(self, item: Candidate, why: LedgerChangeWhy) -> None:
        self.dropped.add(item.key)
        self.changes.append(LedgerChange(item.key, item.title, "removed", why))

    def _expired(
        self, item: Candidate, folder: _Folder, rule: _Rule, since: datetime
    ) -> None:
        """Put the item on leaving soon, or among the due items once its grace is over."""
        key = item.key
        now = self.now
        entry = self.old.get(key)
        if entry is None:
            entry = LedgerEntry(entered=now, delete_on=now + self.grace)
            self.changes.append(LedgerChange(key, item.title, "added", "expired"))
        else:
            entry = self._still_listed(entry)
            # The promised date never moves earlier; a longer grace period
            # set since then moves it later.
            earliest = entry.entered + self.grace
            if earliest > entry.delete_on:
                entry = entry._replace(delete_on=earliest)
        if self.clock is not None and entry.observed < self.grace:
            # Time that was not observed (the machine off, a clock step) does
            # not count: the date moves later by as much, so the item is
            # never due before it was seen listed for the whole grace period.
            earliest = now + (self.grace - entry.observed)
            if earliest > entry.delete_on:
                entry = entry._replace(delete_on=earliest)
        self.new[key] = entry
        wait: WaitReason
        if entry.delete_on > now:
            wait = "grace_period"
            first = self.first_deletion_at
            if first is None or entry.delete_on < first:
                self.first_deletion_at = entry.delete_on
        elif self.use_target and rule.enough_space_without(since, folder):
            # Settled now, before any deletion is chosen: deleting other items
            # only frees more space, so the answer is the same in any order.
            wait = "free_space_target"
        else:
            due = (entry.attempts > 0, since, len(self.due), item, rule, entry, folder)
            self.due.append(due)
            return
        self.leaving_soon.append(
            self._listed(item, rule.expiry, now - since, entry, wait)
        )

    # -- rolling series --------------------------------------------------

    def judge_rolling_series(self) -> None:
        """Keep the last episodes and the recent ones of each rolling series."""
        keep = self.policy.rolling_keep_episodes
        for episodes in self.rolling_series.values():
            episodes.sort(key=_episode_order, reverse=True)
            for episode in episodes[:keep]:
                self._not_expired(episode, unjudged=False)
            for episode in episodes[keep:]:
                folder = self.folders[(episode.instance_id, episode.root_folder)]
                self._judge(episode, folder, self.rolling_rule)

    # -- the whole plan --------------------------------------------------

    def finish(self) -> Plan:
        """Choose the deletions and put the plan together."""
        fail_reasons = self._fail_reasons()
        failed_closed = bool(fail_reasons)
        self._hold_duplicates()
        if failed_closed or self.watch_data_gaps:
            self._list_nothing_new()
        delete_now = self._choose_deletions(failed_closed=failed_closed)
        self._keep_unseen_entries(failed_closed=failed_closed)
        totals = PlanTotals(
            candidates=self.candidates,
            ignored=self.ignored,
            delete_count=len(delete_now),
            delete_bytes=sum(map(_SIZE, delete_now)),
            leaving_soon_count=len(self.leaving_soon),
            leaving_soon_bytes=sum(map(_SIZE, self.leaving_soon)),
            protected_count=len(self.protected),
            held_count=len(self.held),
        )
        # By deletion date; the sort is stable, so ties keep library order.
        self.leaving_soon.sort(key=attrgetter("delete_on"))
        return Plan(
            created=self.now,
            delete_now=tuple(delete_now),
            leaving_soon=tuple(self.leaving_soon),
            protected=tuple(self.protected),
            held=tuple(self.held),
            root_folders=self._outlooks(),
            failed_closed=failed_closed,
            fail_reasons=fail_reasons,
            first_deletion_at=self.first_deletion_at,
            totals=totals,
            ledger=Ledger(self.new, self.ledger_clock),
            ledger_changes=tuple(self.changes),
            notices=self.policy.notices(),
        )

    def _fail_reasons(self) -> tuple[FailReason, ...]:
        reasons = list(self.source_failures)
        if self.clock_step is not None:
            reasons.append(_clock_failure(self.clock_step, self.tz))
        reasons.extend(
            FailReason(
                code="source_missing",
                subject=source,
                message=f"nothing is known about the state of {source}",
            )
            for source in sorted(self.unknown_sources)
        )
        reasons.extend(
            _disk_failure(folder)
            for folder in self.folders.values()
            if folder.problem is not None
        )
        reasons.extend(self.conflicts)
        return tuple(reasons)

    def _list_nothing_new(self) -> None:
        """Start no grace period while every item's age is in doubt.

        With a counted user's watch data missing, or the clock just
        stepped, whether any item is past its limit rests on the doubt
        (missing watch data is never "never watched"). Items already listed
        keep their place; the plan still tells what would be added.
        """
        added = {key for key in self.new if key not in self.old}
        if not added:
            return
        for key in added:
            del self.new[key]
        self.changes = [change for change in self.changes if change.key not in added]

    def _hold_duplicates(self) -> None:
        """Hold every item whose key the library lists more than once.

        Which of the entries is right is in doubt (a list read while it
        changed, a server fault): neither is deleted, and the item leaves
        leaving soon like any held item.
        """
        doubled = self.duplicates
        if not doubled:
            return

        def single(entry: LeavingSoonItem | ProtectedItem | HeldItem) -> bool:
            return entry.item.key not in doubled

        self.leaving_soon = list(filter(single, self.leaving_soon))
        self.protected = list(filter(single, self.protected))
        self.held = list(filter(single, self.held))
        self.due = [record for record in self.due if record[3].key not in doubled]
        self.changes = [change for change in self.changes if change.key not in doubled]
        for key, item in doubled.items():
            self.new.pop(key, None)
            self.dropped.discard(key)
            self._hold(item, "duplicate_id")
        waiting = [
            entry.delete_on
            for entry in self.leaving_soon
            if entry.waiting_for == "grace_period"
        ]
        self.first_deletion_at = min(waiting, default=None)

    def _choose_deletions(self, *, failed_closed: bool) -> list[DeletionItem]:
        """Delete due items stalest first, within free-until-target and the caps.

        Only the first items in deletion order can be chosen before a cap is
        reached, so the due items are kept in a heap and taken in order only
        while the run has room; the rest wait, and their order does not matter.
        """
        chosen: list[DeletionItem] = []
        due = self.due
        if failed_closed:
            self._keep_waiting(due, "failed_closed")
            return chosen
        heapq.heapify(due)
        policy = self.policy
        deleted_bytes = 0
        while (
            due
            and len(chosen) < policy.max_items_per_run
            and deleted_bytes < policy.max_bytes_per_run
        ):
            record = heapq.heappop(due)
            if not self._fits(record, deleted_bytes):
                self._keep_waiting([record], "run_cap")
                continue
            _, since, _, item, rule, entry, folder = record
            chosen.append(
                DeletionItem(
                    item,
                    rule.expiry,
                    self.now - since,
                    entry.entered,
                    entry.delete_on,
                    entry.attempts,
                    self.tz,
                )
            )
            size = trusted_size(item)
            deleted_bytes += size
            folder.freed += size
        # The run is full: the rest wait, for the target or for a later run.
        self._keep_waiting(due, "run_cap")
        return chosen

    def _fits(self, record: _Due, deleted_bytes: int) -> bool:
        """Whether the item may be deleted in this run, given what is chosen so far."""
        _, since, _, item, rule, entry, folder = record
        policy = self.policy
        return (
            entry.attempts < policy.max_delete_attempts
            and not (self.use_target and rule.enough_space_without(since, folder))
            and deleted_bytes + trusted_size(item) <= policy.max_bytes_per_run
        )

    def _keep_waiting(self, records: list[_Due], wait: WaitReason) -> None:
        """Leave due items on leaving soon, saying what they wait for.

        Items whose deletion failed too often are held instead; items whose
        folder is at its target say so, whatever else they wait for.
        """
        max_attempts = self.policy.max_delete_attempts
        max_bytes = self.policy.max_bytes_per_run
        use_target = self.use_target and wait != "failed_closed"
        now, tz, leaving_soon = self.now, self.tz, self.leaving_soon
        for _, since, _, item, rule, entry, folder in records:
            if entry.attempts >= max_attempts:
                self.held.append(
                    HeldItem(
                        item, "deletion_failed", entry.attempts, entry.last_error, tz
                    )
                )
                continue
            reason = wait
            if use_target and rule.enough_space_without(since, folder):
                reason = "free_space_target"
            elif wait == "run_cap" and trusted_size(item) > max_bytes:
                reason = "larger_than_cap"
            leaving_soon.append(
                self._listed(item, rule.expiry, now - since, entry, reason)
            )

    def _keep_unseen_entries(self, *, failed_closed: bool) -> None:
        """Forget items that left the library, unless the data is in doubt."""
        change: LedgerChangeKind
        why: LedgerChangeWhy
        for key, entry in self.old.items():
            if key in self.new or key in self.dropped:
                continue
            if failed_closed:
                # A failed refresh can make a whole library look empty: keep
                # the entries (and their grace clocks) until the data is back.
                self.new[key] = self._still_listed(entry)
                change, why = "kept", "data_in_doubt"
            else:
                change, why = "removed", "gone"
            self.changes.append(LedgerChange(key, None, change, why))

    def _outlooks(self) -> tuple[RootFolderOutlook, ...]:
        for where in self.disks:
            if where not in self.folders:
                self._add_folder(*where)
        return tuple(self.folders[where].outlook() for where in sorted(self.folders))


def protections_of(item: Candidate, policy: CleanupPolicy) -> tuple[Protection, ...]:
    """Return what keeps an item under a policy; empty when nothing does."""
    return _protections(
        item,
        policy,
        policy.keep_tags,
        lambda tags: frozenset(tag_key(tag) for tag in tags),
    )


def _protections(
    item: Candidate,
    policy: CleanupPolicy,
    keep: frozenset[str],
    keys: Callable[[frozenset[str]], frozenset[str]],
) -> tuple[Protection, ...]:
    found: list[Protection] = []
    # The tags are named as the item carries them.
    if not keep.isdisjoint(keys(item.tags)):
        found.extend(
            Protection(kind="exclusion_tag", tag=tag)
            for tag in sorted(item.tags)
            if tag_key(tag) in keep
        )
    if item.kind in _TV_KINDS and not keep.isdisjoint(keys(item.series_tags)):
        found.extend(
            Protection(kind="exclusion_tag", tag=tag, on_series=True)
            for tag in sorted(item.series_tags)
            if tag_key(tag) in keep
        )
    if item.favorite and policy.protect_favorites:
        found.append(_FAVORITE)
    if item.playing:
        found.append(_PLAYING)
    if item.seeding:
        found.append(_SEEDING)
    return tuple(found)


def _episode_order(episode: Candidate) -> tuple[int, int, float]:
    """Newest last: by season and episode number, then air date."""
    season = -1 if episode.season_number is None else episode.season_number
    number = -1 if episode.episode_number is None else episode.episode_number
    aired = episode.air_date.timestamp() if episode.air_date else float("-inf")
    return (season, number, aired)


def _source_failures(
    health: SourceHealth, policy: CleanupPolicy, now: datetime
) -> list[FailReason]:
    """List the sources whose data is failed, stale or missing."""
    max_age = timedelta(minutes=policy.max_data_age_minutes)
    reasons = [
        reason
        for status in health.sources
        if (reason := _source_failure(status, max_age, now)) is not None
    ]
    if health.jellyfin_configured and not any(
        s.kind == "jellyfin" for s in health.sources
    ):
        reasons.append(
            FailReason(
                code="source_missing",
                subject="jellyfin",
                message="Jellyfin is configured but nothing is known about its data",
            )
        )
    return reasons


def _source_failure(
    status: SourceStatus, max_age: timedelta, now: datetime
) -> FailReason | None:
    source = status.source_id
    # The message names the server as a person knows it; the subject keeps the id.
    named = status.name or source
    if not status.last_refresh_ok:
        return FailReason(
            code="source_failed",
            subject=source,
            message=f"the last refresh of {named} failed",
        )
    if status.fetched_at is None:
        return FailReason(
            code="source_stale", subject=source, message=f"{named} has no data yet"
        )
    # A date slightly in the future (clock skew) counts as fresh.
    age = now - status.fetched_at
    if age > max_age:
        minutes = int(age.total_seconds() // 60)
        limit = int(max_age.total_seconds() // 60)
        return FailReason(
            code="source_stale",
            subject=source,
            message=f"the data of {named} is {minutes} minutes old (limit {limit})",
        )
    return None


def _size_in_doubt(item: Candidate, folder: _Folder) -> bool:
    """Whether an item's size cannot be trusted.

    Every candidate has files, so a size that is missing, not a whole
    number, zero or negative, or larger than the whole disk of its root
    folder is wrong: counted, it would let free-until-target and the bytes
    cap delete more than they allow.
    """
    size = item.size
    # `type` rather than isinstance: a boolean is no size either.
    if type(size) is not int or size <= 0:
        return True
    figure = folder.figure
    total = figure.total_bytes if figure is not None else None
    return total is not None and 0 < total < size


def _watch_data_failure(gap: WatchDataGap) -> FailReason:
    if gap.problem == "user_missing":
        message = (
            f"the counted Jellyfin user {gap.user} no longer exists, so its watch"
            " data is missing: fix the user list of the Jellyfin service"
        )
    else:
        message = (
            f"Jellyfin sent {gap.items} items without the watch data of the counted"
            f" user {gap.user}"
        )
    return FailReason(code="watch_data_missing", subject=gap.user_id, message=message)


def _clock_failure(step: ClockStep, tz: tzinfo) -> FailReason:
    jump = step.step.total_seconds()
    direction = "forward" if jump > 0 else "back"
    since = step.since.astimezone(tz).isoformat(timespec="minutes")
    return FailReason(
        code="clock_step",
        subject="clock",
        message=(
            f"the clock jumped {direction} by {_duration(abs(jump))} since the run"
            f" of {since} (the wall clock moved {_duration(step.wall.total_seconds())},"
            f" real time {_duration(step.monotonic.total_seconds())}), so the time"
            " meanwhile does not count toward any grace period"
        ),
    )


def _duration(seconds: float) -> str:
    """Say a duration in the largest unit that fits: 3 days, 5 hours, 40 minutes."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds / size
            return f"{sign}{count:.1f} {unit}s"
    return f"{sign}{seconds:.0f} seconds"


def _disk_failure(folder: _Folder) -> FailReason:
    where = f"{folder.path} ({folder.instance_id})"
    figure = folder.figure
    if folder.problem == "disk_invalid" and figure is not None:
        return FailReason(
            code="disk_invalid",
            subject=folder.path,
            message=(
                f"the disk figure of {where} makes no sense"
                f" ({figure.free_bytes} bytes free of {figure.total_bytes})"
            ),
        )
    return FailReason(
        code="disk_missing",
        subject=folder.path,
        message=f"the free space of {where} is unknown",
    )
