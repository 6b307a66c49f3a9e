"""The clock rule: grace time counts only when a clock step cannot fake it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import math
from typing import Any

import pytest

from custom_components.lcars.cleanup import (
    CleanupPolicy,
    Ledger,
    LedgerEntry,
    LedgerError,
    Plan,
    SourceHealth,
    SourceStatus,
    plan_cleanup,
)
from custom_components.lcars.cleanup.clock import (
    STEP_TOLERANCE_SECONDS,
    ClockReading,
    elapsed_between,
)

from .factories import NOW, days_ago, healthy, keys, movie, run, standard_disks

GRACE = timedelta(days=14)
BOOT = "boot:one"


def reading(
    wall: datetime, monotonic: float | None = None, source: str = BOOT
) -> ClockReading:
    """A reading; by default the monotonic clock agrees with the wall clock."""
    return ClockReading(
        wall=wall,
        monotonic=wall.timestamp() - NOW.timestamp() + 1000.0
        if monotonic is None
        else monotonic,
        source=source,
    )


def restart(ledger: Ledger) -> Ledger:
    """What a Home Assistant restart does to the ledger: a trip through JSON."""
    return Ledger.from_dict(json.loads(json.dumps(ledger.to_dict())))


STALE = movie(1, added=days_ago(300))


def plan_at(
    ledger: Ledger,
    now: datetime,
    clock: ClockReading | None,
    *,
    items: tuple[Any, ...] = (STALE,),
    disks: Any = None,
    health: SourceHealth | None = None,
) -> Plan:
    """Plan with /movies at 1% free (limit 15 days) and the default policy."""
    return plan_cleanup(
        items,
        disks=standard_disks(movies=1.0) if disks is None else disks,
        health=healthy(now=now) if health is None else health,
        policy=CleanupPolicy(),
        ledger=ledger,
        now=now,
        clock=clock,
    )


# -- readings ------------------------------------------------------------


def test_reading_round_trips_and_refuses_what_cannot_be_compared() -> None:
    first = reading(NOW)
    assert ClockReading.from_dict(json.loads(json.dumps(first.to_dict()))) == first
    with pytest.raises(ValueError) as naive:
        ClockReading(wall=NOW.replace(tzinfo=None), monotonic=1.0, source=BOOT)
    assert str(naive.value) == "the wall clock reading must be timezone-aware"
    with pytest.raises(ValueError) as endless:
        ClockReading(wall=NOW, monotonic=math.inf, source=BOOT)
    assert str(endless.value) == "the monotonic reading must be a finite number"


INCOMPLETE = "the clock reading is incomplete"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ([], "the clock reading is not an object"),
        ({"wall": 1, "monotonic": 1.0, "source": BOOT}, INCOMPLETE),
        ({"wall": NOW.isoformat(), "monotonic": True, "source": BOOT}, INCOMPLETE),
        ({"wall": NOW.isoformat(), "monotonic": "1", "source": BOOT}, INCOMPLETE),
        ({"wall": NOW.isoformat(), "monotonic": 1.0, "source": None}, INCOMPLETE),
        (
            {"wall": "yesterday", "monotonic": 1.0, "source": BOOT},
            "Invalid isoformat string: 'yesterday'",
        ),
        (
            {"wall": "2026-11-15T12:00:00", "monotonic": 1.0, "source": BOOT},
            "the wall clock reading must be timezone-aware",
        ),
        (
            {"wall": NOW.isoformat(), "monotonic": math.nan, "source": BOOT},
            "the monotonic reading must be a finite number",
        ),
    ],
)
def test_unreadable_reading_makes_the_ledger_unreadable(data: Any, why: str) -> None:
    stored = {"version": 1, "entries": {}, "clock": data}
    with pytest.raises(LedgerError) as caught:
        Ledger.from_dict(stored)
    assert str(caught.value) == f"The ledger's clock reading is unreadable: {why}"


def test_elapsed_between_readings() -> None:
    start = reading(NOW)
    hour = timedelta(hours=1)
    # Nothing to compare with: nothing credited, nothing doubted.
    assert elapsed_between(None, start).trusted == timedelta(0)
    assert elapsed_between(None, start).step is None
    other_boot = reading(NOW + hour, monotonic=5.0, source="boot:two")
    assert elapsed_between(start, other_boot).trusted == timedelta(0)
    assert elapsed_between(start, other_boot).step is None
    # The clocks agree: the monotonic time counts.
    later = reading(NOW + hour)
    assert elapsed_between(start, later).trusted == hour
    # Slewing and jitter within the tolerance are no step.
    slewed = reading(NOW + hour, monotonic=start.monotonic + 3600 - 30)
    assert elapsed_between(start, slewed).step is None
    assert elapsed_between(start, slewed).trusted == timedelta(seconds=3570)


@pytest.mark.parametrize(
    ("wall", "monotonic", "jump"),
    [
        # NTP corrects a device without a real-time clock: +10 days at once.
        (timedelta(days=10, hours=1), 3600.0, timedelta(days=10)),
        # A wrong time zone fixed by hand: the clock goes back 5 hours.
        (timedelta(hours=-4), 3600.0, timedelta(hours=-5)),
        # Just over the tolerance.
        (
            timedelta(seconds=3600 + STEP_TOLERANCE_SECONDS + 10),
            3600.0,
            timedelta(seconds=STEP_TOLERANCE_SECONDS + 10),
        ),
    ],
)
def test_a_step_is_detected_and_credits_nothing(
    wall: timedelta, monotonic: float, jump: timedelta
) -> None:
    start = reading(NOW)
    stepped = reading(NOW + wall, monotonic=start.monotonic + monotonic)
    elapsed = elapsed_between(start, stepped)
    assert elapsed.trusted == timedelta(0)
    assert elapsed.step is not None
    assert elapsed.step.step == jump
    assert elapsed.step.since == NOW


def test_a_monotonic_clock_going_back_is_a_step() -> None:
    start = reading(NOW)
    back = reading(NOW, monotonic=start.monotonic - 1)
    assert elapsed_between(start, back).step is not None


# -- the ledger keeps what was observed ------------------------------------


def test_ledger_keeps_observed_time_and_its_reading_through_json() -> None:
    entry = LedgerEntry(
        entered=NOW, delete_on=NOW + GRACE, observed=timedelta(days=3, microseconds=7)
    )
    ledger = Ledger({"a": entry}, reading(NOW))
    data = json.loads(json.dumps(ledger.to_dict()))
    assert data["version"] == 1
    assert data["entries"]["a"]["observed_microseconds"] == (3 * 86400 * 1_000_000 + 7)
    assert Ledger.from_dict(data) == ledger
    # Carried through every change.
    assert ledger.record_failure("a", "HTTP 500", NOW).clock == ledger.clock
    assert ledger.clear_failures("a").clock == ledger.clock
    assert ledger.record_deleted(["a"]).clock == ledger.clock
    assert ledger.record_failure("a", "x", NOW).get("a").observed == entry.observed  # type: ignore[union-attr]


def test_ledger_stored_before_observed_time_loads_with_nothing_observed() -> None:
    old = {
        "version": 1,
        "entries": {
            "radarr/main/movie/1": {
                "entered": "2026-11-01T12:00:00+00:00",
                "delete_on": "2026-11-15T12:00:00+00:00",
                "attempts": 0,
                "last_error": None,
                "last_attempt": None,
            }
        },
    }
    ledger = Ledger.from_dict(old)
    assert ledger.clock is None
    assert ledger.get("radarr/main/movie/1") == LedgerEntry(
        entered=datetime(2026, 11, 1, 12, tzinfo=UTC),
        delete_on=datetime(2026, 11, 15, 12, tzinfo=UTC),
    )
    # Nothing new is written for what is not there.
    assert ledger.to_dict() == old


@pytest.mark.parametrize("observed", [True, "10", 1.5, None, 10**30])
def test_invalid_observed_time_makes_the_ledger_unreadable(observed: Any) -> None:
    stored = {
        "version": 1,
        "entries": {
            "a": {
                "entered": NOW.isoformat(),
                "delete_on": NOW.isoformat(),
                "observed_microseconds": observed,
            }
        },
    }
    with pytest.raises(LedgerError, match="observed"):
        Ledger.from_dict(stored)


def test_restarting_the_grace_period_forgets_observed_time() -> None:
    ledger = Ledger(
        {"a": LedgerEntry(entered=NOW, delete_on=NOW, observed=GRACE)}, reading(NOW)
    )
    later = NOW + timedelta(days=1)
    restarted = ledger.restart_grace(later, GRACE, reading(later))
    entry = restarted.get("a")
    assert entry is not None
    assert entry.observed == timedelta(0)
    assert (entry.entered, entry.delete_on) == (later, later + GRACE)
    assert restarted.clock == reading(later)
    # Without a reading, the time until the next one does not count.
    assert ledger.restart_grace(later, GRACE).clock is None


# -- the planner -------------------------------------------------------------


def test_deleted_only_after_being_observed_for_the_whole_grace_period() -> None:
    ledger = Ledger()
    for day in range(15):
        now = NOW + timedelta(days=day)
        plan = plan_at(ledger, now, reading(now))
        if day < 14:
            assert plan.delete_now == (), day
            assert not plan.failed_closed
            listed = plan.leaving_soon[0]
            assert listed.observed == timedelta(days=day)
            assert listed.unobserved == timedelta(0)
            assert listed.as_dict()["observed_days"] == day
        ledger = restart(plan.ledger)
    assert keys(plan.delete_now) == [STALE.key]
    assert plan.ledger.clock == reading(NOW + timedelta(days=14))


def test_a_clock_step_forward_makes_nothing_due_early() -> None:
    """Listed, then the wall clock jumps 15 days while an hour passes."""
    first = plan_at(Ledger(), NOW, reading(NOW))
    start = reading(NOW)
    jumped = NOW + timedelta(days=15, hours=1)
    clock = reading(jumped, monotonic=start.monotonic + 3600)

    fresh = movie(2, added=days_ago(300))
    plan = plan_at(first.ledger, jumped, clock, items=(STALE, fresh))

    assert plan.delete_now == ()
    assert plan.failed_closed
    # Ages rest on the clock too: nothing new is listed meanwhile.
    assert fresh.key not in plan.ledger
    assert fresh.key in keys(plan.leaving_soon)
    assert [r.code for r in plan.fail_reasons] == ["clock_step"]
    assert "jumped forward by 15.0 days" in plan.fail_reasons[0].message
    assert "real time 1.0 hours" in plan.summary
    # The hour is not credited either; the date moves to 14 days from now.
    entry = plan.ledger.get(STALE.key)
    assert entry is not None
    assert entry.observed == timedelta(0)
    assert entry.delete_on == jumped + GRACE
    assert plan.leaving_soon[0].waiting_for == "grace_period"

    # Later runs on the new time count again, from the step on.
    after = jumped + timedelta(days=13)
    plan = plan_at(
        restart(plan.ledger), after, reading(after, clock.monotonic + 13 * 86400)
    )
    assert not plan.failed_closed
    assert plan.delete_now == ()
    assert plan.leaving_soon[0].observed == timedelta(days=13)
    done = after + timedelta(days=1)
    plan = plan_at(
        restart(plan.ledger), done, reading(done, clock.monotonic + 14 * 86400)
    )
    assert keys(plan.delete_now) == [STALE.key]


def test_a_clock_step_back_is_doubt_too() -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    back = NOW - timedelta(hours=3)
    clock = reading(back, monotonic=reading(NOW).monotonic + 600)

    plan = plan_at(first.ledger, back, clock)

    assert plan.failed_closed
    assert "jumped back by 3.2 hours" in plan.fail_reasons[0].message


def test_small_steps_are_told_in_minutes_and_seconds() -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    minutes = plan_at(
        first.ledger,
        NOW + timedelta(minutes=5),
        reading(NOW + timedelta(minutes=5), monotonic=reading(NOW).monotonic),
    )
    assert "by 5.0 minutes" in minutes.fail_reasons[0].message
    assert "real time 0 seconds" in minutes.fail_reasons[0].message
    backwards = plan_at(
        first.ledger,
        NOW - timedelta(minutes=2),
        reading(NOW - timedelta(minutes=2), monotonic=reading(NOW).monotonic),
    )
    assert "wall clock moved -2.0 minutes" in backwards.fail_reasons[0].message


@pytest.mark.parametrize(
    ("real", "told"),
    [
        (0, "0 seconds"),
        (59, "59 seconds"),
        (60, "1.0 minutes"),
        (3599, "60.0 minutes"),
        (3600, "1.0 hours"),
        (86399, "24.0 hours"),
        (86400, "1.0 days"),
    ],
)
def test_a_duration_is_told_in_the_largest_unit_that_fits(real: int, told: str) -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    wall = NOW + timedelta(days=1, seconds=real)
    moved = "2.0 days" if real >= 43200 else "1.0 days"

    plan = plan_at(first.ledger, wall, reading(wall, reading(NOW).monotonic + real))

    assert plan.fail_reasons[0].message == (
        "the clock jumped forward by 1.0 days since the run of 2026-11-15T12:00+00:00"
        f" (the wall clock moved {moved}, real time {told}), so the time meanwhile"
        " does not count toward any grace period"
    )


def test_time_across_a_reboot_is_not_credited() -> None:
    """The monotonic clock of another boot cannot vouch for the gap."""
    ledger = Ledger()
    for day in range(7):
        now = NOW + timedelta(days=day)
        ledger = restart(plan_at(ledger, now, reading(now)).ledger)
    # The machine is off for a day; after the reboot its clock says day 14.
    reboot = NOW + timedelta(days=14)
    clock = ClockReading(wall=reboot, monotonic=30.0, source="boot:two")

    plan = plan_at(ledger, reboot, clock)

    assert not plan.failed_closed
    assert plan.delete_now == ()
    listed = plan.leaving_soon[0]
    assert listed.observed == timedelta(days=6)
    assert listed.unobserved == timedelta(days=8)
    assert listed.delete_on == reboot + timedelta(days=8)
    assert plan.first_deletion_at == reboot + timedelta(days=8)
    assert "8 days of the time since did not count" in listed.reason
    # Eight observed days later it goes.
    done = reboot + timedelta(days=8)
    plan = plan_at(
        restart(plan.ledger),
        done,
        ClockReading(wall=done, monotonic=30.0 + 8 * 86400, source="boot:two"),
    )
    assert keys(plan.delete_now) == [STALE.key]


def test_an_hour_lost_is_told_in_hours() -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    later = NOW + timedelta(hours=3)
    plan = plan_at(
        first.ledger, later, ClockReading(wall=later, monotonic=1, source="x")
    )
    assert "3 hours of the time since did not count" in plan.leaving_soon[0].reason
    # Under an hour is not worth telling.
    soon = NOW + timedelta(minutes=30)
    plan = plan_at(first.ledger, soon, ClockReading(wall=soon, monotonic=1, source="x"))
    assert "did not count" not in plan.leaving_soon[0].reason


def test_an_old_ledger_waits_a_whole_observed_grace_period() -> None:
    """Entries stored before observed time was kept are due by their dates only."""
    old = Ledger({STALE.key: LedgerEntry(entered=days_ago(20), delete_on=days_ago(6))})
    # Judged by the dates alone (no reading), it would go now.
    assert keys(plan_at(old, NOW, None).delete_now) == [STALE.key]

    plan = plan_at(old, NOW, reading(NOW))

    assert plan.delete_now == ()
    assert plan.leaving_soon[0].delete_on == NOW + GRACE
    assert plan.leaving_soon[0].entered == days_ago(20)


def test_entries_kept_while_in_doubt_still_count_their_observed_time() -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    later = NOW + timedelta(days=1)
    # The disk figure is missing: the item is kept, not judged.
    unjudged = plan_at(first.ledger, later, reading(later), disks=[])
    assert unjudged.failed_closed
    assert unjudged.leaving_soon[0].waiting_for == "not_judged"
    assert unjudged.ledger.get(STALE.key).observed == timedelta(days=1)  # type: ignore[union-attr]
    # Missing from data in doubt (Radarr's refresh failed): kept, and counted.
    failed = SourceHealth(
        sources=(
            SourceStatus(
                source_id="radarr/main",
                kind="radarr",
                fetched_at=None,
                last_refresh_ok=False,
            ),
        ),
        jellyfin_configured=False,
    )
    missing = plan_at(first.ledger, later, reading(later), items=(), health=failed)
    assert missing.failed_closed
    assert missing.ledger.get(STALE.key).observed == timedelta(days=1)  # type: ignore[union-attr]


def test_without_a_reading_the_ledger_keeps_its_own() -> None:
    first = plan_at(Ledger(), NOW, reading(NOW))
    plan = run([STALE], standard_disks(movies=1.0), ledger=first.ledger)
    assert plan.ledger.clock == reading(NOW)
    assert plan.leaving_soon[0].observed is None
    assert plan.leaving_soon[0].as_dict()["observed_days"] is None
