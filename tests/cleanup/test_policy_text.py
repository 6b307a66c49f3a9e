"""The cleanup policy as typed in the options form: text read, and written back."""

from __future__ import annotations

import math
from typing import Any

import pytest

from custom_components.lcars.cleanup import CleanupPolicy
from custom_components.lcars.cleanup.policy import GIB
from custom_components.lcars.cleanup.policy_text import (
    FORM_FIELDS,
    MAX_GIB_PER_RUN,
    PolicyTextError,
    checked_label,
    entries,
    form_field,
    form_values,
    parse_limits,
    parse_schedules,
    policy_from_form,
    policy_settings,
)

# Every field of the form, as a person fills it in.
TYPED: dict[str, Any] = {
    "movie_limits": "5: 10, 7.5%: 20, 12 : 40",
    "series_limits": "3: 7, 8: 21",
    "album_limits": "10: 60",
    "series_unit": "series",
    "exclusion_tags": "Keep_Forever, family",
    "protect_favorites": False,
    "tag_schedules": "delete-after-30d: 30, Trial_Week: 7",
    "rolling_tag": "daily-show",
    "rolling_keep_episodes": 5,
    "rolling_max_age_days": 14,
    "grace_days": 3,
    "free_until_target": False,
    "target_margin_percent": 2.5,
    "max_items_per_run": 8,
    MAX_GIB_PER_RUN: 1.5,
    "max_data_age_minutes": 30,
}


def refused(call: Any, *args: Any) -> PolicyTextError:
    with pytest.raises(PolicyTextError) as caught:
        call(*args)
    return caught.value


# --------------------------------------------------------------------------- entries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  ", []),
        ("a", ["a"]),
        (" a , b ,c", ["a", "b", "c"]),
        ("a,, ,b,", ["a", "b"]),
        ("a b", ["a b"]),
    ],
)
def test_entries(text: str, expected: list[str]) -> None:
    """Entries are split at commas and trimmed; empty ones are left out."""
    assert entries(text) == expected


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("5: 15", [(5.0, 15)]),
        ("5:15", [(5.0, 15)]),
        ("5 : 15", [(5.0, 15)]),
        ("7.5%: 20", [(7.5, 20)]),
        ("7.5 % : 20", [(7.5, 20)]),
        ("+5: +15", [(5.0, 15)]),
        # Signs are read; the policy refuses what is out of range.
        ("-5: -3", [(-5.0, -3)]),
        # The order given, and a percent given twice, reach the policy.
        ("10: 30, 5: 15, 10.0: 40", [(10.0, 30), (5.0, 15), (10.0, 40)]),
    ],
)
def test_limits_read(text: str, expected: list[tuple[float, int]]) -> None:
    """Limits are (free percent, days) pairs in the order given."""
    pairs = parse_limits("movie_limits", text)
    assert pairs == expected
    assert all(type(percent) is float and type(days) is int for percent, days in pairs)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("5 15", "5 15"),
        ("5: 15 days", "5: 15 days"),
        ("five: 15", "five: 15"),
        ("5: 1.5", "5: 1.5"),
        ("5: 15: 20", "5: 15: 20"),
        ("5; 15", "5; 15"),
        ("5.: 15", "5.: 15"),
        ("5%%: 15", "5%%: 15"),
        (": 15", ": 15"),
        ("5:", "5:"),
        ("x5: 15", "x5: 15"),
        ("5: 15x", "5: 15x"),
        ("10: 30,  bad ", "bad"),
    ],
)
def test_limits_refused(text: str, entry: str) -> None:
    """An entry that is not "<percent>: <days>" is refused on its field, named."""
    err = refused(parse_limits, "series_limits", text)
    assert (err.field, err.code, err.detail) == (
        "series_limits",
        "invalid_limits_format",
        entry,
    )
    assert str(err) == f"series_limits: invalid_limits_format {entry}"
    assert isinstance(err, ValueError)


# --------------------------------------------------------------------------- tags


@pytest.mark.parametrize("tag", ["", "  ", "family", "Keep_Forever", "a-1", " x "])
def test_label_accepted(tag: str) -> None:
    """A tag the *arr accept is kept as typed; an empty one is left to the policy."""
    assert checked_label("rolling_tag", tag) == tag


@pytest.mark.parametrize(
    ("tag", "detail"),
    [("keep me", "keep me"), (" daily/show ", "daily/show"), ("été", "été")],
)
def test_label_refused(tag: str, detail: str) -> None:
    """A tag with other than letters, digits, "-" and "_" is refused, trimmed."""
    err = refused(checked_label, "exclusion_tags", tag)
    assert (err.field, err.code, err.detail) == (
        "exclusion_tags",
        "invalid_tag",
        detail,
    )


def test_schedules_read() -> None:
    """Schedules map each tag, as typed, to its days."""
    assert parse_schedules("") == {}
    assert parse_schedules("delete-after-30d: 30, Trial_Week:7, x : +2") == {
        "delete-after-30d": 30,
        "Trial_Week": 7,
        "x ": 2,
    }
    # Days of zero or below are the policy's to refuse; an empty tag too.
    assert parse_schedules("trial: 0, other: -1, : 3") == {
        "trial": 0,
        "other": -1,
        "": 3,
    }


@pytest.mark.parametrize(
    ("text", "code", "detail"),
    [
        ("trial 30", "invalid_schedule_format", "trial 30"),
        ("trial: a month", "invalid_schedule_format", "trial: a month"),
        ("trial: 1.5", "invalid_schedule_format", "trial: 1.5"),
        ("a: b: 3", "invalid_schedule_format", "a: b: 3"),
        ("trial: 3x", "invalid_schedule_format", "trial: 3x"),
        ("trial!: 7", "invalid_tag", "trial!"),
        ("trial_week: 7, Trial-Week: 14", "duplicate_tag", "Trial-Week"),
        ("a: 1, b: 2, a : 3", "duplicate_tag", "a"),
    ],
)
def test_schedules_refused(text: str, code: str, detail: str) -> None:
    """Unreadable entries, bad tags and a tag given twice are refused, named."""
    err = refused(parse_schedules, text)
    assert (err.field, err.code, err.detail) == ("tag_schedules", code, detail)


# --------------------------------------------------------------------------- whole form


def test_settings_of_a_filled_form() -> None:
    """Every field becomes the policy setting it stands for."""
    assert policy_settings(TYPED) == {
        "movie_limits": [(5.0, 10), (7.5, 20), (12.0, 40)],
        "series_limits": [(3.0, 7), (8.0, 21)],
        "album_limits": [(10.0, 60)],
        "series_unit": "series",
        "exclusion_tags": ["Keep_Forever", "family"],
        "protect_favorites": False,
        "tag_schedules": {"delete-after-30d": 30, "Trial_Week": 7},
        "rolling_tag": "daily-show",
        "rolling_keep_episodes": 5,
        "rolling_max_age_days": 14,
        "grace_days": 3,
        "free_until_target": False,
        "target_margin_percent": 2.5,
        "max_items_per_run": 8,
        "max_bytes_per_run": 1_610_612_736,
        "max_data_age_minutes": 30,
    }


def test_text_fields_left_out_are_empty() -> None:
    """A text field the form does not send is an empty one."""
    plain = dict(TYPED)
    for field in (
        "movie_limits",
        "series_limits",
        "album_limits",
        "exclusion_tags",
        "tag_schedules",
        "rolling_tag",
    ):
        del plain[field]
    settings = policy_settings(plain)
    assert settings["movie_limits"] == []
    assert settings["series_limits"] == []
    assert settings["album_limits"] == []
    assert settings["exclusion_tags"] == []
    assert settings["tag_schedules"] == {}
    assert settings["rolling_tag"] == ""


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        ("movie_limits", "5 15", "invalid_limits_format"),
        ("series_limits", "5 15", "invalid_limits_format"),
        ("album_limits", "5 15", "invalid_limits_format"),
        ("exclusion_tags", "family, keep me", "invalid_tag"),
        ("tag_schedules", "trial!: 7", "invalid_tag"),
        ("rolling_tag", "daily/show", "invalid_tag"),
    ],
)
def test_each_text_field_names_itself(field: str, text: str, code: str) -> None:
    """An error points at the field the text was typed in."""
    err = refused(policy_settings, TYPED | {field: text})
    assert (err.field, err.code) == (field, code)


@pytest.mark.parametrize(
    ("gibibytes", "expected"),
    [
        (1.5, 1_610_612_736),
        (1, GIB),
        (0, 0),
        (-2, -2 * GIB),
        # Whole bytes, rounded to the nearest.
        (0.6 / GIB, 1),
        (0.4 / GIB, 0),
        (2.6 / GIB, 3),
    ],
)
def test_gibibytes_to_bytes(gibibytes: float, expected: int) -> None:
    """The data cap is typed in GiB and stored in whole bytes."""
    stored = policy_settings(TYPED | {MAX_GIB_PER_RUN: gibibytes})["max_bytes_per_run"]
    assert stored == expected
    assert type(stored) is int


@pytest.mark.parametrize("gibibytes", [math.inf, -math.inf, math.nan])
def test_gibibytes_not_finite_reach_the_policy(gibibytes: float) -> None:
    """A value that is no finite number goes on as it is, for the policy to refuse."""
    stored = policy_settings(TYPED | {MAX_GIB_PER_RUN: gibibytes})["max_bytes_per_run"]
    assert stored is gibibytes
    err = refused(
        policy_from_form, CleanupPolicy(), TYPED | {MAX_GIB_PER_RUN: gibibytes}
    )
    assert (err.field, err.code, err.detail) == (MAX_GIB_PER_RUN, "invalid_type", "")


def test_form_fields() -> None:
    """A policy setting is entered in the field of its name, the data cap in GiB."""
    assert set(TYPED) == FORM_FIELDS
    for field in FORM_FIELDS - {MAX_GIB_PER_RUN}:
        assert form_field(field) == field
    assert form_field("max_bytes_per_run") == MAX_GIB_PER_RUN
    assert form_field(MAX_GIB_PER_RUN) == MAX_GIB_PER_RUN
    # Settings the form does not show.
    assert form_field("max_delete_attempts") is None
    assert form_field("unknown") is None


def test_policy_from_a_filled_form() -> None:
    """The form's settings replace the current ones; those not shown are kept."""
    current = CleanupPolicy(max_delete_attempts=7, grace_days=9)
    policy = policy_from_form(current, TYPED)
    assert policy.max_delete_attempts == 7
    assert policy.grace_days == 3
    assert dict(policy.movie_limits) == {5.0: 10, 7.5: 20, 12.0: 40}
    assert policy.exclusion_tags == {"keep-forever", "family"}
    assert dict(policy.tag_schedules) == {"delete-after-30d": 30, "trial-week": 7}
    assert policy.max_bytes_per_run == 1_610_612_736


@pytest.mark.parametrize(
    ("changes", "field", "code", "detail"),
    [
        ({"movie_limits": "0: 10"}, "movie_limits", "threshold_out_of_range", "0"),
        ({"series_limits": "5: 30, 10: 20"}, "series_limits", "unordered", "10"),
        ({"grace_days": 0}, "grace_days", "days_not_positive", ""),
        ({MAX_GIB_PER_RUN: 0}, MAX_GIB_PER_RUN, "cap_not_positive", ""),
        ({"rolling_tag": "  "}, "rolling_tag", "empty_tag", ""),
        (
            {"tag_schedules": "lcars_keep: 30"},
            "tag_schedules",
            "tag_conflict",
            "lcars-keep",
        ),
        ({"movie_limits": "5 15"}, "movie_limits", "invalid_limits_format", "5 15"),
    ],
)
def test_policy_refusals_name_the_form_field(
    changes: dict[str, Any], field: str, code: str, detail: str
) -> None:
    """What the policy refuses is reported on the form field it was typed in."""
    err = refused(policy_from_form, CleanupPolicy(), TYPED | changes)
    assert (err.field, err.code, err.detail) == (field, code, detail)


def test_error_on_no_field() -> None:
    """An error of a setting the form does not show names no field, and says so."""
    err = PolicyTextError(None, "unknown_option", "")
    assert (err.field, err.code, err.detail) == (None, "unknown_option", "")
    assert str(err) == "None: unknown_option"


# --------------------------------------------------------------------------- written back


def test_form_values_of_the_default_policy() -> None:
    """The default policy, shown in the form."""
    assert form_values(CleanupPolicy()) == {
        "movie_limits": "5: 15, 10: 30, 15: 60, 20: 90",
        "series_limits": "5: 15, 10: 30, 15: 60, 20: 90",
        "album_limits": "5: 30, 10: 90",
        "series_unit": "season",
        "exclusion_tags": "",
        "protect_favorites": True,
        "tag_schedules": "",
        "rolling_tag": "lcars-rolling",
        "rolling_keep_episodes": CleanupPolicy().rolling_keep_episodes,
        "rolling_max_age_days": CleanupPolicy().rolling_max_age_days,
        "grace_days": 14,
        "free_until_target": CleanupPolicy().free_until_target,
        "target_margin_percent": CleanupPolicy().target_margin_percent,
        "max_items_per_run": CleanupPolicy().max_items_per_run,
        MAX_GIB_PER_RUN: CleanupPolicy().max_bytes_per_run / GIB,
        "max_data_age_minutes": CleanupPolicy().max_data_age_minutes,
    }


def test_form_values_round_trip() -> None:
    """What the form shows reads back as the same policy."""
    policy = policy_from_form(CleanupPolicy(), TYPED)
    shown = form_values(policy)
    assert shown == TYPED | {
        "movie_limits": "5: 10, 7.5: 20, 12: 40",
        "exclusion_tags": "family, keep-forever",
        "tag_schedules": "delete-after-30d: 30, trial-week: 7",
    }
    assert policy_from_form(CleanupPolicy(), shown) == policy


@pytest.mark.parametrize(
    ("margin", "gibibytes", "shown_margin", "shown_gibibytes"),
    [
        (2.0, 3.0, 2, 3),
        (2.5, 0.5, 2.5, 0.5),
        (0.1, 1.25, 0.1, 1.25),
    ],
)
def test_whole_numbers_shown_without_a_point(
    margin: float, gibibytes: float, shown_margin: float, shown_gibibytes: float
) -> None:
    """A margin or a data cap that is whole is shown as 2, not 2.0."""
    policy = CleanupPolicy(
        target_margin_percent=margin, max_bytes_per_run=round(gibibytes * GIB)
    )
    shown = form_values(policy)
    assert shown["target_margin_percent"] == shown_margin
    assert shown[MAX_GIB_PER_RUN] == shown_gibibytes
    assert type(shown["target_margin_percent"]) is type(shown_margin)
    assert type(shown[MAX_GIB_PER_RUN]) is type(shown_gibibytes)
