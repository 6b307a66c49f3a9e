"""Checks of the fields of the LCARS actions, each failing with a translated error.

The schemas of the actions are built from these checks. A bad value (a wrong
type, an empty or over-long text, a number out of range such as 10**400,
infinity or NaN) is refused with a `ServiceValidationError` that names the
field. Home Assistant lets that error out of the schema as it is, where a
voluptuous error would reach the user untranslated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
import math
from typing import Any, Final
import unicodedata

import voluptuous as vol

from custom_components.lcars.const import ATTR_CONFIG_ENTRY_ID

from .common import as_int, invalid

type Check[T] = Callable[[Any], T]

# Names, ids, hashes and search words.
MAX_NAME_LENGTH: Final = 255
# Linux's PATH_MAX; also plenty for the URL of a .torrent file.
MAX_PATH_LENGTH: Final = 4096
# A magnet link may list many trackers.
MAX_MAGNET_LENGTH: Final = 16384
# Ids of the *arr services are 32-bit integers.
MAX_ID: Final = 2**31 - 1
# A boolean written as text is a short word.
MAX_WORD_LENGTH: Final = 16
# How much of a refused value an error message repeats.
SHOWN_LENGTH: Final = 60

_TRUE: Final = frozenset({"true", "on", "yes", "enable", "1"})
_FALSE: Final = frozenset({"false", "off", "no", "disable", "0"})


def shown(value: Any) -> str:
    """Return a short text of a refused value, safe to put in an error message.

    Integers beyond the interpreter's conversion limit, long texts and
    nested values are shortened rather than converted in full.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 64 else f"{Decimal(value):.3e}"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if len(value) <= SHOWN_LENGTH:
            return value
        return value[: SHOWN_LENGTH - 1] + "…"
    if isinstance(value, list | tuple | set):
        return "[…]"
    # Braces would read as a placeholder to whoever formats the message again.
    return "…"


def text(field: str, *, max_length: int = MAX_NAME_LENGTH) -> Check[str]:
    """Check a text of 1 to max_length characters; surrounding whitespace goes.

    A number is taken as its text (a YAML `instance: 4` or a link's `id: 12`).
    """

    def check(value: Any) -> str:
        if isinstance(value, str):
            result = value.strip()
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > 64:
                raise invalid("field_too_long", field=field, max=str(max_length))
            result = str(value)
        elif isinstance(value, float) and math.isfinite(value):
            result = str(value)
        else:
            raise invalid("field_not_text", field=field, value=shown(value))
        if not result:
            raise invalid("field_empty", field=field)
        if len(result) > max_length:
            raise invalid("field_too_long", field=field, max=str(max_length))
        if any(unicodedata.category(character) == "Cc" for character in result):
            # No name, path, address or hash holds a NUL or a line break.
            raise invalid("field_control_character", field=field)
        return result

    return check


def whole_number(
    field: str, *, minimum: int, maximum: int, key: str = "invalid_number"
) -> Check[int]:
    """Check a whole number from minimum to maximum, given as a number or text."""

    def check(value: Any) -> int:
        number = as_int(value)
        if number is None or not minimum <= number <= maximum:
            refused = shown(value)
            raise invalid(
                key,
                field=field,
                value=refused,
                min=str(minimum),
                max=str(maximum),
                # The names used by the older messages of the limits.
                limit=refused,
                offset=refused,
            )
        return number

    return check


def boolean(field: str) -> Check[bool]:
    """Check true or false, also as the words and numbers Home Assistant takes."""

    def check(value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and len(value) <= MAX_WORD_LENGTH:
            word = value.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise invalid("field_not_boolean", field=field, value=shown(value))

    return check


def required(*fields: str) -> Check[dict[str, Any]]:
    """Refuse a call that leaves out one of the fields (after their own checks)."""

    def check(data: dict[str, Any]) -> dict[str, Any]:
        for field in fields:
            if field not in data:
                raise invalid("field_required", field=field)
        return data

    return check


def action_schema(checks: Mapping[Any, Check[Any]], *needed: str) -> vol.All:
    """Return the schema of an action: its LCARS entry, then its fields' checks.

    Every field is optional to voluptuous; the required ones (the entry and
    `needed`) are checked afterwards, for a translated error. Unknown fields
    are still refused by voluptuous.
    """
    return vol.All(
        vol.Schema(
            {
                vol.Optional(ATTR_CONFIG_ENTRY_ID): text(ATTR_CONFIG_ENTRY_ID),
                **checks,
            }
        ),
        required(ATTR_CONFIG_ENTRY_ID, *needed),
    )
