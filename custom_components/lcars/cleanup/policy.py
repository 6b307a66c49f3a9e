"""The cleanup policy: how long items may stay, and what keeps them.

A policy is validated when it is built: an invalid one cannot exist. Errors
carry a machine-readable code and the offending field so that Home Assistant
can translate them and point at the right form field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import math
from types import MappingProxyType
from typing import Any, Final, Literal

from .model import MediaType

type PolicyErrorCode = Literal[
    "invalid_type",
    "unknown_option",
    "threshold_out_of_range",
    "duplicate_threshold",
    "unordered",
    "days_not_positive",
    "count_negative",
    "cap_not_positive",
    "margin_out_of_range",
    "empty_tag",
    "tag_conflict",
    "invalid_series_unit",
]

type SeriesUnit = Literal["season", "series"]

GB: Final = 1_000_000_000
# Sizes are shown and entered in binary units (see reasons.SIZE_UNITS).
GIB: Final = 1 << 30
# Hyphens: Radarr, Sonarr and Lidarr only accept tag labels of a-z, 0-9 and
# "-". Tags compare with "_" and "-" alike (see `tag_key`), so a policy or a
# label written "lcars_keep" means the same tag.
KEEP_TAG: Final = "lcars-keep"
ROLLING_TAG: Final = "lcars-rolling"

# Free-space percent -> maximum age in days. The less free space, the shorter
# items may stay.
DEFAULT_MOVIE_LIMITS: Final[Mapping[float, int]] = MappingProxyType(
    {5.0: 15, 10.0: 30, 15.0: 60, 20.0: 90}
)
DEFAULT_SERIES_LIMITS: Final[Mapping[float, int]] = DEFAULT_MOVIE_LIMITS
DEFAULT_ALBUM_LIMITS: Final[Mapping[float, int]] = MappingProxyType({5.0: 30, 10.0: 90})

# What each *arr server holds, in the policy's words.
MEDIA_TYPE_OF_SERVICE: Final[dict[str, MediaType]] = {
    "radarr": "movies",
    "sonarr": "series",
    "lidarr": "albums",
}

_LIMIT_FIELDS: Final[dict[MediaType, str]] = {
    "movies": "movie_limits",
    "series": "series_limits",
    "albums": "album_limits",
}


class PolicyError(ValueError):
    """A policy setting is invalid.

    `code` says what is wrong, `field` names the setting and `detail` the
    offending entry (such as a threshold key), for translation.
    """

    def __init__(
        self, code: PolicyErrorCode, field: str, message: str, detail: str | None = None
    ) -> None:
        """Keep the machine-readable parts next to the message."""
        super().__init__(message)
        self.code: PolicyErrorCode = code
        self.field = field
        self.detail = detail


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyNotice:
    """A valid but noteworthy setting, reported to the user rather than refused."""

    code: Literal["grace_longer_than_limits"]
    field: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupPolicy:
    """When library items expire and what protects them.

    Age limits map a free-space percent to a maximum age in days: a limit
    applies when the root folder's free space is strictly below its percent,
    and the smallest matching percent wins.
    """

    movie_limits: Mapping[float, int] = DEFAULT_MOVIE_LIMITS
    series_limits: Mapping[float, int] = DEFAULT_SERIES_LIMITS
    album_limits: Mapping[float, int] = DEFAULT_ALBUM_LIMITS
    # Whether series are cleaned up season by season or only as a whole.
    series_unit: SeriesUnit = "season"
    # Tags that keep an item, in addition to `lcars-keep`, which always does.
    exclusion_tags: frozenset[str] = frozenset()
    # On by default: a favourite is the one thing a user said they want to
    # keep, and losing it is the most surprising deletion there is; keeping it
    # only costs space, and the option can be turned off.
    protect_favorites: bool = True
    # Tag -> maximum age in days, whatever the free space.
    tag_schedules: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({})
    )
    rolling_tag: str = ROLLING_TAG
    rolling_keep_episodes: int = 10
    rolling_max_age_days: int = 30
    grace_days: int = 14
    free_until_target: bool = True
    target_margin_percent: float = 2.0
    max_items_per_run: int = 20
    max_bytes_per_run: int = 500 * GIB
    max_data_age_minutes: int = 15
    # A deletion that keeps failing is held instead of retried forever, so it
    # cannot take every run's first slot.
    max_delete_attempts: int = 3

    def __post_init__(self) -> None:
        """Normalise the settings and refuse invalid ones."""
        for name in _LIMIT_FIELDS.values():
            limits = _checked_limits(name, getattr(self, name))
            object.__setattr__(self, name, limits)
        if self.series_unit not in ("season", "series"):
            raise PolicyError(
                "invalid_series_unit",
                "series_unit",
                f"series_unit must be 'season' or 'series', not {self.series_unit!r}",
            )
        exclusion = frozenset(
            _checked_tag("exclusion_tags", tag) for tag in self.exclusion_tags
        )
        object.__setattr__(self, "exclusion_tags", exclusion)
        object.__setattr__(
            self, "rolling_tag", _checked_tag("rolling_tag", self.rolling_tag)
        )
        object.__setattr__(
            self, "tag_schedules", _checked_schedules(self.tag_schedules)
        )
        _check_days("rolling_max_age_days", self.rolling_max_age_days)
        _check_days("grace_days", self.grace_days)
        _check_count("rolling_keep_episodes", self.rolling_keep_episodes)
        _check_cap("max_items_per_run", self.max_items_per_run)
        _check_cap("max_bytes_per_run", self.max_bytes_per_run)
        _check_cap("max_data_age_minutes", self.max_data_age_minutes)
        _check_cap("max_delete_attempts", self.max_delete_attempts)
        if not 0 <= self.target_margin_percent < 100:
            raise PolicyError(
                "margin_out_of_range",
                "target_margin_percent",
                "The free space margin must be at least 0 and below 100 percent",
            )
        self._check_tag_conflicts()

    def _check_tag_conflicts(self) -> None:
        """Refuse a tag that both keeps and schedules an item: which one wins is unclear."""
        keep = self.keep_tags
        for tag in self.tag_schedules:
            if tag in keep or tag == self.rolling_tag:
                raise PolicyError(
                    "tag_conflict",
                    "tag_schedules",
                    f"Tag {tag!r} cannot both schedule and keep or roll items",
                    tag,
                )
        if self.rolling_tag in keep:
            raise PolicyError(
                "tag_conflict",
                "rolling_tag",
                f"Tag {self.rolling_tag!r} cannot both keep and roll items",
                self.rolling_tag,
            )

    @property
    def keep_tags(self) -> frozenset[str]:
        """Every tag that keeps an item: `lcars-keep` and the user's own."""
        return self.exclusion_tags | {KEEP_TAG}

    def limits_for(self, media_type: MediaType) -> Mapping[float, int]:
        """Return the free-space percent -> maximum age map of a media type."""
        limits: Mapping[float, int] = getattr(self, _LIMIT_FIELDS[media_type])
        return limits

    def limit_at(self, media_type: MediaType, free_percent: float) -> int | None:
        """Return the age limit in days at a free-space percent, or None.

        None when the free space is at or above every key: nothing expires.
        Informational: the planner compares exact byte counts instead.
        """
        for percent, days in self.limits_for(media_type).items():
            if free_percent < percent:
                return days
        return None

    def limit_of_service(self, kind: str, free_percent: float | None) -> int | None:
        """Return the age limit in effect for a root folder of an *arr kind.

        None for another kind of server, or without a free-space figure.
        """
        media_type = MEDIA_TYPE_OF_SERVICE.get(kind)
        if media_type is None or free_percent is None:
            return None
        return self.limit_at(media_type, free_percent)

    @property
    def longest_limit_days(self) -> int | None:
        """The longest age limit of any rule, or None without any limit."""
        days = [d for m in _LIMIT_FIELDS for d in self.limits_for(m).values()]
        days.extend(self.tag_schedules.values())
        return max(days, default=None)

    def notices(self) -> tuple[PolicyNotice, ...]:
        """List the valid settings worth telling the user about."""
        longest = self.longest_limit_days
        if longest is not None and self.grace_days > longest:
            return (
                PolicyNotice(
                    code="grace_longer_than_limits",
                    field="grace_days",
                    message=(
                        f"The grace period ({self.grace_days} days) is longer than"
                        f" the longest age limit ({longest} days): every item waits"
                        f" the full {self.grace_days} days on leaving soon before"
                        " it can be deleted."
                    ),
                ),
            )
        return ()

    def to_dict(self) -> dict[str, Any]:
        """Return the policy as plain JSON data (percent keys as strings), for options."""
        data: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if name in _LIMIT_FIELDS.values():
                value = {_percent_key(k): v for k, v in value.items()}
            elif name == "tag_schedules":
                value = dict(value)
            elif name == "exclusion_tags":
                value = sorted(value)
            data[name] = value
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CleanupPolicy:
        """Build a policy from options data, such as `to_dict` or a form gives.

        Missing settings take their defaults. Percent keys may be strings or
        numbers, or the limits a list of [percent, days] pairs; "10" and "10.0"
        are the same key and count as a duplicate.
        """
        unknown = sorted(set(data) - set(_FIELD_NAMES))
        if unknown:
            raise PolicyError(
                "unknown_option", unknown[0], f"Unknown option {unknown[0]!r}"
            )
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            kwargs[name] = _parse_option(name, value)
        return cls(**kwargs)


_FIELD_NAMES: Final = tuple(
    name for name in CleanupPolicy.__dataclass_fields__ if not name.startswith("_")
)
_BOOL_FIELDS: Final = frozenset({"protect_favorites", "free_until_target"})
_INT_FIELDS: Final = frozenset(
    {
        "rolling_keep_episodes",
        "rolling_max_age_days",
        "grace_days",
        "max_items_per_run",
        "max_bytes_per_run",
        "max_data_age_minutes",
        "max_delete_attempts",
    }
)


def _percent_key(percent: float) -> str:
    """Write 10.0 as "10" and 7.5 as "7.5"."""
    return f"{percent:g}"


def _parse_option(name: str, value: Any) -> Any:
    """Turn one option from JSON-ish data into the type the policy field has."""
    if name in _LIMIT_FIELDS.values():
        return _parse_limits(name, value)
    if name == "tag_schedules":
        if not isinstance(value, Mapping):
            raise _type_error(name, "a map of tag to days")
        return {_parse_str(name, k): _parse_int(name, v) for k, v in value.items()}
    if name == "exclusion_tags":
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise _type_error(name, "a list of tags")
        return frozenset(_parse_str(name, tag) for tag in value)
    if name in _BOOL_FIELDS:
        if not isinstance(value, bool):
            raise _type_error(name, "true or false")
        return value
    if name in _INT_FIELDS:
        return _parse_int(name, value)
    if name == "target_margin_percent":
        return _parse_number(name, value)
    return _parse_str(name, value)


def _parse_limits(name: str, value: Any) -> dict[float, int]:
    """Read a percent -> days map, refusing a percent given twice."""
    if isinstance(value, Mapping):
        pairs: Iterable[Any] = value.items()
    elif isinstance(value, list | tuple):
        pairs = value
    else:
        raise _type_error(name, "a map of free percent to days")
    limits: dict[float, int] = {}
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise _type_error(name, "pairs of free percent and days")
        percent = _parse_number(name, pair[0])
        if percent in limits:
            raise PolicyError(
                "duplicate_threshold",
                name,
                f"{name}: the free percent {_percent_key(percent)} is given twice",
                _percent_key(percent),
            )
        limits[percent] = _parse_int(name, pair[1])
    return limits


def _parse_number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise _type_error(name, "a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%"))
        except ValueError:
            pass
    raise _type_error(name, "a number")


def _parse_int(name: str, value: Any) -> int:
    """Accept whole numbers, also as 30.0 (number selectors give floats)."""
    number = _parse_number(name, value)
    if not math.isfinite(number) or number != int(number):
        raise _type_error(name, "a whole number")
    return int(number)


def _parse_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(name, "text")
    return value


def _type_error(name: str, expected: str) -> PolicyError:
    return PolicyError("invalid_type", name, f"{name} must be {expected}")


def _checked_limits(name: str, limits: Mapping[float, int]) -> Mapping[float, int]:
    """Check a percent -> days map and return it sorted by percent, read-only."""
    ordered: dict[float, int] = {}
    for percent, days in sorted(limits.items()):
        key = _percent_key(percent)
        if not (math.isfinite(percent) and 0 < percent < 100):
            raise PolicyError(
                "threshold_out_of_range",
                name,
                f"{name}: free percent {key} must be above 0 and below 100",
                key,
            )
        _check_days(name, days, key)
        ordered[float(percent)] = days
    # Less free space must never allow a longer (or the same) age: the rule
    # gets stricter as the disk fills.
    previous: tuple[float, int] | None = None
    for percent, days in ordered.items():
        if previous is not None and days <= previous[1]:
            raise PolicyError(
                "unordered",
                name,
                f"{name}: under {_percent_key(previous[0])}% free the limit is"
                f" {previous[1]} days, so under {_percent_key(percent)}% it must be"
                f" longer, not {days} days",
                _percent_key(percent),
            )
        previous = (percent, days)
    return MappingProxyType(ordered)


def tag_key(tag: str) -> str:
    """Return the form in which tags compare: lowercase, "_" written as "-".

    The *arr store labels in lowercase and refuse "_", so "lcars_keep" in a
    policy and "lcars-keep" on an item are the same tag.
    """
    return tag.strip().lower().replace("_", "-")


def _checked_tag(name: str, tag: str) -> str:
    """Tags compare in lowercase with "_" and "-" alike (see `tag_key`)."""
    cleaned = tag_key(tag)
    if not cleaned:
        raise PolicyError("empty_tag", name, f"{name}: a tag cannot be empty")
    return cleaned


def _checked_schedules(schedules: Mapping[str, int]) -> Mapping[str, int]:
    checked: dict[str, int] = {}
    for tag, days in schedules.items():
        cleaned = _checked_tag("tag_schedules", tag)
        _check_days("tag_schedules", days, cleaned)
        checked[cleaned] = days
    return MappingProxyType(checked)


def _check_days(name: str, days: int, detail: str | None = None) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise _type_error(name, "a whole number of days")
    if days <= 0:
        raise PolicyError(
            "days_not_positive", name, f"{name}: days must be 1 or more", detail
        )


def _check_count(name: str, count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int):
        raise _type_error(name, "a whole number")
    if count < 0:
        raise PolicyError("count_negative", name, f"{name} cannot be negative")


def _check_cap(name: str, cap: int) -> None:
    if isinstance(cap, bool) or not isinstance(cap, int):
        raise _type_error(name, "a whole number")
    if cap <= 0:
        raise PolicyError("cap_not_positive", name, f"{name} must be 1 or more")
