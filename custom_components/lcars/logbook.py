"""Describe the cleanup's events in the logbook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import HomeAssistant, callback

from .cleanup.reasons import size_text
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_ADDED,
    EVENT_MEDIA_DELETED,
    EVENT_REQUEST_CHANGED,
)

if TYPE_CHECKING:
    from homeassistant.components.logbook.models import LazyEventPartialState

type DescribeEventCallback = Callable[
    [str, str, Callable[[LazyEventPartialState], dict[str, Any]]], None
]

DEFAULT_NAME = "LCARS"


def format_size(size: Any) -> str:
    """Write a size in bytes as everywhere in LCARS: 12.4 GiB, 350.0 MiB."""
    if not isinstance(size, int | float) or isinstance(size, bool) or size < 0:
        return "an unknown size"
    return size_text(size)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def describe_cleanup_finished(data: Mapping[str, Any]) -> str:
    """Tell in one line what a cleanup run came to."""
    result = data.get("result")
    deleted = _count(data.get("deleted"))
    failed = _count(data.get("failed"))
    leaving = _count(data.get("leaving_soon"))
    message = data.get("message") or "no reason given"
    if result == "failed_closed":
        return f"failed closed: {message}"
    if result == "error":
        return f"cleanup failed: {message}"
    if result == "dry_run":
        text = f"dry run: {_items(deleted)} would be deleted"
    elif result in ("listed", "nothing_to_do"):
        text = "cleanup finished: nothing to delete"
    else:
        freed = format_size(data.get("bytes_freed"))
        text = f"cleanup finished: {_items(deleted)} deleted, {freed} freed"
    if failed:
        text += f", {failed} failed"
    if leaving:
        text += f", {_items(leaving)} leaving soon"
    return text


def describe_media_deleted(data: Mapping[str, Any]) -> str:
    """Tell in one line about one deleted movie, season, episode or album."""
    title = data.get("title") or data.get("key") or "an item"
    reason = data.get("reason")
    return f"deleted {title}: {reason}" if reason else f"deleted {title}"


def describe_media_added(data: Mapping[str, Any]) -> str:
    """Tell in one line what was added where: "added Dune (2021) to Radarr 4K"."""
    title = data.get("title") or "an item"
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        title = f"{title} ({year})"
    where = data.get("instance") or data.get("service") or "the library"
    if data.get("route") == "jellyseerr":
        status = data.get("status")
        text = f"requested {title} in {where}"
        return f"{text} ({status})" if status else text
    return f"added {title} to {where}"


def describe_request_changed(data: Mapping[str, Any]) -> str:
    """Tell in one line who approved or declined which request, and why."""
    status = data.get("status")
    verb = {"approved": "approved", "declined": "declined"}.get(str(status), "changed")
    title = data.get("title") or f"request {data.get('request_id')}"
    year = data.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        title = f"{title} ({year})"
    asker = data.get("requested_by")
    text = f"{verb} the request for {title}"
    if asker:
        text += f" by {asker}"
    by = data.get("by")
    if by:
        text += f" ({by})"
    reason = data.get("reason")
    return f"{text}: {reason}" if reason else text


@callback
def async_describe_events(
    hass: HomeAssistant, async_describe_event: DescribeEventCallback
) -> None:
    """Teach the logbook to tell the cleanup's events."""

    def name_of(data: Mapping[str, Any]) -> str:
        """Return the title of the LCARS entry the event comes from."""
        entry_id = data.get(ATTR_CONFIG_ENTRY_ID)
        entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
        return entry.title if entry is not None else DEFAULT_NAME

    @callback
    def async_describe_cleanup_finished(
        event: LazyEventPartialState,
    ) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: name_of(event.data),
            LOGBOOK_ENTRY_MESSAGE: describe_cleanup_finished(event.data),
        }

    @callback
    def async_describe_media_deleted(event: LazyEventPartialState) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: name_of(event.data),
            LOGBOOK_ENTRY_MESSAGE: describe_media_deleted(event.data),
        }

    async_describe_event(
        DOMAIN, EVENT_CLEANUP_FINISHED, async_describe_cleanup_finished
    )
    async_describe_event(DOMAIN, EVENT_MEDIA_DELETED, async_describe_media_deleted)

    @callback
    def async_describe_media_added(event: LazyEventPartialState) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: name_of(event.data),
            LOGBOOK_ENTRY_MESSAGE: describe_media_added(event.data),
        }

    async_describe_event(DOMAIN, EVENT_MEDIA_ADDED, async_describe_media_added)

    def async_describe_request_changed(event: LazyEventPartialState) -> dict[str, str]:
        return {
            LOGBOOK_ENTRY_NAME: name_of(event.data),
            LOGBOOK_ENTRY_MESSAGE: describe_request_changed(event.data),
        }

    async_describe_event(DOMAIN, EVENT_REQUEST_CHANGED, async_describe_request_changed)
