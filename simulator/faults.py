"""Fault injection: latency, error status, dropped connections, bad bodies.

Besides broken servers it plays hostile ones: an answer that never ends, one
with a huge string in it, one nested absurdly deep, all sent without a
Content-Length as they are made (so that no test needs them in memory), and
answers compressed with gzip.

Faults apply to the API paths of one instance, never to the control paths
under `/__simulator__/`. They are set from tests through
`Simulator.faults(name).set(...)` or over HTTP with
`POST /__simulator__/fault`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
import contextlib
from dataclasses import dataclass, field
import logging
from typing import Any, Protocol

from aiohttp import web
import orjson

_LOGGER = logging.getLogger(__name__)

CONTROL_PREFIX = "/__simulator__"

# Not JSON for any parser: an unterminated array with a stray token.
MALFORMED_BODY = b'{"page": 1, "records": [{"id": 1, "title": "Bro\x00ken"},, <html>'

# Bytes written at a time by the hostile answers.
_WRITE_SIZE = 65536
# The member that carries the huge string or the deep nesting.
PADDING_MEMBER = "padding"


@dataclass(slots=True)
class Faults:
    """The faults of one instance; all off by default."""

    latency: float = 0.0
    status: int | None = None
    drop: bool = False
    malformed: bool = False
    truncate: bool = False
    endless: bool = False
    huge: int = 0
    deep: int = 0
    gzip: bool = False
    # Seconds to hold an answer after the request was handled (a POST has
    # stored its item): a client that times out missed a success.
    hold: float = 0.0
    # Only paths starting with one of these (relative to the base path).
    paths: tuple[str, ...] = ()
    # Fault this many more requests, then clear; None means until cleared.
    count: int | None = None
    # Set when the faults are cleared: requests waiting out their latency
    # then answer at once, so a test can hold a server and let it go.
    _cleared: asyncio.Event | None = field(default=None, repr=False, compare=False)

    def set(
        self,
        *,
        latency: float | None = None,
        status: int | None = None,
        drop: bool | None = None,
        malformed: bool | None = None,
        truncate: bool | None = None,
        endless: bool | None = None,
        huge: int | None = None,
        deep: int | None = None,
        gzip: bool | None = None,
        hold: float | None = None,
        paths: Sequence[str] | None = None,
        count: int | None = None,
    ) -> None:
        """Switch faults on; arguments left out keep their value.

        `latency` adds seconds before answering; `status` answers every API
        request with that HTTP status; `drop` closes the connection without
        an answer; `malformed` answers 200 with a body that is not JSON;
        `truncate` sends the headers with the full Content-Length and half
        the body, then closes. `paths` limits the faults to path prefixes and
        `count` to a number of requests.

        The hostile ones change a successful JSON answer and send it in
        pieces without a Content-Length: `endless` never ends it (the
        elements of its list repeat forever; an answer without a list gets a
        string member that never ends); `huge` puts a string of that many
        characters in the first element of the list (or in the answer when
        it has no list); `deep` puts lists nested that many levels deep in
        the same place. `gzip` compresses the answers, faulty or not.
        `hold` handles the request first (a POST stores its item) and then
        holds the answer that many seconds, or until the faults are cleared.

        A 503 on a `*/lookup` path answers as the *arr do when their metadata
        service fails ("Search for '...' failed. Unable to communicate with
        ...").
        """
        if latency is not None:
            if latency < 0:
                raise ValueError("latency must not be negative")
            self.latency = float(latency)
        if status is not None:
            if not 100 <= int(status) <= 599:
                raise ValueError("status must be an HTTP status code")
            self.status = int(status)
        if drop is not None:
            self.drop = bool(drop)
        if malformed is not None:
            self.malformed = bool(malformed)
        if truncate is not None:
            self.truncate = bool(truncate)
        if endless is not None:
            self.endless = bool(endless)
        if huge is not None:
            if huge < 0:
                raise ValueError("huge must not be negative")
            self.huge = int(huge)
        if deep is not None:
            if deep < 0:
                raise ValueError("deep must not be negative")
            self.deep = int(deep)
        if gzip is not None:
            self.gzip = bool(gzip)
        if hold is not None:
            if hold < 0:
                raise ValueError("hold must not be negative")
            self.hold = float(hold)
        if paths is not None:
            self.paths = (paths,) if isinstance(paths, str) else tuple(paths)
        if count is not None:
            if count < 0:
                raise ValueError("count must not be negative")
            self.count = int(count)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a mapping such as the JSON body of the control endpoint."""
        known = {
            "latency",
            "status",
            "drop",
            "malformed",
            "truncate",
            "endless",
            "huge",
            "deep",
            "gzip",
            "hold",
            "paths",
            "count",
        }
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        self.set(**values)

    async def wait_latency(self, latency: float) -> None:
        """Wait `latency` seconds, or until the faults are cleared."""
        if self._cleared is None:
            self._cleared = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._cleared.wait(), latency)

    def clear(self) -> None:
        """Switch every fault off; requests waiting out a latency answer now."""
        if self._cleared is not None:
            self._cleared.set()
            self._cleared = None
        self.latency = 0.0
        self.status = None
        self.drop = False
        self.malformed = False
        self.truncate = False
        self.endless = False
        self.huge = 0
        self.deep = 0
        self.gzip = False
        self.hold = 0.0
        self.paths = ()
        self.count = None

    @property
    def active(self) -> bool:
        """Whether any fault is on."""
        return bool(
            self.latency
            or self.status
            or self.drop
            or self.malformed
            or self.truncate
            or self.hostile
            or self.gzip
            or self.hold
        )

    @property
    def hostile(self) -> bool:
        """Whether a fault that rewrites the answer as a hostile server would is on."""
        return bool(self.endless or self.huge or self.deep)

    def as_dict(self) -> dict[str, Any]:
        """Return the current faults as plain data."""
        return {
            "latency": self.latency,
            "status": self.status,
            "drop": self.drop,
            "malformed": self.malformed,
            "truncate": self.truncate,
            "endless": self.endless,
            "huge": self.huge,
            "deep": self.deep,
            "gzip": self.gzip,
            "hold": self.hold,
            "paths": list(self.paths),
            "count": self.count,
        }

    def take(self, path: str) -> bool:
        """Whether the faults apply to this request (and count it)."""
        if not self.active:
            return False
        if self.paths and not any(path.startswith(p) for p in self.paths):
            return False
        if self.count is not None:
            if self.count <= 0:
                self.clear()
                return False
            self.count -= 1
        return True


class ServiceContext(Protocol):
    """What the faults need of a service instance (the service's own context)."""

    name: str
    kind: str
    base_path: str
    faults: Faults
    requests: list[tuple[str, str]]


def relative_path(ctx: ServiceContext, path: str) -> str:
    """Return the request path without the instance's base path."""
    base = ctx.base_path
    if base and (path == base or path.startswith(base + "/")):
        return path[len(base) :] or "/"
    return path


def is_control(ctx: ServiceContext, path: str) -> bool:
    """Whether a path is one of the control endpoints."""
    rel = relative_path(ctx, path)
    return rel == CONTROL_PREFIX or rel.startswith(CONTROL_PREFIX + "/")


type _Next = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fault_middleware(ctx: ServiceContext) -> Any:
    """Log API requests and apply the faults of the instance."""

    @web.middleware
    async def middleware(request: web.Request, handler: _Next) -> web.StreamResponse:
        if is_control(ctx, request.path):
            return await handler(request)
        rel = relative_path(ctx, request.path)
        ctx.requests.append((request.method, rel))
        # The path only: query strings may carry an API key.
        _LOGGER.debug("%s: %s %s", ctx.name, request.method, rel)
        faults = ctx.faults
        if not faults.take(rel):
            return await handler(request)
        # Read the settings now: a test may clear them while we sleep.
        latency, status, drop = faults.latency, faults.status, faults.drop
        malformed, truncate = faults.malformed, faults.truncate
        endless, huge, deep, gzip = (
            faults.endless,
            faults.huge,
            faults.deep,
            faults.gzip,
        )
        hold = faults.hold
        if latency:
            await faults.wait_latency(latency)
        if drop:
            return _drop(request)
        if status is not None:
            return _status(ctx, status, request)
        response = await handler(request)
        if hold:
            # Handled (and stored): the client waits for an answer that comes late.
            await faults.wait_latency(hold)
        if malformed:
            response = web.Response(
                body=MALFORMED_BODY,
                status=200,
                content_type="application/json",
                charset="utf-8",
            )
        elif (endless or huge or deep) and _is_json_answer(response):
            assert isinstance(response, web.Response)
            assert isinstance(response.body, bytes)
            pieces = _hostile_body(response.body, endless=endless, huge=huge, deep=deep)
            return await _send_pieces(request, response, pieces, gzip=gzip)
        if truncate and isinstance(response, web.Response) and response.body:
            return await _truncate(request, response)
        if gzip:
            response.enable_compression(web.ContentCoding.gzip)
        return response

    return middleware


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection before anything is sent."""
    transport = request.transport
    if transport is not None:
        transport.close()
    # Nothing reaches the client: the transport is gone.
    return web.Response(status=500)


# What each *arr calls its metadata service in SkyHookException messages,
# and where it asks it.
_METADATA_SERVICES = {
    "radarr": ("RadarrAPI", "https://api.radarr.video/v1/search"),
    "sonarr": ("SkyHook", "http://skyhook.sonarr.tv/v1/tvdb/search/en/"),
    "lidarr": ("LidarrAPI", "https://api.lidarr.audio/api/v0.4/search"),
}


def _lookup_unavailable(ctx: ServiceContext, request: web.Request) -> web.Response:
    """Answer a lookup while the metadata service is down: SkyHookException (503)."""
    service, url = _METADATA_SERVICES[ctx.kind]
    term = (
        request.query.get("term")
        or request.query.get("tmdbId")
        or request.query.get("imdbId")
        or ""
    )
    cause = f"HTTP request failed: [503:ServiceUnavailable] [GET] at [{url}]"
    message = (
        f"Search for '{term}' failed. Unable to communicate with {service}. {cause}"
    )
    return web.json_response(
        {
            "message": message,
            "description": "NzbDrone.Core.MetadataSource.SkyHook.SkyHookException: "
            + message,
        },
        status=503,
    )


def _status(ctx: ServiceContext, status: int, request: web.Request) -> web.Response:
    if (
        status == 503
        and ctx.kind in _METADATA_SERVICES
        and "/lookup" in relative_path(ctx, request.path)
    ):
        return _lookup_unavailable(ctx, request)
    if ctx.kind == "jellyfin":
        return web.Response(status=status, text="Error processing request.")
    if ctx.kind == "jellyseerr":
        return web.json_response(
            {"status": status, "message": "Simulated failure"}, status=status
        )
    return web.json_response(
        {"message": "Simulated failure", "description": f"HTTP {status}"}, status=status
    )


async def _truncate(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Announce the full length, send half of the body, then hang up."""
    body = response.body
    assert isinstance(body, bytes)
    stream = web.StreamResponse(status=response.status)
    stream.content_type = response.content_type
    if response.charset:
        stream.charset = response.charset
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    transport = request.transport
    if transport is not None:
        transport.close()
    return stream


def _is_json_answer(response: web.StreamResponse) -> bool:
    return (
        isinstance(response, web.Response)
        and 200 <= response.status < 300
        and response.content_type == "application/json"
        and isinstance(response.body, bytes)
        and bool(response.body)
    )


def _member(key: str, value: bytes) -> bytes:
    return orjson.dumps(key) + b":" + value


def _split_at_list(data: Any) -> tuple[bytes, list[bytes], bytes] | None:
    """Cut an answer around its list: what comes before, the elements, what follows.

    The list is the answer itself or its first member that is a list
    (Jellyfin's `Items`, the `records` of a page); None when there is none.
    """
    if isinstance(data, list):
        return b"[", [orjson.dumps(element) for element in data], b"]"
    if not isinstance(data, dict):
        return None
    members = list(data.items())
    for index, (key, value) in enumerate(members):
        if isinstance(value, list):
            before = [_member(k, orjson.dumps(v)) for k, v in members[:index]]
            after = [_member(k, orjson.dumps(v)) for k, v in members[index + 1 :]]
            head = b"{" + b"".join(part + b"," for part in before)
            tail = b"".join(b"," + part for part in after) + b"}"
            return (
                head + _member(key, b"["),
                [orjson.dumps(element) for element in value],
                b"]" + tail,
            )
    return None


def _with_padding(obj: bytes, padding: Iterator[bytes]) -> Iterator[bytes]:
    """Write the JSON object `obj` with one more member, its value from `padding`."""
    head = obj[:-1]
    yield head + (b"," if head != b"{" else b"") + orjson.dumps(PADDING_MEMBER) + b":"
    yield from padding
    yield b"}"


def _padding(*, endless: bool, huge: int, deep: int) -> Iterator[bytes]:
    """Write the value of the padding member: a long string or deep lists."""
    if deep:
        yield from _repeat(b"[", deep)
        if huge or endless:
            yield from _string(huge, endless=endless)
        yield from _repeat(b"]", deep)
    else:
        yield from _string(huge, endless=endless)


def _repeat(text: bytes, count: int) -> Iterator[bytes]:
    full, rest = divmod(count, _WRITE_SIZE)
    block = text * _WRITE_SIZE
    for _ in range(full):
        yield block
    if rest:
        yield text * rest


def _string(length: int, *, endless: bool) -> Iterator[bytes]:
    yield b'"'
    if endless:
        block = b"x" * _WRITE_SIZE
        while True:
            yield block
    yield from _repeat(b"x", length)
    yield b'"'


def _hostile_body(
    body: bytes, *, endless: bool, huge: int, deep: int
) -> Iterator[bytes]:
    """Write a hostile version of a JSON answer in pieces (see `Faults.set`)."""
    data = orjson.loads(body)
    split = _split_at_list(data)
    is_object = isinstance(data, dict)
    # An endless answer is written for long: keep only the serialized parts.
    del data
    if split is None:
        # No list: the answer carries the padding (an object stands in for
        # a plain value).
        obj = body if is_object else b"{}"
        yield from _with_padding(obj, _padding(endless=endless, huge=huge, deep=deep))
        return
    before, elements, after = split
    yield before
    if huge or deep:
        # The first element gets the padding (a new one unless it is an object).
        first = b"{}"
        if elements and elements[0][:1] == b"{":
            first, elements = elements[0], elements[1:]
        yield from _with_padding(first, _padding(endless=False, huge=huge, deep=deep))
        separator = b","
    else:
        separator = b""
    if endless:
        # Repeat the real elements forever (a list that had none repeats
        # `{}`), written a block of them at a time.
        unit = b"".join(b"," + element for element in elements or [b"{}"])
        block = unit * -(-_WRITE_SIZE // len(unit))
        yield block if separator else block[1:]
        while True:
            yield block
    for element in elements:
        yield separator + element
        separator = b","
    yield after


async def _send_pieces(
    request: web.Request,
    response: web.Response,
    pieces: Iterator[bytes],
    *,
    gzip: bool,
) -> web.StreamResponse:
    """Send an answer piece by piece, without a Content-Length.

    An endless answer ends when the client hangs up (the write fails, or the
    handler is cancelled).
    """
    stream = web.StreamResponse(status=response.status)
    stream.content_type = response.content_type
    if response.charset:
        stream.charset = response.charset
    if gzip:
        stream.enable_compression(web.ContentCoding.gzip)
    await stream.prepare(request)
    buffered: list[bytes] = []
    size = 0
    try:
        for piece in pieces:
            buffered.append(piece)
            size += len(piece)
            if size >= _WRITE_SIZE:
                await stream.write(b"".join(buffered))
                buffered.clear()
                size = 0
        if buffered:
            await stream.write(b"".join(buffered))
        await stream.write_eof()
    except ConnectionError:
        # The client gave up: nothing more to send.
        pass
    return stream
