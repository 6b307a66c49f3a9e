"""Day by day: the ledger a plan returns is fed to the next plan, as Home Assistant will."""

from __future__ import annotations

from datetime import timedelta
import json

from custom_components.lcars.cleanup import Candidate, Ledger, Plan

from .factories import NOW, days_ago, keys, movie, run, standard_disks


def restart(ledger: Ledger) -> Ledger:
    """What a Home Assistant restart does to the ledger: a trip through JSON storage."""
    return Ledger.from_dict(json.loads(json.dumps(ledger.to_dict())))


def test_item_waits_out_the_grace_period_across_a_restart_then_leaves() -> None:
    stale = movie(1, added=days_ago(300))
    watched_later = movie(2, added=days_ago(300))
    library: dict[str, Candidate] = {stale.key: stale, watched_later.key: watched_later}
    ledger = Ledger()
    deleted_on: dict[str, int] = {}
    plans: dict[int, Plan] = {}

    for day in range(22):
        now = NOW + timedelta(days=day)
        if day == 5:
            # Someone watches the second movie: it leaves leaving soon.
            library[watched_later.key] = movie(2, added=days_ago(300), last_played=now)
        if day == 7:
            ledger = restart(ledger)
        plan = run(library.values(), standard_disks(movies=1.0), ledger=ledger, now=now)
        plans[day] = plan
        # Execute the plan as Home Assistant will: delete, then record.
        for deletion in plan.delete_now:
            deleted_on[deletion.item.key] = day
            del library[deletion.item.key]
        ledger = plan.ledger.record_deleted(d.item.key for d in plan.delete_now)

    # Day 0: both go on leaving soon, to be deleted on day 14.
    assert sorted(keys(plans[0].leaving_soon)) == [stale.key, watched_later.key]
    assert plans[0].first_deletion_at == NOW + timedelta(days=14)
    # Nothing leaves before the grace period is over, restart or not.
    assert all(not plans[day].delete_now for day in range(14))
    assert keys(plans[13].leaving_soon) == [stale.key]
    assert plans[13].leaving_soon[0].entered == NOW
    assert deleted_on == {stale.key: 14}
    assert "On leaving soon since 2026-11-15." in plans[14].delete_now[0].reason
    # Watched on day 5: off the list that day, and back on with a new clock
    # once past the limit again (15 days under 5% free: on day 21).
    assert [(c.key, c.why) for c in plans[5].ledger_changes] == [
        (watched_later.key, "watched")
    ]
    assert plans[20].leaving_soon == ()
    back = plans[21].leaving_soon
    assert keys(back) == [watched_later.key]
    assert back[0].entered == NOW + timedelta(days=21)
    assert len(ledger) == 1


def test_deletion_due_to_the_second_and_a_failure_retried_next_day() -> None:
    item = movie(1, added=days_ago(300))
    first = run([item], standard_disks(movies=1.0))
    due = first.leaving_soon[0].delete_on

    just_before = run(
        [item],
        standard_disks(movies=1.0),
        ledger=restart(first.ledger),
        now=due - timedelta(seconds=1),
    )
    on_time = run(
        [item], standard_disks(movies=1.0), ledger=restart(first.ledger), now=due
    )

    assert just_before.delete_now == ()
    assert keys(on_time.delete_now) == [item.key]

    failed = on_time.ledger.record_failure(item.key, "HTTP 500", due)
    next_day = run(
        [item],
        standard_disks(movies=1.0),
        ledger=restart(failed),
        now=due + timedelta(days=1),
    )
    assert keys(next_day.delete_now) == [item.key]
    assert next_day.delete_now[0].attempts == 1
    assert "Earlier attempts to delete it failed: 1." in next_day.delete_now[0].reason
