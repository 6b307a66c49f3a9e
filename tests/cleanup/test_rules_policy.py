"""The policy's and the ledger's rules, each at its boundary, with their messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import math
from typing import Any

import pytest

from custom_components.lcars.cleanup import (
    LEDGER_VERSION,
    CleanupPolicy,
    Ledger,
    LedgerEntry,
    LedgerError,
    PolicyError,
)
from custom_components.lcars.cleanup.policy import (
    DEFAULT_ALBUM_LIMITS,
    DEFAULT_MOVIE_LIMITS,
    DEFAULT_SERIES_LIMITS,
    GB,
    GIB,
    KEEP_TAG,
    ROLLING_TAG,
    tag_key,
)

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def error_of(**values: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        CleanupPolicy(**values)
    return caught.value


def data_error(data: dict[str, Any]) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        CleanupPolicy.from_dict(data)
    return caught.value


def described(error: PolicyError) -> tuple[str, str, str, str | None]:
    return (error.code, error.field, str(error), error.detail)


# -- defaults -----------------------------------------------------------------


def test_the_defaults_are_the_documented_ones() -> None:
    policy = CleanupPolicy()
    assert dict(DEFAULT_MOVIE_LIMITS) == {5.0: 15, 10.0: 30, 15.0: 60, 20.0: 90}
    assert DEFAULT_SERIES_LIMITS == DEFAULT_MOVIE_LIMITS
    assert dict(DEFAULT_ALBUM_LIMITS) == {5.0: 30, 10.0: 90}
    assert (KEEP_TAG, ROLLING_TAG) == ("lcars-keep", "lcars-rolling")
    # Sizes are entered and shown in binary units: the cap is 500 GiB.
    assert (GB, GIB) == (10**9, 2**30)
    assert policy.to_dict() == {
        "movie_limits": {"5": 15, "10": 30, "15": 60, "20": 90},
        "series_limits": {"5": 15, "10": 30, "15": 60, "20": 90},
        "album_limits": {"5": 30, "10": 90},
        "series_unit": "season",
        "exclusion_tags": [],
        "protect_favorites": True,
        "tag_schedules": {},
        "rolling_tag": "lcars-rolling",
        "rolling_keep_episodes": 10,
        "rolling_max_age_days": 30,
        "grace_days": 14,
        "free_until_target": True,
        "target_margin_percent": 2.0,
        "max_items_per_run": 20,
        "max_bytes_per_run": 500 * 2**30,
        "max_data_age_minutes": 15,
        "max_delete_attempts": 3,
    }
    assert policy.notices() == ()


# -- limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("free", "days"),
    [(4.99, 15), (5.0, 30), (9.99, 30), (10.0, 60), (19.99, 90), (20.0, None)],
)
def test_the_limit_at_a_free_percent_is_that_of_the_smallest_key_above_it(
    free: float, days: int | None
) -> None:
    assert CleanupPolicy().limit_at("movies", free) == days


def test_limits_are_kept_sorted_by_percent() -> None:
    policy = CleanupPolicy(movie_limits={20: 90, 5: 15, 10.0: 30})
    assert list(policy.limits_for("movies").items()) == [
        (5.0, 15),
        (10.0, 30),
        (20.0, 90),
    ]
    assert all(type(k) is float for k in policy.limits_for("movies"))
    assert policy.limits_for("albums") == DEFAULT_ALBUM_LIMITS


@pytest.mark.parametrize(
    ("percent", "key"),
    [(0.0, "0"), (100.0, "100"), (-1.0, "-1"), (math.inf, "inf"), (math.nan, "nan")],
)
def test_a_percent_outside_0_to_100_is_refused(percent: float, key: str) -> None:
    assert described(error_of(album_limits={percent: 5})) == (
        "threshold_out_of_range",
        "album_limits",
        f"album_limits: free percent {key} must be above 0 and below 100",
        key,
    )


def test_percents_just_inside_the_bounds_are_accepted() -> None:
    policy = CleanupPolicy(album_limits={0.01: 5, 99.99: 10})
    assert list(policy.album_limits) == [0.01, 99.99]


@pytest.mark.parametrize("days", [0, -1])
def test_a_limit_of_no_days_is_refused(days: int) -> None:
    assert described(error_of(series_limits={7.5: days})) == (
        "days_not_positive",
        "series_limits",
        "series_limits: days must be 1 or more",
        "7.5",
    )
    assert CleanupPolicy(series_limits={7.5: 1}).series_limits == {7.5: 1}


def test_less_free_space_must_give_a_shorter_limit() -> None:
    assert described(error_of(movie_limits={5: 30, 10: 30})) == (
        "unordered",
        "movie_limits",
        (
            "movie_limits: under 5% free the limit is 30 days, so under 10% it must be"
            " longer, not 30 days"
        ),
        "10",
    )
    assert error_of(movie_limits={5: 30, 10: 29, 20: 90}).detail == "10"
    assert error_of(movie_limits={5: 30, 10: 31, 20: 31}).detail == "20"
    assert CleanupPolicy(movie_limits={5: 30, 10: 31}).movie_limits == {
        5.0: 30,
        10.0: 31,
    }


def test_limits_of_the_wrong_type_are_refused() -> None:
    assert described(error_of(movie_limits={5: 1.5})) == (
        "invalid_type",
        "movie_limits",
        "movie_limits must be a whole number of days",
        None,
    )
    assert error_of(movie_limits={5: True}).code == "invalid_type"


def test_the_longest_limit_counts_every_rule() -> None:
    assert CleanupPolicy().longest_limit_days == 90
    policy = CleanupPolicy(
        movie_limits={}, series_limits={}, album_limits={}, tag_schedules={"a": 7}
    )
    assert policy.longest_limit_days == 7
    assert CleanupPolicy(tag_schedules={"long": 400}).longest_limit_days == 400
    none = CleanupPolicy(movie_limits={}, series_limits={}, album_limits={})
    assert none.longest_limit_days is None
    assert none.notices() == ()


@pytest.mark.parametrize(("grace", "noticed"), [(89, False), (90, False), (91, True)])
def test_a_grace_period_longer_than_every_limit_is_noticed(
    grace: int, noticed: bool
) -> None:
    notices = CleanupPolicy(grace_days=grace).notices()
    if not noticed:
        assert notices == ()
        return
    (notice,) = notices
    assert (notice.code, notice.field, notice.message) == (
        "grace_longer_than_limits",
        "grace_days",
        (
            "The grace period (91 days) is longer than the longest age limit (90 days):"
            " every item waits the full 91 days on leaving soon before it can be"
            " deleted."
        ),
    )


# -- other settings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "rolling_max_age_days",
            "days_not_positive",
            "rolling_max_age_days: days must be 1 or more",
        ),
        ("grace_days", "days_not_positive", "grace_days: days must be 1 or more"),
        (
            "max_items_per_run",
            "cap_not_positive",
            "max_items_per_run must be 1 or more",
        ),
        (
            "max_bytes_per_run",
            "cap_not_positive",
            "max_bytes_per_run must be 1 or more",
        ),
        (
            "max_data_age_minutes",
            "cap_not_positive",
            "max_data_age_minutes must be 1 or more",
        ),
        (
            "max_delete_attempts",
            "cap_not_positive",
            "max_delete_attempts must be 1 or more",
        ),
    ],
)
def test_counts_of_days_and_caps_start_at_one(
    name: str, code: str, message: str
) -> None:
    assert described(error_of(**{name: 0})) == (code, name, message, None)
    assert getattr(CleanupPolicy(**{name: 1}), name) == 1
    kind = "a whole number of days" if code == "days_not_positive" else "a whole number"
    assert described(error_of(**{name: 1.0})) == (
        "invalid_type",
        name,
        f"{name} must be {kind}",
        None,
    )
    assert error_of(**{name: False}).code == "invalid_type"


def test_the_rolling_count_starts_at_zero() -> None:
    assert described(error_of(rolling_keep_episodes=-1)) == (
        "count_negative",
        "rolling_keep_episodes",
        "rolling_keep_episodes cannot be negative",
        None,
    )
    assert CleanupPolicy(rolling_keep_episodes=0).rolling_keep_episodes == 0
    assert described(error_of(rolling_keep_episodes=1.0)) == (
        "invalid_type",
        "rolling_keep_episodes",
        "rolling_keep_episodes must be a whole number",
        None,
    )
    assert error_of(rolling_keep_episodes=True).code == "invalid_type"


@pytest.mark.parametrize(
    ("margin", "ok"), [(-0.01, False), (0, True), (99.99, True), (100, False)]
)
def test_the_margin_is_from_0_to_below_100(margin: float, ok: bool) -> None:
    if ok:
        assert (
            CleanupPolicy(target_margin_percent=margin).target_margin_percent == margin
        )
        return
    assert described(error_of(target_margin_percent=margin)) == (
        "margin_out_of_range",
        "target_margin_percent",
        "The free space margin must be at least 0 and below 100 percent",
        None,
    )


def test_the_series_unit_is_season_or_series() -> None:
    assert described(error_of(series_unit="episode")) == (
        "invalid_series_unit",
        "series_unit",
        "series_unit must be 'season' or 'series', not 'episode'",
        None,
    )
    assert CleanupPolicy(series_unit="series").series_unit == "series"


def test_tags_compare_trimmed_in_lowercase_with_hyphens() -> None:
    assert tag_key(" Keep_Me ") == "keep-me"
    policy = CleanupPolicy(
        exclusion_tags=frozenset({"Mine_Too"}),
        tag_schedules={" Short_One ": 5},
        rolling_tag="My_Roll",
    )
    assert policy.keep_tags == {"mine-too", "lcars-keep"}
    assert dict(policy.tag_schedules) == {"short-one": 5}
    assert policy.rolling_tag == "my-roll"
    assert described(error_of(exclusion_tags=frozenset({" "}))) == (
        "empty_tag",
        "exclusion_tags",
        "exclusion_tags: a tag cannot be empty",
        None,
    )
    assert described(error_of(tag_schedules={"": 5})) == (
        "empty_tag",
        "tag_schedules",
        "tag_schedules: a tag cannot be empty",
        None,
    )
    assert described(error_of(tag_schedules={"x": 0})) == (
        "days_not_positive",
        "tag_schedules",
        "tag_schedules: days must be 1 or more",
        "x",
    )


def test_a_tag_cannot_both_schedule_and_keep_or_roll() -> None:
    assert described(error_of(tag_schedules={"LCARS_KEEP": 5})) == (
        "tag_conflict",
        "tag_schedules",
        "Tag 'lcars-keep' cannot both schedule and keep or roll items",
        "lcars-keep",
    )
    assert error_of(
        tag_schedules={"mine": 5}, exclusion_tags=frozenset({"mine"})
    ).detail == ("mine")
    assert error_of(tag_schedules={"lcars-rolling": 5}).field == "tag_schedules"
    assert described(error_of(rolling_tag="lcars_keep")) == (
        "tag_conflict",
        "rolling_tag",
        "Tag 'lcars-keep' cannot both keep and roll items",
        "lcars-keep",
    )
    assert CleanupPolicy(tag_schedules={"other": 5}).tag_schedules == {"other": 5}


# -- options data ----------------------------------------------------------------


def test_options_data_takes_every_shape_a_form_gives() -> None:
    policy = CleanupPolicy.from_dict(
        {
            "movie_limits": {"5%": "15", " 10 ": 30.0},
            "album_limits": [(2.5, 7)],
            "series_limits": [],
            "tag_schedules": {"t": "3"},
            "exclusion_tags": ("a", "b"),
            "protect_favorites": False,
            "free_until_target": False,
            "target_margin_percent": "1.5",
            "grace_days": "7",
            "series_unit": "series",
            "rolling_tag": "roll",
        }
    )
    assert dict(policy.movie_limits) == {5.0: 15, 10.0: 30}
    assert dict(policy.album_limits) == {2.5: 7}
    assert dict(policy.series_limits) == {}
    assert dict(policy.tag_schedules) == {"t": 3}
    assert policy.exclusion_tags == {"a", "b"}
    assert policy.protect_favorites is False
    assert policy.free_until_target is False
    assert policy.target_margin_percent == 1.5
    assert policy.grace_days == 7
    assert policy.series_unit == "series"
    assert policy.rolling_tag == "roll"
    assert CleanupPolicy.from_dict(policy.to_dict()) == policy
    assert policy.to_dict()["album_limits"] == {"2.5": 7}
    assert policy.to_dict()["exclusion_tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"grace_days": "x"}, "grace_days", "grace_days must be a number"),
        ({"grace_days": True}, "grace_days", "grace_days must be a number"),
        ({"grace_days": None}, "grace_days", "grace_days must be a number"),
        ({"grace_days": 1.5}, "grace_days", "grace_days must be a whole number"),
        ({"grace_days": math.inf}, "grace_days", "grace_days must be a whole number"),
        (
            {"protect_favorites": 1},
            "protect_favorites",
            "protect_favorites must be true or false",
        ),
        (
            {"exclusion_tags": "a"},
            "exclusion_tags",
            "exclusion_tags must be a list of tags",
        ),
        (
            {"exclusion_tags": 5},
            "exclusion_tags",
            "exclusion_tags must be a list of tags",
        ),
        ({"exclusion_tags": [5]}, "exclusion_tags", "exclusion_tags must be text"),
        (
            {"tag_schedules": [["a", 1]]},
            "tag_schedules",
            "tag_schedules must be a map of tag to days",
        ),
        ({"tag_schedules": {5: 1}}, "tag_schedules", "tag_schedules must be text"),
        (
            {"movie_limits": 5},
            "movie_limits",
            "movie_limits must be a map of free percent to days",
        ),
        (
            {"movie_limits": [5]},
            "movie_limits",
            "movie_limits must be pairs of free percent and days",
        ),
        (
            {"movie_limits": [[5]]},
            "movie_limits",
            "movie_limits must be pairs of free percent and days",
        ),
        ({"series_unit": 1}, "series_unit", "series_unit must be text"),
        ({"movie_limits": {"5X": 15}}, "movie_limits", "movie_limits must be a number"),
        (
            {"target_margin_percent": "lots"},
            "target_margin_percent",
            "target_margin_percent must be a number",
        ),
    ],
)
def test_options_data_of_the_wrong_type_is_refused(
    data: dict[str, Any], field: str, message: str
) -> None:
    assert described(data_error(data)) == ("invalid_type", field, message, None)


def test_a_percent_given_twice_in_options_data_is_refused() -> None:
    assert described(data_error({"album_limits": {"7.5": 3, "7.50%": 4}})) == (
        "duplicate_threshold",
        "album_limits",
        "album_limits: the free percent 7.5 is given twice",
        "7.5",
    )


def test_unknown_options_are_refused_by_the_first_name() -> None:
    assert described(data_error({"zeta": 1, "alpha": 2, "grace_days": 3})) == (
        "unknown_option",
        "alpha",
        "Unknown option 'alpha'",
        None,
    )


# -- the ledger ------------------------------------------------------------------


def entry(**values: Any) -> LedgerEntry:
    data: dict[str, Any] = {"entered": NOW, "delete_on": NOW + timedelta(days=14)}
    data.update(values)
    return LedgerEntry(**data)


def test_a_ledger_is_stored_with_its_version_and_every_field() -> None:
    ledger = Ledger(
        {
            "a": entry(),
            "b": entry(attempts=2, last_error="boom", last_attempt=NOW),
        }
    )
    assert LEDGER_VERSION == 1
    assert ledger.to_dict() == {
        "version": 1,
        "entries": {
            "a": {
                "entered": "2026-11-15T12:00:00+00:00",
                "delete_on": "2026-11-29T12:00:00+00:00",
                "attempts": 0,
                "last_error": None,
                "last_attempt": None,
            },
            "b": {
                "entered": "2026-11-15T12:00:00+00:00",
                "delete_on": "2026-11-29T12:00:00+00:00",
                "attempts": 2,
                "last_error": "boom",
                "last_attempt": "2026-11-15T12:00:00+00:00",
            },
        },
    }
    assert Ledger.from_dict(ledger.to_dict()) == ledger
    assert Ledger.from_dict({"version": 1}) == Ledger()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "The ledger is not an object"),
        ({"version": 0}, "Unsupported ledger version 0"),
        ({"version": "1"}, "Unsupported ledger version '1'"),
        ({"version": 1, "entries": []}, "The ledger entries are not an object"),
        ({"version": 1, "entries": {"k": []}}, "Ledger entry 'k' is not an object"),
        (
            {"version": 1, "entries": {"k": {"attempts": "1"}}},
            "Ledger entry 'k' has an invalid attempt count",
        ),
        (
            {"version": 1, "entries": {"k": {"last_error": 1}}},
            "Ledger entry 'k' has an invalid error",
        ),
        ({"version": 1, "entries": {"k": {}}}, "Ledger entry 'k': entered is missing"),
        (
            {"version": 1, "entries": {"k": {"entered": "x"}}},
            "Ledger entry 'k': entered is not a date",
        ),
        (
            {
                "version": 1,
                "entries": {
                    "k": {
                        "entered": "2026-01-01T00:00:00+00:00",
                        "delete_on": "2026-01-01T00:00:00",
                    }
                },
            },
            "Ledger entry 'k': delete_on has no time zone",
        ),
        (
            {
                "version": 1,
                "entries": {
                    "k": {
                        "entered": "2026-01-01T00:00:00+00:00",
                        "delete_on": "2026-01-01T00:00:00+00:00",
                        "last_attempt": 5,
                    }
                },
            },
            "Ledger entry 'k': last_attempt is missing",
        ),
    ],
)
def test_unreadable_ledger_data_is_refused_with_its_reason(
    data: Any, message: str
) -> None:
    with pytest.raises(LedgerError) as caught:
        Ledger.from_dict(data)
    assert str(caught.value) == message


def test_an_entry_with_zero_attempts_is_valid() -> None:
    data = entry(attempts=0).to_dict()
    assert LedgerEntry.from_dict("k", data) == entry()


def test_recording_changes_returns_a_new_ledger() -> None:
    ledger = Ledger({"a": entry(), "b": entry()})
    failed = ledger.record_failure("a", "first", NOW).record_failure(
        "a", "second", NOW + timedelta(hours=1)
    )
    assert failed.get("a") == entry(
        attempts=2, last_error="second", last_attempt=NOW + timedelta(hours=1)
    )
    assert failed.get("b") == entry()
    assert ledger.get("a") == entry()
    assert ledger.record_failure("zzz", "x", NOW) is ledger
    assert ledger.clear_failures("zzz") is ledger
    assert failed.clear_failures("a") == ledger
    deleted = failed.record_deleted(["a", "zzz"])
    assert list(deleted.entries) == ["b"]
    assert "a" in failed
    assert "a" not in deleted
    assert len(deleted) == 1


def test_restarting_the_grace_starts_every_clock_again() -> None:
    old = Ledger({"a": entry(entered=NOW - timedelta(days=30), attempts=1)})
    later = NOW + timedelta(days=1)
    restarted = old.restart_grace(later, timedelta(days=7))
    assert restarted.get("a") == entry(
        entered=later, delete_on=later + timedelta(days=7), attempts=1
    )
