"""The actions of LCARS: each action's name, handler, schema and answer.

The handlers live in `actions/`, one module per area; this table is all
Home Assistant needs to register them.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, Final

import voluptuous as vol

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)

from .actions.adding import (
    ADD_MEDIA_SCHEMA,
    LOOKUP_MEDIA_SCHEMA,
    async_add_media,
    async_lookup_media,
)
from .actions.cleanup import (
    DELETE_MEDIA_SCHEMA,
    PREVIEW_CLEANUP_SCHEMA,
    PROTECT_SCHEMA,
    RUN_CLEANUP_SCHEMA,
    async_delete_media,
    async_preview_cleanup,
    async_protect,
    async_run_cleanup,
    async_unprotect,
)
from .actions.library import (
    GET_DISK_SPACE_SCHEMA,
    GET_LIBRARY_SCHEMA,
    GET_QUEUE_SCHEMA,
    async_get_disk_space,
    async_get_library,
    async_get_queue,
)
from .actions.requests import (
    CHANGE_REQUEST_SCHEMA,
    GET_REQUESTS_SCHEMA,
    REQUEST_MEDIA_SCHEMA,
    async_approve_request,
    async_decline_request,
    async_get_requests,
    async_request_media,
)
from .actions.torrent import (
    ADD_TORRENT_SCHEMA,
    GET_TORRENTS_SCHEMA,
    REMOVE_TORRENT_SCHEMA,
    TORRENT_SCHEMA,
    async_add_torrent,
    async_get_torrents,
    async_pause_torrent,
    async_remove_torrent,
    async_resume_torrent,
)
from .const import DOMAIN

ONLY: Final = SupportsResponse.ONLY
OPTIONAL: Final = SupportsResponse.OPTIONAL
NONE: Final = SupportsResponse.NONE

type Handler = Callable[
    [HomeAssistant, ServiceCall], Coroutine[Any, Any, ServiceResponse]
]

# Action name: handler, schema, whether it answers.
ACTIONS: Final[dict[str, tuple[Handler, vol.All, SupportsResponse]]] = {
    "get_library": (async_get_library, GET_LIBRARY_SCHEMA, ONLY),
    "get_queue": (async_get_queue, GET_QUEUE_SCHEMA, ONLY),
    "get_disk_space": (async_get_disk_space, GET_DISK_SPACE_SCHEMA, ONLY),
    "preview_cleanup": (async_preview_cleanup, PREVIEW_CLEANUP_SCHEMA, ONLY),
    "run_cleanup": (async_run_cleanup, RUN_CLEANUP_SCHEMA, OPTIONAL),
    "protect": (async_protect, PROTECT_SCHEMA, OPTIONAL),
    "unprotect": (async_unprotect, PROTECT_SCHEMA, OPTIONAL),
    "delete_media": (async_delete_media, DELETE_MEDIA_SCHEMA, OPTIONAL),
    "add_torrent": (async_add_torrent, ADD_TORRENT_SCHEMA, OPTIONAL),
    "pause_torrent": (async_pause_torrent, TORRENT_SCHEMA, NONE),
    "resume_torrent": (async_resume_torrent, TORRENT_SCHEMA, NONE),
    "remove_torrent": (async_remove_torrent, REMOVE_TORRENT_SCHEMA, NONE),
    "get_torrents": (async_get_torrents, GET_TORRENTS_SCHEMA, ONLY),
    "lookup_media": (async_lookup_media, LOOKUP_MEDIA_SCHEMA, ONLY),
    "add_media": (async_add_media, ADD_MEDIA_SCHEMA, OPTIONAL),
    "get_requests": (async_get_requests, GET_REQUESTS_SCHEMA, ONLY),
    "request_media": (async_request_media, REQUEST_MEDIA_SCHEMA, OPTIONAL),
    "approve_request": (async_approve_request, CHANGE_REQUEST_SCHEMA, OPTIONAL),
    "decline_request": (async_decline_request, CHANGE_REQUEST_SCHEMA, OPTIONAL),
}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions of LCARS."""
    for name, (handler, schema, response) in ACTIONS.items():
        hass.services.async_register(
            DOMAIN,
            name,
            partial(handler, hass),
            schema=schema,
            supports_response=response,
        )
