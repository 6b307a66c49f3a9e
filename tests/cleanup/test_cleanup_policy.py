"""Validation of the cleanup policy: each bad setting is refused with a code."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
import json
import math
from typing import Any

import pytest

from custom_components.lcars.cleanup import CleanupPolicy, PolicyError

from .factories import NOW, days_ago, movie, run, standard_disks


def refused(code: str, field: str, **settings: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        CleanupPolicy(**settings)
    assert (caught.value.code, caught.value.field) == (code, field)
    return caught.value


def refused_data(code: str, field: str, data: dict[str, Any]) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        CleanupPolicy.from_dict(data)
    assert (caught.value.code, caught.value.field) == (code, field)
    return caught.value


def test_defaults() -> None:
    policy = CleanupPolicy()
    assert dict(policy.movie_limits) == {5.0: 15, 10.0: 30, 15.0: 60, 20.0: 90}
    assert dict(policy.series_limits) == {5.0: 15, 10.0: 30, 15.0: 60, 20.0: 90}
    assert dict(policy.album_limits) == {5.0: 30, 10.0: 90}
    assert policy.series_unit == "season"
    assert policy.keep_tags == {"lcars-keep"}
    assert policy.protect_favorites
    assert policy.rolling_tag == "lcars-rolling"
    assert (policy.rolling_keep_episodes, policy.rolling_max_age_days) == (10, 30)
    assert policy.grace_days == 14
    assert policy.free_until_target
    assert policy.target_margin_percent == 2.0
    assert (policy.max_items_per_run, policy.max_bytes_per_run) == (20, 500 * 2**30)
    assert policy.max_data_age_minutes == 15
    assert policy.notices() == ()


@pytest.mark.parametrize("percent", [0.0, 100.0, -1.0, 150.0, math.nan, math.inf])
def test_threshold_outside_0_to_100_is_refused(percent: float) -> None:
    error = refused(
        "threshold_out_of_range", "album_limits", album_limits={percent: 10}
    )
    assert "above 0 and below 100" in str(error)


def test_thresholds_just_inside_the_bounds_are_accepted() -> None:
    policy = CleanupPolicy(movie_limits={0.5: 1, 99.5: 400})
    assert list(policy.movie_limits) == [0.5, 99.5]


def test_longer_age_with_less_free_space_is_unordered() -> None:
    error = refused("unordered", "movie_limits", movie_limits={5: 30, 10: 15})
    assert error.detail == "10"
    assert str(error) == (
        "movie_limits: under 5% free the limit is 30 days, so under 10% it must be"
        " longer, not 15 days"
    )


def test_same_age_for_two_keys_is_unordered() -> None:
    refused("unordered", "series_limits", series_limits={5: 30, 10: 30})


@pytest.mark.parametrize("days", [0, -5])
def test_zero_or_negative_days_are_refused(days: int) -> None:
    refused("days_not_positive", "movie_limits", movie_limits={5: days})
    refused("days_not_positive", "grace_days", grace_days=days)
    refused("days_not_positive", "rolling_max_age_days", rolling_max_age_days=days)
    error = refused("days_not_positive", "tag_schedules", tag_schedules={"x": days})
    assert error.detail == "x"


@pytest.mark.parametrize(
    "field",
    [
        "max_items_per_run",
        "max_bytes_per_run",
        "max_data_age_minutes",
        "max_delete_attempts",
    ],
)
@pytest.mark.parametrize("value", [0, -1])
def test_zero_or_negative_caps_are_refused(field: str, value: int) -> None:
    refused("cap_not_positive", field, **{field: value})


def test_other_bad_settings() -> None:
    refused("count_negative", "rolling_keep_episodes", rolling_keep_episodes=-1)
    refused("margin_out_of_range", "target_margin_percent", target_margin_percent=-1)
    refused("margin_out_of_range", "target_margin_percent", target_margin_percent=100)
    refused("empty_tag", "exclusion_tags", exclusion_tags=frozenset({"  "}))
    refused("empty_tag", "rolling_tag", rolling_tag="")
    refused("tag_conflict", "tag_schedules", tag_schedules={"lcars-keep": 30})
    refused("tag_conflict", "tag_schedules", tag_schedules={"lcars-rolling": 30})
    refused(
        "tag_conflict",
        "rolling_tag",
        rolling_tag="keep",
        exclusion_tags=frozenset({"keep"}),
    )
    refused("invalid_series_unit", "series_unit", series_unit="episode")
    refused("invalid_type", "grace_days", grace_days=True)


def test_rolling_keep_of_zero_is_allowed() -> None:
    assert CleanupPolicy(rolling_keep_episodes=0).rolling_keep_episodes == 0


def test_tags_compare_in_lowercase_and_lcars_keep_always_keeps() -> None:
    policy = CleanupPolicy(
        exclusion_tags=frozenset({" Favs "}),
        tag_schedules={"Delete_After_30D": 30},
        rolling_tag="Daily",
    )
    assert policy.keep_tags == {"favs", "lcars-keep"}
    assert dict(policy.tag_schedules) == {"delete-after-30d": 30}
    assert policy.rolling_tag == "daily"


def test_policy_cannot_be_changed_in_place() -> None:
    policy = CleanupPolicy()
    with pytest.raises(TypeError):
        policy.movie_limits[5.0] = 1  # type: ignore[index]
    changed = replace(policy, grace_days=7)
    assert changed.grace_days == 7
    with pytest.raises(PolicyError):
        replace(policy, grace_days=0)


# -- grace period longer than the limits -------------------------------------


def test_grace_longer_than_every_limit_is_allowed_and_reported() -> None:
    policy = CleanupPolicy(
        movie_limits={10: 20}, series_limits={}, album_limits={10: 25}, grace_days=40
    )

    (notice,) = policy.notices()
    assert (notice.code, notice.field) == ("grace_longer_than_limits", "grace_days")
    assert "longer than the longest age limit (25 days)" in notice.message

    plan = run(
        [movie(1, added=days_ago(30))], standard_disks(movies=5.0), policy=policy
    )
    assert plan.notices == (notice,)
    assert plan.first_deletion_at == NOW + timedelta(days=40)
    assert "The first deletion can happen on 2026-12-25." in plan.summary


def test_a_tag_schedule_counts_among_the_limits() -> None:
    policy = CleanupPolicy(grace_days=60, tag_schedules={"delete_after_90d": 90})
    assert policy.notices() == ()


# -- options data ------------------------------------------------------------


def test_options_round_trip_through_json() -> None:
    policy = CleanupPolicy(
        movie_limits={2.5: 7, 10: 30},
        exclusion_tags=frozenset({"kids", "classics"}),
        tag_schedules={"delete-after-30d": 30},
        series_unit="series",
        target_margin_percent=1.5,
    )
    data = json.loads(json.dumps(policy.to_dict()))
    assert data["movie_limits"] == {"2.5": 7, "10": 30}
    assert CleanupPolicy.from_dict(data) == policy


def test_options_accept_form_shapes() -> None:
    policy = CleanupPolicy.from_dict(
        {
            "movie_limits": [["5", 15.0], [10, "30"]],
            "grace_days": 7.0,
            "exclusion_tags": ["keep"],
        }
    )
    assert dict(policy.movie_limits) == {5.0: 15, 10.0: 30}
    assert policy.grace_days == 7
    assert policy.keep_tags == {"keep", "lcars-keep"}


@pytest.mark.parametrize(
    "limits",
    [{"10": 30, "10.0": 60}, [[10, 30], [10.0, 60]], [["5%", 10], ["5", 10]]],
)
def test_duplicate_keys_are_refused(limits: Any) -> None:
    error = refused_data(
        "duplicate_threshold", "movie_limits", {"movie_limits": limits}
    )
    assert error.detail in {"10", "5"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"movie_limits": "5:15"}, "movie_limits"),
        ({"movie_limits": {"five": 15}}, "movie_limits"),
        ({"movie_limits": {"5": 15.5}}, "movie_limits"),
        ({"movie_limits": [[5, 15, 1]]}, "movie_limits"),
        ({"grace_days": "soon"}, "grace_days"),
        ({"free_until_target": "yes"}, "free_until_target"),
        ({"exclusion_tags": "keep"}, "exclusion_tags"),
        ({"tag_schedules": ["a"]}, "tag_schedules"),
        ({"rolling_tag": 5}, "rolling_tag"),
        ({"max_items_per_run": True}, "max_items_per_run"),
    ],
)
def test_wrong_types_are_refused(data: dict[str, Any], field: str) -> None:
    refused_data("invalid_type", field, data)


def test_unknown_option_is_refused() -> None:
    refused_data("unknown_option", "grace_dayz", {"grace_dayz": 3})


def test_limit_of_a_service_follows_what_it_holds() -> None:
    """Radarr's folders take the movie limits, Sonarr's the series', Lidarr's the albums'."""
    policy = CleanupPolicy(
        movie_limits={10: 30, 20: 90},
        series_limits={10: 60},
        album_limits={15: 120},
        grace_days=7,
    )
    assert policy.limit_of_service("radarr", 5) == 30
    assert policy.limit_of_service("radarr", 15) == 90
    assert policy.limit_of_service("radarr", 25) is None
    assert policy.limit_of_service("sonarr", 5) == 60
    assert policy.limit_of_service("sonarr", 12) is None
    assert policy.limit_of_service("lidarr", 12) == 120
    # Jellyfin holds no root folders; a folder without a figure has no limit.
    assert policy.limit_of_service("jellyfin", 5) is None
    assert policy.limit_of_service("radarr", None) is None
