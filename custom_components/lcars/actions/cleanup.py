"""The cleanup actions: preview, run, protect, unprotect and delete one item."""

from __future__ import annotations

from functools import partial
from typing import Any, Final, cast

import voluptuous as vol

from custom_components.lcars.cleanup import Candidate, protections_of
from custom_components.lcars.cleanup.candidates import instance_id
from custom_components.lcars.cleanup.policy import KEEP_TAG, tag_key
from custom_components.lcars.cleanup.reasons import protections as protections_text
from custom_components.lcars.clients import LcarsClientError
from custom_components.lcars.clients.models import Album
from custom_components.lcars.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_INSTANCE,
    ATTR_SERVICE,
    DOMAIN,
)
from custom_components.lcars.coordinator import (
    ArrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
)
from custom_components.lcars.data import LcarsConfigEntry
from custom_components.lcars.library import MediaKind
from custom_components.lcars.library.keys import ItemKey
from custom_components.lcars.library.views import title_of
from custom_components.lcars.permissions import async_require_admin
from custom_components.lcars.runtime.artwork import async_key_poster
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError

from . import fields
from .common import (
    async_get_entry,
    invalid,
    library,
    not_answered,
    select_arr,
)

ATTR_DRY_RUN: Final = "dry_run"
ATTR_ID: Final = "id"
ATTR_SEASON_NUMBER: Final = "season_number"
ATTR_ALBUM_ID: Final = "album_id"
ATTR_MAX_ITEMS: Final = "max_items"
DEFAULT_PREVIEW_ITEMS: Final = 100
MAX_PREVIEW_ITEMS: Final = 1000

PREVIEW_CLEANUP_SCHEMA = fields.action_schema(
    {
        vol.Optional(ATTR_MAX_ITEMS, default=DEFAULT_PREVIEW_ITEMS): (
            fields.whole_number(
                ATTR_MAX_ITEMS,
                minimum=1,
                maximum=MAX_PREVIEW_ITEMS,
                key="invalid_limit",
            )
        ),
    }
)
RUN_CLEANUP_SCHEMA = fields.action_schema(
    {vol.Optional(ATTR_DRY_RUN): fields.boolean(ATTR_DRY_RUN)}
)


def _item_number(field: str) -> fields.Check[int]:
    return fields.whole_number(
        field, minimum=0, maximum=fields.MAX_ID, key="invalid_item_id"
    )


_ITEM_FIELDS: Final = {
    vol.Optional(ATTR_SERVICE): fields.text(ATTR_SERVICE),
    vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
    vol.Optional(ATTR_ID): _item_number(ATTR_ID),
}
PROTECT_SCHEMA = fields.action_schema(_ITEM_FIELDS, ATTR_SERVICE, ATTR_ID)
DELETE_MEDIA_SCHEMA = fields.action_schema(
    {
        **_ITEM_FIELDS,
        vol.Optional(ATTR_SEASON_NUMBER): _item_number(ATTR_SEASON_NUMBER),
        vol.Optional(ATTR_ALBUM_ID): _item_number(ATTR_ALBUM_ID),
        vol.Optional(ATTR_DRY_RUN): fields.boolean(ATTR_DRY_RUN),
    },
    ATTR_SERVICE,
    ATTR_ID,
)


def _one_arr(entry: LcarsConfigEntry, call: ServiceCall) -> ArrCoordinator:
    """Return the one *arr instance the call names."""
    found = select_arr(entry, call)
    if not found:
        raise invalid("service_not_configured", service=call.data[ATTR_SERVICE])
    if len(found) > 1:
        raise invalid(
            "instance_required",
            service=call.data[ATTR_SERVICE],
            instances=", ".join(c.subentry.title for c in found),
        )
    if found[0].data is None:
        raise not_answered(found)
    return found[0]


def _item_id(call: ServiceCall, field: str = ATTR_ID) -> int:
    """Return the id a field names (the schema made it a whole number)."""
    return int(call.data[field])


def _library_title(coordinator: ArrCoordinator, item_id: int) -> str:
    """Return the title of a movie, series or artist, or refuse an unknown id."""
    for item in library(coordinator):
        if item.id == item_id:
            return title_of(item)
    raise invalid(
        "item_not_found", id=str(item_id), instance=coordinator.subentry.title
    )


async def async_preview_cleanup(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Return what a cleanup would do now, with the policy and ledger in use."""
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    max_items: int = call.data[ATTR_MAX_ITEMS]
    manager = entry.runtime_data.cleanup
    plan = await manager.async_preview()
    planned = await hass.async_add_executor_job(
        partial(plan.as_dict, max_items=max_items)
    )
    instances = {
        instance_id(c.kind, c.subentry_id): c.subentry.title
        for c in entry.runtime_data.coordinators.values()
    }
    # Each item's poster, from the snapshot of its service: the cleanup's
    # entries know their item only by its key.
    for listing in ("delete_now", "leaving_soon"):
        for described in planned.get(listing) or ():
            if isinstance(described, dict) and isinstance(described.get("key"), str):
                described["poster"] = async_key_poster(hass, described["key"])
    # The summary, the counts and what is due come first; the policy, long
    # and the same on every call, last.
    return {
        "summary": planned.pop("summary"),
        "totals": planned.pop("totals"),
        "delete_now": planned.pop("delete_now"),
        "dry_run": manager.dry_run,
        **planned,
        "preview": True,
        "instances": cast("dict[str, Any]", instances),
        "policy": manager.policy.to_dict(),
    }


async def async_run_cleanup(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Run the cleanup now (administrators only)."""
    await async_require_admin(hass, call.context)
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    summary = await entry.runtime_data.cleanup.async_run(
        trigger="action", dry_run=call.data.get(ATTR_DRY_RUN)
    )
    return summary.as_dict()


async def _async_keep_tag_ids(
    coordinator: ArrCoordinator, *, create: bool
) -> list[int]:
    """Return the ids of the tags that keep items in this *arr.

    With `create`, the `lcars-keep` tag is made when the *arr has none.
    """
    keep = coordinator.config_entry.runtime_data.cleanup.policy.keep_tags
    tags = await coordinator.client.async_get_tags()
    found = [tag.id for tag in tags if tag_key(tag.label) in keep]
    if found or not create:
        return found
    return [(await coordinator.client.async_add_tag(KEEP_TAG)).id]


async def _async_set_protection(
    hass: HomeAssistant, call: ServiceCall, *, protect: bool
) -> ServiceResponse:
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinator = _one_arr(entry, call)
    item_id = _item_id(call)
    title = _library_title(coordinator, item_id)
    try:
        tag_ids = await _async_keep_tag_ids(coordinator, create=protect)
        if tag_ids:
            await coordinator.client.async_update_tags(
                [item_id],
                tag_ids[:1] if protect else tag_ids,
                mode="add" if protect else "remove",
            )
    except LcarsClientError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="protect_failed",
            translation_placeholders={"title": title, "error": str(err)},
        ) from err
    # The tags are read by the next cleanup from a fresh snapshot.
    await coordinator.async_request_refresh()
    return {
        "service": coordinator.kind.value,
        "instance": coordinator.subentry.title,
        "id": item_id,
        "title": title,
        "protected": protect,
    }


async def async_protect(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Tag a movie, series or artist so the cleanup keeps it."""
    return await _async_set_protection(hass, call, protect=True)


async def async_unprotect(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Remove the tags that keep a movie, series or artist (administrators only).

    Without its protection an item may be deleted by the next cleanup.
    """
    await async_require_admin(hass, call.context)
    return await _async_set_protection(hass, call, protect=False)


def _album_title(coordinator: LidarrCoordinator, artist_id: int, album_id: int) -> str:
    if coordinator.data is None:
        raise not_answered([coordinator])
    albums: list[Album] = [a for a in coordinator.data.albums if a.id == album_id]
    if not albums or albums[0].artist_id != artist_id:
        raise invalid(
            "item_not_found", id=str(album_id), instance=coordinator.subentry.title
        )
    return albums[0].title


def _item_key(coordinator: ArrCoordinator, call: ServiceCall) -> tuple[ItemKey, bool]:
    """Return the cleanup key of the item the call names, and if it is a series."""
    item_id = _item_id(call)
    _library_title(coordinator, item_id)
    service, instance = coordinator.kind, coordinator.subentry_id
    if isinstance(coordinator, RadarrCoordinator):
        return ItemKey(service, instance, MediaKind.MOVIE, (item_id,)), False
    if isinstance(coordinator, LidarrCoordinator):
        if ATTR_ALBUM_ID not in call.data:
            raise invalid("album_required")
        album_id = _item_id(call, ATTR_ALBUM_ID)
        _album_title(coordinator, item_id, album_id)
        return ItemKey(service, instance, MediaKind.ALBUM, (album_id,)), False
    if ATTR_SEASON_NUMBER in call.data:
        season = _item_id(call, ATTR_SEASON_NUMBER)
        return ItemKey(service, instance, MediaKind.SEASON, (item_id, season)), False
    return ItemKey(service, instance, MediaKind.SERIES, (item_id,)), True


async def async_delete_media(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Delete one item now through the cleanup's steps (administrators only).

    Protected items are refused with what protects them. The dry run switch
    applies unless the call says otherwise.
    """
    await async_require_admin(hass, call.context)
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    coordinator = _one_arr(entry, call)
    key, whole_series = _item_key(coordinator, call)
    manager = entry.runtime_data.cleanup
    item: Candidate | None = await manager.async_find_candidate(
        key, whole_series=whole_series
    )
    # Favourites and what is playing come from Jellyfin (the first one, as
    # for the cleanup): while it has never answered they are unknown, and an
    # item in doubt is not deleted.
    jellyfin = entry.runtime_data.jellyfin[:1]
    if jellyfin and jellyfin[0].data is None:
        raise not_answered(jellyfin)
    if item is None:
        # A season without files, or an album without tracks on disk.
        raise invalid("nothing_to_delete", item=str(key))
    protections = protections_of(item, manager.policy)
    if protections:
        raise invalid(
            "item_protected",
            title=item.title,
            reason=protections_text(protections),
        )
    user = "an automation"
    if call.context.user_id is not None:
        found = await hass.auth.async_get_user(call.context.user_id)
        user = found.name if found is not None and found.name else "a user"
    summary, report = await manager.async_delete_item(
        item,
        dry_run=call.data.get(ATTR_DRY_RUN),
        reason=f"Deleted on request by {user} with lcars.delete_media.",
    )
    return {
        **summary.as_dict(),
        "steps": [
            {
                "step": step.step,
                "ok": step.ok,
                "performed": step.performed,
                "detail": step.detail,
                "error": step.error,
            }
            for result in report.items
            for step in result.steps
        ],
    }
