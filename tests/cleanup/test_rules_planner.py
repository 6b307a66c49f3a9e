"""Each rule of the planner pinned at its boundary: a second, a byte either side.

Default policy: under 10% free a movie may be 30 days old, and the folder
has enough once it is back at 7% (the lowest key, 5%, plus a 2% margin).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DeletionItem,
    DiskFigure,
    Expiry,
    FailReason,
    HeldItem,
    LeavingSoonItem,
    Ledger,
    LedgerEntry,
    MediaIds,
    Plan,
    ProtectedItem,
    Protection,
    RollingLimit,
    SourceHealth,
    SourceStatus,
    TagLimit,
    plan_cleanup,
    protections_of,
)

from .factories import (
    GB,
    LIDARR,
    NOW,
    RADARR,
    SONARR,
    TOTAL,
    album,
    days_ago,
    disk,
    entered,
    episode,
    healthy,
    keys,
    movie,
    run,
    season,
    standard_disks,
)

SECOND = timedelta(seconds=1)
# Under 10% free, above the 7% target: items expire but none is deleted.
LOW = standard_disks(movies=9.0, tv=9.0, music=9.0)
# Under 5% free: the 15-day limit, and deletions until 7% is free again.
VERY_LOW = standard_disks(movies=1.0, tv=1.0, music=1.0)


def on_list(plan: Plan) -> set[str]:
    return set(keys(plan.leaving_soon)) | set(keys(plan.delete_now))


def due_ledger(*items: object, days: float = 20) -> Ledger:
    """Entries made `days` ago with a 14-day grace: due now."""
    return Ledger({item.key: entered(days) for item in items})  # type: ignore[attr-defined]


def waits(plan: Plan) -> dict[str, str]:
    return {entry.item.key: entry.waiting_for for entry in plan.leaving_soon}


# -- age against the limit ---------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (timedelta(days=30) - SECOND, False),
        (timedelta(days=30), False),
        (timedelta(days=30) + SECOND, True),
    ],
)
def test_an_item_is_past_its_limit_only_once_older_than_it(
    age: timedelta, expired: bool
) -> None:
    by_added = movie(1, added=NOW - age)
    by_play = movie(2, added=days_ago(400), last_played=NOW - age)
    plan = run([by_added, by_play], LOW)
    assert on_list(plan) == ({by_added.key, by_play.key} if expired else set())


@pytest.mark.parametrize(
    ("added", "last_played", "expired"),
    [
        (days_ago(40), days_ago(10), False),
        (days_ago(10), days_ago(40), False),
        (days_ago(40), days_ago(35), True),
        (days_ago(40), None, True),
        (days_ago(10), None, False),
    ],
)
def test_the_age_counts_from_the_later_of_added_and_last_played(
    added: datetime, last_played: datetime | None, expired: bool
) -> None:
    item = movie(1, added=added, last_played=last_played, played=bool(last_played))
    assert bool(on_list(run([item], LOW))) is expired


def test_the_age_in_the_facts_is_since_the_later_date() -> None:
    item = movie(1, added=days_ago(50), last_played=days_ago(40), played=True)
    (entry,) = run([item], LOW).leaving_soon
    assert entry.age == timedelta(days=40)
    again = movie(2, added=days_ago(40), last_played=days_ago(50), played=True)
    (entry,) = run([again], LOW).leaving_soon
    assert entry.age == timedelta(days=40)


def test_a_tag_schedule_is_a_limit_whatever_the_free_space() -> None:
    policy = CleanupPolicy(tag_schedules={"short": 20})
    young = movie(1, added=days_ago(20), tags=frozenset({"short"}))
    old = movie(2, added=NOW - timedelta(days=20) - SECOND, tags=frozenset({"short"}))
    untagged = movie(3, added=days_ago(25))
    plan = run([young, old, untagged], standard_disks(movies=90.0), policy=policy)
    assert on_list(plan) == {old.key}
    (entry,) = plan.leaving_soon
    assert entry.expiry.rule == "tag_schedule"
    assert entry.expiry.limit_days == 20
    assert entry.expiry.disk is None


def test_the_shortest_tag_schedule_of_an_item_applies() -> None:
    policy = CleanupPolicy(tag_schedules={"a-long": 50, "b-short": 10, "c-mid": 30})
    item = movie(1, added=days_ago(20), tags=frozenset({"a-long", "b-short", "c-mid"}))
    (entry,) = run([item], standard_disks(movies=90.0), policy=policy).leaving_soon
    assert entry.expiry.schedule is not None
    assert (entry.expiry.schedule.tag, entry.expiry.limit_days) == ("b-short", 10)


def test_a_tag_schedule_of_the_series_applies_to_its_seasons_only_by_tag() -> None:
    policy = CleanupPolicy(tag_schedules={"short": 10})
    tagged = season(1, 1, added=days_ago(20), series_tags=frozenset({"SHORT"}))
    other = season(2, 1, added=days_ago(20), series_tags=frozenset({"kids"}))
    plan = run([tagged, other], standard_disks(tv=90.0), policy=policy)
    assert on_list(plan) == {tagged.key}


@pytest.mark.parametrize(
    ("disk_days", "schedule_days", "rule", "days"),
    [(30, 20, "tag_schedule", 20), (30, 30, "disk", 30), (30, 40, "disk", 30)],
)
def test_of_a_disk_limit_and_a_tag_schedule_the_shorter_applies(
    disk_days: int, schedule_days: int, rule: str, days: int
) -> None:
    policy = CleanupPolicy(
        movie_limits={10.0: disk_days}, tag_schedules={"t": schedule_days}
    )
    item = movie(1, added=days_ago(100), tags=frozenset({"t"}))
    (entry,) = run([item], LOW, policy=policy).leaving_soon
    assert (entry.expiry.rule, entry.expiry.limit_days) == (rule, days)
    assert entry.expiry.disk is not None
    assert entry.expiry.schedule is not None


# -- free-until-target -------------------------------------------------------


def test_the_target_is_the_lowest_key_plus_the_margin_to_the_byte() -> None:
    """At exactly 7% free the folder has enough; one byte less, it does not."""
    at_target = DiskFigure(
        instance_id=RADARR,
        root_folder="/movies",
        free_bytes=TOTAL * 7 // 100,
        total_bytes=TOTAL,
    )
    under = DiskFigure(
        instance_id=RADARR,
        root_folder="/movies",
        free_bytes=TOTAL * 7 // 100 - 1,
        total_bytes=TOTAL,
    )
    item = movie(1, added=days_ago(100))
    plan = run([item], [at_target], ledger=due_ledger(item))
    assert waits(plan) == {item.key: "free_space_target"}
    plan = run([item], [under], ledger=due_ledger(item))
    assert keys(plan.delete_now) == [item.key]
    (outlook,) = plan.root_folders
    assert outlook.targets == {"movies": 7.0}


def test_the_target_rounds_up_to_a_whole_byte() -> None:
    """10% of 1001 bytes is 100.1: 101 bytes free is enough, 100 is not."""
    policy = CleanupPolicy(movie_limits={10.0: 30, 20.0: 60}, target_margin_percent=0.0)
    item = movie(1, added=days_ago(100), size=1)

    def figure(free: int) -> list[DiskFigure]:
        return [
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=free,
                total_bytes=1001,
            )
        ]

    plan = run([item], figure(100), policy=policy, ledger=due_ledger(item))
    assert keys(plan.delete_now) == [item.key]
    plan = run([item], figure(101), policy=policy, ledger=due_ledger(item))
    assert waits(plan) == {item.key: "free_space_target"}


def test_a_target_above_the_whole_disk_means_the_whole_disk() -> None:
    policy = CleanupPolicy(movie_limits={99.0: 30}, target_margin_percent=2.0)
    full = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=TOTAL, total_bytes=TOTAL
    )
    nearly = DiskFigure(
        instance_id=RADARR,
        root_folder="/movies",
        free_bytes=TOTAL * 98 // 100,
        total_bytes=TOTAL,
    )
    item = movie(1, added=days_ago(100))
    assert keys(
        run([item], [nearly], policy=policy, ledger=due_ledger(item)).delete_now
    )
    # Everything free is not under 99%: nothing expires at all.
    assert not on_list(run([item], [full], policy=policy, ledger=due_ledger(item)))


def test_deletions_stop_once_the_freed_bytes_reach_the_target() -> None:
    # 6.5% free; the target is 7%: 50 GB short. Items of 20 GB: the third
    # reaches the target, the fourth waits for it.
    free = TOTAL * 65 // 1000
    figure = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=free, total_bytes=TOTAL
    )
    items = [movie(n, added=days_ago(200 - n), size=20 * GB) for n in range(1, 5)]
    plan = run(items, [figure], ledger=due_ledger(*items))
    assert keys(plan.delete_now) == [items[0].key, items[1].key, items[2].key]
    assert waits(plan) == {items[3].key: "free_space_target"}
    (outlook,) = plan.root_folders
    assert outlook.freed_bytes == 60 * GB
    assert outlook.projected_free_bytes == free + 60 * GB


def test_a_run_that_reaches_the_target_exactly_stops_there() -> None:
    free = TOTAL * 7 // 100 - 20 * GB
    figure = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=free, total_bytes=TOTAL
    )
    items = [movie(n, added=days_ago(200 - n), size=20 * GB) for n in (1, 2)]
    plan = run(items, [figure], ledger=due_ledger(*items))
    assert keys(plan.delete_now) == [items[0].key]
    assert waits(plan) == {items[1].key: "free_space_target"}


def test_the_target_is_ignored_for_items_past_their_tag_schedule() -> None:
    """Past its schedule an item goes whatever the free space; short of it, not."""
    policy = CleanupPolicy(tag_schedules={"t": 60})
    tags = frozenset({"t"})
    past = movie(1, added=NOW - timedelta(days=60) - SECOND, tags=tags)
    exactly = movie(2, added=days_ago(60), tags=tags)
    short = movie(3, added=days_ago(40), tags=tags)
    items = [past, exactly, short]
    plan = run(items, LOW, policy=policy, ledger=due_ledger(*items))
    assert keys(plan.delete_now) == [past.key]
    assert waits(plan) == {
        exactly.key: "free_space_target",
        short.key: "free_space_target",
    }


def test_without_free_until_target_every_due_item_goes() -> None:
    policy = CleanupPolicy(free_until_target=False)
    items = [movie(n, added=days_ago(100)) for n in (1, 2)]
    plan = run(items, LOW, policy=policy, ledger=due_ledger(*items))
    assert keys(plan.delete_now) == [items[0].key, items[1].key]


def test_each_media_type_has_its_own_target_in_a_shared_folder() -> None:
    policy = CleanupPolicy(movie_limits={10.0: 30}, album_limits={10.0: 30, 20.0: 60})
    shared = [disk("/media", 9.0), disk("/media", 9.0, instance=LIDARR)]
    item = movie(1, root_folder="/media", added=days_ago(100))
    record = album(1, root_folder="/media", added=days_ago(100))
    plan = run([item, record], shared, policy=policy, ledger=due_ledger(item, record))
    # Movies: target 12%, 9% free: deleted. Albums: their own folder figure.
    assert keys(plan.delete_now) == [item.key, record.key]
    targets = {o.instance_id: o.targets for o in plan.root_folders}
    assert targets == {RADARR: {"movies": 12.0}, LIDARR: {"albums": 12.0}}


# -- grace period and the ledger ---------------------------------------------


def test_a_new_item_on_leaving_soon_gets_the_whole_grace_period() -> None:
    item = movie(1, added=days_ago(100))
    plan = run([item], LOW)
    entry = plan.ledger.get(item.key)
    assert entry == LedgerEntry(entered=NOW, delete_on=NOW + timedelta(days=14))
    assert [tuple(c) for c in plan.ledger_changes] == [
        (item.key, "Movie 1", "added", "expired")
    ]
    assert plan.first_deletion_at == NOW + timedelta(days=14)


@pytest.mark.parametrize(
    ("delete_on", "deleted"),
    [(NOW + SECOND, False), (NOW, True), (NOW - SECOND, True)],
)
def test_an_item_is_due_from_the_second_of_its_promised_date(
    delete_on: datetime, deleted: bool
) -> None:
    item = movie(1, added=days_ago(100))
    ledger = Ledger({item.key: LedgerEntry(entered=days_ago(30), delete_on=delete_on)})
    plan = run([item], VERY_LOW, ledger=ledger)
    assert bool(plan.delete_now) is deleted
    if not deleted:
        assert waits(plan) == {item.key: "grace_period"}
        assert plan.first_deletion_at == delete_on


def test_the_first_deletion_is_the_earliest_promised_date() -> None:
    items = [movie(n, added=days_ago(100)) for n in (1, 2, 3)]
    dates = [NOW + timedelta(days=d) for d in (5, 2, 9)]
    ledger = Ledger(
        {
            i.key: LedgerEntry(entered=days_ago(1), delete_on=d)
            for i, d in zip(items, dates, strict=True)
        }
    )
    plan = run(items, LOW, ledger=ledger, policy=CleanupPolicy(grace_days=1))
    assert plan.first_deletion_at == NOW + timedelta(days=2)
    # Listed by deletion date.
    assert keys(plan.leaving_soon) == [items[1].key, items[0].key, items[2].key]


def test_the_promised_date_moves_later_with_a_longer_grace_never_earlier() -> None:
    item = movie(1, added=days_ago(100))
    start = days_ago(2)
    kept = LedgerEntry(entered=start, delete_on=start + timedelta(days=14))
    for grace, expected in ((14, 14), (10, 14), (20, 20)):
        plan = run(
            [item],
            LOW,
            ledger=Ledger({item.key: kept}),
            policy=CleanupPolicy(grace_days=grace),
        )
        entry = plan.ledger.get(item.key)
        assert entry is not None
        assert entry.entered == start
        assert entry.delete_on == start + timedelta(days=expected)
        assert plan.ledger_changes == ()


def test_an_item_held_loses_its_place_and_starts_a_new_grace_when_the_hold_clears() -> (
    None
):
    """A hold is no pause: the grace period is promised again in full."""
    item = movie(1, added=days_ago(100))
    ledger = due_ledger(item, days=30)
    held = run([movie(1, added=days_ago(100), ids_conflict=True)], LOW, ledger=ledger)
    assert held.ledger.get(item.key) is None
    assert [tuple(c) for c in held.ledger_changes] == [
        (item.key, "Movie 1", "removed", "held")
    ]
    later = NOW + timedelta(days=1)
    plan = run([item], LOW, ledger=held.ledger, now=later)
    assert plan.delete_now == ()
    entry = plan.ledger.get(item.key)
    assert entry == LedgerEntry(entered=later, delete_on=later + timedelta(days=14))


@pytest.mark.parametrize(
    ("last_played", "why"),
    [
        (days_ago(5) + SECOND, "watched"),
        (days_ago(5), "not_expired"),
        (None, "not_expired"),
    ],
)
def test_an_item_leaves_leaving_soon_as_watched_only_if_played_since_it_entered(
    last_played: datetime | None, why: str
) -> None:
    item = movie(1, added=days_ago(20), last_played=last_played, played=True)
    ledger = Ledger({item.key: entered(5)})
    plan = run([item], LOW, ledger=ledger)
    assert [tuple(c) for c in plan.ledger_changes] == [
        (item.key, "Movie 1", "removed", why)
    ]
    assert len(plan.ledger) == 0


def test_entries_of_items_gone_from_the_library_are_forgotten() -> None:
    ledger = Ledger({"radarr/main/movie/9": entered(3)})
    plan = run([], LOW, ledger=ledger)
    assert len(plan.ledger) == 0
    assert [tuple(c) for c in plan.ledger_changes] == [
        ("radarr/main/movie/9", None, "removed", "gone")
    ]


def test_entries_stay_when_the_plan_fails_closed() -> None:
    ledger = Ledger({"radarr/main/movie/9": entered(3)})
    stale = SourceStatus(
        source_id=RADARR, kind="radarr", fetched_at=None, last_refresh_ok=True
    )
    health = SourceHealth(sources=(stale,), jellyfin_configured=False)
    plan = run([], LOW, ledger=ledger, health=health)
    assert plan.ledger.get("radarr/main/movie/9") == entered(3)
    assert [tuple(c) for c in plan.ledger_changes] == [
        ("radarr/main/movie/9", None, "kept", "data_in_doubt")
    ]


def test_an_item_in_a_folder_of_doubt_keeps_its_place_unjudged() -> None:
    item = movie(1, added=days_ago(100))
    ledger = due_ledger(item)
    broken = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=None, total_bytes=TOTAL
    )
    plan = run([item], [broken], ledger=ledger)
    assert plan.failed_closed
    assert plan.ledger.get(item.key) == ledger.get(item.key)
    (entry,) = plan.leaving_soon
    assert (entry.waiting_for, entry.expiry, entry.age) == ("not_judged", None, None)
    assert plan.ledger_changes == ()


def test_an_item_in_a_folder_of_doubt_is_still_judged_by_its_tag_schedule() -> None:
    policy = CleanupPolicy(tag_schedules={"t": 10})
    broken = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=None, total_bytes=TOTAL
    )
    old = movie(1, added=days_ago(100), tags=frozenset({"t"}))
    young = movie(2, added=days_ago(5), tags=frozenset({"t"}))
    ledger = due_ledger(old, young)
    plan = run([old, young], [broken], policy=policy, ledger=ledger)
    assert waits(plan) == {old.key: "failed_closed", young.key: "not_judged"}
    assert plan.ledger.get(young.key) == ledger.get(young.key)


def test_an_item_no_longer_cleaned_up_loses_its_entry() -> None:
    item = season(1, 1, added=days_ago(100))
    plan = run(
        [item], LOW, ledger=due_ledger(item), policy=CleanupPolicy(series_unit="series")
    )
    assert plan.totals.ignored == 1
    assert [tuple(c) for c in plan.ledger_changes] == [
        (item.key, item.title, "removed", "not_candidate")
    ]
    # Without an entry there is nothing to say.
    plan = run([item], LOW, policy=CleanupPolicy(series_unit="series"))
    assert plan.ledger_changes == ()


# -- protections ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"tags": frozenset({"lcars-keep"})},
            [Protection(kind="exclusion_tag", tag="lcars-keep")],
        ),
        (
            {"tags": frozenset({"LCARS_KEEP"})},
            [Protection(kind="exclusion_tag", tag="LCARS_KEEP")],
        ),
        ({"tags": frozenset({"mine"})}, [Protection(kind="exclusion_tag", tag="mine")]),
        ({"favorite": True}, [Protection(kind="favorite")]),
        ({"playing": True}, [Protection(kind="playing")]),
        ({"seeding": True}, [Protection(kind="seeding")]),
        (
            {
                "tags": frozenset({"z-other", "mine", "lcars-keep"}),
                "favorite": True,
                "playing": True,
                "seeding": True,
            },
            [
                Protection(kind="exclusion_tag", tag="lcars-keep"),
                Protection(kind="exclusion_tag", tag="mine"),
                Protection(kind="favorite"),
                Protection(kind="playing"),
                Protection(kind="seeding"),
            ],
        ),
    ],
)
def test_each_protection_keeps_an_item_past_its_limit(
    fields: dict[str, object], expected: list[Protection]
) -> None:
    policy = CleanupPolicy(exclusion_tags=frozenset({"mine"}))
    item = movie(1, added=days_ago(100), **fields)
    plan = run([item], VERY_LOW, policy=policy, ledger=due_ledger(item))
    assert plan.delete_now == ()
    (kept,) = plan.protected
    assert list(kept.protections) == expected
    assert list(protections_of(item, policy)) == expected
    assert kept.age == timedelta(days=100)
    assert [tuple(c) for c in plan.ledger_changes] == [
        (item.key, "Movie 1", "removed", "protected")
    ]


def test_tags_that_keep_nothing_protect_nothing() -> None:
    item = movie(1, added=days_ago(100), tags=frozenset({"kids"}), favorite=False)
    plan = run([item], LOW)
    assert plan.protected == ()
    assert on_list(plan) == {item.key}
    assert protections_of(item, CleanupPolicy()) == ()


def test_favourites_protect_only_while_the_policy_says_so() -> None:
    item = movie(1, added=days_ago(100), favorite=True)
    plan = run([item], LOW, policy=CleanupPolicy(protect_favorites=False))
    assert plan.protected == ()
    assert on_list(plan) == {item.key}


def test_a_keep_tag_on_the_series_keeps_seasons_and_episodes_not_movies() -> None:
    keep = frozenset({"lcars-keep"})
    kept_season = season(1, 1, added=days_ago(100), series_tags=keep)
    kept_episode = episode(
        2, 1, 1, added=days_ago(100), series_tags=keep | {"lcars-rolling"}
    )
    odd_movie = movie(1, added=days_ago(100), series_tags=keep)
    policy = CleanupPolicy(rolling_keep_episodes=0)
    plan = run([kept_season, kept_episode, odd_movie], LOW, policy=policy)
    assert {p.item.key: list(p.protections) for p in plan.protected} == {
        kept_season.key: [
            Protection(kind="exclusion_tag", tag="lcars-keep", on_series=True)
        ],
        kept_episode.key: [
            Protection(kind="exclusion_tag", tag="lcars-keep", on_series=True)
        ],
    }
    assert on_list(plan) == {odd_movie.key}


def test_a_protected_item_is_listed_only_once_past_its_limit() -> None:
    young = movie(1, added=days_ago(10), favorite=True)
    assert run([young], LOW).protected == ()


def test_protection_comes_before_any_hold() -> None:
    unmatched = movie(1, added=days_ago(100), jellyfin_matched=False, favorite=True)
    undated = movie(2, added=None, tags=frozenset({"lcars-keep"}))
    plan = run([unmatched, undated], LOW)
    assert keys(plan.protected) == [unmatched.key, undated.key]
    assert plan.held == ()
    assert plan.protected[1].age is None


# -- holds -------------------------------------------------------------------


def test_an_unmatched_item_is_held_with_its_age_from_the_added_date() -> None:
    # A play on record does not count without a Jellyfin match.
    old = movie(1, added=days_ago(100), last_played=days_ago(1), jellyfin_matched=False)
    young = movie(2, added=days_ago(10), jellyfin_matched=False)
    plan = run([old, young], LOW)
    assert [(h.item.key, h.hold) for h in plan.held] == [(old.key, "not_in_jellyfin")]
    assert on_list(plan) == set()


def test_played_without_a_date_is_held_only_when_the_added_date_is_old() -> None:
    old = movie(1, added=days_ago(100), played=True)
    young = movie(2, added=days_ago(10), played=True)
    plan = run([old, young], LOW)
    assert [(h.item.key, h.hold) for h in plan.held] == [
        (old.key, "played_without_date")
    ]


def test_without_any_date_an_item_is_held() -> None:
    item = movie(1, added=None)
    plan = run([item], LOW)
    assert [(h.item.key, h.hold) for h in plan.held] == [(item.key, "no_dates")]
    # With only a play date it is judged by it.
    played = movie(2, added=None, last_played=days_ago(100), played=True)
    assert on_list(run([played], LOW)) == {played.key}


def test_without_jellyfin_nothing_is_held_for_watch_data() -> None:
    unmatched = movie(1, added=days_ago(100), jellyfin_matched=False, played=True)
    plan = run([unmatched], LOW, health=healthy(jellyfin=False))
    assert plan.held == ()
    assert on_list(plan) == {unmatched.key}
    (entry,) = plan.leaving_soon
    assert entry.expiry.watch_data is False


def test_an_ids_conflict_holds_the_item_and_fails_the_plan_closed() -> None:
    item = movie(1, added=days_ago(1), ids_conflict=True)
    plan = run([item], LOW)
    assert [(h.item.key, h.hold) for h in plan.held] == [(item.key, "ids_conflict")]
    assert plan.failed_closed
    (reason,) = plan.fail_reasons
    assert reason.as_dict() == {
        "code": "ids_conflict",
        "subject": item.key,
        "message": "Movie 1 matches a Jellyfin item by one id but not by another",
    }


# -- caps and deletion order -------------------------------------------------


def _due(count: int, size: int = 10 * GB) -> tuple[list, Ledger]:
    items = [movie(n, added=days_ago(200 - n), size=size) for n in range(1, count + 1)]
    return items, due_ledger(*items)


@pytest.mark.parametrize(("cap", "deleted"), [(1, 1), (2, 2), (3, 3), (4, 3)])
def test_the_item_cap_is_reached_never_passed(cap: int, deleted: int) -> None:
    items, ledger = _due(3)
    plan = run(
        items, VERY_LOW, ledger=ledger, policy=CleanupPolicy(max_items_per_run=cap)
    )
    assert keys(plan.delete_now) == [i.key for i in items[:deleted]]
    assert set(waits(plan).values()) <= {"run_cap"}
    assert len(plan.leaving_soon) == 3 - deleted


@pytest.mark.parametrize(
    ("cap", "deleted"),
    [(20 * GB - 1, 1), (20 * GB, 2), (30 * GB - 1, 2), (30 * GB, 3)],
)
def test_the_byte_cap_is_reached_never_passed(cap: int, deleted: int) -> None:
    items, ledger = _due(3)
    plan = run(
        items, VERY_LOW, ledger=ledger, policy=CleanupPolicy(max_bytes_per_run=cap)
    )
    assert keys(plan.delete_now) == [i.key for i in items[:deleted]]
    assert plan.totals.delete_bytes == deleted * 10 * GB


def test_an_item_that_does_not_fit_lets_smaller_ones_through() -> None:
    big = movie(1, added=days_ago(300), size=25 * GB)
    small = movie(2, added=days_ago(200), size=10 * GB)
    first = movie(3, added=days_ago(400), size=10 * GB)
    plan = run(
        [big, small, first],
        VERY_LOW,
        ledger=due_ledger(big, small, first),
        policy=CleanupPolicy(max_bytes_per_run=30 * GB),
    )
    assert keys(plan.delete_now) == [first.key, small.key]
    assert waits(plan) == {big.key: "run_cap"}


@pytest.mark.parametrize(
    ("size", "wait"), [(30 * GB, None), (30 * GB + 1, "larger_than_cap")]
)
def test_an_item_larger_than_the_byte_cap_says_so(size: int, wait: str | None) -> None:
    item = movie(1, added=days_ago(100), size=size)
    plan = run(
        [item],
        VERY_LOW,
        ledger=due_ledger(item),
        policy=CleanupPolicy(max_bytes_per_run=30 * GB),
    )
    if wait is None:
        assert keys(plan.delete_now) == [item.key]
    else:
        assert waits(plan) == {item.key: wait}


def test_stalest_first_then_library_order_and_failed_attempts_last() -> None:
    a = movie(1, added=days_ago(100))
    b = movie(2, added=days_ago(300))
    c = movie(3, added=days_ago(100))
    failed = movie(4, added=days_ago(900))
    ledger = due_ledger(a, b, c)
    ledger = Ledger(
        {
            **ledger.entries,
            failed.key: entered(20)._replace(attempts=1, last_error="boom"),
        }
    )
    plan = run([a, b, c, failed], VERY_LOW, ledger=ledger)
    assert keys(plan.delete_now) == [b.key, a.key, c.key, failed.key]
    assert [d.attempts for d in plan.delete_now] == [0, 0, 0, 1]


@pytest.mark.parametrize(("attempts", "held"), [(2, False), (3, True), (4, True)])
def test_a_deletion_is_retried_until_it_failed_max_times(
    attempts: int, held: bool
) -> None:
    item = movie(1, added=days_ago(100))
    entry = entered(20)._replace(attempts=attempts, last_error="boom")
    plan = run([item], VERY_LOW, ledger=Ledger({item.key: entry}))
    if held:
        assert plan.delete_now == ()
        (hold,) = plan.held
        assert (hold.hold, hold.attempts, hold.last_error) == (
            "deletion_failed",
            attempts,
            "boom",
        )
        # Held, it keeps its entry and failures until they are cleared.
        assert plan.ledger.get(item.key) == entry
    else:
        assert keys(plan.delete_now) == [item.key]


def test_a_failed_deletion_is_held_also_when_the_plan_fails_closed() -> None:
    item = movie(1, added=days_ago(100))
    entry = entered(20)._replace(attempts=3, last_error="boom")
    other = movie(2, added=days_ago(100))
    health = healthy(
        extra=[
            SourceStatus(
                source_id="sonarr/x",
                kind="sonarr",
                fetched_at=None,
                last_refresh_ok=True,
            )
        ]
    )
    plan = run(
        [item, other],
        VERY_LOW,
        ledger=Ledger({item.key: entry, other.key: entered(20)}),
        health=health,
    )
    assert plan.failed_closed
    assert [(h.item.key, h.hold) for h in plan.held] == [(item.key, "deletion_failed")]
    assert waits(plan) == {other.key: "failed_closed"}


def test_a_plan_that_fails_closed_deletes_nothing_and_says_why_each_waits() -> None:
    items, ledger = _due(2)
    bad = SourceStatus(
        source_id=RADARR, kind="radarr", fetched_at=days_ago(0), last_refresh_ok=False
    )
    health = SourceHealth(sources=(bad,), jellyfin_configured=False)
    plan = run(items, VERY_LOW, ledger=ledger, health=health)
    assert plan.delete_now == ()
    assert waits(plan) == {i.key: "failed_closed" for i in items}
    assert plan.totals.delete_count == 0


# -- failing closed: sources and disks ---------------------------------------


def status(**values: object) -> SourceStatus:
    data: dict[str, object] = {
        "source_id": RADARR,
        "kind": "radarr",
        "fetched_at": NOW - timedelta(minutes=1),
        "last_refresh_ok": True,
    }
    data.update(values)
    return SourceStatus(**data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            status(last_refresh_ok=False),
            ("source_failed", "the last refresh of radarr/main failed"),
        ),
        (status(fetched_at=None), ("source_stale", "radarr/main has no data yet")),
        (
            status(fetched_at=NOW - timedelta(minutes=15) - SECOND),
            ("source_stale", "the data of radarr/main is 15 minutes old (limit 15)"),
        ),
        (
            status(fetched_at=NOW - timedelta(minutes=47)),
            ("source_stale", "the data of radarr/main is 47 minutes old (limit 15)"),
        ),
        (status(fetched_at=NOW - timedelta(minutes=15)), None),
        (status(fetched_at=NOW + timedelta(minutes=3)), None),
    ],
)
def test_a_source_fails_the_plan_when_failed_empty_or_stale(
    source: SourceStatus, reason: tuple[str, str] | None
) -> None:
    item = movie(1, added=days_ago(100))
    health = SourceHealth(sources=(source,), jellyfin_configured=False)
    plan = run([item], VERY_LOW, ledger=due_ledger(item), health=health)
    got = [(r.code, r.message) for r in plan.fail_reasons]
    assert got == ([] if reason is None else [reason])
    assert all(r.subject == RADARR for r in plan.fail_reasons)
    assert bool(plan.delete_now) is (reason is None)


def test_an_item_of_a_source_nothing_is_known_about_fails_the_plan() -> None:
    item = movie(
        1, added=days_ago(1), instance_id="radarr/other", key="radarr/other/movie/1"
    )
    plan = run([item], [*VERY_LOW, disk(instance="radarr/other")])
    assert [r.as_dict() for r in plan.fail_reasons] == [
        {
            "code": "source_missing",
            "subject": "radarr/other",
            "message": "nothing is known about the state of radarr/other",
        }
    ]


def test_jellyfin_configured_without_a_status_fails_the_plan() -> None:
    health = healthy(jellyfin=False)
    health = SourceHealth(sources=health.sources, jellyfin_configured=True)
    plan = run([], VERY_LOW, health=health)
    assert [r.as_dict() for r in plan.fail_reasons] == [
        {
            "code": "source_missing",
            "subject": "jellyfin",
            "message": "Jellyfin is configured but nothing is known about its data",
        }
    ]


@pytest.mark.parametrize(
    ("figure", "code", "message"),
    [
        (None, "disk_missing", "the free space of /movies (radarr/main) is unknown"),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=5,
                total_bytes=None,
            ),
            "disk_missing",
            "the free space of /movies (radarr/main) is unknown",
        ),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=5,
                total_bytes=10,
                accessible=False,
            ),
            "disk_missing",
            "the free space of /movies (radarr/main) is unknown",
        ),
        (
            DiskFigure(
                instance_id=RADARR, root_folder="/movies", free_bytes=11, total_bytes=10
            ),
            "disk_invalid",
            "the disk figure of /movies (radarr/main) makes no sense (11 bytes free of 10)",
        ),
        (
            DiskFigure(
                instance_id=RADARR, root_folder="/movies", free_bytes=0, total_bytes=0
            ),
            "disk_invalid",
            "the disk figure of /movies (radarr/main) makes no sense (0 bytes free of 0)",
        ),
        (
            DiskFigure(
                instance_id=RADARR, root_folder="/movies", free_bytes=-1, total_bytes=10
            ),
            "disk_invalid",
            "the disk figure of /movies (radarr/main) makes no sense (-1 bytes free of 10)",
        ),
    ],
)
def test_a_doubtful_disk_figure_fails_the_plan(
    figure: DiskFigure | None, code: str, message: str
) -> None:
    item = movie(1, added=days_ago(1))
    plan = run([item], [] if figure is None else [figure])
    assert [r.as_dict() for r in plan.fail_reasons] == [
        {"code": code, "subject": "/movies", "message": message}
    ]
    (outlook,) = plan.root_folders
    assert outlook.problem == code
    assert outlook.free_percent is None
    assert outlook.projected_free_bytes is None
    assert outlook.projected_free_percent is None


@pytest.mark.parametrize(("free", "total"), [(0, 10), (10, 10), (1, 1)])
def test_an_empty_or_a_full_disk_is_a_real_figure(free: int, total: int) -> None:
    figure = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=free, total_bytes=total
    )
    assert figure.problem is None
    assert not run([movie(1)], [figure]).failed_closed


# -- which items are cleaned up ----------------------------------------------


def test_season_mode_ignores_whole_series_and_series_mode_ignores_seasons() -> None:
    whole = season(1, 1, added=days_ago(100))
    whole = whole.__class__(
        **{
            **{f: getattr(whole, f) for f in whole.__dataclass_fields__},
            "kind": "series",
            "key": f"{SONARR}/series/1",
        }
    )
    part = season(2, 1, added=days_ago(100))
    plan = run([whole, part], LOW)
    assert on_list(plan) == {part.key}
    assert (plan.totals.candidates, plan.totals.ignored) == (2, 1)
    plan = run([whole, part], LOW, policy=CleanupPolicy(series_unit="series"))
    assert on_list(plan) == {whole.key}


def test_rolling_series_go_episode_by_episode_and_others_season_by_season() -> None:
    rolling = frozenset({"lcars-rolling"})
    plain_episode = episode(1, 1, 1, added=days_ago(100), series_tags=frozenset())
    rolling_season = season(2, 1, added=days_ago(100), series_tags=rolling)
    no_series = episode(3, 1, 1, added=days_ago(100), series_key=None)
    plan = run(
        [plain_episode, rolling_season, no_series],
        LOW,
        policy=CleanupPolicy(rolling_keep_episodes=0),
    )
    assert on_list(plan) == set()
    assert plan.totals.ignored == 3


def test_rolling_keeps_the_newest_episodes_and_the_young_ones() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=2, rolling_max_age_days=30)
    old = [episode(1, 1, n, added=days_ago(100)) for n in range(1, 6)]
    young = episode(1, 1, 0, added=NOW - timedelta(days=30))
    just_old = episode(1, 0, 9, added=NOW - timedelta(days=30) - SECOND)
    plan = run([*old, young, just_old], standard_disks(tv=90.0), policy=policy)
    # The newest two (S01E05, S01E04) stay; the rest older than 30 days go.
    assert on_list(plan) == {old[0].key, old[1].key, old[2].key, just_old.key}
    entry = plan.leaving_soon[0]
    assert entry.expiry.rule == "rolling"
    assert entry.expiry.rolling is not None
    assert (
        entry.expiry.rolling.tag,
        entry.expiry.rolling.keep_episodes,
        entry.expiry.rolling.max_age_days,
    ) == ("lcars-rolling", 2, 30)


def test_rolling_order_falls_back_to_air_dates_then_missing_numbers_first() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=1)
    a = episode(1, 1, 1, added=days_ago(100), season_number=None, air_date=days_ago(50))
    b = episode(1, 1, 2, added=days_ago(100), season_number=None, air_date=days_ago(40))
    c = episode(1, 1, 3, added=days_ago(100), season_number=None, episode_number=None)
    plan = run([a, b, c], LOW, policy=policy)
    # b has the highest episode number: it is the newest, kept.
    assert on_list(plan) == {a.key, c.key}
    d = episode(1, 1, 4, added=days_ago(100), episode_number=None, air_date=days_ago(9))
    e = episode(1, 1, 5, added=days_ago(100), episode_number=None, air_date=None)
    plan = run([d, e], LOW, policy=policy)
    assert on_list(plan) == {e.key}


def test_a_listed_episode_that_is_now_among_the_last_leaves_leaving_soon() -> None:
    """Kept as one of the last episodes: no longer past the rolling limit."""
    policy = CleanupPolicy(rolling_keep_episodes=2)
    unwatched = episode(1, 1, 1, added=days_ago(100))
    watched = episode(1, 1, 2, added=days_ago(100), last_played=days_ago(1))
    ledger = due_ledger(unwatched, watched, days=5)
    plan = run([unwatched, watched], LOW, policy=policy, ledger=ledger)
    assert on_list(plan) == set()
    assert len(plan.ledger) == 0
    assert [tuple(c) for c in plan.ledger_changes] == [
        (watched.key, watched.title, "removed", "watched"),
        (unwatched.key, unwatched.title, "removed", "not_expired"),
    ]


def test_episodes_of_each_rolling_series_are_counted_apart() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=1)
    items = [episode(s, 1, n, added=days_ago(100)) for s in (1, 2) for n in (1, 2)]
    plan = run(items, LOW, policy=policy)
    assert on_list(plan) == {items[0].key, items[2].key}


def test_a_conflicting_episode_is_held_not_counted() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=1)
    newest = episode(1, 1, 9, added=days_ago(100), ids_conflict=True)
    older = episode(1, 1, 1, added=days_ago(100))
    plan = run([newest, older], LOW, policy=policy)
    assert keys(plan.held) == [newest.key]
    # The conflicting newest episode does not count among the kept ones.
    assert on_list(plan) == set()


# -- totals, outlooks and time zones -----------------------------------------


def test_totals_count_every_list() -> None:
    items, ledger = _due(2, size=3 * GB)
    listed = movie(10, added=days_ago(100), size=5 * GB)
    kept = movie(11, added=days_ago(100), favorite=True)
    held = movie(12, added=None)
    ignored = season(1, 1)
    plan = run(
        [
            *items,
            listed,
            kept,
            held,
            ignored.__class__(**{**_fields(ignored), "kind": "series"}),
        ],
        VERY_LOW,
        ledger=ledger,
    )
    assert plan.totals.as_dict() == {
        "candidates": 6,
        "ignored": 1,
        "delete_count": 2,
        "delete_bytes": 6 * GB,
        "leaving_soon_count": 1,
        "leaving_soon_bytes": 5 * GB,
        "protected_count": 1,
        "held_count": 1,
    }


def _fields(item: object) -> dict[str, object]:
    return {f: getattr(item, f) for f in item.__dataclass_fields__}  # type: ignore[attr-defined]


def test_root_folders_are_listed_in_order_with_and_without_items() -> None:
    figures = [
        disk("/z", 50.0),
        disk("/movies", 9.0),
        disk("/tv", 50.0, instance=SONARR),
    ]
    plan = run([movie(1, added=days_ago(100))], figures)
    assert [(o.instance_id, o.root_folder) for o in plan.root_folders] == [
        (RADARR, "/movies"),
        (RADARR, "/z"),
        (SONARR, "/tv"),
    ]
    assert [o.targets for o in plan.root_folders] == [{"movies": 7.0}, {}, {}]


def test_a_folder_of_an_item_without_a_figure_is_reported_missing() -> None:
    plan = run([movie(1, root_folder="/nowhere")], [])
    (outlook,) = plan.root_folders
    assert outlook.as_dict() == {
        "instance_id": RADARR,
        "root_folder": "/nowhere",
        "free_bytes": None,
        "total_bytes": None,
        "problem": "disk_missing",
        "free_percent": None,
        "targets": {},
        "freed_bytes": 0,
        "projected_free_bytes": None,
        "projected_free_percent": None,
    }


def test_now_must_carry_a_time_zone_and_dates_show_in_it() -> None:
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$"):
        plan_cleanup(
            [],
            disks=[],
            health=healthy(),
            policy=CleanupPolicy(),
            ledger=Ledger(),
            now=datetime(2026, 1, 1),
        )
    tz = timezone(timedelta(hours=-5))
    now = datetime(2026, 11, 15, 1, 0, tzinfo=UTC)
    item = movie(1, added=now - timedelta(days=100))
    plan = run([item], LOW, now=now, health=healthy(now=now))
    (entry,) = plan.leaving_soon
    assert entry.tz is UTC
    local = run([item], LOW, now=now.astimezone(tz), health=healthy(now=now))
    (entry,) = local.leaving_soon
    assert entry.tz == tz
    assert "deletion on 2026-11-28." in entry.reason
    assert "deletion on 2026-11-29." in plan.leaving_soon[0].reason


def test_a_media_type_without_limits_expires_only_by_tag_schedule() -> None:
    policy = CleanupPolicy(series_limits={}, tag_schedules={"t": 10})
    plain = season(1, 1, added=days_ago(100))
    tagged = season(2, 1, added=days_ago(100), series_tags=frozenset({"t"}))
    plan = run([plain, tagged], VERY_LOW, policy=policy)
    assert on_list(plan) == {tagged.key}
    tv = next(o for o in plan.root_folders if o.root_folder == "/tv")
    assert tv.targets == {}


def test_every_record_of_a_plan_is_immutable() -> None:
    """Plans, ledgers and their parts are shared: nobody may change them in place."""
    item = movie(1, added=days_ago(100))
    plan = run([item, movie(2, favorite=True, added=days_ago(100))], LOW)
    (entry,) = plan.leaving_soon
    records: list[object] = [
        item,
        item.ids,
        plan,
        plan.totals,
        entry.expiry,
        entry.expiry.disk,
        plan.protected[0].protections[0],
        plan.root_folders[0],
        plan.ledger,
        CleanupPolicy(),
        TagLimit(tag="t", limit_days=1),
        RollingLimit(tag="t", keep_episodes=1, max_age_days=1),
        FailReason(code="disk_missing", subject="/", message="m"),
        disk(),
        healthy(),
        healthy().sources[0],
    ]
    for record in records:
        first = next(iter(fields(record)))  # type: ignore[arg-type]
        with pytest.raises(FrozenInstanceError):
            setattr(record, first.name, None)


def test_an_episode_without_a_season_is_older_than_the_specials() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=1)
    unnumbered = episode(1, 1, 5, added=days_ago(100), season_number=None)
    special = episode(1, 0, 1, added=days_ago(100))
    assert on_list(run([unnumbered, special], LOW, policy=policy)) == {unnumbered.key}
    no_number = episode(
        1, 1, 2, added=days_ago(100), episode_number=None, air_date=days_ago(1)
    )
    first = episode(1, 1, 0, added=days_ago(100), air_date=days_ago(50))
    assert on_list(run([no_number, first], LOW, policy=policy)) == {no_number.key}


def test_without_free_until_target_a_capped_run_says_run_cap() -> None:
    policy = CleanupPolicy(free_until_target=False, max_items_per_run=1)
    items, ledger = _due(2)
    plan = run(items, LOW, policy=policy, ledger=ledger)
    assert keys(plan.delete_now) == [items[0].key]
    assert waits(plan) == {items[1].key: "run_cap"}


def test_a_watched_rolling_episode_leaves_leaving_soon() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=0)
    item = episode(1, 1, 1, added=days_ago(100), last_played=days_ago(1), played=True)
    plan = run([item], LOW, policy=policy, ledger=due_ledger(item))
    assert [tuple(c) for c in plan.ledger_changes] == [
        (item.key, item.title, "removed", "watched")
    ]
    assert plan.leaving_soon == ()


def test_a_full_disk_of_ten_bytes_is_under_its_target() -> None:
    # 7% of 10 bytes rounds up to 1 byte: with nothing free the folder needs more.
    first = movie(1, added=days_ago(200), size=1)
    second = movie(2, added=days_ago(100), size=1)
    full = DiskFigure(
        instance_id=RADARR, root_folder="/movies", free_bytes=0, total_bytes=10
    )
    plan = run([first, second], [full], ledger=due_ledger(first, second))
    # Deleting the first frees the one byte needed: the second waits.
    assert keys(plan.delete_now) == [first.key]
    assert waits(plan) == {second.key: "free_space_target"}


def test_records_have_the_documented_defaults() -> None:
    bare = Candidate(
        key="k",
        instance_id="i",
        kind="movie",
        title="t",
        root_folder="/",
        size=1,
        added=None,
    )
    assert (bare.year, bare.ids, bare.path, bare.tags) == (
        None,
        MediaIds(),
        None,
        frozenset(),
    )
    assert (bare.series_key, bare.series_title, bare.series_tags) == (
        None,
        None,
        frozenset(),
    )
    assert (bare.season_number, bare.episode_number, bare.air_date) == (None,) * 3
    assert (bare.jellyfin_matched, bare.jellyfin_id, bare.ids_conflict) == (
        False,
        None,
        False,
    )
    assert (bare.last_played, bare.played, bare.favorite) == (None, False, False)
    assert (bare.playing, bare.seeding) == (False, False)
    assert DiskFigure(
        instance_id="i", root_folder="/", free_bytes=1, total_bytes=2
    ).accessible
    assert Protection(kind="playing") == Protection(
        kind="playing", tag=None, on_series=False
    )
    assert LedgerEntry(entered=NOW, delete_on=NOW).attempts == 0
    expiry = Expiry(rule="disk", limit_days=1, watch_data=True)
    assert (expiry.disk, expiry.schedule, expiry.rolling) == (None, None, None)
    deletion = DeletionItem(bare, expiry, timedelta(0), NOW, NOW)
    assert (deletion.attempts, deletion.tz) == (0, UTC)
    assert HeldItem(bare, "no_dates")[2:] == (0, None, UTC)
    assert LeavingSoonItem(bare, None, None, NOW, NOW, "not_judged").tz is UTC
    assert ProtectedItem(bare, (), expiry, None).tz is UTC


class _NoOffset(tzinfo):
    """A time zone that cannot say its offset: as good as none."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_clock_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^now must be a timezone-aware datetime$"):
        plan_cleanup(
            [],
            disks=[],
            health=healthy(),
            policy=CleanupPolicy(),
            ledger=Ledger(),
            now=datetime(2026, 1, 1, tzinfo=_NoOffset()),
        )
