"""Tests of the artwork rules: which paths may be read, sizes, references, cache."""

from __future__ import annotations

import asyncio

import pytest

from custom_components.lcars.library.artwork import (
    CoverAddresses,
    CoverSize,
    Image,
    ImageCache,
    ImageMissingError,
    entity_tag,
    is_arr_cover_path,
    is_poster_path,
    reference,
    sized_path,
)


@pytest.mark.parametrize(
    "path",
    [
        "/MediaCover/12/poster.jpg",
        "/radarr/MediaCover/12/fanart-360.jpg",
        "/MediaCoverProxy/ab12cd/poster.jpg",
        "/mediacover/Artists/3/cover.jpg",
    ],
)
def test_arr_cover_paths_that_may_be_read(path: str) -> None:
    assert is_arr_cover_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "MediaCover/1/poster.jpg",
        "//evil.example/MediaCover/1/poster.jpg",
        "http://evil.example/MediaCover/1/poster.jpg",
        "/api/v3/system/status",
        "/MediaCover/../api/v3/movie",
        "/MediaCover/./1/poster.jpg",
        "/MediaCover/1/poster.jpg?apikey=x",
        "/MediaCover/1/poster.jpg#x",
        "/MediaCover/%2e%2e/poster.jpg",
        "/MediaCover//poster.jpg",
        "/MediaCover/1\\poster.jpg",
        "/poster.jpg/MediaCover",
        "/MediaCover",
        "/" + "a/" * 300 + "MediaCover/1.jpg",
    ],
)
def test_other_paths_are_refused(path: str) -> None:
    assert not is_arr_cover_path(path)


def test_poster_paths_of_jellyseerr() -> None:
    assert is_poster_path("/kqjL17yufvn9OVLyXYpvtyrFfak.jpg")
    assert is_poster_path("/a-b_c.webp")
    for path in ("kq.jpg", "//evil/x.jpg", "/../x.jpg", "/x.svg", "/x.jpg?x=1", "/"):
        assert not is_poster_path(path)


@pytest.mark.parametrize(
    ("path", "cover", "size", "expected"),
    [
        ("/MediaCover/1/poster.jpg", "poster", CoverSize.SMALL, "/MediaCover/1/poster-250.jpg"),
        ("/MediaCover/1/poster.jpg", "poster", CoverSize.MEDIUM, "/MediaCover/1/poster-500.jpg"),
        ("/MediaCover/1/poster.jpg", "poster", CoverSize.FULL, "/MediaCover/1/poster.jpg"),
        ("/MediaCover/1/fanart.jpg", "fanart", CoverSize.SMALL, "/MediaCover/1/fanart-180.jpg"),
        ("/MediaCover/1/fanart.png", "fanart", CoverSize.MEDIUM, "/MediaCover/1/fanart-360.png"),
        ("/MediaCover/1/cover.jpg", "cover", CoverSize.MEDIUM, "/MediaCover/1/cover-250.jpg"),
        ("/MediaCover/1/banner.jpg", "banner", CoverSize.SMALL, "/MediaCover/1/banner.jpg"),
        ("/MediaCoverProxy/ab/x.jpg", "poster", CoverSize.SMALL, "/MediaCoverProxy/ab/x.jpg"),
        ("/MediaCover/1/poster", "poster", CoverSize.SMALL, "/MediaCover/1/poster"),
    ],
)  # fmt: skip
def test_sized_paths(path: str, cover: str, size: CoverSize, expected: str) -> None:
    assert sized_path(path, cover, size) == expected


def test_references_are_opaque_and_stable() -> None:
    ref = reference("sub", "/MediaCover/1/poster.jpg")
    assert ref == reference("sub", "/MediaCover/1/poster.jpg")
    assert ref != reference("other", "/MediaCover/1/poster.jpg")
    assert "MediaCover" not in ref
    assert len(ref) == 32
    assert entity_tag("a", 1) == entity_tag("a", 1) != entity_tag("a", 2)
    assert entity_tag("a").startswith('"')


def test_addresses_are_kept_per_service_and_bounded() -> None:
    addresses = CoverAddresses(limit=2)
    first = addresses.remember("sub", "/MediaCover/1/poster.jpg")
    second = addresses.remember("sub", "/MediaCover/2/poster.jpg")
    assert addresses.get("sub", first) == "/MediaCover/1/poster.jpg"
    assert addresses.get("other", first) is None
    # Remembering again makes it the newest: the second goes first.
    assert addresses.remember("sub", "/MediaCover/1/poster.jpg") == first
    addresses.remember("sub", "/MediaCover/3/poster.jpg")
    assert len(addresses) == 2
    assert addresses.get("sub", second) is None
    assert addresses.get("sub", first) is not None
    assert addresses.get("sub", "unknown") is None


def _image(size: int, fill: bytes = b"x") -> Image:
    return Image(fill * size, "image/jpeg")


async def test_cache_keeps_least_recently_used_within_its_bytes() -> None:
    cache = ImageCache(max_bytes=25)
    fetched: list[str] = []

    def fetcher(key: str, size: int = 10):  # type: ignore[no-untyped-def]
        async def fetch() -> Image:
            fetched.append(key)
            return _image(size)

        return fetch

    await cache.get("a", fetcher("a"))
    await cache.get("b", fetcher("b"))
    # Reading "a" makes "b" the least recently used.
    await cache.get("a", fetcher("a"))
    await cache.get("c", fetcher("c"))
    assert "a" in cache
    assert "b" not in cache
    assert "c" in cache
    assert cache.size == 20
    assert fetched == ["a", "b", "c"]
    # An image larger than the whole cache is answered, never kept.
    assert len((await cache.get("huge", fetcher("huge", 30))).body) == 30
    assert "huge" not in cache
    assert cache.stats() == {
        "images": 2,
        "bytes": 20,
        "max_bytes": 25,
        "missing": 0,
        "fetches": 4,
    }


async def test_concurrent_reads_make_one_fetch() -> None:
    cache = ImageCache()
    release = asyncio.Event()
    calls = 0

    async def fetch() -> Image:
        nonlocal calls
        calls += 1
        await release.wait()
        return _image(3)

    readers = [asyncio.create_task(cache.get("k", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    # One reader giving up does not stop the fetch the others wait for.
    readers[0].cancel()
    release.set()
    results = await asyncio.gather(*readers[1:])
    assert calls == 1
    assert all(result.body == b"xxx" for result in results)
    assert readers[0].cancelled()


async def test_missing_images_are_remembered_for_a_while() -> None:
    now = [100.0]
    cache = ImageCache(missing_seconds=60, clock=lambda: now[0])
    calls = 0

    async def missing() -> Image:
        nonlocal calls
        calls += 1
        raise ImageMissingError

    for _ in range(3):
        with pytest.raises(ImageMissingError):
            await cache.get("k", missing)
    assert calls == 1
    assert cache.stats()["missing"] == 1
    now[0] += 61

    async def found() -> Image:
        return _image(1)

    assert (await cache.get("k", found)).body == b"x"
    assert cache.stats()["missing"] == 0


async def test_failures_are_not_kept() -> None:
    cache = ImageCache()
    calls = 0

    async def failing() -> Image:
        nonlocal calls
        calls += 1
        raise OSError("down")

    for _ in range(2):
        with pytest.raises(OSError, match="down"):
            await cache.get("k", failing)
    assert calls == 2


async def test_a_failure_nobody_waits_for_is_not_reported_as_unretrieved() -> None:
    cache = ImageCache()
    started = asyncio.Event()

    async def failing() -> Image:
        started.set()
        await asyncio.sleep(0)
        raise OSError("down")

    reader = asyncio.create_task(cache.get("k", failing))
    await started.wait()
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    # The fetch still ends; its error is consumed.
    for _ in range(5):
        await asyncio.sleep(0)
    assert "k" not in cache


async def test_a_cancelled_fetch_is_not_kept() -> None:
    cache = ImageCache()

    async def slow() -> Image:
        await asyncio.sleep(10)
        return _image(1)

    reader = asyncio.create_task(cache.get("k", slow))
    await asyncio.sleep(0)
    # The fetch itself is cancelled (Home Assistant stopping), not a reader.
    cache._loading["k"].cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert "k" not in cache
    assert cache.stats()["images"] == 0
