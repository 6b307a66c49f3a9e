"""The cleanup policy as people type it: text fields, GiB, and back.

The options form shows the policy as text ("5: 15, 10: 30" for disk limits,
"delete-after-30d: 30" for tag schedules, tags separated by commas) and the
data cap per run in GiB. This module reads such text into a `CleanupPolicy`
and writes a policy back as text. Pure: the Home Assistant layer only maps a
`PolicyTextError` to the error of its form field.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import re
from typing import Any, Final, Literal

from .policy import GIB, CleanupPolicy, PolicyError, PolicyErrorCode, tag_key

type TextErrorCode = Literal[
    "invalid_limits_format",
    "invalid_schedule_format",
    "invalid_tag",
    "duplicate_tag",
]

# Form fields that are not a policy setting of the same name. The data cap is
# entered in GiB, the unit LCARS writes sizes in everywhere.
MAX_GIB_PER_RUN: Final = "max_gigabytes_per_run"
LIMIT_FIELDS: Final = ("movie_limits", "series_limits", "album_limits")
# Fields taken from the form as they are: the policy checks them.
PLAIN_FIELDS: Final = (
    "series_unit",
    "protect_favorites",
    "rolling_keep_episodes",
    "rolling_max_age_days",
    "grace_days",
    "free_until_target",
    "target_margin_percent",
    "max_items_per_run",
    "max_data_age_minutes",
)
TEXT_FIELDS: Final = (*LIMIT_FIELDS, "exclusion_tags", "tag_schedules", "rolling_tag")
FORM_FIELDS: Final = frozenset({*TEXT_FIELDS, *PLAIN_FIELDS, MAX_GIB_PER_RUN})

# Labels the *arr accept for a tag, once written the way the policy compares them.
_TAG_LABEL = re.compile(r"[a-z0-9-]+")
# One age limit: "<free percent>: <days>", the percent sign optional.
_LIMIT_ENTRY = re.compile(
    r"(?P<percent>[-+]?\d+(?:\.\d+)?)\s*%?\s*:\s*(?P<days>[-+]?\d+)"
)
# One tag schedule: "<tag>: <days>"; the tag is checked afterwards.
_SCHEDULE_ENTRY = re.compile(r"(?P<tag>[^:]*):\s*(?P<days>[-+]?\d+)")


class PolicyTextError(ValueError):
    """A form field of the policy that is refused.

    `field` is the form field at fault, None for a setting the form does not
    show; `code` is the translation key of the reason and `detail` the
    offending entry ("" when the whole field is at fault).
    """

    def __init__(
        self, field: str | None, code: TextErrorCode | PolicyErrorCode, detail: str
    ) -> None:
        """Keep the field, the reason and the entry for the form."""
        super().__init__(f"{field}: {code} {detail}".rstrip())
        self.field = field
        self.code: TextErrorCode | PolicyErrorCode = code
        self.detail = detail


def entries(text: str) -> list[str]:
    """Split a text field at commas, leaving out empty entries."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_limits(field: str, text: str) -> list[tuple[float, int]]:
    """Read "5: 15, 10: 30" as (free percent, days) pairs, in the order given.

    Pairs rather than a map, so that a percent given twice reaches the policy,
    which refuses it with a reason.
    """
    pairs: list[tuple[float, int]] = []
    for entry in entries(text):
        match = _LIMIT_ENTRY.fullmatch(entry)
        if match is None:
            raise PolicyTextError(field, "invalid_limits_format", entry)
        pairs.append((float(match["percent"]), int(match["days"])))
    return pairs


def checked_label(field: str, tag: str) -> str:
    """Refuse a tag the *arr would not accept; an empty one is left to the policy."""
    key = tag_key(tag)
    if key and _TAG_LABEL.fullmatch(key) is None:
        raise PolicyTextError(field, "invalid_tag", tag.strip())
    return tag


def parse_schedules(text: str) -> dict[str, int]:
    """Read "delete-after-30d: 30, ..." as tag -> days; a tag may appear once."""
    schedules: dict[str, int] = {}
    seen: set[str] = set()
    for entry in entries(text):
        match = _SCHEDULE_ENTRY.fullmatch(entry)
        if match is None:
            raise PolicyTextError("tag_schedules", "invalid_schedule_format", entry)
        tag = checked_label("tag_schedules", match["tag"])
        if tag_key(tag) in seen:
            raise PolicyTextError("tag_schedules", "duplicate_tag", tag.strip())
        seen.add(tag_key(tag))
        schedules[tag] = int(match["days"])
    return schedules


def policy_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the form's values into `CleanupPolicy.from_dict` settings.

    A text field left out counts as empty. Raises PolicyTextError for text
    that cannot be read; the settings themselves are checked by the policy.
    """
    data: dict[str, Any] = {
        field: parse_limits(field, values.get(field, "")) for field in LIMIT_FIELDS
    }
    data["exclusion_tags"] = [
        checked_label("exclusion_tags", tag)
        for tag in entries(values.get("exclusion_tags", ""))
    ]
    data["tag_schedules"] = parse_schedules(values.get("tag_schedules", ""))
    data["rolling_tag"] = checked_label("rolling_tag", values.get("rolling_tag", ""))
    for field in PLAIN_FIELDS:
        data[field] = values[field]
    # Whole bytes; a value that is not a finite number goes to the policy as
    # it is, which refuses it with a reason.
    gibibytes: float = values[MAX_GIB_PER_RUN]
    data["max_bytes_per_run"] = (
        round(gibibytes * GIB) if math.isfinite(gibibytes) else gibibytes
    )
    return data


def form_field(setting: str) -> str | None:
    """Return the form field a policy setting is entered in; None if not shown."""
    if setting == "max_bytes_per_run":
        return MAX_GIB_PER_RUN
    return setting if setting in FORM_FIELDS else None


def policy_from_form(
    current: CleanupPolicy, values: Mapping[str, Any]
) -> CleanupPolicy:
    """Return `current` with the settings of the form; settings not shown are kept.

    Raises PolicyTextError naming the form field at fault, whether the text
    cannot be read or the policy refuses the setting.
    """
    settings = policy_settings(values)
    try:
        return CleanupPolicy.from_dict(current.to_dict() | settings)
    except PolicyError as err:
        raise PolicyTextError(
            form_field(err.field), err.code, err.detail or ""
        ) from err


def _number(value: float) -> float:
    """Show whole numbers without a decimal point."""
    return int(value) if value == int(value) else value


def form_values(policy: CleanupPolicy) -> dict[str, Any]:
    """Return the form's values showing a policy, the way `policy_settings` reads them."""
    values: dict[str, Any] = {
        field: ", ".join(
            f"{percent:g}: {days}" for percent, days in getattr(policy, field).items()
        )
        for field in LIMIT_FIELDS
    }
    values |= {
        "series_unit": policy.series_unit,
        "exclusion_tags": ", ".join(sorted(policy.exclusion_tags)),
        "protect_favorites": policy.protect_favorites,
        "tag_schedules": ", ".join(
            f"{tag}: {days}" for tag, days in policy.tag_schedules.items()
        ),
        "rolling_tag": policy.rolling_tag,
        "rolling_keep_episodes": policy.rolling_keep_episodes,
        "rolling_max_age_days": policy.rolling_max_age_days,
        "grace_days": policy.grace_days,
        "free_until_target": policy.free_until_target,
        "target_margin_percent": _number(policy.target_margin_percent),
        "max_items_per_run": policy.max_items_per_run,
        MAX_GIB_PER_RUN: _number(policy.max_bytes_per_run / GIB),
        "max_data_age_minutes": policy.max_data_age_minutes,
    }
    return values
