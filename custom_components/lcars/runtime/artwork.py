"""Artwork through LCARS: Home Assistant URLs for the covers of the *arr.

The *arr serve their covers only with the API key, and Jellyseerr's posters
live on TMDb's image host; a browser gets neither address, but a Home
Assistant path that LCARS serves. The path names the service (its subentry)
and either a library item by its id (its cover path is read from the
service's last snapshot) or a reference LCARS handed out for an address an
answer gave it: nothing a browser sends makes LCARS read another path or
host. Covers are read with the *arr's own client (its key in a header),
kept in a cache bounded by bytes, and answered with an entity tag.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
from http import HTTPStatus
import time
from typing import TYPE_CHECKING, Any, Final

import aiohttp
from aiohttp import web

from custom_components.lcars.clients import LcarsClientError, NotFoundError
from custom_components.lcars.clients.errors import BadResponseError, CannotConnectError
from custom_components.lcars.clients.http import IMAGE_TIMEOUT, read_image
from custom_components.lcars.clients.models import Album, Artist, Movie, Rows, Series
from custom_components.lcars.const import DOMAIN, LOGGER
from custom_components.lcars.coordinator import (
    AnyCoordinator,
    JellyseerrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from custom_components.lcars.library import MediaKind
from custom_components.lcars.library.artwork import (
    COVER_TYPES,
    CoverSize,
    Image,
    ImageMissingError,
    entity_tag,
    is_arr_cover_path,
    is_poster_path,
    sized_path,
)
from custom_components.lcars.library.keys import InvalidItemKeyError, ItemKey
from homeassistant.components.http.auth import STORAGE_KEY, async_sign_path
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID
from homeassistant.components.websocket_api.connection import current_connection
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView, current_request

from .artwork_state import Artwork

if TYPE_CHECKING:
    from custom_components.lcars.data import LcarsConfigEntry

# Where covers are served; the view's URL below it.
ARTWORK_PATH: Final = "/api/lcars/artwork"
# TMDb's image host and the size of the posters read from it (Jellyseerr's
# `posterPath`). One module constant: tests point it at the simulator.
TMDB_IMAGE_BASE = "https://image.tmdb.org/t/p"
TMDB_POSTER_SIZE: Final = "w342"

# A signed path is valid this long, and handed out again until less than
# RESIGN_BEFORE is left: a card's `<img src>` stays the same between calls,
# so the browser's cache works.
SIGNED_FOR: Final = timedelta(hours=24)
RESIGN_BEFORE: Final = timedelta(hours=1)
MAX_SIGNED_PATHS: Final = 10_000
# What the browser may keep of a cover: only for this user, for a day.
CACHE_CONTROL: Final = "private, max-age=86400"

# The kind of item in a library cover's path, and the cover types it has.
LIBRARY_COVERS: Final[dict[str, tuple[str, ...]]] = {
    "movie": ("poster", "fanart"),
    "series": ("poster", "fanart"),
    "artist": ("poster", "fanart"),
    "album": ("cover",),
}
# The kind in the path of a cover handed out by reference.
BY_REFERENCE: Final = "ref"

type LibraryCoverItem = Movie | Series | Artist | Album


@callback
def async_setup_artwork(hass: HomeAssistant) -> None:
    """Serve the covers: register the view, once (from the integration's setup)."""
    hass.http.register_view(LcarsArtworkView())


def _artwork(coordinator: AnyCoordinator) -> Artwork:
    """Return the artwork of the entry a service belongs to."""
    entry: LcarsConfigEntry = coordinator.config_entry
    return entry.runtime_data.artwork


def _signer(hass: HomeAssistant) -> str:
    """Whose refresh token a signature is made with, as `async_sign_path` picks it."""
    if (connection := current_connection.get()) is not None:
        return str(connection.refresh_token_id)
    request = current_request.get()
    if request is not None and KEY_HASS_REFRESH_TOKEN_ID in request:
        return str(request[KEY_HASS_REFRESH_TOKEN_ID])
    return str(hass.data[STORAGE_KEY])


@callback
def _signed(hass: HomeAssistant, artwork: Artwork, path: str) -> str:
    """Return `path` signed, the same signed path while it has long to live."""
    signer = _signer(hass)
    key = (signer, path)
    now = time.time()
    found = artwork.signed.get(key)
    if found is not None and found[1] - now > RESIGN_BEFORE.total_seconds():
        artwork.signed.move_to_end(key)
        return found[0]
    signed = async_sign_path(hass, path, SIGNED_FOR, refresh_token_id=signer)
    artwork.signed[key] = (signed, now + SIGNED_FOR.total_seconds())
    artwork.signed.move_to_end(key)
    while len(artwork.signed) > MAX_SIGNED_PATHS:
        artwork.signed.popitem(last=False)
    return signed


def _url(hass: HomeAssistant, artwork: Artwork, path: str, *, signed: bool) -> str:
    return _signed(hass, artwork, path) if signed else path


@callback
def async_cover_urls(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    subentry_id: str,
    covers: Mapping[str, str],
    *,
    signed: bool = True,
) -> dict[str, str]:
    """Return the Home Assistant URL of each cover (cover type → URL).

    `covers` maps a cover type to the *arr's own path (`images[].url`, as
    `Candidate.covers` and the library rows hold them) or, for Jellyseerr,
    its `posterPath`. A cover LCARS would not read (another host, a path
    outside the *arr's covers) is left out. With `signed`, the URL carries
    a signature and can be used in an `<img>`; without, it is a plain path
    the frontend fetches with its token (media browser thumbnails).
    """
    subentry = entry.subentries.get(subentry_id)
    if subentry is None:
        return {}
    jellyseerr = subentry.subentry_type == "jellyseerr"
    artwork = entry.runtime_data.artwork
    urls: dict[str, str] = {}
    for cover, address in covers.items():
        if cover not in COVER_TYPES or not isinstance(address, str):
            continue
        path, _, _ = address.partition("?")
        if not (is_poster_path(path) if jellyseerr else is_arr_cover_path(path)):
            continue
        ref = artwork.addresses.remember(subentry_id, path)
        urls[cover] = _url(
            hass,
            artwork,
            f"{ARTWORK_PATH}/{subentry_id}/{BY_REFERENCE}/{ref}/{cover}",
            signed=signed,
        )
    return urls


def library_kind(item: LibraryCoverItem) -> str:
    """Return the kind of a library item in a cover's path."""
    if isinstance(item, Movie):
        return "movie"
    if isinstance(item, Series):
        return "series"
    if isinstance(item, Artist):
        return "artist"
    return "album"


def _cover_path(item: LibraryCoverItem, cover: str) -> str | None:
    path: str | None = getattr(item, cover, None)
    return path


@callback
def async_item_cover_urls(
    hass: HomeAssistant,
    coordinator: AnyCoordinator,
    item: LibraryCoverItem,
    *,
    signed: bool = True,
    size: CoverSize = CoverSize.MEDIUM,
) -> dict[str, str | None]:
    """Return the URLs of a library item's covers: poster and fanart.

    An album's cover is its poster (and it has no fanart). None where the
    *arr lists no such cover.
    """
    kind = library_kind(item)
    subentry_id = coordinator.subentry_id
    artwork = _artwork(coordinator)
    urls: dict[str, str | None] = {"poster": None, "fanart": None}
    for cover in LIBRARY_COVERS[kind]:
        if _cover_path(item, cover) is None:
            continue
        query = f"size={size}"
        if item.cover_stamp is not None:
            query += f"&v={item.cover_stamp}"
        path = f"{ARTWORK_PATH}/{subentry_id}/{kind}/{item.id}/{cover}?{query}"
        urls["poster" if cover == "cover" else cover] = _url(
            hass, artwork, path, signed=signed
        )
    return urls


# The kind of the library item whose covers stand for an item of each kind of
# key: a season's and an episode's are their series'.
_KEY_COVERS: Final[dict[MediaKind, str]] = {
    MediaKind.MOVIE: "movie",
    MediaKind.SERIES: "series",
    MediaKind.SEASON: "series",
    MediaKind.EPISODE: "series",
    MediaKind.ALBUM: "album",
}
# The kind of library item a queue's downloads belong to, by service.
_QUEUE_COVERS: Final[dict[type[AnyCoordinator], str]] = {
    RadarrCoordinator: "movie",
    SonarrCoordinator: "series",
    LidarrCoordinator: "artist",
}


@callback
def async_key_poster(
    hass: HomeAssistant,
    key: str,
    *,
    signed: bool = True,
    size: CoverSize = CoverSize.MEDIUM,
) -> str | None:
    """Return the poster URL of the library item a cleanup key names, if any.

    A season or an episode shows its series' poster; a key that is not one,
    or names an item the service no longer lists, has none.
    """
    try:
        item_key = ItemKey.parse(key)
    except InvalidItemKeyError:
        return None
    coordinator = _coordinator(hass, item_key.instance)
    if coordinator is None:
        return None
    item = library_item(coordinator, _KEY_COVERS[item_key.kind], item_key.ids[0])
    if item is None:
        return None
    return async_item_cover_urls(hass, coordinator, item, signed=signed, size=size)[
        "poster"
    ]


@callback
def async_queue_poster(
    hass: HomeAssistant,
    coordinator: AnyCoordinator,
    media_id: int | None,
    *,
    signed: bool = True,
) -> str | None:
    """Return the poster URL of the library item a download belongs to, if any."""
    kind = _QUEUE_COVERS.get(type(coordinator))
    if media_id is None or kind is None:
        return None
    item = library_item(coordinator, kind, media_id)
    if item is None:
        return None
    return async_item_cover_urls(hass, coordinator, item, signed=signed)["poster"]


def _coordinator(hass: HomeAssistant, subentry_id: str) -> AnyCoordinator | None:
    """Return the coordinator of a service of a loaded LCARS entry, by its subentry."""
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is not ConfigEntryState.LOADED:
            continue
        coordinators: dict[str, AnyCoordinator] = entry.runtime_data.coordinators
        if (coordinator := coordinators.get(subentry_id)) is not None:
            return coordinator
    return None


def _rows(coordinator: AnyCoordinator, kind: str) -> Rows[Any] | None:
    """Return the rows of one kind of item in the service's last snapshot."""
    if isinstance(coordinator, RadarrCoordinator) and coordinator.data:
        return coordinator.data.movies if kind == "movie" else None
    if isinstance(coordinator, SonarrCoordinator) and coordinator.data:
        return coordinator.data.series if kind == "series" else None
    if isinstance(coordinator, LidarrCoordinator) and coordinator.data:
        if kind == "artist":
            return coordinator.data.artists
        if kind == "album":
            return coordinator.data.albums
    return None


def library_item(
    coordinator: AnyCoordinator, kind: str, item_id: int
) -> LibraryCoverItem | None:
    """Return a library item of the service's last snapshot by its id, or None.

    The positions of the ids are kept per snapshot, so that a page of
    thumbnails does not scan a large library once per cover.
    """
    rows = _rows(coordinator, kind)
    if rows is None:
        return None
    indexes = _artwork(coordinator).indexes
    key = (coordinator.subentry_id, kind)
    # The rows of a snapshot, told apart from those of the snapshot before
    # by when it was read (an id alone may be reused once the old are gone).
    made = (id(rows), coordinator.last_fetched_at)
    found = indexes.get(key)
    if found is None or found[0] != made:
        # A row starts with the item's id.
        found = (made, {row[0]: at for at, row in enumerate(rows.rows)})
        indexes[key] = found
    at = found[1].get(item_id)
    if at is None:
        return None
    if at >= len(rows) or rows.rows[at][0] != item_id:
        # Not the rows the positions were taken from, after all: once more.
        del indexes[key]
        return library_item(coordinator, kind, item_id)
    item: LibraryCoverItem = rows[at]
    return item


def _empty(status: HTTPStatus) -> web.Response:
    return web.Response(status=status)


async def _read_tmdb(hass: HomeAssistant, poster_path: str) -> Image:
    """Read a poster from TMDb's image host, without any key."""
    url = f"{TMDB_IMAGE_BASE}/{TMDB_POSTER_SIZE}{poster_path}"
    session = async_get_clientsession(hass)

    def refuse(detail: str) -> Exception:
        return BadResponseError("TMDb", TMDB_IMAGE_BASE, detail)

    try:
        async with (
            asyncio.timeout(IMAGE_TIMEOUT),
            session.get(url, allow_redirects=False) as response,
        ):
            if response.status == HTTPStatus.NOT_FOUND:
                raise ImageMissingError
            if response.status != HTTPStatus.OK:
                raise refuse(f"HTTP {response.status}")
            body, content_type = await read_image(response, refuse)
    except (TimeoutError, aiohttp.ClientError) as err:
        raise CannotConnectError("TMDb", TMDB_IMAGE_BASE, type(err).__name__) from None
    return Image(body, content_type)


async def _read_arr(coordinator: AnyCoordinator, path: str) -> Image:
    """Read a cover from an *arr with its client (and so its key)."""
    if not isinstance(
        coordinator, RadarrCoordinator | SonarrCoordinator | LidarrCoordinator
    ):
        raise ImageMissingError
    try:
        body, content_type = await coordinator.client.async_get_cover(path)
    except NotFoundError:
        raise ImageMissingError from None
    return Image(body, content_type)


async def _read_arr_sized(
    coordinator: AnyCoordinator, path: str, cover: str, size: CoverSize
) -> Image:
    """Read the *arr's resized copy of a cover, the original when it has none."""
    sized = sized_path(path, cover, size)
    if sized != path:
        try:
            return await _read_arr(coordinator, sized)
        except ImageMissingError:
            pass
    return await _read_arr(coordinator, path)


class LcarsArtworkView(HomeAssistantView):
    """Covers of the *arr and Jellyseerr, for signed-in users and signed paths."""

    url = ARTWORK_PATH + "/{subentry_id}/{kind}/{ref}/{cover}"
    name = "api:lcars:artwork"
    requires_auth = True

    async def get(
        self,
        request: web.Request,
        subentry_id: str,
        kind: str,
        ref: str,
        cover: str,
    ) -> web.Response:
        """Answer one cover: its bytes, 304 when the browser has it, 404 or 502."""
        hass = request.app[KEY_HASS]
        coordinator = _coordinator(hass, subentry_id)
        if coordinator is None or cover not in COVER_TYPES:
            return _empty(HTTPStatus.NOT_FOUND)
        try:
            size = CoverSize(request.query.get("size", CoverSize.FULL))
        except ValueError:
            return _empty(HTTPStatus.BAD_REQUEST)
        found = self._source(hass, coordinator, kind, ref, cover=cover, size=size)
        if found is None:
            return _empty(HTTPStatus.NOT_FOUND)
        key, read = found
        tag = entity_tag(*key)
        headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
        if tag in _tags(request.headers.get("If-None-Match", "")):
            return web.Response(status=HTTPStatus.NOT_MODIFIED, headers=headers)
        try:
            image = await _artwork(coordinator).cache.get(key, read)
        except ImageMissingError:
            return _empty(HTTPStatus.NOT_FOUND)
        except LcarsClientError as err:
            # Neither the path nor the error's text: the cover's address is
            # the *arr's business.
            LOGGER.debug(
                "A cover from %s could not be read (%s)",
                coordinator.subentry.title,
                type(err).__name__,
            )
            return _empty(HTTPStatus.BAD_GATEWAY)
        return web.Response(
            body=image.body, content_type=image.content_type, headers=headers
        )

    @staticmethod
    def _source(
        hass: HomeAssistant,
        coordinator: AnyCoordinator,
        kind: str,
        ref: str,
        *,
        cover: str,
        size: CoverSize,
    ) -> tuple[tuple[str, ...], Callable[[], Any]] | None:
        """Return what identifies the cover asked for and how to read it.

        None when there is no such cover.
        """
        subentry_id = coordinator.subentry_id
        if kind == BY_REFERENCE:
            address = _artwork(coordinator).addresses.get(subentry_id, ref)
            if address is None:
                return None
            if isinstance(coordinator, JellyseerrCoordinator):
                return ("tmdb", address), lambda: _read_tmdb(hass, address)
            return (subentry_id, address), lambda: _read_arr(coordinator, address)
        if cover not in LIBRARY_COVERS.get(kind, ()) or not (
            ref.isascii() and ref.isdigit() and len(ref) < 12
        ):
            return None
        item = library_item(coordinator, kind, int(ref))
        path = None if item is None else _cover_path(item, cover)
        if item is None or path is None or not is_arr_cover_path(path):
            return None
        key = (subentry_id, path, str(item.cover_stamp), size.value)
        return key, lambda: _read_arr_sized(coordinator, path, cover, size)


def _tags(header: str) -> set[str]:
    """Return the entity tags of an `If-None-Match` header (weak ones compare too)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
