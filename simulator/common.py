"""Pieces every simulated service uses: context, JSON bodies, query parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
import orjson

from .faults import Faults
from .state import Clock, ServiceState, State

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def dumps(data: Any) -> bytes:
    """Serialize to compact JSON bytes."""
    return orjson.dumps(data)


@dataclass(frozen=True, slots=True)
class Route:
    """One route of a service, with its path relative to the base path."""

    method: str
    path: str
    handler: Handler
    # Served without credentials (status pages of Jellyfin and Jellyseerr).
    public: bool = False


@dataclass(slots=True)
class ServiceContext:
    """Everything a service needs at request time."""

    name: str
    kind: str
    base_path: str
    api_key: str
    state: State
    faults: Faults = field(default_factory=Faults)
    requests: list[tuple[str, str]] = field(default_factory=list)
    key_rotations: int = 0
    # Where the instance answers, with its base path; known once started.
    url: str = ""
    # The version the instance reports and whose shapes it sends ("" for
    # the service's default, such as Sonarr v4).
    version: str = ""

    @property
    def clock(self) -> Clock:
        """The shared clock."""
        return self.state.clock

    @property
    def service_state(self) -> ServiceState:
        """Return the part of the state of this instance."""
        return self.state.services[self.name]


class BodyCache:
    """Serialized list bodies, valid for one state version.

    Large lists are expensive to build; they are built once per version and
    per query, and any mutation (which bumps the version) drops them all.
    Builds run in a worker thread so that other requests are served
    meanwhile, as a real server would; concurrent requests for the same body
    share one build.
    """

    def __init__(self) -> None:
        """Start empty."""
        self._version: Any = None
        self._bodies: dict[Any, bytes] = {}
        self._pending: dict[tuple[Any, Any], asyncio.Future[bytes]] = {}

    async def get(self, version: Any, key: Any, build: Callable[[], Any]) -> bytes:
        """Return the cached body for `key`, built by `build` when missing.

        `build` runs in a worker thread: it must only read what the caller
        captured for it, never iterate the live state.
        """
        if version != self._version:
            self._bodies.clear()
            self._version = version
        body = self._bodies.get(key)
        if body is not None:
            return body
        pending = self._pending.get((version, key))
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[(version, key)] = future
        try:
            try:
                body = await asyncio.to_thread(lambda: dumps(build()))
            except (KeyError, RuntimeError):
                # The state changed under the worker; build again on the loop.
                body = dumps(build())
        except BaseException as err:
            future.set_exception(err)
            # Waiters see the error; nobody else needs to retrieve it.
            future.exception()
            raise
        finally:
            self._pending.pop((version, key), None)
        future.set_result(body)
        if version == self._version:
            self._bodies[key] = body
        return body


def json_body(body: bytes, status: int = 200) -> web.Response:
    """Return a JSON response from serialized bytes (Content-Length is set)."""
    return web.Response(
        body=body, status=status, content_type="application/json", charset="utf-8"
    )


def json_response(data: Any, status: int = 200) -> web.Response:
    """Return a JSON response."""
    return json_body(dumps(data), status)


def empty(status: int = 200) -> web.Response:
    """Return a response without a body."""
    return web.Response(status=status)


def arr_date(value: datetime | None) -> str | None:
    """*arr date: ISO 8601 UTC to the second with a Z."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is several times faster than strftime, which matters for 20,000 movies.
    return value.isoformat(timespec="seconds")[:-6] + "Z"


def _fraction(value: datetime) -> str:
    """Return the sub-second digits a .NET server writes for a stored time: 0 to 7.

    A time with microseconds (the clock's now) gets all seven digits of a
    .NET tick, the last one made up. A whole second gets a made-up fraction
    derived from the second itself, of 0 to 7 digits, trailing zeros dropped
    as System.Text.Json drops them: the *arr store times with the ticks of
    the moment they were taken.
    """
    seconds = int(value.timestamp())
    if value.microsecond:
        digits = f"{value.microsecond:06d}{seconds % 10}"
    else:
        ticks = (seconds * 2654435761) % 10_000_000
        digits = f"{ticks:07d}"[: seconds % 8]
    return digits.rstrip("0")


def arr_stamp(value: datetime | None) -> str | None:
    """*arr time of an event (added, imported, queued): 0 to 7 fractional digits.

    Release and air dates are whole seconds (`arr_date`); times the server
    took from its clock carry their ticks.
    """
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    fraction = _fraction(value)
    text = value.replace(microsecond=0).isoformat(timespec="seconds")[:-6]
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"


def served_time(value: datetime | None) -> datetime | None:
    """Return the instant `arr_stamp` writes, to the microsecond (7th digit cut)."""
    if value is None:
        return None
    fraction = _fraction(value.astimezone(UTC))
    return value.astimezone(UTC).replace(microsecond=int((fraction + "000000")[:6]))


def dotnet_date(value: datetime | None, digits: int = 7) -> str | None:
    """Jellyfin date and a Z: seven fractional digits, or six, or none.

    Jellyfin writes seven; dates it read back from its database (10.11)
    come with six, and some with none.
    """
    if value is None:
        return None
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if digits == 0:
        return text + "Z"
    return f"{text}.{f'{value.microsecond * 10:07d}'[:digits]}Z"


def js_date(value: datetime | None) -> str | None:
    """Jellyseerr date: milliseconds and a Z, as JavaScript writes it."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def timespan(seconds: float) -> str:
    """Return a .NET TimeSpan: `hh:mm:ss` or `d.hh:mm:ss`."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{days}.{clock}" if days else clock


def parse_datetime(value: str | None) -> datetime | None:
    """Parse an ISO 8601 date or date-time from a query; naive means UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """Return a boolean query parameter (case-insensitive, any casing of the name)."""
    value = query_value(request, name)
    if value is None or value == "":
        return default
    return value.lower() in ("1", "true", "yes")


def query_value(request: web.Request, name: str) -> str | None:
    """Return a query parameter matched case-insensitively, as ASP.NET does."""
    value = request.query.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in request.query.items():
        if key.lower() == lowered:
            return candidate
    return None


def query_int(
    request: web.Request, name: str, default: int | None = None
) -> int | None:
    """Return an integer query parameter; None when absent or not a number."""
    value = query_value(request, name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        return default


def query_ints(request: web.Request, name: str) -> list[int]:
    """Return a list of integers given as repeated parameters or comma separated."""
    out: list[int] = []
    lowered = name.lower()
    for key, value in request.query.items():
        if key.lower() != lowered:
            continue
        for raw in value.split(","):
            part = raw.strip()
            if part.lstrip("-").isdigit():
                out.append(int(part))
    return out


def query_list(request: web.Request, name: str) -> list[str]:
    """Return a comma separated (or repeated) list of strings."""
    out: list[str] = []
    lowered = name.lower()
    for key, value in request.query.items():
        if key.lower() == lowered:
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


async def read_json(request: web.Request) -> Any:
    """Return the JSON body of a request, or None when it is missing or invalid."""
    if not request.can_read_body:
        return None
    try:
        return orjson.loads(await request.read())
    except ValueError:
        return None
