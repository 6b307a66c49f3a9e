"""Small, forgiving conversions of JSON values into model fields.

The services omit null fields and older versions lack newer ones, so every
optional field is read with a default. A value of the wrong type becomes the
default rather than an error; only the identity of an element (its id) is
required.
"""

from __future__ import annotations

from datetime import UTC, datetime
import math
import re
import sys
from typing import Any

# More than six fractional digits (Jellyfin sends seven) are cut to six for
# Python versions whose fromisoformat refuses them.
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    Accepts `Z` and numeric offsets, any number of fractional digits and plain
    dates. A value without an offset is taken as UTC (the services store UTC).
    The .NET "no date" values (year 1 and year 9999) and anything unparsable
    become None.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(
                _LONG_FRACTION.sub(r"\1", value.strip().upper())
            )
        except ValueError:
            return None
    if parsed.year <= 1 or parsed.year >= 9999:
        return None
    tzinfo = parsed.tzinfo
    if tzinfo is UTC:
        # What the services send ("Z"): nothing to convert.
        return parsed
    if tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def to_utc(value: datetime) -> datetime:
    """Return an aware UTC datetime; a naive one is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """Format a datetime the way the *arr APIs expect it (UTC, `Z`)."""
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def opt_int(value: object) -> int | None:
    """Return an integer, or None for anything else (booleans included)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def int_or_zero(value: object) -> int:
    """Return an integer count or size, 0 when missing."""
    result = opt_int(value)
    return 0 if result is None else result


def opt_id(value: object) -> int | None:
    """Return an external id such as tmdbId, None when missing or 0 (unknown)."""
    result = opt_int(value)
    return result if result else None


def opt_str(value: object) -> str | None:
    """Return a non-empty string, or None."""
    if isinstance(value, str) and value:
        return value
    return None


def as_bool(value: object, default: bool = False) -> bool:
    """Return a boolean, with a default when missing."""
    if isinstance(value, bool):
        return value
    return default


def as_dict(value: object) -> dict[str, Any]:
    """Return a JSON object, or an empty dict when missing."""
    if isinstance(value, dict):
        return value
    return {}


# A library uses few distinct sets of tags: one shared tuple per set keeps
# the rows of a large library small, and a row that holds an old shared
# tuple is one the garbage collector stops tracking at its first collection.
_SHARED_TUPLES: dict[tuple[int, ...], tuple[int, ...]] = {}
_MAX_SHARED_TUPLES = 4096


def int_tuple(value: object) -> tuple[int, ...]:
    """Return a tuple of integer ids (tags), ignoring anything that is not one."""
    if not isinstance(value, list) or not value:
        return ()
    result = tuple(value)
    # The usual case, checked in C: every element is a plain int.
    if set(map(type, result)) != {int}:
        result = tuple(v for v in result if type(v) is int)
    shared = _SHARED_TUPLES.get(result)
    if shared is not None:
        return shared
    if len(_SHARED_TUPLES) < _MAX_SHARED_TUPLES:
        _SHARED_TUPLES[result] = result
    return result


_DRIVE = re.compile(r"^[A-Za-z]:")


def clean_path(path: str) -> str:
    r"""Return a folder path without its trailing separator (kept at a root).

    The *arr keep a root folder as it was typed ("/tv/", "D:\\TV\\") and
    name it so in their items, while `/rootfolder` shows it trimmed.
    """
    trimmed = path.rstrip("/\\")
    if not trimmed:
        return path[:1]
    if _DRIVE.fullmatch(trimmed):
        # A drive's root keeps its separator ("D:\\").
        return trimmed + (path[len(trimmed)] if len(path) > len(trimmed) else "\\")
    return trimmed


def path_key(path: str) -> str:
    r"""Spell a path so that two spellings of one folder compare equal.

    Windows paths (a drive letter, or a share: `\\server\share`)
    compare with either separator and in any case; a trailing separator
    never counts. POSIX paths stay case-sensitive.
    """
    if _DRIVE.match(path) or path.startswith("\\\\"):
        path = path.replace("\\", "/").casefold()
    trimmed = path.rstrip("/")
    if not trimmed or trimmed.endswith(":"):
        return trimmed + "/"
    return trimmed


def parent_folder(path: str | None) -> str | None:
    """Return the folder that contains `path`, for POSIX and Windows paths."""
    if not path:
        return None
    trimmed = path.rstrip("/\\")
    cut = max(trimmed.rfind("/"), trimmed.rfind("\\"))
    if cut < 0:
        return None
    return clean_path(trimmed[: cut + 1])


def root_folder_of(data: dict[str, Any], path: str | None) -> str | None:
    """Return the root folder of a library item (sent, or the folder above it).

    Without a trailing separator, as `/rootfolder` names it. Interned: a
    library has a handful of root folders and thousands of items.
    """
    folder = opt_str(data.get("rootFolderPath"))
    folder = clean_path(folder) if folder is not None else parent_folder(path)
    return sys.intern(folder) if folder else None


_SHARED_TEXTS: dict[tuple[str, ...], tuple[str, ...]] = {}


def text_tuple(value: object) -> tuple[str, ...]:
    """Return a tuple of interned strings (genres), ignoring anything else.

    A library uses few distinct genres and fewer sets of them: one shared
    tuple per set, as `int_tuple` does for tags.
    """
    if not isinstance(value, list) or not value:
        return ()
    result = tuple(sys.intern(v) for v in value if isinstance(v, str) and v)
    shared = _SHARED_TEXTS.get(result)
    if shared is not None:
        return shared
    if len(_SHARED_TEXTS) < _MAX_SHARED_TUPLES:
        _SHARED_TEXTS[result] = result
    return result


def opt_float(value: object) -> float | None:
    """Return a finite number as a float, or None (booleans included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number):
            return number
    return None


def rating_value(ratings: object) -> float | None:
    """Return the rating of a Sonarr or Lidarr item (`ratings.value`, 0 to 10).

    None when there is none (0).
    """
    return opt_float(as_dict(ratings).get("value")) or None


def covers_of(
    data: dict[str, Any], *cover_types: str
) -> tuple[dict[str, str | None], int | None]:
    """Return the *arr's path of each cover type asked for, and their stamp.

    The path is the `url` of the item's `images[]` entry as the *arr gives
    it (with its url base), without the query; the stamp is the largest
    `lastWrite` of those found. Only paths on the *arr itself are kept
    (starting with one slash): LCARS never fetches covers from elsewhere
    through an *arr's answer.
    """
    wanted: dict[str, str | None] = dict.fromkeys(cover_types)
    stamp: int | None = None
    images = data.get("images")
    for image in images if isinstance(images, list) else ():
        if not isinstance(image, dict):
            continue
        cover = image.get("coverType")
        url = image.get("url")
        if (
            not isinstance(cover, str)
            or cover not in wanted
            or wanted[cover] is not None
            or not isinstance(url, str)
        ):
            continue
        path, _, query = url.partition("?")
        if not path.startswith("/") or path.startswith("//"):
            continue
        wanted[cover] = path
        for part in query.split("&"):
            name, _, value = part.partition("=")
            if name.casefold() == "lastwrite" and value.isascii() and value.isdigit():
                stamp = max(stamp or 0, int(value))
    return wanted, stamp
