"""Artwork: `/MediaCover` and `/MediaCoverProxy` of the *arr, and an image CDN.

The *arr serve the artwork of library items under `<base>/MediaCover/...`
(the address each item's `images[].url` gives, with resized variants such as
`poster-500.jpg`) and the remote artwork of lookup results through
`<base>/MediaCoverProxy/<hash>/<file>`, both behind the API key like `/api`.
TMDb's image host (`image.tmdb.org/t/p/<size>/<file>`, where Jellyseerr's
posters live) is stood in for by `/__simulator__/tmdb-images/t/p/<size>/<file>`
on every instance, without a key.

The images are small real JPEGs committed in `images/` (see its README),
picked by the item's id, so every item keeps its picture.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from pathlib import Path
import re
from typing import Any
import zlib

from aiohttp import web

from .arr import LAST_WRITE_TICKS, ArrService
from .state import LidarrState, RadarrState, SonarrState

_IMAGES = Path(__file__).parent / "images"

# Covers of each kind of library item, with the heights they are resized to.
_RADARR: dict[str, tuple[int, ...]] = {"poster": (500, 250), "fanart": (360, 180)}
_SONARR: dict[str, tuple[int, ...]] = {
    "poster": (500, 250),
    "fanart": (360, 180),
    "banner": (70, 35),
}
_LIDARR_ARTIST: dict[str, tuple[int, ...]] = {
    "poster": (500, 250),
    "fanart": (360, 180),
    "banner": (70, 35),
    "logo": (),
}
_LIDARR_ALBUM: dict[str, tuple[int, ...]] = {"cover": (500, 250), "disc": ()}

_LOCAL = re.compile(
    r"^(?:(?P<albums>Albums)/)?(?P<id>\d+)/(?P<cover>[a-z]+)(?:-(?P<size>\d+))?\.jpg$"
)
_PROXY_FILE = re.compile(r"^[^/]+$")
_TMDB_FILE = re.compile(r"^[A-Za-z0-9_-]+\.(jpg|jpeg|png)$")
_TMDB_SIZES = frozenset(
    {"w92", "w154", "w185", "w300", "w342", "w500", "w780", "w1280", "original"}
)


@cache
def _picture(name: str) -> bytes:
    return (_IMAGES / name).read_bytes()


def picture(cover: str, key: int) -> bytes:
    """Return the JPEG bytes for a cover type, chosen by a number (an item id)."""
    if cover == "poster":
        return _picture(f"poster-{key % 3 + 1}.jpg")
    if cover in ("fanart", "banner", "clearlogo", "screenshot", "headshot"):
        return _picture(f"fanart-{key % 2 + 1}.jpg")
    return _picture(f"cover-{key % 3 + 1}.jpg")


def _last_modified() -> str:
    """`Last-Modified` of every cover: the time the `lastWrite` ticks stand for."""
    since_year_one = timedelta(microseconds=LAST_WRITE_TICKS // 10)
    written = datetime(1, 1, 1, tzinfo=UTC) + since_year_one
    return format_datetime(written.replace(microsecond=0), usegmt=True)


def _jpeg(data: bytes) -> web.Response:
    return web.Response(
        body=data,
        content_type="image/jpeg",
        headers={
            "Last-Modified": _last_modified(),
            "Cache-Control": "max-age=31536000",
        },
    )


def _not_found() -> web.Response:
    # The static file mapper of the *arr answers an unknown file with an empty 404.
    return web.Response(status=404)


def _library_cover(service: ArrService[Any], rel: str) -> tuple[str, int] | None:
    """(cover type, item id) of `/MediaCover/<rel>` when that item has that cover."""
    match = _LOCAL.match(rel)
    if match is None:
        return None
    item_id, cover = int(match["id"]), match["cover"]
    size = int(match["size"]) if match["size"] else None
    state = service.state
    covers: dict[str, tuple[int, ...]]
    if isinstance(state, RadarrState) and not match["albums"]:
        covers, exists = _RADARR, item_id in state.movies
    elif isinstance(state, SonarrState) and not match["albums"]:
        covers, exists = _SONARR, item_id in state.series
    elif isinstance(state, LidarrState) and match["albums"]:
        covers, exists = _LIDARR_ALBUM, item_id in state.albums
    elif isinstance(state, LidarrState):
        covers, exists = _LIDARR_ARTIST, item_id in state.artists
    else:
        return None
    if not exists or cover not in covers:
        return None
    if size is not None and size not in covers[cover]:
        return None
    return cover, item_id


def add_cover_routes(app: web.Application, base: str, service: ArrService[Any]) -> None:
    """Serve `/MediaCover` and `/MediaCoverProxy` (outside `routes()`, not in the API).

    The app's middleware asks for the API key, as on `/api`.
    """

    async def media_cover(request: web.Request) -> web.StreamResponse:
        found = _library_cover(service, request.match_info["rest"])
        if found is None:
            return _not_found()
        cover, item_id = found
        return _jpeg(picture(cover, item_id))

    async def media_cover_proxy(request: web.Request) -> web.StreamResponse:
        known = service.proxied.get(request.match_info["hash"])
        if known is None or not _PROXY_FILE.match(request.match_info["file"]):
            return _not_found()
        remote, cover = known
        return _jpeg(picture(cover, zlib.crc32(remote.encode())))

    app.router.add_get(f"{base}/MediaCover/{{rest:.+}}", media_cover)
    app.router.add_get(
        f"{base}/MediaCoverProxy/{{hash:[0-9a-f]{{64}}}}/{{file}}", media_cover_proxy
    )


async def tmdb_image(request: web.Request) -> web.StreamResponse:
    """`/__simulator__/tmdb-images/t/p/<size>/<file>`: TMDb's image host, no key."""
    size, name = request.match_info["size"], request.match_info["file"]
    if size not in _TMDB_SIZES or not _TMDB_FILE.match(name):
        return _not_found()
    return _jpeg(picture("poster", zlib.crc32(name.encode())))
