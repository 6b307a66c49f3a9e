"""Fault injection: latency, error status, dropped connections, bad bodies.

Faults apply to the API paths of one instance, never to the control paths
under `/__simulator__/`. They are set from tests through
`Simulator.faults(name).set(...)` or over HTTP with
`POST /__simulator__/fault`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .common import ServiceContext

_LOGGER = logging.getLogger(__name__)

CONTROL_PREFIX = "/__simulator__"

# Not JSON for any parser: an unterminated array with a stray token.
MALFORMED_BODY = b'{"page": 1, "records": [{"id": 1, "title": "Bro\x00ken"},, <html>'


@dataclass(slots=True)
class Faults:
    """The faults of one instance; all off by default."""

    latency: float = 0.0
    status: int | None = None
    drop: bool = False
    malformed: bool = False
    truncate: bool = False
    # Only paths starting with one of these (relative to the base path).
    paths: tuple[str, ...] = ()
    # Fault this many more requests, then clear; None means until cleared.
    count: int | None = None

    def set(
        self,
        *,
        latency: float | None = None,
        status: int | None = None,
        drop: bool | None = None,
        malformed: bool | None = None,
        truncate: bool | None = None,
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
        if paths is not None:
            self.paths = (paths,) if isinstance(paths, str) else tuple(paths)
        if count is not None:
            if count < 0:
                raise ValueError("count must not be negative")
            self.count = int(count)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a mapping such as the JSON body of the control endpoint."""
        known = {"latency", "status", "drop", "malformed", "truncate", "paths", "count"}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(sorted(unknown))}")
        self.set(**values)

    def clear(self) -> None:
        """Switch every fault off."""
        self.latency = 0.0
        self.status = None
        self.drop = False
        self.malformed = False
        self.truncate = False
        self.paths = ()
        self.count = None

    @property
    def active(self) -> bool:
        """Whether any fault is on."""
        return bool(
            self.latency or self.status or self.drop or self.malformed or self.truncate
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the current faults as plain data."""
        return {
            "latency": self.latency,
            "status": self.status,
            "drop": self.drop,
            "malformed": self.malformed,
            "truncate": self.truncate,
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
        if latency:
            await asyncio.sleep(latency)
        if drop:
            return _drop(request)
        if status is not None:
            return _status(ctx, status)
        response = await handler(request)
        if malformed:
            return web.Response(
                body=MALFORMED_BODY,
                status=200,
                content_type="application/json",
                charset="utf-8",
            )
        if truncate and isinstance(response, web.Response) and response.body:
            return await _truncate(request, response)
        return response

    return middleware


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection before anything is sent."""
    transport = request.transport
    if transport is not None:
        transport.close()
    # Nothing reaches the client: the transport is gone.
    return web.Response(status=500)


def _status(ctx: ServiceContext, status: int) -> web.Response:
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
