"""Doubts the planner holds items for: sizes, duplicate ids, missing watch data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.lcars.cleanup import (
    Candidate,
    CleanupPolicy,
    HeldItem,
    Ledger,
    SourceHealth,
)
from custom_components.lcars.cleanup.candidates import (
    SourceFact,
    build_candidates,
    source_health,
)
from custom_components.lcars.cleanup.model import WatchDataGap, trusted_size
from custom_components.lcars.clients.models import (
    Album,
    Artist,
    CalendarEntry,
    LidarrSnapshot,
    MissingWatchData,
    Movie,
    RadarrSnapshot,
    RootFolder,
    Rows,
    Series,
    SonarrSnapshot,
    SystemStatus,
)

from .factories import (
    GB,
    NOW,
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

LOW = standard_disks(movies=1.0, tv=1.0, music=1.0)
# Past their limit (15 days under 5% free) and past the grace period.
OLD = days_ago(300)


def held(plan: Any) -> dict[str, str]:
    return {h.item.key: h.hold for h in plan.held}


# -- sizes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [None, 0, -1, -10 * GB, TOTAL + 1, 10**18, "12", 1.5, True],
    ids=[
        "missing",
        "zero",
        "minus-one",
        "negative",
        "over-the-disk",
        "absurd",
        "text",
        "fraction",
        "boolean",
    ],
)
def test_an_item_whose_size_is_in_doubt_is_held_never_deleted(size: Any) -> None:
    doubtful = movie(1, added=OLD, size=size)
    fine = movie(2, added=OLD)
    ledger = ledger_of(**{doubtful.key: entered(20), fine.key: entered(20)})

    plan = run([doubtful, fine], LOW, ledger=ledger)

    assert keys(plan.delete_now) == [fine.key]
    assert held(plan) == {doubtful.key: "size_in_doubt"}
    assert plan.totals.delete_bytes == fine.size
    assert plan.totals.leaving_soon_bytes == 0
    # Off leaving soon, like any held item; its grace starts again later.
    assert doubtful.key not in plan.ledger
    assert (doubtful.key, "removed", "held") in [
        (c.key, c.change, c.why) for c in plan.ledger_changes
    ]
    reason = plan.held[0].reason
    assert "size" in reason
    assert "cannot be counted" in reason


def test_size_exactly_the_disk_is_possible_and_each_kind_is_checked() -> None:
    whole = movie(1, added=OLD, size=TOTAL)
    items = [
        whole,
        season(1, 1, added=OLD, size=None),
        album(1, added=OLD, size=TOTAL * 2),
        *[episode(2, 1, n, added=OLD, size=-5 if n == 1 else GB) for n in range(1, 13)],
    ]

    plan = run(items, LOW)

    assert held(plan) == {
        items[1].key: "size_in_doubt",
        items[2].key: "size_in_doubt",
        items[3].key: "size_in_doubt",
    }
    assert whole.key in keys(plan.leaving_soon)


def test_free_until_target_and_the_cap_count_trusted_sizes_only() -> None:
    """A wrong small size would let free-until-target delete more than needed."""
    # /movies at 1% free of 10 TB; the target is 7% (5% + 2 points): 600 GB
    # must be freed. Each real movie is 300 GB.
    big = [movie(n, added=days_ago(300 - n), size=300 * GB) for n in range(1, 4)]
    # Reported as weighing nothing: counted, it would free nothing, and the
    # target would take one more movie.
    wrong = movie(9, added=days_ago(400), size=0)
    ledger = ledger_of(**{i.key: entered(20) for i in [*big, wrong]})
    policy = CleanupPolicy(max_bytes_per_run=700 * GB)

    plan = run([wrong, *big], LOW, ledger=ledger, policy=policy)

    assert keys(plan.delete_now) == [big[0].key, big[1].key]
    assert plan.totals.delete_bytes == 600 * GB
    assert held(plan) == {wrong.key: "size_in_doubt"}


def test_a_listed_item_whose_folder_is_not_judged_is_held_for_its_size() -> None:
    doubtful = movie(1, added=OLD, size=None)
    fine = movie(2, added=OLD)
    ledger = ledger_of(**{doubtful.key: entered(3), fine.key: entered(3)})

    plan = run([doubtful, fine], [], ledger=ledger)

    assert plan.failed_closed
    assert held(plan) == {doubtful.key: "size_in_doubt"}
    assert keys(plan.leaving_soon) == [fine.key]
    assert plan.leaving_soon[0].waiting_for == "not_judged"


def test_trusted_size_refuses_an_item_without_one() -> None:
    assert trusted_size(movie(1)) == 10 * GB
    with pytest.raises(ValueError, match="no size"):
        trusted_size(movie(1, size=None))


def test_held_reasons_tell_the_size() -> None:
    missing = HeldItem(movie(1, size=None), "size_in_doubt")
    negative = HeldItem(movie(1, size=-3), "size_in_doubt")
    assert "its size (missing)" in missing.reason
    assert "its size (-3 bytes)" in negative.reason


# -- duplicate ids -------------------------------------------------------------


def test_an_item_listed_twice_is_held_and_never_deleted() -> None:
    first = movie(1, added=OLD)
    again = movie(1, added=OLD, title="Movie 1 (again)")
    other = movie(2, added=OLD)
    ledger = ledger_of(**{first.key: entered(20), other.key: entered(20)})

    plan = run([first, other, again], LOW, ledger=ledger)

    assert keys(plan.delete_now) == [other.key]
    assert held(plan) == {first.key: "duplicate_id"}
    assert plan.totals.held_count == 1
    assert plan.totals.candidates == 3
    assert first.key not in plan.ledger
    assert [(c.key, c.why) for c in plan.ledger_changes] == [(first.key, "held")]
    assert "more than once" in plan.held[0].reason


@pytest.mark.parametrize("where", ["leaving_soon", "protected", "held", "not_expired"])
def test_duplicates_leave_every_part_of_the_plan(where: str) -> None:
    fields: dict[str, Any] = {
        "leaving_soon": {"added": OLD},
        "protected": {"added": OLD, "favorite": True},
        "held": {"added": OLD, "jellyfin_matched": False},
        "not_expired": {"added": NOW},
    }[where]
    first = movie(1, **fields)
    kept = movie(2, added=OLD)
    soon = movie(3, added=OLD)

    plan = run(
        [first, kept, movie(1, added=OLD), soon],
        LOW,
        ledger=ledger_of(**{kept.key: entered(1)}),
    )

    assert held(plan) == {first.key: "duplicate_id"}
    assert first.key not in keys(plan.leaving_soon)
    assert first.key not in keys(plan.protected)
    assert first.key not in plan.ledger
    # The first deletion date is that of the items still listed.
    assert plan.first_deletion_at == NOW - timedelta(days=1) + timedelta(days=14)


def test_seasons_and_albums_listed_twice_are_held() -> None:
    items = [
        season(1, 1, added=OLD),
        season(1, 2, added=OLD),
        season(1, 1, added=OLD),
        album(1, added=OLD),
        album(1, added=OLD),
        album(2, added=OLD),
    ]
    ledger = ledger_of(**{i.key: entered(20) for i in items})

    plan = run(items, LOW, ledger=ledger)

    assert held(plan) == {
        items[0].key: "duplicate_id",
        items[3].key: "duplicate_id",
    }
    assert sorted(keys(plan.delete_now)) == sorted([items[1].key, items[5].key])


def test_a_rolling_episode_listed_twice_does_not_push_another_out() -> None:
    """The last 10 episodes stay: a duplicate does not take one of their places."""
    episodes = [episode(1, 1, n, added=OLD) for n in range(1, 13)]
    doubled = [*episodes, episode(1, 1, 12, added=OLD)]

    plan = run(doubled, LOW, ledger=ledger_of(**{e.key: entered(20) for e in episodes}))

    # Episodes 1 and 2 are past the rolling rule; 3 to 12 are the last ten.
    assert sorted(keys(plan.delete_now)) == sorted([episodes[0].key, episodes[1].key])
    assert held(plan) == {episodes[11].key: "duplicate_id"}


def test_a_duplicate_of_an_ignored_kind_is_not_reported() -> None:
    whole = replace(season(1, 1), kind="series", key="sonarr/main/series/1")
    plan = run([whole, whole], LOW)
    assert plan.held == ()
    assert plan.totals.ignored == 2


# -- missing watch data ---------------------------------------------------------


def test_missing_watch_data_of_a_counted_user_fails_closed_naming_the_user() -> None:
    item = movie(1, added=OLD)
    health = replace(
        healthy(),
        watch_data_gaps=(
            WatchDataGap(user_id="f00d", problem="user_missing"),
            WatchDataGap(
                user_id="beef", problem="no_user_data", user_name="Alice", items=12
            ),
        ),
    )

    fresh = movie(2, added=OLD)

    plan = run(
        [item, fresh], LOW, ledger=ledger_of(**{item.key: entered(20)}), health=health
    )

    assert plan.failed_closed
    assert plan.delete_now == ()
    assert [(r.code, r.subject) for r in plan.fail_reasons] == [
        ("watch_data_missing", "f00d"),
        ("watch_data_missing", "beef"),
    ]
    assert "user f00d no longer exists" in plan.fail_reasons[0].message
    assert "fix the user list" in plan.fail_reasons[0].message
    assert "12 items without the watch data" in plan.fail_reasons[1].message
    assert "Alice (beef)" in plan.summary
    # Still listed, waiting for the data; nothing new is listed, as whether
    # it was watched is unknown (the plan tells what would be).
    assert keys(plan.leaving_soon) == [item.key, fresh.key]
    assert plan.leaving_soon[0].waiting_for == "failed_closed"
    assert item.key in plan.ledger
    assert fresh.key not in plan.ledger
    assert [c.key for c in plan.ledger_changes] == []


def test_source_health_names_each_gap_once() -> None:
    facts = [SourceFact(kind="radarr", instance="main", ok=True, fetched_at=NOW)]
    health = source_health(
        facts,
        jellyfin_configured=True,
        missing_watch_data=[
            MissingWatchData(user_id="b", problem="no_user_data", items=3),
            MissingWatchData(user_id="a", problem="user_missing"),
            MissingWatchData(
                user_id="b", problem="no_user_data", user_name="Bob", items=40
            ),
            MissingWatchData(user_id="b", problem="no_user_data", items=1),
        ],
    )
    assert health.watch_data_gaps == (
        WatchDataGap(user_id="a", problem="user_missing"),
        WatchDataGap(user_id="b", problem="no_user_data", user_name="Bob", items=40),
    )
    assert [gap.user for gap in health.watch_data_gaps] == ["a", "Bob (b)"]
    assert source_health(facts, jellyfin_configured=False) == SourceHealth(
        sources=health.sources, jellyfin_configured=False
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((40, None), (3, "Bob")),
        ((3, "Bob"), (40, None)),
        ((40, "Bob"), (40, None)),
        ((40, None), (40, "Bob")),
    ],
)
def test_a_gap_told_twice_keeps_the_larger_count_and_the_name(
    first: tuple[int, str | None], second: tuple[int, str | None]
) -> None:
    """The episode watch data may know a user the item list named, or not."""
    health = source_health(
        [],
        jellyfin_configured=True,
        missing_watch_data=[
            MissingWatchData(
                user_id="b", problem="no_user_data", items=items, user_name=name
            )
            for items, name in (first, second)
        ],
    )
    assert health.watch_data_gaps == (
        WatchDataGap(user_id="b", problem="no_user_data", user_name="Bob", items=40),
    )


# -- sizes from the snapshots -----------------------------------------------------

STATUS = SystemStatus(app_name="x", version="1", instance_name=None)
ROOT = RootFolder(id=1, path="/media", accessible=True, free_space=1, total_space=TOTAL)
ADDED = datetime(2020, 1, 1, tzinfo=UTC)


def _radarr(*rows: tuple[Any, ...]) -> RadarrSnapshot:
    return RadarrSnapshot(
        status=STATUS,
        movies=Rows(Movie, rows),
        root_folders=(ROOT,),
        queue=(),
        calendar=Rows(CalendarEntry, ()),
        tags=(),
        movies_missing=0,
        size_on_disk=0,
    )


def _movie(number: int, *, has_file: bool, size: int | None) -> tuple[Any, ...]:
    return (
        number,
        f"Movie {number}",
        2000,
        number,
        None,
        f"/media/m{number}",
        "/media",
        True,
        has_file,
        True,
        size,
        ADDED,
        (),
        None,
        ADDED,
    )


def test_a_movie_with_a_file_but_no_size_is_a_candidate_without_one() -> None:
    radarr = _radarr(
        _movie(1, has_file=True, size=None),
        _movie(2, has_file=False, size=None),
        _movie(3, has_file=False, size=0),
        _movie(4, has_file=True, size=5),
    )
    found = {
        c.key: c.size
        for c in build_candidates(policy=CleanupPolicy(), radarr={"main": radarr})
    }
    assert found == {"radarr/main/movie/1": None, "radarr/main/movie/4": 5}


def test_seasons_series_and_albums_with_files_but_no_size() -> None:
    series_row = (
        7,
        "Show",
        2000,
        1,
        None,
        None,
        "/media/show",
        "/media",
        True,
        "standard",
        None,  # no size
        3,
        3,
        3,
        ADDED,
        (),
        None,
        (1, True, 3, 3, 3, None),
        (2, True, 0, 0, 3, None),
    )
    sonarr = SonarrSnapshot(
        status=STATUS,
        series=Rows(Series, (series_row,)),
        episodes_missing=0,
        root_folders=(ROOT,),
        queue=(),
        calendar=Rows(CalendarEntry, ()),
        tags=(),
        episode_files=3,
        size_on_disk=0,
    )
    lidarr = LidarrSnapshot(
        status=STATUS,
        artists=Rows(
            Artist,
            (
                (
                    1,
                    "Band",
                    None,
                    "/media/band",
                    "/media",
                    True,
                    0,
                    1,
                    1,
                    1,
                    ADDED,
                    (),
                    None,
                ),
            ),
        ),
        albums=Rows(
            Album,
            (
                (10, 1, "One", None, True, ADDED, 4, 4, None),
                (11, 1, "Two", None, True, ADDED, 0, 4, None),
            ),
        ),
        root_folders=(ROOT,),
        queue=(),
        calendar=Rows(CalendarEntry, ()),
        tags=(),
        size_on_disk=0,
    )
    seasons = build_candidates(policy=CleanupPolicy(), sonarr={"main": sonarr})
    whole = build_candidates(
        policy=CleanupPolicy(series_unit="series"), sonarr={"main": sonarr}
    )
    albums = build_candidates(policy=CleanupPolicy(), lidarr={"main": lidarr})
    assert [(c.key, c.size) for c in seasons] == [("sonarr/main/season/7/1", None)]
    assert [(c.key, c.size) for c in whole] == [("sonarr/main/series/7", None)]
    assert [(c.key, c.size) for c in albums] == [("lidarr/main/album/10", None)]


def test_a_series_without_files_and_without_a_size_is_no_candidate() -> None:
    row = (
        8, "Empty", 2000, 2, None, None, "/media/e", "/media", True, "standard",
        None, 0, 0, 3, ADDED, (), None,
    )  # fmt: skip
    sonarr = SonarrSnapshot(
        status=STATUS,
        series=Rows(Series, (row,)),
        episodes_missing=0,
        root_folders=(ROOT,),
        queue=(),
        calendar=Rows(CalendarEntry, ()),
        tags=(),
        episode_files=0,
        size_on_disk=0,
    )
    assert build_candidates(policy=CleanupPolicy(), sonarr={"main": sonarr}) == []


def test_plan_without_doubt_is_unchanged_by_the_checks() -> None:
    item = movie(1, added=OLD)
    plan = run([item], LOW, ledger=Ledger())
    assert keys(plan.leaving_soon) == [item.key]
    assert plan.held == ()
    assert isinstance(item, Candidate)
    assert disk().total_bytes == TOTAL
