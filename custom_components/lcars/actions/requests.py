"""The Jellyseerr request actions: list, request, approve and decline."""

from __future__ import annotations

from typing import Any, Final, Literal

import voluptuous as vol

from custom_components.lcars.clients.jellyseerr import REQUEST_FILTERS
from custom_components.lcars.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_INSTANCE,
    ATTR_KIND,
    ATTR_LIMIT,
    ATTR_OFFSET,
    ATTR_STATUS,
    EVENT_REQUEST_CHANGED,
)
from custom_components.lcars.library.choosing import Outcome, choose
from custom_components.lcars.library.kinds import MediaKind
from custom_components.lcars.permissions import async_require_admin
from custom_components.lcars.runtime import requests as runtime
from homeassistant.core import Context, HomeAssistant, ServiceCall, ServiceResponse

from . import fields
from .adding import async_by, async_fire_requested, read_term
from .common import as_int, async_get_entry, invalid

ATTR_TERM: Final = "term"
ATTR_SEASONS: Final = "seasons"
ATTR_ID: Final = "id"
ATTR_REASON: Final = "reason"
DEFAULT_REQUESTS_LIMIT: Final = 20
MAX_REQUESTS_LIMIT: Final = 50
# Kinds a person may request; music has no place in Jellyseerr.
REQUEST_KINDS: Final = ("movie", "series")
MUSIC_KINDS: Final = ("artist", "album")
# More seasons than any series has.
MAX_SEASON: Final = 1000
# The key of the refusal of approving or declining to anyone but an administrator.
REQUEST_ADMIN_REQUIRED: Final = "request_admin_required"


def _choice(field: str, valid: tuple[str, ...], key: str) -> fields.Check[str]:
    """Check one of `valid`, ignoring case and surrounding whitespace."""
    check_text = fields.text(field)

    def check(value: Any) -> str:
        word = check_text(value).lower()
        if word not in valid:
            raise invalid(
                key, field=field, value=fields.shown(value), valid=", ".join(valid)
            )
        return word

    return check


def _kind(value: Any) -> str:
    word = fields.text(ATTR_KIND)(value).lower()
    if word in MUSIC_KINDS:
        raise invalid("music_not_requestable")
    if word not in REQUEST_KINDS:
        raise invalid(
            "invalid_kind", kind=fields.shown(value), valid=", ".join(REQUEST_KINDS)
        )
    return word


def _season_number(value: Any, shown: str) -> int:
    number = None if isinstance(value, bool) else as_int(value)
    if number is None or not 0 <= number <= MAX_SEASON:
        raise invalid("seasons_invalid", value=shown)
    return number


def _seasons(value: Any) -> Literal["all"] | list[int]:
    """Check `all`, or season numbers: a list, one number, or `1, 2` as text."""
    shown = fields.shown(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "all":
            return "all"
        if len(text) > fields.MAX_NAME_LENGTH:
            raise invalid("seasons_invalid", value=shown)
        parts: list[Any] = [p for p in text.replace(";", ",").split(",") if p.strip()]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        parts = [value]
    if not parts or len(parts) > MAX_SEASON:
        raise invalid("seasons_invalid", value=shown)
    return sorted({_season_number(part, shown) for part in parts})


GET_REQUESTS_SCHEMA = fields.action_schema(
    {
        vol.Optional(ATTR_STATUS, default="all"): _choice(
            ATTR_STATUS, REQUEST_FILTERS, "request_status_invalid"
        ),
        vol.Optional(ATTR_LIMIT, default=DEFAULT_REQUESTS_LIMIT): fields.whole_number(
            ATTR_LIMIT, minimum=1, maximum=MAX_REQUESTS_LIMIT, key="invalid_limit"
        ),
        vol.Optional(ATTR_OFFSET, default=0): fields.whole_number(
            ATTR_OFFSET, minimum=0, maximum=fields.MAX_ID, key="invalid_offset"
        ),
        vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
    }
)
REQUEST_MEDIA_SCHEMA = fields.action_schema(
    {
        vol.Optional(ATTR_KIND): _kind,
        vol.Optional(ATTR_TERM): fields.text(ATTR_TERM),
        vol.Optional(ATTR_SEASONS): _seasons,
        vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
    },
    ATTR_KIND,
    ATTR_TERM,
)
CHANGE_REQUEST_SCHEMA = fields.action_schema(
    {
        vol.Optional(ATTR_ID): fields.whole_number(
            ATTR_ID, minimum=1, maximum=fields.MAX_ID, key="invalid_item_id"
        ),
        vol.Optional(ATTR_REASON): fields.text(ATTR_REASON),
        vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
    },
    ATTR_ID,
)


async def _async_who(hass: HomeAssistant, context: Context) -> str:
    """Return the name of the caller, as the logbook tells it."""
    if context.user_id is None:
        return "an automation"
    user = await hass.auth.async_get_user(context.user_id)
    return user.name if user is not None and user.name else "a user"


async def async_get_requests(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Return a page of Jellyseerr's requests, newest first, with titles."""
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    return await runtime.async_get_requests(
        hass,
        entry,
        status=call.data[ATTR_STATUS],
        limit=call.data[ATTR_LIMIT],
        offset=call.data[ATTR_OFFSET],
        instance=call.data.get(ATTR_INSTANCE),
    )


async def async_request_media(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Request a movie or series in Jellyseerr, by id or by a clear title.

    A title that could mean several results requests nothing: the answer
    lists them to choose from.
    """
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind = MediaKind(call.data[ATTR_KIND])
    term_text: str = call.data[ATTR_TERM]
    seasons = call.data.get(ATTR_SEASONS)
    if kind is MediaKind.MOVIE and seasons is not None:
        raise invalid("seasons_not_for_kind", value=fields.shown(seasons))
    term = read_term(kind, term_text)
    instance = call.data.get(ATTR_INSTANCE)
    coordinator = runtime.jellyseerr_of(entry, instance)
    found = await runtime.async_search_candidates(
        hass, entry, kind, term, instance=instance
    )
    choice = choose(found, term)
    answer: dict[str, Any] = {
        "kind": str(kind),
        "term": term_text,
        "query": runtime.search_query(term),
        "instance": coordinator.subentry.title,
    }
    if choice.outcome is not Outcome.CLEAR or choice.best is None:
        ranked = sorted(range(len(found)), key=lambda i: choice.scores[i], reverse=True)
        return {
            **answer,
            "result": str(choice.outcome),
            "candidates": [
                runtime.describe_candidate(
                    hass, entry, coordinator.subentry_id, found[i]
                )
                for i in ranked
            ],
        }
    chosen = found[choice.best]
    outcome = await runtime.async_request_candidate(
        hass,
        entry,
        chosen,
        seasons=seasons if seasons is not None else "all",
        instance=instance,
    )
    item = runtime.describe_candidate(hass, entry, coordinator.subentry_id, chosen)
    request = outcome["request"]
    if request is not None:
        user_id, by = await async_by(hass, call.context)
        async_fire_requested(
            hass, entry, coordinator, (chosen, request), (user_id, by, call.context)
        )
    return {**answer, **outcome, "item": item}


async def _async_change(
    hass: HomeAssistant, call: ServiceCall, action: Literal["approve", "decline"]
) -> ServiceResponse:
    await async_require_admin(hass, call.context, REQUEST_ADMIN_REQUIRED)
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    reason: str | None = call.data.get(ATTR_REASON)
    changed = await runtime.async_set_request_status(
        hass,
        entry,
        call.data[ATTR_ID],
        action,
        instance=call.data.get(ATTR_INSTANCE),
    )
    hass.bus.async_fire(
        EVENT_REQUEST_CHANGED,
        {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            "request_id": changed["id"],
            "status": changed["status"],
            "media_type": changed["media_type"],
            "title": changed["title"],
            "year": changed["year"],
            "requested_by": (changed["requested_by"] or {}).get("name"),
            # Jellyseerr keeps no reason: it is told here only.
            "reason": reason,
            "user_id": call.context.user_id,
            "by": await _async_who(hass, call.context),
        },
        context=call.context,
    )
    return {**changed, "reason": reason}


async def async_approve_request(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Approve a Jellyseerr request (administrators only)."""
    return await _async_change(hass, call, "approve")


async def async_decline_request(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Decline a Jellyseerr request (administrators only)."""
    return await _async_change(hass, call, "decline")
