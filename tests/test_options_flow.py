"""Tests of the LCARS options: the menu, the polling interval and cleanup."""

from __future__ import annotations

import json
from pathlib import Path
import re
import threading
from typing import Any, get_args
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.lcars.cleanup import CleanupPolicy
from custom_components.lcars.cleanup.policy import GIB, PolicyErrorCode
from custom_components.lcars.cleanup.policy_text import FORM_FIELDS
from custom_components.lcars.const import (
    CONF_ADDING,
    CONF_CLEANUP,
    CONF_CLEANUP_INTERVAL,
    CONF_CLEANUP_POLICY,
    CONF_IMPORT_EXCLUSION,
    CONF_LEAVING_SOON_COLLECTION,
    CONF_SCAN_INTERVAL,
    DOMAIN,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers.selector import NumberSelector
from simulator import Simulator

from .conftest import subentry_data

STRINGS = Path(__file__).parent.parent / "custom_components" / DOMAIN / "strings.json"

# Errors of the rules form that the form itself finds, before the policy does.
FORM_ERRORS = {
    "invalid_limits_format",
    "invalid_schedule_format",
    "invalid_tag",
    "duplicate_tag",
}

# What a user types in the cleanup rules form, every field filled in.
TYPED: dict[str, Any] = {
    "movie_limits": "5: 10, 7.5%: 20, 12 : 40",
    "series_limits": "3: 7, 8: 21",
    "album_limits": "10: 60",
    "series_unit": "series",
    "exclusion_tags": "Keep_Forever, family",
    "protect_favorites": False,
    "tag_schedules": "delete-after-30d: 30, Trial_Week: 7",
    "rolling_tag": "daily-show",
    "rolling_keep_episodes": 5.0,
    "rolling_max_age_days": 14.0,
    "grace_days": 3.0,
    "free_until_target": False,
    "target_margin_percent": 2.5,
    "max_items_per_run": 8.0,
    "max_gigabytes_per_run": 1.5,
    "max_data_age_minutes": 30.0,
}

# The same settings as the policy stores them.
STORED_POLICY = {
    "movie_limits": {"5": 10, "7.5": 20, "12": 40},
    "series_limits": {"3": 7, "8": 21},
    "album_limits": {"10": 60},
    "series_unit": "series",
    "exclusion_tags": ["family", "keep-forever"],
    "protect_favorites": False,
    "tag_schedules": {"delete-after-30d": 30, "trial-week": 7},
    "rolling_tag": "daily-show",
    "rolling_keep_episodes": 5,
    "rolling_max_age_days": 14,
    "grace_days": 3,
    "free_until_target": False,
    "target_margin_percent": 2.5,
    "max_items_per_run": 8,
    "max_bytes_per_run": 1_610_612_736,
    "max_data_age_minutes": 30,
    "max_delete_attempts": 3,
}

# How the form shows the stored settings when it is opened again.
SHOWN = TYPED | {
    "movie_limits": "5: 10, 7.5: 20, 12: 40",
    "exclusion_tags": "family, keep-forever",
    "tag_schedules": "delete-after-30d: 30, trial-week: 7",
    "rolling_keep_episodes": 5,
    "rolling_max_age_days": 14,
    "grace_days": 3,
    "max_items_per_run": 8,
    "max_data_age_minutes": 30,
}

OTHER_CLEANUP = {
    CONF_CLEANUP_INTERVAL: 240,
    CONF_IMPORT_EXCLUSION: True,
    CONF_LEAVING_SOON_COLLECTION: False,
}


@pytest.fixture
def entry(hass: HomeAssistant) -> MockConfigEntry:
    """The LCARS entry with a polling interval and no cleanup options, not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 90},
        entry_id="lcars_entry",
    )
    entry.add_to_hass(hass)
    return entry


def _entry_with(hass: HomeAssistant, cleanup: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 90, CONF_CLEANUP: cleanup},
        entry_id="lcars_entry",
    )
    entry.add_to_hass(hass)
    return entry


async def _open(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> Any:
    """Open the options and choose a menu entry."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == step
    return result


def _shown(result: Any) -> dict[str, Any]:
    """The values a form shows: suggested values, else defaults."""
    shown: dict[str, Any] = {}
    for marker in result["data_schema"].schema:
        suggested = (marker.description or {}).get("suggested_value")
        if suggested is not None:
            shown[str(marker)] = suggested
        elif callable(marker.default):
            shown[str(marker)] = marker.default()
    return shown


async def _submit(hass: HomeAssistant, result: Any, data: dict[str, Any]) -> Any:
    return await hass.config_entries.options.async_configure(result["flow_id"], data)


def _strings() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(STRINGS.read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------------------- menu


async def test_menu(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The options open on a menu: polling, cleanup rules and schedule, BitTorrent."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    options: Any = result["menu_options"]
    assert list(options) == [
        "polling",
        "cleanup_rules",
        "cleanup_schedule",
        "torrent",
        "adding",
        "requests",
    ]
    menu = _strings()["options"]["step"]["init"]["menu_options"]
    assert set(menu) == set(options)


async def test_polling_keeps_cleanup(hass: HomeAssistant) -> None:
    """Changing the polling interval leaves the cleanup options as they are."""
    cleanup = {CONF_CLEANUP_POLICY: STORED_POLICY} | OTHER_CLEANUP
    entry = _entry_with(hass, cleanup)
    result = await _open(hass, entry, "polling")
    assert _shown(result) == {CONF_SCAN_INTERVAL: 90}
    result = await _submit(hass, result, {CONF_SCAN_INTERVAL: 120.0})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_SCAN_INTERVAL: 120, CONF_CLEANUP: cleanup}


# --------------------------------------------------------------------------- rules


async def test_rules_show_default_policy(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """Without stored rules the form shows the default policy."""
    result = await _open(hass, entry, "cleanup_rules")
    assert result["errors"] == {}
    assert _shown(result) == {
        "movie_limits": "5: 15, 10: 30, 15: 60, 20: 90",
        "series_limits": "5: 15, 10: 30, 15: 60, 20: 90",
        "album_limits": "5: 30, 10: 90",
        "series_unit": "season",
        "exclusion_tags": "",
        "protect_favorites": True,
        "tag_schedules": "",
        "rolling_tag": "lcars-rolling",
        "rolling_keep_episodes": 10,
        "rolling_max_age_days": 30,
        "grace_days": 14,
        "free_until_target": True,
        "target_margin_percent": 2,
        "max_items_per_run": 20,
        "max_gigabytes_per_run": 500,
        "max_data_age_minutes": 15,
    }


async def test_rules_round_trip(hass: HomeAssistant) -> None:
    """Entered rules are stored as the policy; opened again, the form shows them."""
    entry = _entry_with(hass, dict(OTHER_CLEANUP))
    result = await _open(hass, entry, "cleanup_rules")
    result = await _submit(hass, result, TYPED)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 90,
        CONF_CLEANUP: OTHER_CLEANUP | {CONF_CLEANUP_POLICY: STORED_POLICY},
    }
    policy = CleanupPolicy.from_dict(entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY])
    assert policy.movie_limits == {5.0: 10, 7.5: 20, 12.0: 40}
    assert policy.exclusion_tags == {"family", "keep-forever"}
    assert policy.max_bytes_per_run == 3 * GIB // 2

    result = await _open(hass, entry, "cleanup_rules")
    assert _shown(result) == SHOWN
    # Saved again unchanged, the policy stays the same.
    result = await _submit(hass, result, _shown(result))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY] == STORED_POLICY


@pytest.mark.parametrize(
    ("gigabytes", "stored", "shown"),
    [
        (1.5, 1_610_612_736, 1.5),
        (2000, 2000 * GIB, 2000),
        (0.25, 268_435_456, 0.25),
    ],
)
async def test_rules_gigabytes(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    gigabytes: float,
    stored: int,
    shown: float,
) -> None:
    """The data cap is entered in GiB (2^30 bytes) and stored in bytes."""
    result = await _open(hass, entry, "cleanup_rules")
    result = await _submit(
        hass, result, _shown(result) | {"max_gigabytes_per_run": gigabytes}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    policy = entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY]
    assert policy["max_bytes_per_run"] == stored
    result = await _open(hass, entry, "cleanup_rules")
    assert _shown(result)["max_gigabytes_per_run"] == shown


async def test_rules_empty_fields(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Emptied or left out text fields mean no limits, no tags, no schedules."""
    result = await _open(hass, entry, "cleanup_rules")
    data = _shown(result) | {"movie_limits": " ", "tag_schedules": ""}
    del data["album_limits"], data["exclusion_tags"]
    result = await _submit(hass, result, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    policy = entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY]
    assert policy["movie_limits"] == {}
    assert policy["album_limits"] == {}
    assert policy["series_limits"] == {"5": 15, "10": 30, "15": 60, "20": 90}
    assert policy["exclusion_tags"] == []
    assert policy["tag_schedules"] == {}
    assert entry.options[CONF_SCAN_INTERVAL] == 90


async def test_rules_keep_settings_not_in_form(hass: HomeAssistant) -> None:
    """Policy settings the form does not show keep their stored value."""
    stored = STORED_POLICY | {"max_delete_attempts": 7}
    entry = _entry_with(hass, {CONF_CLEANUP_POLICY: stored})
    result = await _open(hass, entry, "cleanup_rules")
    result = await _submit(hass, result, _shown(result) | {"grace_days": 5})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY] == stored | {
        "grace_days": 5
    }


async def test_rules_invalid_stored_policy(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Stored rules that no longer validate open as the default policy."""
    entry = _entry_with(hass, {CONF_CLEANUP_POLICY: {"grace_days": 0}})
    result = await _open(hass, entry, "cleanup_rules")
    assert _shown(result)["grace_days"] == 14
    assert "The stored cleanup policy is not valid" in caplog.text
    result = await _submit(hass, result, _shown(result))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY] == (
        CleanupPolicy().to_dict()
    )


@pytest.mark.parametrize(
    ("changes", "field", "code", "detail"),
    [
        # Free space percents outside 0 to 100.
        ({"movie_limits": "0: 10"}, "movie_limits", "threshold_out_of_range", "0"),
        (
            {"movie_limits": "5: 10, 100: 20"},
            "movie_limits",
            "threshold_out_of_range",
            "100",
        ),
        ({"album_limits": "-5: 10"}, "album_limits", "threshold_out_of_range", "-5"),
        # Less free space must give a shorter age.
        ({"series_limits": "5: 30, 10: 20"}, "series_limits", "unordered", "10"),
        ({"series_limits": "5: 30, 10: 30"}, "series_limits", "unordered", "10"),
        (
            {"series_limits": "10: 30, 10.0: 40"},
            "series_limits",
            "duplicate_threshold",
            "10",
        ),
        # Days of zero or below.
        ({"album_limits": "5: 0"}, "album_limits", "days_not_positive", "5"),
        ({"movie_limits": "5: -3"}, "movie_limits", "days_not_positive", "5"),
        ({"grace_days": 0}, "grace_days", "days_not_positive", ""),
        ({"rolling_max_age_days": -1}, "rolling_max_age_days", "days_not_positive", ""),
        ({"tag_schedules": "trial: 0"}, "tag_schedules", "days_not_positive", "trial"),
        ({"grace_days": 2.5}, "grace_days", "invalid_type", ""),
        ({"rolling_keep_episodes": -1}, "rolling_keep_episodes", "count_negative", ""),
        # Caps of zero.
        ({"max_items_per_run": 0}, "max_items_per_run", "cap_not_positive", ""),
        ({"max_gigabytes_per_run": 0}, "max_gigabytes_per_run", "cap_not_positive", ""),
        ({"max_data_age_minutes": 0}, "max_data_age_minutes", "cap_not_positive", ""),
        (
            {"max_gigabytes_per_run": float("inf")},
            "max_gigabytes_per_run",
            "invalid_type",
            "",
        ),
        # The margin.
        (
            {"target_margin_percent": -0.5},
            "target_margin_percent",
            "margin_out_of_range",
            "",
        ),
        (
            {"target_margin_percent": 100},
            "target_margin_percent",
            "margin_out_of_range",
            "",
        ),
        # Tags.
        ({"tag_schedules": ": 30"}, "tag_schedules", "empty_tag", ""),
        ({"rolling_tag": "  "}, "rolling_tag", "empty_tag", ""),
        (
            {"exclusion_tags": "family, keep me"},
            "exclusion_tags",
            "invalid_tag",
            "keep me",
        ),
        ({"rolling_tag": "daily/show"}, "rolling_tag", "invalid_tag", "daily/show"),
        ({"tag_schedules": "trial!: 7"}, "tag_schedules", "invalid_tag", "trial!"),
        (
            {"tag_schedules": "trial_week: 7, Trial-Week: 14"},
            "tag_schedules",
            "duplicate_tag",
            "Trial-Week",
        ),
        (
            {"exclusion_tags": "family", "tag_schedules": "Family: 30"},
            "tag_schedules",
            "tag_conflict",
            "family",
        ),
        (
            {"tag_schedules": "lcars_keep: 30"},
            "tag_schedules",
            "tag_conflict",
            "lcars-keep",
        ),
        (
            {"tag_schedules": "Daily_Show: 10"},
            "tag_schedules",
            "tag_conflict",
            "daily-show",
        ),
        (
            {"exclusion_tags": "family", "rolling_tag": "family"},
            "rolling_tag",
            "tag_conflict",
            "family",
        ),
        # Malformed entries.
        ({"movie_limits": "5 15"}, "movie_limits", "invalid_limits_format", "5 15"),
        (
            {"movie_limits": "5: 15 days"},
            "movie_limits",
            "invalid_limits_format",
            "5: 15 days",
        ),
        (
            {"series_limits": "five: 15"},
            "series_limits",
            "invalid_limits_format",
            "five: 15",
        ),
        ({"album_limits": "5: 1.5"}, "album_limits", "invalid_limits_format", "5: 1.5"),
        (
            {"album_limits": "5: 15: 20"},
            "album_limits",
            "invalid_limits_format",
            "5: 15: 20",
        ),
        ({"album_limits": "5; 15"}, "album_limits", "invalid_limits_format", "5; 15"),
        (
            {"tag_schedules": "trial 30"},
            "tag_schedules",
            "invalid_schedule_format",
            "trial 30",
        ),
        (
            {"tag_schedules": "trial: a month"},
            "tag_schedules",
            "invalid_schedule_format",
            "trial: a month",
        ),
    ],
)
async def test_rules_errors(
    hass: HomeAssistant,
    changes: dict[str, Any],
    field: str,
    code: str,
    detail: str,
) -> None:
    """Invalid rules are refused on their field; the form keeps what was typed."""
    cleanup = {CONF_CLEANUP_POLICY: STORED_POLICY} | OTHER_CLEANUP
    entry = _entry_with(hass, cleanup)
    result = await _open(hass, entry, "cleanup_rules")
    typed = _shown(result) | changes
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cleanup_rules"
    assert result["errors"] == {field: code}
    assert result["description_placeholders"] == {"detail": detail}
    assert _shown(result) == typed
    assert entry.options == {CONF_SCAN_INTERVAL: 90, CONF_CLEANUP: cleanup}
    assert code in _strings()["options"]["error"]

    # Corrected, the rules are saved.
    result = await _submit(
        hass, result, _shown(result) | {key: SHOWN[key] for key in changes}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CLEANUP] == cleanup


async def test_rules_rolling_tag_left_out(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A cleared rolling tag is an empty tag, refused with a reason."""
    result = await _open(hass, entry, "cleanup_rules")
    typed = _shown(result)
    del typed["rolling_tag"]
    result = await _submit(hass, result, typed)
    assert result["errors"] == {"rolling_tag": "empty_tag"}
    assert CONF_CLEANUP not in entry.options


async def test_rules_series_unit(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A series unit other than season or series never reaches the policy."""
    result = await _open(hass, entry, "cleanup_rules")
    with pytest.raises(InvalidData, match="series_unit"):
        await _submit(hass, result, _shown(result) | {"series_unit": "episode"})
    assert CONF_CLEANUP not in entry.options


# Errors of the BitTorrent step (its tests are in test_torrent_ha.py).
TORRENT_ERRORS = {
    "download_dir_not_allowed",
    "download_dir_served",
    "invalid_port_range",
    "cannot_connect",
    "invalid_auth",
    "invalid_url",
}


# Errors of the adding steps.
ADDING_ERRORS = {"arr_not_answered", "arr_cannot_connect", "arr_nothing_to_choose"}


def test_every_error_is_translated() -> None:
    """Every policy error and every form error has a text with known placeholders."""
    errors = _strings()["options"]["error"]
    codes = (
        set(get_args(PolicyErrorCode.__value__))
        | FORM_ERRORS
        | TORRENT_ERRORS
        | ADDING_ERRORS
    )
    assert codes == set(errors)
    for code, text in errors.items():
        assert set(re.findall(r"{(\w+)}", text)) <= {"detail"}, code


# --------------------------------------------------------------------------- notices


async def test_rules_notice_confirmed(hass: HomeAssistant) -> None:
    """A grace period longer than every age limit is saved once confirmed."""
    entry = _entry_with(hass, dict(OTHER_CLEANUP))
    result = await _open(hass, entry, "cleanup_rules")
    typed = _shown(result) | {"grace_days": 120}
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cleanup_rules_confirm"
    assert result["description_placeholders"] == {
        "grace_days": "120",
        "longest_days": "90",
    }
    assert _shown(result) == {"confirm": False}
    assert entry.options[CONF_CLEANUP] == OTHER_CLEANUP

    # Not confirmed: back to the rules as they were typed.
    result = await _submit(hass, result, {"confirm": False})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "cleanup_rules"
    assert result["errors"] == {}
    assert _shown(result) == typed
    assert entry.options[CONF_CLEANUP] == OTHER_CLEANUP

    # Submitted again and confirmed: saved.
    result = await _submit(hass, result, typed)
    assert result["step_id"] == "cleanup_rules_confirm"
    result = await _submit(hass, result, {"confirm": True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    policy = entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY]
    assert policy["grace_days"] == 120
    assert entry.options[CONF_CLEANUP] == OTHER_CLEANUP | {
        CONF_CLEANUP_POLICY: CleanupPolicy(grace_days=120).to_dict()
    }


async def test_rules_notice_counts_tag_schedules(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A tag schedule longer than the grace period needs no confirmation."""
    result = await _open(hass, entry, "cleanup_rules")
    typed = _shown(result) | {"grace_days": 120, "tag_schedules": "archive: 365"}
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_CLEANUP][CONF_CLEANUP_POLICY]["grace_days"] == 120


# --------------------------------------------------------------------------- schedule


async def test_schedule_defaults(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Without cleanup options the schedule form shows the defaults."""
    result = await _open(hass, entry, "cleanup_schedule")
    assert _shown(result) == {
        CONF_CLEANUP_INTERVAL: 60,
        CONF_IMPORT_EXCLUSION: False,
        CONF_LEAVING_SOON_COLLECTION: True,
    }


async def test_schedule_round_trip(hass: HomeAssistant) -> None:
    """The schedule is stored next to the policy, which stays as it was."""
    entry = _entry_with(hass, {CONF_CLEANUP_POLICY: STORED_POLICY})
    result = await _open(hass, entry, "cleanup_schedule")
    result = await _submit(
        hass,
        result,
        {
            CONF_CLEANUP_INTERVAL: 1440.0,
            CONF_IMPORT_EXCLUSION: True,
            CONF_LEAVING_SOON_COLLECTION: False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SCAN_INTERVAL: 90,
        CONF_CLEANUP: {
            CONF_CLEANUP_POLICY: STORED_POLICY,
            CONF_CLEANUP_INTERVAL: 1440,
            CONF_IMPORT_EXCLUSION: True,
            CONF_LEAVING_SOON_COLLECTION: False,
        },
    }
    assert isinstance(entry.options[CONF_CLEANUP][CONF_CLEANUP_INTERVAL], int)
    result = await _open(hass, entry, "cleanup_schedule")
    assert _shown(result) == {
        CONF_CLEANUP_INTERVAL: 1440,
        CONF_IMPORT_EXCLUSION: True,
        CONF_LEAVING_SOON_COLLECTION: False,
    }


@pytest.mark.parametrize("minutes", [4, 10081])
async def test_schedule_bounds(
    hass: HomeAssistant, entry: MockConfigEntry, minutes: int
) -> None:
    """Intervals outside 5 minutes to a week are refused by the form."""
    result = await _open(hass, entry, "cleanup_schedule")
    with pytest.raises(InvalidData, match=CONF_CLEANUP_INTERVAL):
        await _submit(hass, result, _shown(result) | {CONF_CLEANUP_INTERVAL: minutes})
    assert CONF_CLEANUP not in entry.options


# --------------------------------------------------------------------------- whole numbers

# Every option stored as a whole number, by the step whose form asks for it.
WHOLE_NUMBER_OPTIONS = {
    "polling": {CONF_SCAN_INTERVAL},
    "cleanup_rules": {
        "rolling_keep_episodes",
        "rolling_max_age_days",
        "grace_days",
        "max_items_per_run",
        "max_data_age_minutes",
    },
    "cleanup_schedule": {CONF_CLEANUP_INTERVAL},
    "torrent_engine": {
        "listen_port_min",
        "listen_port_max",
        "connections_limit",
        "download_rate_limit",
        "upload_rate_limit",
    },
    "torrent_client": set(),
}


async def _open_every_form(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    """Every options form that asks for numbers, by step."""
    forms = {
        step: await _open(hass, entry, step)
        for step in ("polling", "cleanup_rules", "cleanup_schedule")
    }
    for backend, step in (
        ("libtorrent", "torrent_engine"),
        ("qbittorrent", "torrent_client"),
    ):
        result = await _open(hass, entry, "torrent")
        result = await _submit(hass, result, {"enabled": True, "backend": backend})
        assert result["step_id"] == step
        forms[step] = result
    return forms


def _number_selectors(result: Any) -> dict[str, NumberSelector]:
    return {
        str(marker): selector
        for marker, selector in result["data_schema"].schema.items()
        if isinstance(selector, NumberSelector)
    }


async def test_whole_number_options_use_integer_selectors(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """A whole number is read as one and its range errors say so: "Value 4", not 4.0.

    Only the number fields that are not whole numbers (a percent, a ratio,
    hours, GiB) step by less than one.
    """
    forms = await _open_every_form(hass, entry)
    for step, result in forms.items():
        selectors = _number_selectors(result)
        whole = {
            name for name, selector in selectors.items() if selector.config["step"] == 1
        }
        assert whole == WHOLE_NUMBER_OPTIONS[step], step
        for name in whole:
            selector = selectors[name]
            low = selector.config.get("min", 1)
            value = selector(float(low))
            assert value == low
            assert type(value) is int, (step, name)
            if "min" in selector.config:
                with pytest.raises(vol.Invalid) as err:
                    selector(float(low - 1))
                assert str(err.value) == f"Value {int(low) - 1} is too small"
            if "max" in selector.config:
                high = selector.config["max"]
                with pytest.raises(vol.Invalid) as err:
                    selector(float(high + 1))
                assert str(err.value) == f"Value {int(high) + 1} is too large"


@pytest.mark.parametrize(
    ("step", "field", "value"),
    [
        ("polling", CONF_SCAN_INTERVAL, 5),
        ("polling", CONF_SCAN_INTERVAL, 4000),
        ("cleanup_schedule", CONF_CLEANUP_INTERVAL, 4),
    ],
)
async def test_out_of_range_is_refused_on_its_field(
    hass: HomeAssistant, entry: MockConfigEntry, step: str, field: str, value: int
) -> None:
    """The form says which field is out of range, in whole numbers."""
    result = await _open(hass, entry, step)
    with pytest.raises(InvalidData) as err:
        await _submit(hass, result, _shown(result) | {field: float(value)})
    assert set(err.value.schema_errors) == {field}
    message = err.value.schema_errors[field]
    assert message.startswith(f"Value {value} is too")
    assert ".0" not in message
    assert entry.options == {CONF_SCAN_INTERVAL: 90}


@pytest.mark.parametrize(
    ("step", "field"),
    [("polling", CONF_SCAN_INTERVAL), ("cleanup_schedule", CONF_CLEANUP_INTERVAL)],
)
async def test_a_fraction_is_refused_on_its_field(
    hass: HomeAssistant, entry: MockConfigEntry, step: str, field: str
) -> None:
    """A whole number given as 30.5 is refused on its field, never cut to 30."""
    result = await _open(hass, entry, step)
    typed = _shown(result) | {field: 30.5}
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "invalid_type"}
    assert _shown(result)[field] == 30.5
    assert entry.options == {CONF_SCAN_INTERVAL: 90}

    result = await _submit(hass, result, typed | {field: 30.0})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = entry.options if step == "polling" else entry.options[CONF_CLEANUP]
    assert stored[field] == 30
    assert type(stored[field]) is int


async def test_engine_fraction_is_refused_on_its_field(
    hass: HomeAssistant, entry: MockConfigEntry, tmp_path: Path
) -> None:
    """The BitTorrent engine's ports and limits: fractions are refused on the field."""
    directory = tmp_path / "downloads"
    directory.mkdir()
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    result = await _open(hass, entry, "torrent")
    result = await _submit(hass, result, {"enabled": True, "backend": "libtorrent"})
    typed = _shown(result) | {
        "download_dir": str(directory),
        "bind_interface": "",
        "listen_port_min": 6881.5,
        "connections_limit": 50.5,
    }
    result = await _submit(hass, result, typed)
    assert result["errors"] == {
        "listen_port_min": "invalid_type",
        "connections_limit": "invalid_type",
    }
    result = await _submit(
        hass, result, typed | {"listen_port_min": 6881.0, "connections_limit": 50.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = entry.options["torrent"]
    assert (stored["listen_port_min"], stored["connections_limit"]) == (6881, 50)
    assert type(stored["connections_limit"]) is int


async def test_rules_form_asks_for_what_policy_text_reads(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    """The cleanup rules form has exactly the fields the policy's text is read from."""
    result = await _open(hass, entry, "cleanup_rules")
    assert {str(marker) for marker in result["data_schema"].schema} == FORM_FIELDS


# --------------------------------------------------------------------------- BitTorrent engine: uTP and watch folder


async def _engine_step(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    result = await _open(hass, entry, "torrent")
    result = await _submit(hass, result, {"enabled": True, "backend": "libtorrent"})
    assert result["step_id"] == "torrent_engine"
    return result


async def test_engine_offers_utp_and_watch_folder(
    hass: HomeAssistant, entry: MockConfigEntry, media: Path
) -> None:
    """uTP and the watch folder, read by the engine, are set in its form."""
    downloads = media / "downloads"
    result = await _engine_step(hass, entry)
    shown = _shown(result)
    assert (shown["enable_utp"], shown["watch_folder"], shown["watch_dir"]) == (
        True,
        True,
        "",
    )
    strings = _strings()["options"]["step"]["torrent_engine"]
    for field in ("enable_utp", "watch_folder", "watch_dir"):
        assert strings["data"][field]
        assert strings["data_description"][field]

    typed = _shown(result) | {
        "download_dir": str(downloads),
        "enable_utp": False,
        "watch_folder": False,
        "watch_dir": f" {media / 'drop'} ",
    }
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = entry.options["torrent"]
    assert stored["enable_utp"] is False
    assert stored["watch_folder"] is False
    assert stored["watch_dir"] == str(media / "drop")

    # Opened again, the form shows what is stored.
    result = await _engine_step(hass, entry)
    shown = _shown(result)
    assert (shown["enable_utp"], shown["watch_folder"], shown["watch_dir"]) == (
        False,
        False,
        str(media / "drop"),
    )
    # A form sent without the switches keeps them; a watch folder path cleared
    # in the form is not sent, and is empty.
    sent = {
        key: value
        for key, value in shown.items()
        if key not in {"enable_utp", "watch_folder", "watch_dir"}
    }
    result = await _submit(hass, result, sent)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    stored = entry.options["torrent"]
    assert (stored["enable_utp"], stored["watch_folder"], stored["watch_dir"]) == (
        False,
        False,
        "",
    )


@pytest.mark.parametrize(
    ("watch_dir", "error"),
    [
        ("drop", "download_dir_not_allowed"),
        ("/not/allowed/drop", "download_dir_not_allowed"),
        ("{config}/www/drop", "download_dir_served"),
        ("{config}", "download_dir_served"),
    ],
)
async def test_engine_refuses_a_watch_folder_it_may_not_use(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    media: Path,
    watch_dir: str,
    error: str,
) -> None:
    """A watch folder must be absolute, allowed, and not served over HTTP."""
    config = hass.config.config_dir
    # <config>/www is allowed by default, and served to anyone as /local.
    hass.config.allowlist_external_dirs = {str(media), config}
    result = await _engine_step(hass, entry)
    typed = _shown(result) | {
        "download_dir": str(media / "downloads"),
        "watch_dir": watch_dir.format(config=config),
    }
    result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"watch_dir": error}
    assert _shown(result)["watch_dir"] == typed["watch_dir"]
    assert entry.options == {CONF_SCAN_INTERVAL: 90}

    result = await _submit(hass, result, typed | {"watch_dir": str(media / "drop")})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["torrent"]["watch_dir"] == str(media / "drop")


async def test_watch_folder_checked_off_the_event_loop(
    hass: HomeAssistant, entry: MockConfigEntry, media: Path
) -> None:
    """Home Assistant's is_allowed_path reads the disk: never on the event loop."""
    loop_thread = threading.get_ident()
    checked: list[tuple[str, bool]] = []
    original = hass.config.is_allowed_path

    def spy(path: str) -> bool:
        checked.append((path, threading.get_ident() == loop_thread))
        return original(path)

    result = await _engine_step(hass, entry)
    typed = _shown(result) | {
        "download_dir": str(media / "downloads"),
        "watch_dir": str(media / "drop"),
    }
    with patch.object(hass.config, "is_allowed_path", spy):
        result = await _submit(hass, result, typed)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert checked == [
        (str(media / "downloads"), False),
        (str(media / "drop"), False),
    ]


# --------------------------------------------------------------------------- adding


async def _setup_with(
    hass: HomeAssistant,
    sim: Simulator,
    names: list[str],
    adding: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """Set up LCARS with some simulated services (no platforms), and adding options."""
    options: dict[str, Any] = {CONF_SCAN_INTERVAL: 3600}
    if adding is not None:
        options[CONF_ADDING] = adding
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options=options,
        entry_id="lcars_entry",
        subentries_data=[subentry_data(sim, name) for name in names],
    )
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", []):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


def _choices(result: Any, field: str) -> list[Any]:
    """The options a select of a form offers."""
    for marker, selector in result["data_schema"].schema.items():
        if str(marker) == field:
            options = selector.config["options"]
            return [o["value"] if isinstance(o, dict) else o for o in options]
    raise AssertionError(f"no field {field}")


@pytest.fixture
async def adding_sim(socket_enabled: None) -> Any:
    """Two Radarr, a Sonarr, a Lidarr and a Jellyseerr."""
    async with Simulator(
        movies=3,
        series=1,
        artists=1,
        seed=3,
        instances={
            "radarr": "radarr",
            "radarr4k": "radarr",
            "sonarr": "sonarr",
            "lidarr": "lidarr",
            "jellyseerr": "jellyseerr",
        },
    ) as sim:
        yield sim


async def test_adding_needs_a_loaded_entry(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await _submit(hass, result, {"next_step_id": "adding"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_adding_with_nothing_to_add(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    entry = await _setup_with(hass, adding_sim, [])
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await _submit(hass, result, {"next_step_id": "adding"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "nothing_to_add"


async def test_adding_route_only(hass: HomeAssistant, adding_sim: Simulator) -> None:
    """With Jellyseerr and no *arr there is only the route to choose."""
    entry = await _setup_with(hass, adding_sim, ["jellyseerr"])
    result = await _open(hass, entry, "adding")
    assert _choices(result, "route") == ["arr", "jellyseerr"]
    assert [str(m) for m in result["data_schema"].schema] == ["route"]
    assert _shown(result) == {"route": "arr"}
    result = await _submit(hass, result, {"route": "jellyseerr"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_ADDING] == {"route": "jellyseerr", "instances": {}}
    assert entry.options[CONF_SCAN_INTERVAL] == 3600


async def test_adding_defaults_round_trip(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    """Read live, stored by id; one default instance per service."""
    stored = {
        "route": "arr",
        "request_as": 7,
        "instances": {
            "sub_radarr4k": {"root_folder": "/movies", "default_for_kind": True},
            # A removed instance's defaults go.
            "sub_gone": {"root_folder": "/x"},
        },
    }
    entry = await _setup_with(
        hass, adding_sim, ["radarr", "radarr4k", "sonarr", "jellyseerr"], stored
    )
    adding_sim.reset_requests()
    result = await _open(hass, entry, "adding")
    # No Jellyseerr route without Jellyseerr; here there is one.
    assert _choices(result, "route") == ["arr", "jellyseerr"]
    assert _choices(result, "instance") == ["sub_radarr", "sub_radarr4k", "sub_sonarr"]
    result = await _submit(hass, result, {"route": "arr", "instance": "sub_radarr"})
    assert result["step_id"] == "adding_defaults"
    assert result["description_placeholders"] == {"instance": "Radarr"}
    assert _choices(result, "root_folder") == ["/movies", "/movies-4k"]
    assert _choices(result, "quality_profile")[:2] == ["1", "2"]
    assert _choices(result, "monitor") == ["movie_only", "movie_and_collection", "none"]
    assert "season_folder" not in _shown(result)
    assert _shown(result) == {
        "monitored": True,
        "monitor": "movie_only",
        "minimum_availability": "released",
        "search_now": True,
        "default_for_kind": False,
    }
    # One live read: the quality profiles (root folders come from the snapshot).
    assert adding_sim.requests("radarr") == [("GET", "/api/v3/qualityprofile")]
    result = await _submit(
        hass,
        result,
        {
            "root_folder": "/movies-4k",
            "quality_profile": "4",
            "monitored": False,
            "monitor": "movie_and_collection",
            "minimum_availability": "in_cinemas",
            "search_now": False,
            "default_for_kind": True,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_ADDING] == {
        "route": "arr",
        "request_as": 7,
        "instances": {
            "sub_radarr4k": {"root_folder": "/movies", "default_for_kind": False},
            "sub_radarr": {
                "root_folder": "/movies-4k",
                "quality_profile": 4,
                "monitored": False,
                "monitor": "movieAndCollection",
                "minimum_availability": "inCinemas",
                "search_now": False,
                "default_for_kind": True,
            },
        },
    }
    # Shown again as stored; the entry was not reloaded.
    result = await _open(hass, entry, "adding")
    result = await _submit(hass, result, {"route": "arr", "instance": "sub_radarr"})
    assert _shown(result)["quality_profile"] == "4"
    assert _shown(result)["monitor"] == "movie_and_collection"
    assert _shown(result)["minimum_availability"] == "in_cinemas"
    # Sonarr asks for season folders; another instance keeps its mark.
    result = await _open(hass, entry, "adding")
    result = await _submit(hass, result, {"route": "arr", "instance": "sub_sonarr"})
    assert _choices(result, "monitor")[:3] == ["all", "future", "missing"]
    result = await _submit(
        hass,
        result,
        {
            "root_folder": "/tv",
            "quality_profile": "1",
            "monitored": True,
            "monitor": "first_season",
            "season_folder": False,
            "search_now": True,
            "default_for_kind": True,
        },
    )
    instances = entry.options[CONF_ADDING]["instances"]
    assert instances["sub_radarr"]["default_for_kind"] is True
    assert instances["sub_sonarr"]["monitor"] == "firstSeason"
    assert instances["sub_sonarr"]["season_folder"] is False


async def test_adding_lidarr_metadata_profiles(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    entry = await _setup_with(hass, adding_sim, ["lidarr"])
    result = await _open(hass, entry, "adding")
    assert "route" not in [str(m) for m in result["data_schema"].schema]
    result = await _submit(hass, result, {"instance": "sub_lidarr"})
    assert _choices(result, "metadata_profile") == ["1", "2"]
    result = await _submit(
        hass,
        result,
        {
            "root_folder": "/music",
            "quality_profile": "2",
            "metadata_profile": "1",
            "monitored": True,
            "monitor": "latest",
            "search_now": True,
            "default_for_kind": False,
        },
    )
    assert entry.options[CONF_ADDING]["route"] == "arr"
    assert entry.options[CONF_ADDING]["instances"]["sub_lidarr"] == {
        "root_folder": "/music",
        "quality_profile": 2,
        "metadata_profile": 1,
        "monitored": True,
        "monitor": "latest",
        "search_now": True,
        "default_for_kind": False,
    }


async def test_adding_unreachable_instance(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    entry = await _setup_with(hass, adding_sim, ["radarr"])
    result = await _open(hass, entry, "adding")
    adding_sim.faults("radarr").set(status=500)
    result = await _submit(hass, result, {"instance": "sub_radarr"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "adding"
    assert result["errors"] == {"instance": "arr_cannot_connect"}
    assert _shown(result)["instance"] == "sub_radarr"
    adding_sim.faults("radarr").clear()
    result = await _submit(hass, result, {"instance": "sub_radarr"})
    assert result["step_id"] == "adding_defaults"


async def test_adding_instance_not_answered(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    adding_sim.faults("radarr").set(status=500)
    entry = await _setup_with(hass, adding_sim, ["radarr"])
    result = await _open(hass, entry, "adding")
    result = await _submit(hass, result, {"instance": "sub_radarr"})
    assert result["errors"] == {"instance": "arr_not_answered"}


async def test_adding_instance_without_root_folders(
    hass: HomeAssistant, adding_sim: Simulator
) -> None:
    for folder in adding_sim.state.services["radarr"].root_folders:
        folder.accessible = False
    entry = await _setup_with(hass, adding_sim, ["radarr"])
    result = await _open(hass, entry, "adding")
    result = await _submit(hass, result, {"instance": "sub_radarr"})
    assert result["errors"] == {"instance": "arr_nothing_to_choose"}


# --------------------------------------------------------------------------- requests


async def _loaded(
    hass: HomeAssistant, simulator: Any, names: list[str], **options: Any
) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600, **options},
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, name) for name in names],
    )
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", []):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


async def test_requests_as_a_jellyseerr_user(
    hass: HomeAssistant, simulator: Any
) -> None:
    """The users come from Jellyseerr; the choice is kept with the adding options."""
    entry = await _loaded(
        hass, simulator, ["jellyseerr"], adding={"route": "arr", "request_as": None}
    )
    result = await _open(hass, entry, "requests")
    assert _shown(result) == {"request_as": "1"}
    [marker] = result["data_schema"].schema
    choices = result["data_schema"].schema[marker].config["options"]
    assert [(c["value"], c["label"]) for c in choices] == [
        ("1", "alice"),
        ("2", "bob"),
        ("3", "carol"),
    ]
    result = await _submit(hass, result, {"request_as": "2"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options["adding"] == {"route": "arr", "request_as": 2}
    assert entry.options[CONF_SCAN_INTERVAL] == 3600

    result = await _open(hass, entry, "requests")
    assert _shown(result) == {"request_as": "2"}
    result = await _submit(hass, result, {"request_as": "1"})
    assert entry.options["adding"] == {"route": "arr", "request_as": None}


async def test_requests_as_a_user_jellyseerr_no_longer_has(
    hass: HomeAssistant, simulator: Any
) -> None:
    entry = await _loaded(hass, simulator, ["jellyseerr"], adding={"request_as": 77})
    result = await _open(hass, entry, "requests")
    assert _shown(result) == {"request_as": "1"}


async def test_requests_need_a_jellyseerr_that_answers(
    hass: HomeAssistant, simulator: Any, entry: MockConfigEntry
) -> None:
    async def abort_reason(config: MockConfigEntry) -> str:
        result = await hass.config_entries.options.async_init(config.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": "requests"}
        )
        assert result["type"] is FlowResultType.ABORT
        reason = str(result["reason"])
        assert reason in _strings()["options"]["abort"]
        return reason

    # Not set up.
    assert await abort_reason(entry) == "jellyseerr_not_connected"
    await hass.config_entries.async_remove(entry.entry_id)
    loaded = await _loaded(hass, simulator, ["radarr"])
    assert await abort_reason(loaded) == "jellyseerr_not_connected"
    await hass.config_entries.async_remove(loaded.entry_id)
    loaded = await _loaded(hass, simulator, ["jellyseerr"])
    simulator.faults("jellyseerr").set(status=500, paths=["/api/v1/user"])
    assert await abort_reason(loaded) == "jellyseerr_unreachable"
