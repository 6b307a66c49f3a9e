"""Unit tests of the cleanup planner: rules, grace, targets, caps, failing closed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
import json

import pytest

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    DiskFigure,
    Ledger,
    LedgerEntry,
    SourceHealth,
    SourceStatus,
    plan_cleanup,
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
    ledger_of,
    movie,
    run,
    season,
    standard_disks,
)


def expired_keys(plan) -> set[str]:
    """Items past their limit that are not protected or held."""
    return set(keys(plan.leaving_soon)) | set(keys(plan.delete_now))


# -- disk thresholds ---------------------------------------------------------


def test_exactly_on_a_threshold_does_not_trigger_it() -> None:
    item = movie(1, added=days_ago(40))
    exactly_ten = [disk("/movies", 10.0)]
    assert exactly_ten[0].free_bytes * 10 == TOTAL  # type: ignore[operator]

    plan = run([item], exactly_ten)

    # 10.0% is not under 10%: the 15% key (60 days) applies, 40 days is fine.
    assert expired_keys(plan) == set()


def test_just_under_a_threshold_triggers_it() -> None:
    plan = run([movie(1, added=days_ago(40))], [disk("/movies", 9.99)])

    (entry,) = plan.leaving_soon
    assert entry.expiry is not None
    assert entry.expiry.disk is not None
    assert entry.expiry.disk.threshold_percent == 10.0
    assert entry.expiry.limit_days == 30
    assert "/movies is 9.9% free, under 10%, so the limit is 30 days." in entry.reason


def test_one_byte_under_ten_percent_triggers_it() -> None:
    figure = DiskFigure(
        instance_id=RADARR,
        root_folder="/movies",
        free_bytes=TOTAL // 10 - 1,
        total_bytes=TOTAL,
    )
    plan = run([movie(1, added=days_ago(40))], [figure])
    assert expired_keys(plan) == {f"{RADARR}/movie/1"}


def test_smallest_matching_key_wins() -> None:
    items = [movie(1, added=days_ago(20)), movie(2, added=days_ago(10))]

    plan = run(items, [disk("/movies", 4.0)])

    # 4% is under 5, 10, 15 and 20: the 5% key (15 days) is the one in effect.
    (entry,) = plan.leaving_soon
    assert entry.item.key == f"{RADARR}/movie/1"
    assert entry.expiry is not None
    assert entry.expiry.limit_days == 15
    assert entry.expiry.disk is not None
    assert entry.expiry.disk.threshold_percent == 5.0


@pytest.mark.parametrize("free", [20.0, 35.0, 100.0])
def test_at_or_above_every_key_nothing_expires_by_disk(free: float) -> None:
    plan = run([movie(1, added=days_ago(3000))], [disk("/movies", free)])
    assert expired_keys(plan) == set()
    assert plan.protected == ()
    assert len(plan.ledger) == 0


def test_each_item_is_judged_by_its_own_root_folder() -> None:
    items = [
        movie(1, added=days_ago(40), root_folder="/movies"),
        movie(2, added=days_ago(40), root_folder="/archive"),
        # Same path, other instance, other disk.
        movie(3, added=days_ago(40), instance_id="radarr/4k", key="radarr/4k/movie/3"),
    ]
    disks = [
        disk("/movies", 8.0),
        disk("/archive", 50.0),
        disk("/movies", 50.0, instance="radarr/4k"),
    ]
    status = SourceStatus(
        source_id="radarr/4k",
        kind="radarr",
        fetched_at=NOW - timedelta(minutes=1),
        last_refresh_ok=True,
    )

    plan = run(items, disks, health=healthy(extra=[status]))

    assert expired_keys(plan) == {f"{RADARR}/movie/1"}


def test_albums_use_album_limits_and_seasons_series_limits() -> None:
    items = [album(1, added=days_ago(40)), season(1, 1, added=days_ago(40))]

    at_eight = run(items, standard_disks(tv=8.0, music=8.0))
    at_four = run(items, standard_disks(tv=4.0, music=4.0))

    # Albums: under 10% -> 90 days; seasons: under 10% -> 30 days.
    assert expired_keys(at_eight) == {f"{SONARR}/season/1/1"}
    # Albums: under 5% -> 30 days.
    assert expired_keys(at_four) == {f"{SONARR}/season/1/1", f"{LIDARR}/album/1"}


def test_whole_series_unit_ignores_seasons_and_judges_series() -> None:
    whole = Candidate(
        key=f"{SONARR}/series/1",
        instance_id=SONARR,
        kind="series",
        title="Series 1",
        root_folder="/tv",
        size=100 * GB,
        added=days_ago(100),
        jellyfin_matched=True,
    )
    items = [whole, season(1, 1)]

    by_season = run(items, standard_disks(tv=8.0))
    by_series = run(
        items, standard_disks(tv=8.0), policy=CleanupPolicy(series_unit="series")
    )

    assert expired_keys(by_season) == {f"{SONARR}/season/1/1"}
    assert expired_keys(by_series) == {f"{SONARR}/series/1"}
    assert by_series.totals.ignored == 1


def test_age_counts_from_the_later_of_added_and_last_played() -> None:
    items = [
        movie(1, added=days_ago(400), last_played=days_ago(20)),
        movie(2, added=days_ago(20), last_played=days_ago(400)),
        movie(3, added=days_ago(400), last_played=days_ago(40)),
    ]

    plan = run(items, standard_disks(movies=8.0))

    assert expired_keys(plan) == {f"{RADARR}/movie/3"}


# -- tag schedules -----------------------------------------------------------

SCHEDULE = CleanupPolicy(tag_schedules={"delete-after-30d": 30})


def test_tag_schedule_applies_whatever_the_free_space() -> None:
    items = [
        movie(1, added=days_ago(31), tags=frozenset({"delete-after-30d"})),
        movie(2, added=days_ago(29), tags=frozenset({"delete-after-30d"})),
        movie(3, added=days_ago(300)),
    ]

    plan = run(items, standard_disks(movies=80.0), policy=SCHEDULE)

    (entry,) = plan.leaving_soon
    assert entry.item.key == f"{RADARR}/movie/1"
    assert entry.expiry is not None
    assert entry.expiry.rule == "tag_schedule"
    assert entry.expiry.limit_days == 30
    assert "Tagged delete-after-30d: limit 30 days." in entry.reason


def test_shorter_of_disk_limit_and_tag_schedule_applies() -> None:
    item = movie(1, added=days_ago(20), tags=frozenset({"delete-after-30d"}))

    plan = run([item], standard_disks(movies=4.0), policy=SCHEDULE)

    (entry,) = plan.leaving_soon
    assert entry.expiry is not None
    assert entry.expiry.rule == "disk"
    assert entry.expiry.limit_days == 15
    assert entry.reason.startswith(
        "Never watched; added 2026-10-26 (20 days ago). /movies is 4.0% free,"
        " under 5%, so the limit is 15 days. Tagged delete-after-30d: limit 30"
        " days. The shorter limit, 15 days, applies."
    )


def test_tag_schedule_on_the_series_applies_to_its_seasons() -> None:
    item = season(1, 1, added=days_ago(40), series_tags=frozenset({"delete-after-30d"}))
    plan = run([item], policy=SCHEDULE)
    assert expired_keys(plan) == {f"{SONARR}/season/1/1"}


def test_scheduled_deletion_is_not_held_back_by_the_free_space_target() -> None:
    tagged = movie(1, added=days_ago(60), tags=frozenset({"delete-after-30d"}))
    ledger = ledger_of(**{tagged.key: entered(20)})

    plan = run([tagged], standard_disks(movies=80.0), policy=SCHEDULE, ledger=ledger)

    assert keys(plan.delete_now) == [tagged.key]


# -- rolling series ----------------------------------------------------------


def test_rolling_keeps_the_last_episodes() -> None:
    episodes = [episode(1, 1, n, added=days_ago(100)) for n in range(1, 16)]

    plan = run(episodes)

    # Fifteen old episodes, the last ten kept: episodes 1 to 5 leave.
    assert sorted(expired_keys(plan)) == sorted(
        f"{SONARR}/episode/1/1/{n}" for n in range(1, 6)
    )
    entry = next(e for e in plan.leaving_soon if e.item.episode_number == 1)
    assert entry.expiry is not None
    assert entry.expiry.rule == "rolling"
    assert (
        "Show 1 is rolling (tagged lcars-rolling): it keeps the last 10 episodes"
        " and any younger than 30 days; S01E01 is neither." in entry.reason
    )


def test_rolling_keeps_young_episodes_beyond_the_last_ones() -> None:
    episodes = [episode(1, 1, n, added=days_ago(20)) for n in range(1, 16)]
    episodes.append(episode(1, 1, 0, added=days_ago(31)))

    plan = run(episodes)

    assert expired_keys(plan) == {f"{SONARR}/episode/1/1/0"}


def test_rolling_orders_by_season_then_episode() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=2)
    episodes = [
        episode(1, 2, 1, added=days_ago(100)),
        episode(1, 1, 10, added=days_ago(100)),
        episode(1, 1, 9, added=days_ago(100)),
    ]

    plan = run(episodes, policy=policy)

    assert expired_keys(plan) == {f"{SONARR}/episode/1/1/9"}


def test_rolling_orders_by_air_date_without_numbers() -> None:
    policy = CleanupPolicy(rolling_keep_episodes=1)
    episodes = [
        episode(
            1,
            1,
            1,
            season_number=None,
            episode_number=None,
            key="a",
            air_date=days_ago(50),
            added=days_ago(100),
        ),
        episode(
            1,
            1,
            2,
            season_number=None,
            episode_number=None,
            key="b",
            air_date=days_ago(60),
            added=days_ago(100),
        ),
    ]

    plan = run(episodes, policy=policy)

    assert expired_keys(plan) == {"b"}


def test_rolling_series_seasons_and_plain_episodes_are_not_judged_by_disk() -> None:
    rolling_season = season(
        1, 1, added=days_ago(500), series_tags=frozenset({"lcars-rolling"})
    )
    plain_episode = episode(2, 1, 1, series_tags=frozenset(), added=days_ago(500))

    plan = run([rolling_season, plain_episode], standard_disks(tv=1.0))

    assert expired_keys(plan) == set()
    assert plan.totals.ignored == 2


# -- grace period ------------------------------------------------------------


def test_expired_item_first_goes_on_leaving_soon() -> None:
    item = movie(1, added=days_ago(3000))

    plan = run([item], standard_disks(movies=8.0))

    assert plan.delete_now == ()
    (entry,) = plan.leaving_soon
    assert entry.entered == NOW
    assert entry.delete_on == NOW + timedelta(days=14)
    assert entry.waiting_for == "grace_period"
    assert plan.first_deletion_at == NOW + timedelta(days=14)
    stored = plan.ledger.get(item.key)
    assert stored == LedgerEntry(entered=NOW, delete_on=NOW + timedelta(days=14))
    assert [(c.change, c.why) for c in plan.ledger_changes] == [("added", "expired")]


@pytest.mark.parametrize(
    ("days_on_list", "deleted"), [(13.9, False), (14, True), (30, True)]
)
def test_deleted_only_after_the_grace_period_on_leaving_soon(
    days_on_list: float, deleted: bool
) -> None:
    item = movie(1, added=days_ago(3000))
    ledger = ledger_of(**{item.key: entered(days_on_list)})

    plan = run([item], standard_disks(movies=4.0), ledger=ledger)

    assert (keys(plan.delete_now) == [item.key]) is deleted
    assert (keys(plan.leaving_soon) == [item.key]) is not deleted


def test_promised_date_never_moves_earlier_and_a_longer_grace_moves_it_later() -> None:
    item = movie(1, added=days_ago(3000))
    ledger = ledger_of(**{item.key: entered(10, grace_days=14)})

    shorter = run(
        [item],
        standard_disks(movies=4.0),
        ledger=ledger,
        policy=CleanupPolicy(grace_days=7),
    )
    longer = run(
        [item],
        standard_disks(movies=4.0),
        ledger=ledger,
        policy=CleanupPolicy(grace_days=30),
    )

    assert shorter.delete_now == ()
    assert shorter.leaving_soon[0].delete_on == NOW + timedelta(days=4)
    assert longer.leaving_soon[0].delete_on == NOW + timedelta(days=20)
    assert longer.ledger.get(item.key).delete_on == NOW + timedelta(days=20)  # type: ignore[union-attr]


# -- ledger upkeep -----------------------------------------------------------


def test_ledger_drops_watched_recovered_protected_and_gone_items() -> None:
    watched = movie(1, added=days_ago(300), last_played=days_ago(1))
    recovered = movie(2, added=days_ago(40))
    protected = movie(3, added=days_ago(300), favorite=True)
    ledger = ledger_of(
        **{
            watched.key: entered(5),
            recovered.key: entered(5),
            protected.key: entered(5),
            "radarr/main/movie/99": entered(5),
        }
    )

    plan = run(
        [watched, recovered, protected], standard_disks(movies=12.0), ledger=ledger
    )

    assert len(plan.ledger) == 0
    assert {(c.key, c.change, c.why) for c in plan.ledger_changes} == {
        (watched.key, "removed", "watched"),
        (recovered.key, "removed", "not_expired"),
        (protected.key, "removed", "protected"),
        ("radarr/main/movie/99", "removed", "gone"),
    }
    gone = next(c for c in plan.ledger_changes if c.why == "gone")
    assert gone.message == (
        "radarr/main/movie/99 left leaving soon: it is no longer in the library."
    )


# -- protection --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "kind", "text"),
    [
        (
            {"tags": frozenset({"lcars-keep"})},
            "exclusion_tag",
            "Kept: tagged lcars-keep.",
        ),
        ({"favorite": True}, "favorite", "Kept: a favourite."),
        ({"playing": True}, "playing", "Kept: playing now."),
        ({"seeding": True}, "seeding", "Kept: seeding."),
    ],
)
def test_protected_items_are_listed_and_never_planned(fields, kind, text) -> None:
    item = movie(1, added=days_ago(300), **fields)
    ledger = ledger_of(**{item.key: entered(30)})

    plan = run([item], standard_disks(movies=4.0), ledger=ledger)

    assert plan.delete_now == ()
    assert plan.leaving_soon == ()
    (entry,) = plan.protected
    assert [p.kind for p in entry.protections] == [kind]
    assert entry.reason.endswith(text)


def test_exclusion_tag_on_the_series_protects_its_seasons() -> None:
    item = season(1, 1, added=days_ago(300), series_tags=frozenset({"keep_forever"}))
    policy = CleanupPolicy(exclusion_tags=frozenset({"keep_forever"}))

    plan = run([item], standard_disks(tv=4.0), policy=policy)

    (entry,) = plan.protected
    assert entry.protections[0].on_series
    assert entry.reason.endswith("Kept: its series is tagged keep_forever.")


def test_tags_compare_with_underscore_and_hyphen_alike_in_any_case() -> None:
    # The *arr refuse "_" in labels: a policy written with "_" must still
    # match what the *arr holds, and an old "_" label the default hyphen form.
    policy = CleanupPolicy(
        exclusion_tags=frozenset({"keep_forever"}),
        tag_schedules={"delete_after_30d": 30},
    )
    items = [
        movie(1, added=days_ago(300), tags=frozenset({"keep-forever"})),
        movie(2, added=days_ago(300), tags=frozenset({"LCARS_Keep"})),
        movie(3, added=days_ago(31), tags=frozenset({"delete-after-30d"})),
        episode(4, 1, 1, added=days_ago(300), series_tags=frozenset({"lcars_rolling"})),
    ]

    plan = run(items, standard_disks(movies=4.0, tv=80.0), policy=policy)

    protected = {entry.item.key: entry for entry in plan.protected}
    assert set(protected) == {items[0].key, items[1].key}
    assert protected[items[1].key].reason.endswith("Kept: tagged LCARS_Keep.")
    (leaving,) = plan.leaving_soon
    assert leaving.item.key == items[2].key
    assert leaving.expiry is not None
    assert leaving.expiry.schedule is not None
    assert leaving.expiry.schedule.tag == "delete-after-30d"
    # The episode belongs to a rolling series, and is the only one: it is kept.
    assert plan.totals.ignored == 0


def test_favourites_can_be_left_unprotected() -> None:
    item = movie(1, added=days_ago(300), favorite=True)
    plan = run(
        [item],
        standard_disks(movies=4.0),
        policy=CleanupPolicy(protect_favorites=False),
    )
    assert expired_keys(plan) == {item.key}


# -- free until target -------------------------------------------------------


def due_movies(count: int, size: int = 50 * GB) -> tuple[list[Candidate], Ledger]:
    """Movies past every limit whose grace period is over, stalest first by number."""
    items = [movie(n, added=days_ago(1000 - n), size=size) for n in range(count)]
    return items, Ledger({i.key: entered(20) for i in items})


WIDE_CAPS = CleanupPolicy(max_items_per_run=1000, max_bytes_per_run=100_000 * GB)


def test_free_until_target_stops_at_lowest_key_plus_margin() -> None:
    items, ledger = due_movies(40)

    # 4% of 10 TB = 400 GB free; target 5% + 2 = 700 GB: six 50 GB movies.
    plan = run(items, standard_disks(movies=4.0), policy=WIDE_CAPS, ledger=ledger)

    assert keys(plan.delete_now) == [f"{RADARR}/movie/{n}" for n in range(6)]
    waiting = {e.waiting_for for e in plan.leaving_soon}
    assert waiting == {"free_space_target"}
    assert len(plan.leaving_soon) == 34
    (folder,) = [f for f in plan.root_folders if f.root_folder == "/movies"]
    assert folder.freed_bytes == 300 * GB
    assert folder.projected_free_percent == pytest.approx(7.0)
    assert folder.targets == {"movies": 7.0}
    assert "is at its free space target of 7% without it" in plan.leaving_soon[0].reason


def test_free_until_target_off_deletes_every_due_item() -> None:
    items, ledger = due_movies(40)
    policy = replace(WIDE_CAPS, free_until_target=False)

    plan = run(items, standard_disks(movies=4.0), policy=policy, ledger=ledger)

    assert len(plan.delete_now) == 40
    assert plan.totals.delete_bytes == 2000 * GB


def test_between_keys_above_the_target_nothing_is_deleted_by_disk() -> None:
    items, ledger = due_movies(5)

    # 8% is under the 10% key, but above the 7% target.
    plan = run(items, standard_disks(movies=8.0), ledger=ledger)

    assert plan.delete_now == ()
    assert len(plan.leaving_soon) == 5


# -- caps --------------------------------------------------------------------


def test_item_cap_is_never_exceeded_stalest_first() -> None:
    items, ledger = due_movies(30, size=1 * GB)

    plan = run(items, standard_disks(movies=1.0), ledger=ledger)

    assert keys(plan.delete_now) == [f"{RADARR}/movie/{n}" for n in range(20)]
    assert {e.waiting_for for e in plan.leaving_soon} == {"run_cap"}


def test_byte_cap_skips_what_does_not_fit_and_flags_what_never_can() -> None:
    sizes = [300, 250, 600, 150, 10]
    items = [
        movie(n, added=days_ago(1000 - n), size=size * GB)
        for n, size in enumerate(sizes)
    ]
    ledger = Ledger({i.key: entered(20) for i in items})
    policy = CleanupPolicy(free_until_target=False)

    plan = run(items, standard_disks(movies=1.0), policy=policy, ledger=ledger)

    assert [i.item.size // GB for i in plan.delete_now] == [300, 150, 10]
    assert plan.totals.delete_bytes <= 500 * GB
    waits = {e.item.size // GB: e.waiting_for for e in plan.leaving_soon}
    assert waits == {250: "run_cap", 600: "larger_than_cap"}


# -- failing closed ----------------------------------------------------------


def status(
    source: str, kind: str, *, minutes: float = 1, ok: bool = True
) -> SourceStatus:
    return SourceStatus(
        source_id=source,
        kind=kind,  # type: ignore[arg-type]
        fetched_at=NOW - timedelta(minutes=minutes),
        last_refresh_ok=ok,
    )


def health_with(*replaced: SourceStatus, jellyfin: bool = True) -> SourceHealth:
    sources = {s.source_id: s for s in healthy().sources}
    for s in replaced:
        sources[s.source_id] = s
    return SourceHealth(sources=tuple(sources.values()), jellyfin_configured=jellyfin)


FAILURES = {
    "radarr failed": (health_with(status(RADARR, "radarr", ok=False)), "source_failed"),
    "sonarr stale": (health_with(status(SONARR, "sonarr", minutes=16)), "source_stale"),
    "lidarr never fetched": (
        health_with(replace(status(LIDARR, "lidarr"), fetched_at=None)),
        "source_stale",
    ),
    "jellyfin failed": (
        health_with(status("jellyfin/main", "jellyfin", ok=False)),
        "source_failed",
    ),
    "jellyfin stale": (
        health_with(status("jellyfin/main", "jellyfin", minutes=60)),
        "source_stale",
    ),
    "jellyseerr failed": (
        health_with(status("jellyseerr/main", "jellyseerr", ok=False)),
        "source_failed",
    ),
    "jellyfin configured, unknown": (
        SourceHealth(
            sources=tuple(s for s in healthy().sources if s.kind != "jellyfin"),
            jellyfin_configured=True,
        ),
        "source_missing",
    ),
    "radarr unknown": (
        SourceHealth(
            sources=tuple(s for s in healthy().sources if s.source_id != RADARR),
            jellyfin_configured=True,
        ),
        "source_missing",
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_any_doubtful_source_fails_closed(case: str) -> None:
    health, code = FAILURES[case]
    items, ledger = due_movies(3)
    fresh = movie(100, added=days_ago(300))

    plan = run(
        [*items, fresh], standard_disks(movies=1.0), ledger=ledger, health=health
    )

    assert plan.failed_closed
    assert plan.delete_now == ()
    assert code in {r.code for r in plan.fail_reasons}
    assert plan.summary.startswith("Nothing will be deleted: ")
    # Leaving soon is still worked out: due items wait, new ones are told...
    assert {e.item.key: e.waiting_for for e in plan.leaving_soon} == {
        **{i.key: "failed_closed" for i in items},
        fresh.key: "grace_period",
    }
    # ...but start no grace period: a run that fails closed shows no new
    # item on leaving soon, and a grace period is time an item was shown.
    assert fresh.key not in plan.ledger
    assert all(i.key in plan.ledger for i in items)
    assert fresh.key not in {change.key for change in plan.ledger_changes}


def test_stale_message_names_the_source_and_the_age() -> None:
    health = health_with(status(SONARR, "sonarr", minutes=22))
    plan = run([movie(1)], health=health)
    (reason,) = plan.fail_reasons
    assert reason.subject == SONARR
    assert reason.message == "the data of sonarr/main is 22 minutes old (limit 15)"


def test_data_exactly_at_the_age_limit_is_fresh() -> None:
    health = health_with(status(SONARR, "sonarr", minutes=15))
    assert not run([movie(1)], health=health).failed_closed


@pytest.mark.parametrize(
    ("figure", "code"),
    [
        (None, "disk_missing"),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=None,
                total_bytes=TOTAL,
            ),
            "disk_missing",
        ),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=5,
                total_bytes=None,
            ),
            "disk_missing",
        ),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=5,
                total_bytes=TOTAL,
                accessible=False,
            ),
            "disk_missing",
        ),
        (
            DiskFigure(
                instance_id=RADARR, root_folder="/movies", free_bytes=0, total_bytes=0
            ),
            "disk_invalid",
        ),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=TOTAL + 1,
                total_bytes=TOTAL,
            ),
            "disk_invalid",
        ),
        (
            DiskFigure(
                instance_id=RADARR,
                root_folder="/movies",
                free_bytes=-1,
                total_bytes=TOTAL,
            ),
            "disk_invalid",
        ),
    ],
)
def test_doubtful_disk_figure_fails_closed(
    figure: DiskFigure | None, code: str
) -> None:
    waiting = movie(1, added=days_ago(300))
    new = movie(2, added=days_ago(300))
    scheduled = movie(3, added=days_ago(300), tags=frozenset({"delete-after-30d"}))
    other_folder = album(1, added=days_ago(300))
    ledger = ledger_of(**{waiting.key: entered(20)})
    disks = [d for d in standard_disks(music=1.0) if d.root_folder != "/movies"]
    if figure is not None:
        disks.append(figure)

    plan = run(
        [waiting, new, scheduled, other_folder], disks, ledger=ledger, policy=SCHEDULE
    )

    assert plan.failed_closed
    assert plan.delete_now == ()
    assert [(r.code, r.subject) for r in plan.fail_reasons] == [(code, "/movies")]
    # Items already on leaving soon keep their place. No grace period starts
    # on a run that fails closed, not even by a rule that does not depend on
    # the doubtful figure (a tag schedule, another folder): such a run shows
    # no new item on leaving soon, and grace is time an item was shown.
    assert waiting.key in plan.ledger
    assert new.key not in plan.ledger
    assert scheduled.key not in plan.ledger
    assert other_folder.key not in plan.ledger
    # The plan still tells what those rules would list.
    assert {scheduled.key, other_folder.key} <= {e.item.key for e in plan.leaving_soon}
    kept = next(e for e in plan.leaving_soon if e.item.key == waiting.key)
    assert kept.waiting_for == "not_judged"
    assert kept.expiry is None
    assert "the disk figure of /movies is in doubt" in kept.reason


def test_doubtful_disk_figure_of_a_folder_without_items_does_not_matter() -> None:
    disks = [*standard_disks(), disk("/empty", 0, total=0)]
    plan = run([movie(1)], disks)
    assert not plan.failed_closed
    (empty,) = [f for f in plan.root_folders if f.root_folder == "/empty"]
    assert empty.problem == "disk_invalid"
    assert empty.projected_free_percent is None


def test_full_disk_is_a_real_figure() -> None:
    plan = run([movie(1, added=days_ago(300))], standard_disks(movies=0.0))
    assert not plan.failed_closed
    assert expired_keys(plan) == {f"{RADARR}/movie/1"}


def test_ids_conflict_fails_closed_and_holds_the_item() -> None:
    items, ledger = due_movies(3)
    conflict = movie(50, added=days_ago(1), ids_conflict=True)

    plan = run([*items, conflict], standard_disks(movies=1.0), ledger=ledger)

    assert plan.failed_closed
    assert plan.delete_now == ()
    assert [(r.code, r.subject) for r in plan.fail_reasons] == [
        ("ids_conflict", conflict.key)
    ]
    (held,) = plan.held
    assert held.hold == "ids_conflict"
    assert held.item.key == conflict.key


def test_failing_closed_keeps_entries_of_items_missing_from_the_data() -> None:
    ledger = ledger_of(**{"radarr/main/movie/7": entered(3)})
    health = health_with(status(RADARR, "radarr", ok=False))

    plan = run([], ledger=ledger, health=health)

    assert "radarr/main/movie/7" in plan.ledger
    assert [(c.change, c.why) for c in plan.ledger_changes] == [
        ("kept", "data_in_doubt")
    ]


# -- held items --------------------------------------------------------------


def test_item_without_jellyfin_match_is_held_when_it_could_be_expired() -> None:
    old = movie(1, added=days_ago(300), jellyfin_matched=False)
    young = movie(2, added=days_ago(5), jellyfin_matched=False)
    ledger = ledger_of(**{old.key: entered(30)})

    plan = run([old, young], standard_disks(movies=1.0), ledger=ledger)

    assert plan.delete_now == ()
    (held,) = plan.held
    assert held.item.key == old.key
    assert held.hold == "not_in_jellyfin"
    assert held.reason == (
        "Held: no Jellyfin item matches its ids, so its watch history is unknown."
    )
    assert old.key not in plan.ledger


def test_played_without_a_date_and_no_dates_at_all_are_held() -> None:
    no_date = movie(1, added=days_ago(300), played=True)
    no_dates = movie(2, added=None)

    plan = run([no_date, no_dates], standard_disks(movies=1.0))

    assert {h.item.key: h.hold for h in plan.held} == {
        no_date.key: "played_without_date",
        no_dates.key: "no_dates",
    }


def test_without_jellyfin_the_age_counts_from_the_added_date() -> None:
    item = movie(1, added=days_ago(40), jellyfin_matched=False)

    plan = run([item], standard_disks(movies=8.0), health=healthy(jellyfin=False))

    (entry,) = plan.leaving_soon
    assert entry.expiry is not None
    assert not entry.expiry.watch_data
    assert entry.reason.startswith(
        "Added 2026-10-06 (40 days ago); its watch history is unknown."
    )


def test_repeatedly_failing_deletion_is_held_and_goes_last_before() -> None:
    items, ledger = due_movies(3, size=1 * GB)
    failing = items[0]  # the stalest
    once = ledger.record_failure(failing.key, "HTTP 500", NOW)

    retried = run(items, standard_disks(movies=1.0), ledger=once)
    assert keys(retried.delete_now)[-1] == failing.key
    assert retried.delete_now[-1].attempts == 1

    thrice = once.record_failure(failing.key, "HTTP 500", NOW).record_failure(
        failing.key, "disk busy", NOW
    )
    plan = run(items, standard_disks(movies=1.0), ledger=thrice)

    assert failing.key not in keys(plan.delete_now)
    (held,) = plan.held
    assert held.hold == "deletion_failed"
    assert held.reason == (
        "Held: deleting it failed 3 times (last error: disk busy). Clear its"
        " failures to retry."
    )
    assert failing.key in plan.ledger
    cleared = run(
        items, standard_disks(movies=1.0), ledger=thrice.clear_failures(failing.key)
    )
    assert keys(cleared.delete_now)[0] == failing.key


# -- reason texts and output -------------------------------------------------


def test_deletion_reason_reads_like_a_sentence() -> None:
    now = datetime(2025, 11, 17, 12, 0, tzinfo=UTC)
    item = movie(
        1,
        root_folder="/media/movies",
        added=datetime(2024, 6, 1, tzinfo=UTC),
        last_played=datetime(2025, 3, 2, 12, 0, tzinfo=UTC),
    )
    figure = disk("/media/movies", 8.1)
    ledger = ledger_of(
        **{
            item.key: LedgerEntry(
                entered=datetime(2025, 11, 1, 9, 0, tzinfo=UTC),
                delete_on=datetime(2025, 11, 15, 9, 0, tzinfo=UTC),
            )
        }
    )
    policy = CleanupPolicy(free_until_target=False)

    plan = plan_cleanup(
        [item],
        disks=[figure],
        health=healthy(now=now),
        policy=policy,
        ledger=ledger,
        now=now,
    )

    (deletion,) = plan.delete_now
    assert deletion.reason == (
        "Not watched since 2025-03-02 (260 days). /media/movies is 8.1% free,"
        " under 10%, so the limit is 30 days. On leaving soon since 2025-11-01."
    )
    facts = deletion.as_dict()
    assert facts["age_days"] == 260
    assert facts["limit_days"] == 30
    assert facts["free_percent"] == 8.1
    assert facts["threshold_percent"] == 10.0
    assert facts["leaving_soon_since"] == "2025-11-01T09:00:00+00:00"


def test_never_watched_reason() -> None:
    now = datetime(2025, 11, 21, 12, 0, tzinfo=UTC)
    item = movie(1, added=datetime(2025, 1, 10, 12, 0, tzinfo=UTC))

    plan = plan_cleanup(
        [item],
        disks=standard_disks(movies=1.0),
        health=healthy(now=now),
        policy=CleanupPolicy(),
        ledger=Ledger(),
        now=now,
    )

    assert plan.leaving_soon[0].reason.startswith(
        "Never watched; added 2025-01-10 (315 days ago)."
    )


def test_reason_dates_use_the_time_zone_of_now() -> None:
    tokyo = datetime(2026, 11, 15, 23, 30, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Tokyo")
    )
    item = movie(1, added=datetime(2026, 8, 1, 20, 0, tzinfo=UTC))

    plan = run([item], standard_disks(movies=1.0), now=tokyo, health=healthy(now=tokyo))

    assert "added 2026-08-02" in plan.leaving_soon[0].reason
    assert "On leaving soon since 2026-11-16" in plan.leaving_soon[0].reason


def test_plan_as_dict_is_json() -> None:
    items, ledger = due_movies(25, size=1 * GB)
    items.append(movie(90, favorite=True, added=days_ago(500)))
    items.append(movie(91, jellyfin_matched=False, added=days_ago(500)))

    plan = run(items, standard_disks(movies=1.0), ledger=ledger)
    data = json.loads(json.dumps(plan.as_dict()))

    assert data["totals"]["delete_count"] == 20
    assert len(data["delete_now"]) == 20
    assert data["delete_now"][0]["key"] == f"{RADARR}/movie/0"
    assert data["leaving_soon"][0]["waiting_for"] == "run_cap"
    assert data["protected"][0]["protections"] == [
        {"kind": "favorite", "tag": None, "on_series": False}
    ]
    assert data["held"][0]["hold"] == "not_in_jellyfin"
    # 20 items of 10^9 bytes: 18.6 GiB.
    assert data["summary"].startswith("20 items (18.6 GiB) to delete now.")
    short = plan.as_dict(max_items=2)
    assert len(short["delete_now"]) == 2
    assert short["totals"]["delete_count"] == 20


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run([], now=datetime(2026, 1, 1))


def test_protected_item_without_dates_still_says_what_keeps_it() -> None:
    item = movie(1, added=None, tags=frozenset({"lcars-keep"}))

    plan = run([item], standard_disks(movies=1.0))

    (entry,) = plan.protected
    assert entry.age is None
    assert entry.reason == (
        "/movies is 1.0% free, under 5%, so the limit is 15 days. Kept: tagged"
        " lcars-keep."
    )
    assert "age_days" not in entry.as_dict()


def test_rolling_whole_series_is_left_to_its_episodes() -> None:
    whole = Candidate(
        key=f"{SONARR}/series/1",
        instance_id=SONARR,
        kind="series",
        title="Daily Show",
        root_folder="/tv",
        size=100 * GB,
        added=days_ago(500),
        tags=frozenset({"lcars-rolling"}),
        jellyfin_matched=True,
    )
    policy = CleanupPolicy(series_unit="series")

    plan = run([whole], standard_disks(tv=1.0), policy=policy)

    assert expired_keys(plan) == set()
    assert plan.totals.ignored == 1


def test_ledger_entry_of_an_item_no_longer_cleaned_up_is_dropped() -> None:
    item = season(1, 1, added=days_ago(500))
    ledger = ledger_of(**{item.key: entered(3)})

    plan = run([item], policy=CleanupPolicy(series_unit="series"), ledger=ledger)

    assert item.key not in plan.ledger
    (change,) = plan.ledger_changes
    assert (change.why, change.message) == (
        "not_candidate",
        (
            "Series 1 - Season 1 left leaving soon: the current settings do not"
            " clean up this kind of item."
        ),
    )


def test_item_in_a_folder_at_its_target_waits_even_when_long_due() -> None:
    item = movie(1, added=days_ago(500))
    ledger = ledger_of(**{item.key: entered(100)})

    plan = run([item], standard_disks(movies=9.0), ledger=ledger)

    (entry,) = plan.leaving_soon
    assert entry.waiting_for == "free_space_target"
    assert entry.reason.endswith(
        "Due since 2026-08-21, but /movies is at its free space target of 7%"
        " without it."
    )
    assert plan.first_deletion_at is None


def test_root_folders_report_free_space_before_and_after() -> None:
    items, ledger = due_movies(3, size=100 * GB)

    plan = run(items, standard_disks(movies=1.0, tv=30.0), ledger=ledger)

    folders = {f.root_folder: f for f in plan.root_folders}
    movies = folders["/movies"]
    assert movies.free_bytes == TOTAL // 100
    assert movies.projected_free_bytes == TOTAL // 100 + 300 * GB
    assert movies.free_percent == pytest.approx(1.0)
    assert movies.projected_free_percent == pytest.approx(4.0)
    # Folders without items are still shown, without targets worked out.
    assert folders["/tv"].targets == {}
    assert folders["/tv"].as_dict()["projected_free_percent"] == 30.0
