"""Covers as the *arr serve them (`/MediaCover/...`), and a TMDb image stand-in.

A small stand-in until the simulator has covers of its own: every cover is
one tiny baseline JPEG with a comment naming the service, the item and the
cover, so that each has bytes of its own. `/MediaCover` needs the API key
like `/api` (the auth middleware checks it); the TMDb stand-in
(`/__simulator__/tmdb-images/t/p/<size>/<file>`) needs none, as the real
image host.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection
import re

from aiohttp import web

from .common import ServiceContext

# A 12 by 18 baseline JPEG made once with Pillow.
_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAASAAwDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDnaKKK9AwCiiigD//Z"
)
_COVER = re.compile(r"(poster|fanart|banner|cover|disc|logo)(-\d+)?\.jpg")


def jpeg(comment: str) -> bytes:
    """Return the JPEG with a comment segment after its start: bytes of its own."""
    text = comment.encode()
    segment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    return _JPEG[:2] + segment + _JPEG[2:]


def _image(body: bytes) -> web.Response:
    return web.Response(
        body=body,
        content_type="image/jpeg",
        headers={"Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"},
    )


def add_cover_routes(
    app: web.Application, ctx: ServiceContext, ids: Callable[[], Collection[int]]
) -> None:
    """Serve `<base>/MediaCover/<id>/<cover>[-size].jpg` for the items in `ids`.

    `ids` is called with no argument and gives the ids that have covers.
    """
    base = ctx.base_path

    async def get_cover(request: web.Request) -> web.StreamResponse:
        item = request.match_info["item"]
        name = request.match_info["name"]
        if not item.isdigit() or not _COVER.fullmatch(name):
            return web.Response(status=404)
        if int(item) not in ids():
            return web.Response(status=404)
        return _image(jpeg(f"{ctx.name}/{item}/{name}"))

    app.router.add_get(f"{base}/MediaCover/{{item}}/{{name}}", get_cover)


def add_tmdb_images(app: web.Application, prefix: str) -> None:
    """Serve `<prefix>/tmdb-images/t/p/<size>/<file>`, standing in for TMDb's host."""

    async def get_image(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not re.fullmatch(r"[A-Za-z0-9_-]+\.jpg", name):
            return web.Response(status=404)
        return _image(jpeg(f"tmdb/{request.match_info['size']}/{name}"))

    app.router.add_get(f"{prefix}/tmdb-images/t/p/{{size}}/{{name}}", get_image)
