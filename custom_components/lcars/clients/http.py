"""The HTTP base shared by every client.

It owns the URL and the key, sends the authentication header, bounds every
request (body included) with a timeout and every answer with a size limit,
and turns every failure into one of the errors of `errors.py`, naming the
service and the URL, never the key. Every JSON answer, list or not, is parsed
as it arrives (see streaming.py), so that no answer holds the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
import contextlib
import traceback
from typing import Any, ClassVar

import aiohttp
import orjson
from yarl import URL

from .errors import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    InvalidUrlError,
    LcarsClientError,
    NotFoundError,
    RefusedError,
    WrongServiceError,
)
from .streaming import EMPTY, JsonStreamError, parse_json_array, parse_json_value

# Bytes read from the socket at a time.
CHUNK_SIZE = 65536

# The largest list answer accepted, in bytes as parsed (after any gzip is
# undone). A library of 20,000 movies is about 50 MB of JSON from the
# simulator and about twice that from a real Radarr, whose movies carry
# alternate titles and file details: 512 MiB leaves room for libraries of
# 100,000 movies. It also bounds what a server that never ends its list can
# make LCARS hold before the answer is refused: the rows kept so far, about
# a fifth of the JSON read.
MAX_LIST_SIZE = 512 * 1024 * 1024

# The largest answer that is not a list (lists, long or short, are parsed as
# they stream). The largest real ones, a page of history or one series with
# its seasons, are a few hundred KB at most. Such an answer is kept whole
# until it is read, and tiny values take up to some 25 times their size in
# memory, so this stays small.
MAX_BODY_SIZE = 2 * 1024 * 1024

# The largest image (a cover) accepted, and how long reading one may take.
MAX_IMAGE_SIZE = 2 * 1024 * 1024
IMAGE_TIMEOUT = 15.0

# The largest explanation of a refused request worth reading.
MAX_ERROR_BODY_SIZE = 256 * 1024

# Statuses with which a service refuses a request it understood, saying why
# in the body: a read with a bad query (400), a change that fails
# validation (400) or clashes with what exists (409).
REFUSAL_STATUSES: frozenset[int] = frozenset({400, 409})

type QueryValue = str | int | float
type Query = Mapping[str, QueryValue]


def redact_url(raw: str, marker: str = "") -> str:
    """Return a URL without the parts that can hold a secret.

    The user and password (`user:password@`), the query (`?apikey=...`) and
    the fragment are replaced by `marker`, or left out when it is empty.
    Works on any text, a URL or not, so that whatever was stored can be
    shown.
    """
    text = raw.strip()
    scheme, found, rest = text.partition("://")
    if not found:
        scheme, rest = "", text
    else:
        scheme += "://"
    # The authority ends where the path, the query or the fragment begins.
    ends = [i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0]
    cut = min(ends, default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        host = authority.rsplit("@", 1)[1]
        authority = f"{marker}@{host}" if marker else host
    ends = [i for i in (tail.find("?"), tail.find("#")) if i >= 0]
    if ends:
        cut = min(ends)
        tail = tail[:cut] + (tail[cut] + marker if marker else "")
    return scheme + authority + tail


def url_has_secrets(raw: str) -> bool:
    """Whether a URL holds a user, a password, a query or a fragment.

    Service URLs need none of them (the API key has its own field), and any
    of them can hold a secret that would then be stored with the URL.
    """
    return redact_url(raw) != raw.strip()


def normalize_url(service: str, raw: str) -> URL:
    """Check and normalize a service URL.

    Whitespace around it is stripped, the scheme must be http or https and a
    host must be present; a base path is kept without its trailing slash; a
    query or fragment is dropped.
    """
    text = raw.strip()
    # What the user typed, minus anything that could hold a secret.
    shown = redact_url(text)
    try:
        url = URL(text)
        url.port  # noqa: B018  # parsing the port is where a bad one shows
    except (ValueError, TypeError):
        raise InvalidUrlError(service, shown, "this is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidUrlError(
            service, shown, "expected a URL starting with http:// or https://"
        )
    return url.with_path(url.path.rstrip("/")).with_query(None).with_fragment(None)


def _is_json_type(content_type: str) -> bool:
    return content_type.endswith(("/json", "+json")) or content_type in (
        "application/octet-stream",
        "text/plain",
    )


# Which error to report when several requests of one refresh fail at once:
# the one the user can act on first.
_ERROR_PRIORITY: tuple[type[LcarsClientError], ...] = (
    AuthenticationError,
    WrongServiceError,
    CannotConnectError,
    BadResponseError,
    NotFoundError,
)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    leaves: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            leaves.extend(_leaves(exc))
        else:
            leaves.append(exc)
    return leaves


@contextlib.asynccontextmanager
async def concurrent_requests() -> AsyncIterator[asyncio.TaskGroup]:
    """Run requests in a task group that raises one client error, not a group.

    When one request fails the others are cancelled, so a refresh that cannot
    succeed does not go on streaming a large list.
    """
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except BaseExceptionGroup as errors:
        leaves = _leaves(errors)
        if not all(isinstance(exc, LcarsClientError) for exc in leaves):
            raise
        for kind in _ERROR_PRIORITY:
            for exc in leaves:
                if isinstance(exc, kind):
                    raise exc from None
        raise leaves[0] from None


class HttpClient:
    """Base of the service clients: URL, key, timeout and error mapping."""

    # The name of the service in messages ("Radarr").
    service: ClassVar[str] = "Service"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        *,
        verify_ssl: bool = True,
        timeout: float = 60.0,
    ) -> None:
        """Check the URL; no request is made here."""
        full = normalize_url(self.service, url)
        self._session = session
        self._base = str(full)
        # Shown in messages and to callers: no user or password in it.
        self._url = str(full.with_user(None))
        self._api_key = api_key.strip()
        self._ssl = verify_ssl
        self._timeout = timeout
        self._headers = {"Accept": "application/json", **self._auth_headers()}

    @property
    def url(self) -> str:
        """The normalized URL: scheme, host, port and base path, no trailing slash."""
        return self._url

    def _auth_headers(self) -> dict[str, str]:
        """Return the header that carries the key (the *arr and Jellyseerr form)."""
        return {"X-Api-Key": self._api_key}

    def _error(self, cls: type[LcarsClientError], detail: str) -> LcarsClientError:
        return cls(self.service, self._url, detail)

    def _wrong_service(self, found: str | None) -> WrongServiceError:
        return WrongServiceError(self.service, self._url, found)

    async def _request[T](
        self,
        method: str,
        path: str,
        handle: Callable[[aiohttp.ClientResponse], Awaitable[T]],
        *,
        params: Query | None = None,
        json_body: object = None,
        item: bool = False,
        refusals: frozenset[int] = REFUSAL_STATUSES,
    ) -> T:
        """Send one request and hand the response to `handle`.

        The timeout covers connecting, the headers and reading the body in
        `handle`. With `item`, a 404 means the item asked for does not exist.
        A status in `refusals` is a `RefusedError` with the service's words.
        """
        if "\n" in self._api_key or "\r" in self._api_key:
            raise self._error(AuthenticationError, "the API key contains a line break")
        data = None if json_body is None else orjson.dumps(json_body)
        headers = self._headers
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        try:
            return await self._exchange(
                method,
                path,
                handle,
                params=params,
                data=data,
                headers=headers,
                item=item,
                refusals=refusals,
            )
        except BaseException as err:
            # The error may be kept for long (as the cause of the last failed
            # refresh, or by a cancelled task): the finished frames in its
            # traceback would keep the answer read so far (the response's
            # buffer, the parser's rows) alive with them.
            traceback.clear_frames(err.__traceback__)
            failure = self._failure(err, path)
            if failure is None:
                raise
        raise failure from None

    async def _exchange[T](
        self,
        method: str,
        path: str,
        handle: Callable[[aiohttp.ClientResponse], Awaitable[T]],
        *,
        params: Query | None,
        data: bytes | None,
        headers: Mapping[str, str],
        item: bool,
        refusals: frozenset[int],
    ) -> T:
        """Send the request and hand the response to `handle`, within the timeout."""
        async with (
            asyncio.timeout(self._timeout),
            self._session.request(
                method,
                self._base + path,
                params=params,
                data=data,
                headers=headers,
                ssl=self._ssl,
                allow_redirects=False,
            ) as response,
        ):
            await self._check_status(response, path, item=item, refusals=refusals)
            return await handle(response)

    def _failure(self, err: BaseException, path: str) -> LcarsClientError | None:
        """Return the client error a failed request stands for (None: as it is)."""
        if isinstance(err, LcarsClientError):
            return None
        if isinstance(err, TimeoutError):
            return self._error(
                CannotConnectError, f"no answer within {self._timeout:g} s"
            )
        if isinstance(err, JsonStreamError):
            return self._error(BadResponseError, f"{err} ({path})")
        if isinstance(err, aiohttp.ClientPayloadError):
            return self._error(
                CannotConnectError,
                f"the connection closed before the whole answer arrived ({path})",
            )
        if isinstance(err, aiohttp.ClientConnectorError):
            return self._error(
                CannotConnectError, f"cannot connect ({err.os_error.strerror or err})"
            )
        if isinstance(err, aiohttp.ServerDisconnectedError):
            return self._error(
                CannotConnectError, f"the server closed the connection ({path})"
            )
        if isinstance(err, aiohttp.ClientError):
            return self._error(
                CannotConnectError, f"request failed: {type(err).__name__}"
            )
        return None

    async def _check_status(
        self,
        response: aiohttp.ClientResponse,
        path: str,
        *,
        item: bool,
        refusals: frozenset[int] = REFUSAL_STATUSES,
    ) -> None:
        """Raise the error that the status code stands for."""
        status = response.status
        if status < 300:
            return
        if status in refusals:
            raise RefusedError(
                self.service, self._url, status, await self._error_messages(response)
            )
        if status in (401, 403):
            raise self._error(
                AuthenticationError, f"the API key was refused (HTTP {status})"
            )
        if status < 400:
            location = redact_url(response.headers.get("Location", "elsewhere"))
            raise self._error(
                BadResponseError,
                f"redirected to {location}: check the URL, or a login page is in the way",
            )
        if status >= 500:
            raise self._error(CannotConnectError, f"HTTP {status} on {path}")
        if status == 404 and item:
            raise self._error(NotFoundError, f"{path} does not exist")
        if status == 404:
            raise self._error(BadResponseError, f"{path} was not found (HTTP 404)")
        messages = await self._error_messages(response)
        said = f": {'; '.join(messages)[:300]}" if messages else ""
        raise self._error(BadResponseError, f"HTTP {status} on {path}{said}")

    async def _error_messages(
        self, response: aiohttp.ClientResponse
    ) -> tuple[str, ...]:
        """Return the service's own explanation of a refused request, if any.

        The *arr send a list of validation failures, each with its
        `errorMessage`; Jellyseerr and the *arr's other refusals an object
        with a `message`.
        """
        try:
            data = await self._parse_body(response, MAX_ERROR_BODY_SIZE)
        except (JsonStreamError, aiohttp.ClientError):
            return ()
        messages: list[str] = []
        entries = data if isinstance(data, list) else [data]
        for entry in entries[:20]:
            if isinstance(entry, dict):
                text = entry.get("errorMessage") or entry.get("message")
                if isinstance(text, str) and text.strip():
                    messages.append(text.strip()[:300])
        return tuple(messages)

    def _check_content_type(self, response: aiohttp.ClientResponse, path: str) -> None:
        if "html" in response.content_type:
            raise self._error(
                BadResponseError,
                f"answered {path} with an HTML page, not JSON (a login page or proxy?)",
            )
        if not _is_json_type(response.content_type):
            raise self._error(
                BadResponseError,
                f"answered {path} with {response.content_type}, not JSON",
            )

    def _check_length(
        self, response: aiohttp.ClientResponse, path: str, limit: int
    ) -> None:
        """Refuse at once an answer that announces more than `limit` bytes."""
        length = response.content_length
        if length is not None and length > limit:
            raise self._error(
                BadResponseError,
                f"the answer to {path} is larger than {limit // (1024 * 1024)} MiB",
            )

    @staticmethod
    async def _parse_body(response: aiohttp.ClientResponse, limit: int) -> Any:
        """Parse a whole JSON body of at most `limit` bytes; EMPTY when empty."""
        return await parse_json_value(
            response.content.iter_chunked(CHUNK_SIZE), max_size=limit
        )

    async def _read_json(self, response: aiohttp.ClientResponse, path: str) -> Any:
        """Read a JSON answer that is not a large list."""
        self._check_content_type(response, path)
        self._check_length(response, path, MAX_BODY_SIZE)
        data = await self._parse_body(response, MAX_BODY_SIZE)
        if data is EMPTY:
            raise self._error(BadResponseError, f"empty answer to {path}")
        return data

    async def _get_image(self, path: str) -> tuple[bytes, str]:
        """GET an image of at most MAX_IMAGE_SIZE bytes: its bytes and type.

        NotFoundError when there is none; BadResponseError for an answer
        that is no image or too large. The path is never named in an error:
        it may tell more than the user needs to see.
        """

        async def handle(response: aiohttp.ClientResponse) -> tuple[bytes, str]:
            return await read_image(
                response, lambda detail: self._error(BadResponseError, detail)
            )

        try:
            async with asyncio.timeout(IMAGE_TIMEOUT):
                return await self._request("GET", path, handle, item=True)
        except TimeoutError:
            raise self._error(
                CannotConnectError, f"no image within {IMAGE_TIMEOUT:g} s"
            ) from None

    async def _get_json(
        self, path: str, *, params: Query | None = None, item: bool = False
    ) -> Any:
        """GET a small JSON document."""

        async def handle(response: aiohttp.ClientResponse) -> Any:
            return await self._read_json(response, path)

        return await self._request("GET", path, handle, params=params, item=item)

    async def _get_object(
        self, path: str, *, params: Query | None = None, item: bool = False
    ) -> dict[str, Any]:
        """GET a JSON object."""
        data = await self._get_json(path, params=params, item=item)
        if not isinstance(data, dict):
            raise self._error(BadResponseError, f"expected an object from {path}")
        return data

    async def _get_small_list[T](
        self,
        path: str,
        project: Callable[[Any], T | None],
        *,
        params: Query | None = None,
    ) -> list[T]:
        """GET a short JSON list and project each element.

        Parsed as it streams like the long ones: short lists can be long
        too (root folders list every folder not in the library yet).
        """
        return await self._stream_list(path, project, params=params)

    def _project_all[T](
        self, elements: Iterable[Any], project: Callable[[Any], T | None], path: str
    ) -> list[T]:
        out: list[T] = []
        try:
            for element in elements:
                item = project(element)
                if item is not None:
                    out.append(item)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise self._error(
                BadResponseError,
                f"an element from {path} does not have the expected shape",
            ) from None
        return out

    def _project_one[T](
        self, data: Any, project: Callable[[Any], T | None], path: str
    ) -> T:
        items = self._project_all((data,), project, path)
        if not items:
            raise self._error(
                BadResponseError,
                f"the answer from {path} does not have the expected shape",
            )
        return items[0]

    async def _stream_list[T](
        self,
        path: str,
        project: Callable[[Any], T | None],
        *,
        params: Query | None = None,
        member: str | None = None,
        item: bool = False,
        refusals: frozenset[int] = REFUSAL_STATUSES,
    ) -> list[T]:
        """GET a large JSON list, parsing it as it arrives (see streaming.py)."""

        async def handle(response: aiohttp.ClientResponse) -> list[T]:
            self._check_content_type(response, path)
            self._check_length(response, path, MAX_LIST_SIZE)
            return await parse_json_array(
                response.content.iter_chunked(CHUNK_SIZE),
                project,
                member=member,
                max_size=MAX_LIST_SIZE,
            )

        return await self._request(
            "GET", path, handle, params=params, item=item, refusals=refusals
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        params: Query | None = None,
        item: bool = False,
        answer: bool = False,
        refusals: frozenset[int] = REFUSAL_STATUSES,
    ) -> Any:
        """Send a change (POST, PUT, DELETE).

        With `answer`, return the JSON answer (None when there is none);
        otherwise the answer is not read at all: the bulk editors answer
        with every item they changed, which can be large, and the change is
        made whatever follows the status.
        """

        async def handle(response: aiohttp.ClientResponse) -> Any:
            if response.status == 204 or not answer:
                return None
            self._check_length(response, path, MAX_BODY_SIZE)
            data = await self._parse_body(response, MAX_BODY_SIZE)
            return None if data is EMPTY else data

        return await self._request(
            method,
            path,
            handle,
            params=params,
            json_body=json_body,
            item=item,
            refusals=refusals,
        )


async def read_image(
    response: aiohttp.ClientResponse,
    refuse: Callable[[str], Exception],
    limit: int = MAX_IMAGE_SIZE,
) -> tuple[bytes, str]:
    """Read an image answer of at most `limit` bytes; `refuse` makes the error.

    Only `image/*` types are accepted, and the body is read no further than
    the limit, whatever length the answer announces.
    """
    content_type = response.content_type
    if not content_type.startswith("image/"):
        raise refuse(f"answered with {content_type}, not an image")
    length = response.content_length
    if length is not None and length > limit:
        raise refuse(f"the image is larger than {limit // (1024 * 1024)} MiB")
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK_SIZE):
        body += chunk
        if len(body) > limit:
            raise refuse(f"the image is larger than {limit // (1024 * 1024)} MiB")
    return bytes(body), content_type


def flag(value: bool) -> str:
    """Spell a boolean as the query strings of the services do."""
    return "true" if value else "false"
