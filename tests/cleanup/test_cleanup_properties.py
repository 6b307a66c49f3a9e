"""Invariants of the cleanup planner, over generated libraries, disks and ledgers."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DiskFigure,
    Ledger,
    LedgerEntry,
    Plan,
    SourceHealth,
    SourceStatus,
    plan_cleanup,
)

from .factories import GB, LIDARR, NOW, RADARR, SONARR, TOTAL, healthy

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

FOLDERS = (
    (RADARR, "/movies"),
    (RADARR, "/archive"),
    (SONARR, "/tv"),
    (LIDARR, "/music"),
)
KIND_OF_FOLDER = {
    "/movies": "movie",
    "/archive": "movie",
    "/tv": "season",
    "/music": "album",
}
TAGS = ("lcars-keep", "delete-after-30d", "other")
SERIES_TAGS = ("lcars-keep", "lcars-rolling", "delete-after-30d")


@dataclass(frozen=True)
class Scenario:
    """Everything a plan needs except the health of the sources."""

    items: list[Candidate]
    free: dict[tuple[str, str], int]
    policy: CleanupPolicy
    ledger: Ledger

    def plan(
        self, health: SourceHealth | None = None, *, free_scale: float = 1.0
    ) -> Plan:
        disks = [
            DiskFigure(
                instance_id=instance,
                root_folder=root,
                free_bytes=int(free * free_scale),
                total_bytes=TOTAL,
            )
            for (instance, root), free in self.free.items()
        ]
        return plan_cleanup(
            self.items,
            disks=disks,
            health=healthy() if health is None else health,
            policy=self.policy,
            ledger=self.ledger,
            now=NOW,
        )


days = st.floats(min_value=0, max_value=400, allow_nan=False)
# Few draws per item keep generation fast: a place (folder and kind), a set of
# tags, and one number whose bits are the yes/no facts.
PLACES = [
    (instance, root, kind)
    for instance, root in FOLDERS
    for kind in (("season", "episode") if root == "/tv" else (KIND_OF_FOLDER[root],))
]
TAG_SETS = [*[frozenset()] * 6, *(frozenset({t}) for t in TAGS), frozenset(TAGS[:2])]
SERIES_TAG_SETS = [
    *[frozenset()] * 6,
    *(frozenset({t}) for t in SERIES_TAGS),
    frozenset(SERIES_TAGS[:2]),
]


def _flag(bits: int, number: int) -> bool:
    """One yes/no fact out of a number: three bits, all set (one time in eight)."""
    return (bits >> (3 * number)) & 0b111 == 0b111


# Strategies are built once: building them inside each draw costs more than
# the planning itself.
places = st.sampled_from(PLACES)
flag_bits = st.integers(0, (1 << 18) - 1)
maybe_days = st.none() | days
sizes = st.integers(1, 300)
tag_sets = st.sampled_from(TAG_SETS)
series_tag_sets = st.sampled_from(SERIES_TAG_SETS)


@st.composite
def candidates(draw: st.DrawFn, number: int) -> Candidate:
    instance, root, kind = draw(places)
    flags = draw(flag_bits)
    last_played = draw(maybe_days)
    tv = kind in ("season", "episode")
    return Candidate(
        key=f"{instance}/{kind}/{number}",
        instance_id=instance,
        kind=kind,  # type: ignore[arg-type]
        title=f"Item {number}",
        root_folder=root,
        size=draw(sizes) * GB,
        added=None if _flag(flags, 5) else _ago(draw(days)),
        tags=draw(tag_sets),
        series_key=f"{SONARR}/series/{number % 3}" if tv else None,
        series_tags=draw(series_tag_sets) if tv else frozenset(),
        season_number=number % 2,
        episode_number=number,
        jellyfin_matched=not _flag(flags, 0),
        last_played=_ago(last_played),
        played=last_played is not None or _flag(flags, 1),
        favorite=_flag(flags, 2),
        playing=_flag(flags, 3),
        seeding=_flag(flags, 4),
    )


def _ago(value: float | None) -> datetime | None:
    return None if value is None else NOW - timedelta(days=value)


policies = st.builds(
    CleanupPolicy,
    grace_days=st.integers(1, 30),
    max_items_per_run=st.integers(1, 10),
    max_bytes_per_run=st.integers(1, 1000).map(lambda g: g * GB),
    free_until_target=st.booleans(),
    protect_favorites=st.booleans(),
    rolling_keep_episodes=st.integers(0, 4),
    tag_schedules=st.just({"delete-after-30d": 30}),
)


item_counts = st.integers(0, 16)
# Mostly tight disks, so that items expire; whole percents make the threshold
# boundaries likely; any byte count is valid.
free_bytes = (
    st.integers(0, 25).map(lambda p: p * TOTAL // 100)
    | st.integers(0, TOTAL // 4)
    | st.integers(0, TOTAL)
)
# Days on leaving soon and the grace period promised then (whole days meet the
# policy's grace period exactly now and then).
ledger_spans = st.none() | st.tuples(st.integers(0, 40), st.integers(0, 30))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    items = [draw(candidates(n)) for n in range(draw(item_counts))]
    free = {where: draw(free_bytes) for where in FOLDERS}
    entries: dict[str, LedgerEntry] = {}
    for item in items:
        span = draw(ledger_spans)
        if span is not None:
            start = NOW - timedelta(days=span[0])
            entries[item.key] = LedgerEntry(
                entered=start, delete_on=start + timedelta(days=span[1])
            )
    return Scenario(items, free, draw(policies), Ledger(entries))


def expired_keys(plan: Plan) -> set[str]:
    return {e.item.key for e in (*plan.leaving_soon, *plan.delete_now, *plan.protected)}


@PROPERTY_SETTINGS
@given(scenarios())
def test_protected_item_is_never_deleted(scenario: Scenario) -> None:
    plan = scenario.plan()
    keep = scenario.policy.keep_tags
    for deletion in plan.delete_now:
        item = deletion.item
        assert keep.isdisjoint(item.tags)
        assert keep.isdisjoint(item.series_tags)
        assert not (item.favorite and scenario.policy.protect_favorites)
        assert not item.playing
        assert not item.seeding
    assert {p.item.key for p in plan.protected}.isdisjoint(
        d.item.key for d in plan.delete_now
    )


@PROPERTY_SETTINGS
@given(scenarios())
def test_nothing_is_deleted_before_its_grace_period_on_leaving_soon(
    scenario: Scenario,
) -> None:
    plan = scenario.plan()
    grace = timedelta(days=scenario.policy.grace_days)
    for deletion in plan.delete_now:
        entry = scenario.ledger.get(deletion.item.key)
        assert entry is not None
        assert NOW - entry.entered >= grace
        assert entry.delete_on <= NOW


@PROPERTY_SETTINGS
@given(scenarios(), st.floats(0, 1))
def test_less_free_space_expires_a_superset(scenario: Scenario, scale: float) -> None:
    roomy = scenario.plan()
    tight = scenario.plan(free_scale=scale)
    assert expired_keys(tight) >= expired_keys(roomy)


def in_trouble(status: SourceStatus, trouble: str) -> SourceStatus:
    match trouble:
        case "failed":
            return replace(status, last_refresh_ok=False)
        case "stale":
            return replace(status, fetched_at=NOW - timedelta(minutes=16))
    return replace(status, fetched_at=None)


@PROPERTY_SETTINGS
@given(
    scenarios(),
    st.sampled_from([RADARR, SONARR, LIDARR, "jellyfin/main"]),
    st.sampled_from(["failed", "stale", "never"]),
)
def test_any_failed_or_stale_source_means_no_deletion(
    scenario: Scenario, source: str, trouble: str
) -> None:
    sources = tuple(
        in_trouble(status, trouble) if status.source_id == source else status
        for status in healthy().sources
    )

    plan = scenario.plan(SourceHealth(sources=sources, jellyfin_configured=True))

    assert plan.failed_closed
    assert plan.delete_now == ()
    assert source in {r.subject for r in plan.fail_reasons}


@PROPERTY_SETTINGS
@given(scenarios())
def test_caps_are_never_exceeded(scenario: Scenario) -> None:
    plan = scenario.plan()
    policy = scenario.policy
    assert len(plan.delete_now) <= policy.max_items_per_run
    assert sum(d.item.size for d in plan.delete_now) <= policy.max_bytes_per_run
    assert plan.totals.delete_bytes <= policy.max_bytes_per_run


@PROPERTY_SETTINGS
@given(scenarios())
def test_plan_is_json_and_its_ledger_covers_leaving_soon(scenario: Scenario) -> None:
    plan = scenario.plan()
    json.dumps(plan.as_dict())
    for entry in (*plan.leaving_soon, *plan.delete_now):
        assert entry.item.key in plan.ledger
    # Stalest first.
    sinces = [NOW - d.age for d in plan.delete_now]
    assert sinces == sorted(sinces)


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    ),
)
ledger_entries = st.builds(
    LedgerEntry,
    entered=moments,
    delete_on=moments,
    attempts=st.integers(0, 10),
    last_error=st.none() | st.text(),
    last_attempt=st.none() | moments,
)


@PROPERTY_SETTINGS
@given(st.dictionaries(st.text(min_size=1), ledger_entries, max_size=20))
def test_ledger_round_trips_through_json(entries: dict[str, LedgerEntry]) -> None:
    ledger = Ledger(entries)
    restored = Ledger.from_dict(json.loads(json.dumps(ledger.to_dict())))
    assert restored == ledger
    for key, entry in restored.entries.items():
        assert entry.entered.utcoffset() == entries[key].entered.utcoffset()
