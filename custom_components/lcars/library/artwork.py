"""Artwork: which covers LCARS may fetch, their sizes, and the cache of them.

A browser never learns where a cover comes from: it asks Home Assistant for
an item's cover by the item's id, or by an opaque reference LCARS handed out.
What LCARS fetches is always a path an *arr gave it (`images[].url`), read
with that *arr's key, or a Jellyseerr poster path on TMDb's image host; the
checks here make sure no other path or host can slip in.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum
import hashlib
import re
import time
from typing import Final

# The largest cover accepted from a server, and what the cache holds in all.
MAX_IMAGE_BYTES: Final = 2 * 1024 * 1024
DEFAULT_CACHE_BYTES: Final = 32 * 1024 * 1024
# How long "there is no such cover" is believed before asking again.
MISSING_SECONDS: Final = 60.0
# How many handed-out references are remembered.
MAX_REFERENCES: Final = 4096

# The cover types an *arr names in `images[]`.
COVER_TYPES: Final = frozenset({"poster", "fanart", "banner", "cover", "logo"})

# A segment an *arr's cover path has: its own covers, or those it proxies.
_COVER_FOLDERS: Final = frozenset({"mediacover", "mediacoverproxy"})
_SEGMENT: Final = re.compile(r"[A-Za-z0-9._~-]+")
# A TMDb poster path as Jellyseerr gives it ("/abc123.jpg").
_POSTER_PATH: Final = re.compile(r"/[A-Za-z0-9_-]{1,100}\.(?:jpg|jpeg|png|webp)")


class CoverSize(StrEnum):
    """How large a cover is wanted: the *arr keeps resized copies."""

    SMALL = "small"
    MEDIUM = "medium"
    FULL = "full"


# The suffix of the *arr's resized copy of each cover type, by size.
_VARIANTS: Final[dict[str, dict[CoverSize, str]]] = {
    "poster": {CoverSize.SMALL: "-250", CoverSize.MEDIUM: "-500"},
    "fanart": {CoverSize.SMALL: "-180", CoverSize.MEDIUM: "-360"},
    "cover": {CoverSize.SMALL: "-250", CoverSize.MEDIUM: "-250"},
}


def is_arr_cover_path(path: str) -> bool:
    """Whether `path` is a cover path on an *arr, safe to read with its key.

    Absolute, without query, fragment, escapes, dot segments or empty
    segments, and inside the *arr's `MediaCover` or `MediaCoverProxy`
    folders: an *arr's answer cannot make LCARS read its API this way.
    """
    if not path.startswith("/") or len(path) > 500:
        return False
    segments = path[1:].split("/")
    if any(
        not _SEGMENT.fullmatch(segment) or segment in {".", ".."}
        for segment in segments
    ):
        return False
    return any(segment.casefold() in _COVER_FOLDERS for segment in segments[:-1])


def is_poster_path(path: str) -> bool:
    """Whether `path` is a TMDb image path as Jellyseerr gives it."""
    return _POSTER_PATH.fullmatch(path) is not None


def sized_path(path: str, cover: str, size: CoverSize) -> str:
    """Return the path of the *arr's resized copy of a cover (`poster.jpg` → `poster-250.jpg`).

    A path whose file is not named after the cover type, or a size the *arr
    keeps no copy of, is the path itself.
    """
    suffix = _VARIANTS.get(cover, {}).get(size)
    folder, _, name = path.rpartition("/")
    stem, dot, extension = name.partition(".")
    if suffix is None or stem != cover or not dot:
        return path
    return f"{folder}/{stem}{suffix}.{extension}"


def reference(subentry_id: str, address: str) -> str:
    """Return the opaque reference of a cover address, stable for the same address."""
    digest = hashlib.sha256(f"{subentry_id}\0{address}".encode()).hexdigest()
    return digest[:32]


def entity_tag(*parts: object) -> str:
    """Return an HTTP entity tag for a cover: a hash of what identifies it, quoted."""
    text = "\0".join(map(str, parts))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class CoverAddress:
    """What a reference stands for: the service it is read from, and where."""

    subentry_id: str
    address: str


class CoverAddresses:
    """The references handed out, newest last, at most `limit` of them."""

    def __init__(self, limit: int = MAX_REFERENCES) -> None:
        """Remember up to `limit` references."""
        self._limit = limit
        self._addresses: OrderedDict[str, CoverAddress] = OrderedDict()

    def remember(self, subentry_id: str, address: str) -> str:
        """Hand out the reference of `address` on a service, and remember it."""
        ref = reference(subentry_id, address)
        self._addresses[ref] = CoverAddress(subentry_id, address)
        self._addresses.move_to_end(ref)
        while len(self._addresses) > self._limit:
            self._addresses.popitem(last=False)
        return ref

    def get(self, subentry_id: str, ref: str) -> str | None:
        """Return the address a reference on this service stands for, if handed out."""
        found = self._addresses.get(ref)
        if found is None or found.subentry_id != subentry_id:
            return None
        return found.address

    def __len__(self) -> int:
        """How many references are remembered."""
        return len(self._addresses)


@dataclass(frozen=True, slots=True)
class Image:
    """A cover as served: its bytes and their type."""

    body: bytes
    content_type: str


class ImageMissingError(Exception):
    """The server has no such image (its 404): remembered for a while."""


def _retrieve(future: asyncio.Future[Image]) -> None:
    """Mark a fetch's failure as seen: every reader may have given up on it."""
    if not future.cancelled():
        future.exception()


class ImageCache:
    """Covers by key, the least recently used dropped beyond `max_bytes`.

    Concurrent reads of one key make one fetch; a missing image is
    remembered for `missing_seconds`, so a card full of missing covers does
    not ask the server again on every view. Failures are not kept.
    """

    def __init__(
        self,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        *,
        missing_seconds: float = MISSING_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Hold up to `max_bytes` of images."""
        self._max_bytes = max_bytes
        self._missing_seconds = missing_seconds
        self._clock = clock
        self._images: OrderedDict[Hashable, Image] = OrderedDict()
        self._missing: dict[Hashable, float] = {}
        self._loading: dict[Hashable, asyncio.Future[Image]] = {}
        self._bytes = 0
        self.fetches = 0

    @property
    def size(self) -> int:
        """Bytes of images held."""
        return self._bytes

    def __contains__(self, key: Hashable) -> bool:
        """Whether the image of `key` is held."""
        return key in self._images

    def stats(self) -> dict[str, int]:
        """Figures for diagnostics: images, bytes held and the limit, fetches."""
        return {
            "images": len(self._images),
            "bytes": self._bytes,
            "max_bytes": self._max_bytes,
            "missing": len(self._missing),
            "fetches": self.fetches,
        }

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[Image]]) -> Image:
        """Return the image of `key`, fetched with `fetch` unless held or on its way.

        Raises `ImageMissingError` while the image is known to be missing,
        and whatever `fetch` raised for this read.
        """
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
            return image
        missing_until = self._missing.get(key)
        if missing_until is not None:
            if missing_until > self._clock():
                raise ImageMissingError
            del self._missing[key]
        loading = self._loading.get(key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(key, fetch))
            loading.add_done_callback(_retrieve)
            self._loading[key] = loading
        # One reader giving up (a closed browser tab) does not cancel the
        # fetch the others wait for.
        return await asyncio.shield(loading)

    async def _load(
        self, key: Hashable, fetch: Callable[[], Awaitable[Image]]
    ) -> Image:
        try:
            self.fetches += 1
            image = await fetch()
        except ImageMissingError:
            self._missing[key] = self._clock() + self._missing_seconds
            raise
        finally:
            del self._loading[key]
        self._store(key, image)
        return image

    def _store(self, key: Hashable, image: Image) -> None:
        size = len(image.body)
        if size > self._max_bytes:
            return
        self._images[key] = image
        self._bytes += size
        while self._bytes > self._max_bytes:
            _, dropped = self._images.popitem(last=False)
            self._bytes -= len(dropped.body)
