"""Every sentence a person reads about a plan, and every field of its JSON.

Built from plan records made here, so that each branch of each sentence is
reached with the facts that choose it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json

import pytest

from custom_components.lcars.cleanup import (
    Candidate,
    DeletionItem,
    DiskLimit,
    Expiry,
    FailReason,
    HeldItem,
    LeavingSoonItem,
    Ledger,
    LedgerChange,
    MediaIds,
    Plan,
    PlanTotals,
    PolicyNotice,
    ProtectedItem,
    Protection,
    RollingLimit,
    RootFolderOutlook,
    TagLimit,
)
from custom_components.lcars.cleanup.reasons import (
    percent_text,
    shown_percent,
    shown_percent_or_unknown,
    size_text,
)

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
ITEM = Candidate(
    key="radarr/main/movie/1",
    instance_id="radarr/main",
    kind="movie",
    title="Heat",
    root_folder="/movies",
    size=4_200_000_000,
    added=datetime(2026, 1, 10, tzinfo=UTC),
    year=1995,
    ids=MediaIds(tmdb=949, imdb="tt0113277"),
    path="/movies/Heat (1995)",
    jellyfin_matched=True,
)
DISK = DiskLimit(
    instance_id="radarr/main",
    root_folder="/movies",
    free_percent=9.96,
    threshold_percent=10.0,
    limit_days=30,
    target_percent=7.0,
)
TAG = TagLimit(tag="short", limit_days=20)
BY_DISK = Expiry(rule="disk", limit_days=30, watch_data=True, disk=DISK)
BY_TAG = Expiry(rule="tag_schedule", limit_days=20, watch_data=True, schedule=TAG)
BY_BOTH = Expiry(
    rule="tag_schedule", limit_days=20, watch_data=True, disk=DISK, schedule=TAG
)
AGE = timedelta(days=309, hours=5)
ENTERED = datetime(2026, 10, 1, 23, 30, tzinfo=UTC)
DELETE_ON = datetime(2026, 10, 15, 23, 30, tzinfo=UTC)


def with_(**values: object) -> Candidate:
    data = {f: getattr(ITEM, f) for f in ITEM.__dataclass_fields__}
    data.update(values)
    return Candidate(**data)  # type: ignore[arg-type]


def deletion(
    item: Candidate = ITEM, expiry: Expiry = BY_DISK, **kw: object
) -> DeletionItem:
    return DeletionItem(item, expiry, AGE, ENTERED, DELETE_ON, **kw)  # type: ignore[arg-type]


# -- the age -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expiry", "text"),
    [
        (
            ITEM,
            BY_DISK,
            "Never watched; added 2026-01-10 (309 days ago).",
        ),
        (
            with_(last_played=datetime(2026, 2, 1, tzinfo=UTC), played=True),
            BY_DISK,
            "Not watched since 2026-02-01 (309 days).",
        ),
        (
            with_(last_played=datetime(2026, 1, 10, tzinfo=UTC), played=True),
            BY_DISK,
            "Not watched since 2026-01-10 (309 days).",
        ),
        (
            with_(last_played=datetime(2025, 12, 1, tzinfo=UTC), played=True),
            BY_DISK,
            "Last watched 2025-12-01; added again 2026-01-10 (309 days ago).",
        ),
        (
            with_(last_played=datetime(2025, 12, 1, tzinfo=UTC), added=None),
            BY_DISK,
            "Not watched since 2025-12-01 (309 days).",
        ),
        (
            with_(jellyfin_matched=False),
            BY_DISK,
            "Added 2026-01-10 (309 days ago); its watch history is unknown.",
        ),
        (
            with_(played=True),
            BY_DISK,
            "Added 2026-01-10 (309 days ago); its watch history is unknown.",
        ),
        (
            ITEM,
            Expiry(rule="disk", limit_days=30, watch_data=False, disk=DISK),
            "Added 2026-01-10 (309 days ago); its watch history is unknown.",
        ),
        (
            with_(added=None, jellyfin_matched=False),
            BY_DISK,
            "Added on an unknown date (309 days ago); its watch history is unknown.",
        ),
    ],
)
def test_the_reason_tells_the_age_as_far_as_it_is_known(
    item: Candidate, expiry: Expiry, text: str
) -> None:
    reason = deletion(item, expiry).reason
    assert reason.startswith(text + " /movies is")


def test_one_day_is_one_day() -> None:
    entry = DeletionItem(ITEM, BY_DISK, timedelta(days=1, hours=23), ENTERED, DELETE_ON)
    assert entry.reason.startswith("Never watched; added 2026-01-10 (1 day ago).")
    entry = DeletionItem(ITEM, BY_DISK, timedelta(hours=23), ENTERED, DELETE_ON)
    assert entry.reason.startswith("Never watched; added 2026-01-10 (0 days ago).")


# -- the limit -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiry", "text"),
    [
        (BY_DISK, "/movies is 9.9% free, under 10%, so the limit is 30 days."),
        (BY_TAG, "Tagged short: limit 20 days."),
        (
            BY_BOTH,
            (
                "/movies is 9.9% free, under 10%, so the limit is 30 days."
                " Tagged short: limit 20 days. The shorter limit, 20 days, applies."
            ),
        ),
    ],
)
def test_the_reason_names_the_limit_and_the_rule_behind_it(
    expiry: Expiry, text: str
) -> None:
    assert deletion(ITEM, expiry).reason == (
        f"Never watched; added 2026-01-10 (309 days ago). {text}"
        " On leaving soon since 2026-10-01."
    )


@pytest.mark.parametrize(
    ("free", "text"), [(9.99, "9.9%"), (10.0, "10.0%"), (0.04, "0.0%"), (7.25, "7.2%")]
)
def test_free_space_is_rounded_down(free: float, text: str) -> None:
    disk = DiskLimit(
        instance_id="i",
        root_folder="/m",
        free_percent=free,
        threshold_percent=12.5,
        limit_days=3,
        target_percent=7.0,
    )
    expiry = Expiry(rule="disk", limit_days=3, watch_data=True, disk=disk)
    assert f"/m is {text} free, under 12.5%, so the limit is 3 days." in (
        deletion(ITEM, expiry).reason
    )


ROLLING = Expiry(
    rule="rolling",
    limit_days=30,
    watch_data=True,
    rolling=RollingLimit(tag="lcars-rolling", keep_episodes=1, max_age_days=30),
)


@pytest.mark.parametrize(
    ("values", "text"),
    [
        (
            {"series_title": "Lost", "season_number": 1, "episode_number": 2},
            (
                "Lost is rolling (tagged lcars-rolling): it keeps the last 1 episode and"
                " any younger than 30 days; S01E02 is neither."
            ),
        ),
        (
            {"season_number": 10, "episode_number": None},
            (
                "The series is rolling (tagged lcars-rolling): it keeps the last 1"
                " episode and any younger than 30 days; this episode is neither."
            ),
        ),
        (
            {"season_number": None, "episode_number": 3},
            (
                "The series is rolling (tagged lcars-rolling): it keeps the last 1"
                " episode and any younger than 30 days; this episode is neither."
            ),
        ),
    ],
)
def test_the_rolling_reason_names_the_episode(
    values: dict[str, object], text: str
) -> None:
    item = with_(kind="episode", **values)
    assert deletion(item, ROLLING).reason.endswith(
        f"(309 days ago). {text} On leaving soon since 2026-10-01."
    )
    two = Expiry(
        rule="rolling",
        limit_days=30,
        watch_data=True,
        rolling=RollingLimit(tag="r", keep_episodes=2, max_age_days=5),
    )
    assert "it keeps the last 2 episodes and any younger than 5 days;" in (
        deletion(item, two).reason
    )


def test_earlier_failures_are_counted_in_the_reason() -> None:
    assert deletion(attempts=2).reason.endswith(
        "On leaving soon since 2026-10-01. Earlier attempts to delete it failed: 2."
    )
    assert deletion(attempts=0).reason.endswith("On leaving soon since 2026-10-01.")


# -- leaving soon --------------------------------------------------------------


def leaving(wait: str, expiry: Expiry | None = BY_DISK, item: Candidate = ITEM) -> str:
    age = None if expiry is None else AGE
    return LeavingSoonItem(item, expiry, age, ENTERED, DELETE_ON, wait).reason  # type: ignore[arg-type]


FACTS = (
    "Never watched; added 2026-01-10 (309 days ago)."
    " /movies is 9.9% free, under 10%, so the limit is 30 days."
)


@pytest.mark.parametrize(
    ("wait", "text"),
    [
        ("grace_period", "On leaving soon since 2026-10-01; deletion on 2026-10-15."),
        (
            "free_space_target",
            (
                "Due since 2026-10-15, but /movies is at its free space target of 7%"
                " without it."
            ),
        ),
        ("run_cap", "Due since 2026-10-15; this run's deletion cap is reached."),
        (
            "larger_than_cap",
            (
                "Due since 2026-10-15, but at 3.9 GiB it is larger than the per-run"
                " size cap: raise the cap to let it go."
            ),
        ),
        (
            "failed_closed",
            "Due since 2026-10-15, but nothing is deleted while data is in doubt.",
        ),
        (
            "not_judged",
            "Due since 2026-10-15, but nothing is deleted while data is in doubt.",
        ),
    ],
)
def test_an_item_on_leaving_soon_says_what_it_waits_for(wait: str, text: str) -> None:
    assert leaving(wait) == f"{FACTS} {text}"


@pytest.mark.parametrize(
    ("unobserved", "told"),
    [
        (timedelta(minutes=59, seconds=59), None),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=59), "2 hours"),
        (timedelta(days=2) - timedelta(seconds=1), "47 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(days=9, hours=23), "9 days"),
    ],
)
def test_time_that_did_not_count_is_told_from_an_hour_on(
    unobserved: timedelta, told: str | None
) -> None:
    entry = LeavingSoonItem(
        ITEM,
        BY_DISK,
        AGE,
        ENTERED,
        DELETE_ON,
        "grace_period",
        observed=timedelta(days=1),
        unobserved=unobserved,
    )
    wait = "On leaving soon since 2026-10-01; deletion on 2026-10-15."
    if told is None:
        assert entry.reason == f"{FACTS} {wait}"
    else:
        assert entry.reason == (
            f"{FACTS} {wait} {told} of the time since did not count toward the"
            " grace period (Home Assistant could not watch the clock: the machine"
            " restarted, or the clock jumped)."
        )


def test_the_target_is_named_even_without_a_disk_rule() -> None:
    assert leaving("free_space_target", BY_TAG).endswith(
        "Due since 2026-10-15, but /movies is at its free space target of its"
        " target without it."
    )


def test_an_item_not_judged_says_why() -> None:
    assert leaving("not_judged", None) == (
        "On leaving soon since 2026-10-01. Not judged this time: the disk figure of"
        " /movies is in doubt. Deletion on 2026-10-15 at the earliest."
    )


def test_dates_show_in_the_time_zone_of_the_plan() -> None:
    tz = timezone(timedelta(hours=2))
    entry = LeavingSoonItem(ITEM, BY_DISK, AGE, ENTERED, DELETE_ON, "grace_period", tz)
    assert entry.reason.endswith(
        "On leaving soon since 2026-10-02; deletion on 2026-10-16."
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (972, "972 B"),
        # A unit is used from 0.95 of it on: that reads 1.0 at one decimal.
        (973, "1.0 KiB"),
        (996_147, "972.8 KiB"),
        (996_148, "1.0 MiB"),
        (1_020_054_732, "972.8 MiB"),
        (1_020_054_733, "1.0 GiB"),
        (2**30 - 1, "1.0 GiB"),
        (2**30, "1.0 GiB"),
        (1536 * 2**20, "1.5 GiB"),
        (4_200_000_000, "3.9 GiB"),
        (1_044_536_046_387, "972.8 GiB"),
        (1_044_536_046_388, "1.0 TiB"),
        (5 * 2**40, "5.0 TiB"),
        # TiB is the largest unit.
        (2**50, "1024.0 TiB"),
    ],
)
def test_sizes_read_in_binary_units(size: int, text: str) -> None:
    assert size_text(size) == text
    assert f"but at {text} it is larger" in leaving(
        "larger_than_cap", item=with_(size=size)
    )


@pytest.mark.parametrize(
    ("percent", "shown", "text"),
    [
        (9.99, 9.9, "9.9%"),
        (10.0, 10.0, "10.0%"),
        (0.04, 0.0, "0.0%"),
        (2.3, 2.3, "2.3%"),
        (99.96, 99.9, "99.9%"),
        (100.0, 100.0, "100.0%"),
    ],
)
def test_percentages_are_rounded_down_to_one_decimal(
    percent: float, shown: float, text: str
) -> None:
    assert (shown_percent(percent), percent_text(percent)) == (shown, text)
    assert shown_percent_or_unknown(percent) == shown


def test_an_unknown_percentage_stays_unknown() -> None:
    """A free space that is not known is not shown as 0%."""
    assert shown_percent_or_unknown(None) is None


# -- protected and held ----------------------------------------------------------


def test_a_protected_item_says_what_keeps_it() -> None:
    found = (
        Protection(kind="exclusion_tag", tag="lcars-keep"),
        Protection(kind="exclusion_tag", tag="Keep", on_series=True),
        Protection(kind="favorite"),
        Protection(kind="playing"),
        Protection(kind="seeding"),
    )
    kept = ProtectedItem(ITEM, found, BY_DISK, AGE)
    assert kept.reason == (
        f"{FACTS} Kept: tagged lcars-keep; its series is tagged Keep; a favourite;"
        " playing now; seeding."
    )
    undated = ProtectedItem(ITEM, found[2:3], BY_TAG, None)
    assert undated.reason == "Tagged short: limit 20 days. Kept: a favourite."


@pytest.mark.parametrize(
    ("hold", "attempts", "error", "text"),
    [
        (
            "ids_conflict",
            0,
            None,
            (
                "Held: the Jellyfin item found by one of its ids disagrees on another,"
                " so its watch data may belong to something else."
            ),
        ),
        (
            "not_in_jellyfin",
            0,
            None,
            "Held: no Jellyfin item matches its ids, so its watch history is unknown.",
        ),
        (
            "played_without_date",
            0,
            None,
            (
                "Held: Jellyfin marks it played but gives no date, so the last watch is"
                " unknown."
            ),
        ),
        (
            "no_dates",
            0,
            None,
            "Held: it has no added date and no play on record, so its age is unknown.",
        ),
        (
            "deletion_failed",
            3,
            "Radarr: 500",
            (
                "Held: deleting it failed 3 times (last error: Radarr: 500). Clear its"
                " failures to retry."
            ),
        ),
        (
            "deletion_failed",
            4,
            None,
            (
                "Held: deleting it failed 4 times (last error: unknown). Clear its"
                " failures to retry."
            ),
        ),
    ],
)
def test_a_held_item_says_what_is_in_doubt(
    hold: str, attempts: int, error: str | None, text: str
) -> None:
    held = HeldItem(ITEM, hold, attempts, error)  # type: ignore[arg-type]
    assert held.reason == text
    assert held.as_dict() == {
        **ITEM_JSON,
        "hold": hold,
        "attempts": attempts,
        "last_error": error,
        "reason": text,
    }


@pytest.mark.parametrize(
    ("size", "told"), [(None, "missing"), (0, "0 bytes"), (-5, "-5 bytes")]
)
def test_a_size_in_doubt_is_told_as_it_came(size: int | None, told: str) -> None:
    held = HeldItem(with_(size=size), "size_in_doubt")
    assert held.reason == (
        f"Held: its size ({told}) is missing, not positive or larger than its disk,"
        " so the space deleting it frees cannot be counted."
    )
    assert held.as_dict()["size"] == size


def test_a_duplicate_id_says_which_list_is_in_doubt() -> None:
    assert HeldItem(ITEM, "duplicate_id").reason == (
        "Held: its id appears more than once in the list of its server, so which"
        " entry is right is in doubt."
    )


@pytest.mark.parametrize(
    ("why", "text"),
    [
        ("expired", "Heat is now on leaving soon."),
        ("protected", "Heat left leaving soon: it is protected now."),
        ("watched", "Heat left leaving soon: it was watched."),
        ("not_expired", "Heat left leaving soon: it is no longer past its limit."),
        ("held", "Heat left leaving soon: its data is in doubt."),
        ("gone", "Heat left leaving soon: it is no longer in the library."),
        (
            "not_candidate",
            (
                "Heat left leaving soon: the current settings do not clean up this kind"
                " of item."
            ),
        ),
        (
            "data_in_doubt",
            "Heat stays on leaving soon: it is missing from data that is in doubt.",
        ),
    ],
)
def test_each_ledger_change_reads_as_a_sentence(why: str, text: str) -> None:
    change = LedgerChange("k/1", "Heat", "removed", why)  # type: ignore[arg-type]
    assert change.message == text
    assert change.as_dict() == {
        "key": "k/1",
        "title": "Heat",
        "change": "removed",
        "why": why,
        "message": text,
    }
    untitled = LedgerChange("k/1", None, "kept", why)  # type: ignore[arg-type]
    assert untitled.message == text.replace("Heat", "k/1", 1)


# -- JSON ---------------------------------------------------------------------

ITEM_JSON = {
    "key": "radarr/main/movie/1",
    "instance_id": "radarr/main",
    "kind": "movie",
    "title": "Heat",
    "year": 1995,
    "ids": {"tmdb": 949, "tvdb": None, "imdb": "tt0113277", "musicbrainz": None},
    "root_folder": "/movies",
    "path": "/movies/Heat (1995)",
    "size": 4_200_000_000,
    "series_key": None,
    "season_number": None,
    "episode_number": None,
}
DISK_FACTS = {
    "rule": "disk",
    "age_days": 309,
    "limit_days": 30,
    # Shown rounded down: 9.96% free is not yet 10%.
    "free_percent": 9.9,
    "threshold_percent": 10.0,
    "disk_limit_days": 30,
    "tag": None,
    "tag_limit_days": None,
    "rolling_keep_episodes": None,
    "rolling_max_age_days": None,
}


def test_an_episode_names_its_series_season_and_number() -> None:
    item = with_(
        kind="episode",
        series_key="sonarr/main/series/4",
        season_number=2,
        episode_number=7,
        ids=MediaIds(tvdb=5, musicbrainz="mb"),
    )
    data = HeldItem(item, "no_dates").as_dict()
    assert (data["series_key"], data["season_number"], data["episode_number"]) == (
        "sonarr/main/series/4",
        2,
        7,
    )
    assert data["ids"] == {"tmdb": None, "tvdb": 5, "imdb": None, "musicbrainz": "mb"}


def test_a_deletion_as_json() -> None:
    entry = deletion(attempts=1)
    assert entry.as_dict() == {
        **ITEM_JSON,
        **DISK_FACTS,
        "leaving_soon_since": "2026-10-01T23:30:00+00:00",
        "delete_on": "2026-10-15T23:30:00+00:00",
        "attempts": 1,
        "reason": entry.reason,
    }


def test_facts_of_a_tag_schedule_and_of_rolling_as_json() -> None:
    assert BY_BOTH.as_dict(AGE) == {
        **DISK_FACTS,
        "rule": "tag_schedule",
        "limit_days": 20,
        "tag": "short",
        "tag_limit_days": 20,
    }
    assert ROLLING.as_dict(timedelta(days=40)) == {
        "rule": "rolling",
        "age_days": 40,
        "limit_days": 30,
        "free_percent": None,
        "threshold_percent": None,
        "disk_limit_days": None,
        "tag": None,
        "tag_limit_days": None,
        "rolling_keep_episodes": 1,
        "rolling_max_age_days": 30,
    }
    rounded = Expiry(
        rule="disk",
        limit_days=1,
        watch_data=True,
        disk=DiskLimit(
            instance_id="i",
            root_folder="/",
            free_percent=1.23456,
            threshold_percent=5.0,
            limit_days=1,
            target_percent=7.0,
        ),
    )
    assert rounded.as_dict(AGE)["free_percent"] == 1.2


def test_leaving_soon_as_json_with_and_without_facts() -> None:
    entry = LeavingSoonItem(ITEM, BY_DISK, AGE, ENTERED, DELETE_ON, "run_cap")
    assert entry.as_dict() == {
        **ITEM_JSON,
        **DISK_FACTS,
        "leaving_soon_since": "2026-10-01T23:30:00+00:00",
        "delete_on": "2026-10-15T23:30:00+00:00",
        "waiting_for": "run_cap",
        "observed_days": None,
        "reason": entry.reason,
    }
    unjudged = LeavingSoonItem(
        ITEM, None, None, ENTERED, DELETE_ON, "not_judged", observed=timedelta(hours=1)
    )
    assert unjudged.as_dict() == {
        **ITEM_JSON,
        "leaving_soon_since": "2026-10-01T23:30:00+00:00",
        "delete_on": "2026-10-15T23:30:00+00:00",
        "waiting_for": "not_judged",
        # Days to two decimals: an hour is 0.04 of one.
        "observed_days": 0.04,
        "reason": unjudged.reason,
    }


def test_protected_as_json_with_and_without_an_age() -> None:
    found = (Protection(kind="exclusion_tag", tag="Keep", on_series=True),)
    kept = ProtectedItem(ITEM, found, BY_DISK, AGE)
    protections = [{"kind": "exclusion_tag", "tag": "Keep", "on_series": True}]
    assert kept.as_dict() == {
        **ITEM_JSON,
        **DISK_FACTS,
        "protections": protections,
        "reason": kept.reason,
    }
    undated = ProtectedItem(ITEM, found, BY_DISK, None)
    assert undated.as_dict() == {
        **ITEM_JSON,
        "protections": protections,
        "reason": undated.reason,
    }


def test_a_root_folder_as_json() -> None:
    outlook = RootFolderOutlook(
        instance_id="radarr/main",
        root_folder="/movies",
        free_bytes=1_234,
        total_bytes=10_000,
        problem=None,
        targets={"movies": 7.0},
        freed_bytes=1_000,
    )
    assert outlook.as_dict() == {
        "instance_id": "radarr/main",
        "root_folder": "/movies",
        "free_bytes": 1_234,
        "total_bytes": 10_000,
        "problem": None,
        "free_percent": 12.3,
        "targets": {"movies": 7.0},
        "freed_bytes": 1_000,
        "projected_free_bytes": 2_234,
        "projected_free_percent": 22.3,
    }
    empty = RootFolderOutlook(
        instance_id="i",
        root_folder="/",
        free_bytes=0,
        total_bytes=0,
        problem=None,
        targets={},
        freed_bytes=0,
    )
    assert (empty.free_percent, empty.projected_free_percent) == (None, None)
    assert empty.projected_free_bytes == 0


def plan(**values: object) -> Plan:
    data: dict[str, object] = {
        "created": NOW,
        "delete_now": (),
        "leaving_soon": (),
        "protected": (),
        "held": (),
        "root_folders": (),
        "failed_closed": False,
        "fail_reasons": (),
        "first_deletion_at": None,
        "totals": PlanTotals(
            candidates=9,
            ignored=1,
            delete_count=0,
            delete_bytes=0,
            leaving_soon_count=2,
            leaving_soon_bytes=3_000_000_000,
            protected_count=4,
            held_count=5,
        ),
        "ledger": Ledger(),
        "ledger_changes": (),
        "notices": (),
    }
    data.update(values)
    return Plan(**data)  # type: ignore[arg-type]


def test_the_summary_says_what_the_plan_does() -> None:
    assert plan().summary == (
        "Nothing to delete now. 2 items (2.8 GiB) on leaving soon, 4 protected, 5 held."
    )
    first = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    tz = timezone(timedelta(hours=3))
    assert plan(first_deletion_at=first, created=NOW.astimezone(tz)).summary.endswith(
        " 5 held. The first deletion can happen on 2026-11-21."
    )
    totals = PlanTotals(
        candidates=1,
        ignored=0,
        delete_count=1,
        delete_bytes=2_000_000_000_000,
        leaving_soon_count=1,
        leaving_soon_bytes=0,
        protected_count=0,
        held_count=0,
    )
    due = plan(totals=totals, delete_now=(deletion(),), first_deletion_at=first)
    assert due.summary == (
        "1 item (1.8 TiB) to delete now. 1 item (0 B) on leaving soon, 0 protected,"
        " 0 held."
    )


def test_a_plan_that_fails_closed_names_its_first_three_reasons() -> None:
    reasons = tuple(
        FailReason(code="source_failed", subject=f"s{n}", message=f"cause {n}")
        for n in range(1, 6)
    )
    assert plan(failed_closed=True, fail_reasons=reasons[:3]).summary.startswith(
        "Nothing will be deleted: cause 1; cause 2; cause 3. 2 items"
    )
    assert plan(failed_closed=True, fail_reasons=reasons[:4]).summary.startswith(
        "Nothing will be deleted: cause 1; cause 2; cause 3; and 1 more. 2 items"
    )
    assert plan(failed_closed=True, fail_reasons=reasons).summary.startswith(
        "Nothing will be deleted: cause 1; cause 2; cause 3; and 2 more. 2 items"
    )


def test_the_plan_as_json_keeps_every_list_and_cuts_only_when_asked() -> None:
    changes = tuple(
        LedgerChange(f"k/{n}", f"T{n}", "added", "expired") for n in range(3)
    )
    notice = PolicyNotice(
        code="grace_longer_than_limits", field="grace_days", message="m"
    )
    reason = FailReason(code="disk_missing", subject="/m", message="gone")
    outlook = RootFolderOutlook(
        instance_id="i",
        root_folder="/m",
        free_bytes=None,
        total_bytes=None,
        problem="disk_missing",
        targets={},
        freed_bytes=0,
    )
    entries = (
        LeavingSoonItem(ITEM, BY_DISK, AGE, ENTERED, DELETE_ON, "run_cap"),
        LeavingSoonItem(ITEM, BY_DISK, AGE, ENTERED, DELETE_ON, "grace_period"),
    )
    full = plan(
        delete_now=(deletion(), deletion()),
        leaving_soon=entries,
        protected=(ProtectedItem(ITEM, (Protection(kind="seeding"),), BY_DISK, AGE),)
        * 2,
        held=(HeldItem(ITEM, "no_dates"),) * 2,
        root_folders=(outlook, outlook),
        failed_closed=True,
        fail_reasons=(reason, reason),
        first_deletion_at=DELETE_ON,
        ledger_changes=changes,
        notices=(notice,),
    )
    data = full.as_dict()
    assert json.loads(json.dumps(data)) == data
    # What a reader wants first: what happens, how much, what is due.
    assert list(data) == [
        "summary",
        "totals",
        "delete_now",
        "failed_closed",
        "fail_reasons",
        "first_deletion_at",
        "created",
        "leaving_soon",
        "protected",
        "held",
        "root_folders",
        "ledger_changes",
        "notices",
    ]
    assert data["created"] == "2026-11-15T12:00:00+00:00"
    assert data["summary"] == full.summary
    assert data["failed_closed"] is True
    assert data["fail_reasons"] == [reason.as_dict()] * 2
    assert reason.as_dict() == {
        "code": "disk_missing",
        "subject": "/m",
        "message": "gone",
    }
    assert data["first_deletion_at"] == "2026-10-15T23:30:00+00:00"
    assert data["totals"] == full.totals.as_dict()
    assert data["delete_now"] == [deletion().as_dict()] * 2
    assert data["leaving_soon"] == [e.as_dict() for e in entries]
    assert len(data["protected"]) == len(data["held"]) == 2
    assert data["root_folders"] == [outlook.as_dict()] * 2
    assert data["ledger_changes"] == [c.as_dict() for c in changes]
    assert data["notices"] == [
        {"code": "grace_longer_than_limits", "field": "grace_days", "message": "m"}
    ]
    cut = full.as_dict(max_items=1)
    for name in ("delete_now", "leaving_soon", "protected", "held", "ledger_changes"):
        assert len(cut[name]) == 1, name
    # Figures and reasons are never cut; the totals stay complete.
    assert len(cut["root_folders"]) == 2
    assert len(cut["fail_reasons"]) == 2
    assert cut["totals"] == data["totals"]
    assert plan().as_dict()["first_deletion_at"] is None


def test_the_totals_as_json() -> None:
    assert plan().totals.as_dict() == {
        "candidates": 9,
        "ignored": 1,
        "delete_count": 0,
        "delete_bytes": 0,
        "leaving_soon_count": 2,
        "leaving_soon_bytes": 3_000_000_000,
        "protected_count": 4,
        "held_count": 5,
    }
