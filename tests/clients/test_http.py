"""Error mapping of the HTTP base, against a tiny server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import socket
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.lcars.clients import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    InvalidUrlError,
    JellyfinClient,
    JellyseerrClient,
    LcarsClientError,
    NotFoundError,
    RadarrClient,
    RefusedError,
    SonarrClient,
    WrongServiceError,
    redact_url,
    url_has_secrets,
)

KEY = "0123456789abcdef0123456789abcdef"

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def status_body(app_name: str = "Radarr") -> dict[str, Any]:
    return {
        "appName": app_name,
        "instanceName": app_name,
        "version": "5.26.2.10099",
        "urlBase": "",
    }


@dataclass
class TinyServer:
    """A server whose answer each test sets."""

    url: str
    handler: Handler | None = None
    seen: list[web.Request] = field(default_factory=list)
    # Set at teardown, so that handlers that stall end with the test.
    stop: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[TinyServer]:
    state = TinyServer(url="")

    async def dispatch(request: web.Request) -> web.StreamResponse:
        state.seen.append(request)
        assert state.handler is not None
        return await state.handler(request)

    app = web.Application()
    app["stop"] = state.stop
    app.router.add_route("*", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, shutdown_timeout=0.1, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    state.stop.set()
    await runner.cleanup()


def check_error(
    exc: LcarsClientError, cls: type[LcarsClientError], service: str, url: str
) -> None:
    """The error is of the right kind, names service and URL, never the key."""
    assert type(exc) is cls
    assert exc.service == service
    assert exc.url == url
    assert url in str(exc)
    assert service in str(exc)
    chained: BaseException | None = exc
    while chained is not None:
        assert KEY not in str(chained)
        assert KEY not in repr(chained)
        chained = chained.__cause__ or chained.__context__


def json_answer(data: Any, status: int = 200) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.headers.get("X-Api-Key") != KEY:
            return web.Response(status=401)
        return web.json_response(data, status=status)

    return handle


async def test_html_login_page(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def login(request: web.Request) -> web.StreamResponse:
        return web.Response(
            text="<html><body><form>Login</form></body></html>",
            content_type="text/html",
        )

    server.handler = login
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    assert "HTML" in str(caught.value)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_movies()
    check_error(caught.value, BadResponseError, "Radarr", server.url)


async def test_html_without_content_type(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def login(request: web.Request) -> web.StreamResponse:
        return web.Response(
            body=b"<html>Login</html>", headers={"Content-Type": "text/plain"}
        )

    server.handler = login
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_tags()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    assert "HTML" in str(caught.value)


@pytest.mark.parametrize("status", [401, 403])
async def test_key_refused(
    server: TinyServer, session: aiohttp.ClientSession, status: int
) -> None:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status)

    server.handler = refuse
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(AuthenticationError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, AuthenticationError, "Radarr", server.url)
    with pytest.raises(AuthenticationError):
        await client.async_get_movies()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(
    server: TinyServer, session: aiohttp.ClientSession, status: int
) -> None:
    async def fail(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, text="oops")

    server.handler = fail
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(CannotConnectError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, CannotConnectError, "Radarr", server.url)
    assert str(status) in str(caught.value)
    with pytest.raises(CannotConnectError):
        await client.async_get_movies()


async def test_malformed_json(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(
            text='{"appName": "Radarr", [', content_type="application/json"
        )

    server.handler = broken
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    assert "malformed" in str(caught.value)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_movies()
    check_error(caught.value, BadResponseError, "Radarr", server.url)


async def test_unexpected_json_shapes(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    client = RadarrClient(session, server.url, KEY)
    server.handler = json_answer({"records": []})
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_movies()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    server.handler = json_answer([{"id": 1, "title": "A"}, {"title": "no id"}])
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_movies()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    server.handler = json_answer({"not": "a list"})
    with pytest.raises(BadResponseError):
        await client.async_get_tags()
    server.handler = json_answer(["a list"])
    with pytest.raises(WrongServiceError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, WrongServiceError, "Radarr", server.url)


async def test_empty_body(server: TinyServer, session: aiohttp.ClientSession) -> None:
    async def empty(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"", content_type="application/json")

    server.handler = empty
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError):
        await client.async_get_system_status()
    with pytest.raises(BadResponseError):
        await client.async_get_movies()


async def half_then_stall(request: web.Request) -> web.StreamResponse:
    stop: asyncio.Event = request.app["stop"]
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    await response.prepare(request)
    if request.path.endswith("/movie"):
        await response.write(b'[{"id": 1, "title": "A"}, {"id": 2, "ti')
    else:
        await response.write(b'{"appName": "Rad')
    async with asyncio.timeout(30):
        await stop.wait()
    return response


async def test_timeout_halfway_through_a_body(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    server.handler = half_then_stall
    client = RadarrClient(session, server.url, KEY, timeout=0.3)
    for call in (client.async_get_system_status, client.async_get_movies):
        started = time.monotonic()
        with pytest.raises(CannotConnectError) as caught:
            await call()
        assert time.monotonic() - started < 5
        check_error(caught.value, CannotConnectError, "Radarr", server.url)
        assert "0.3 s" in str(caught.value)


async def test_connection_refused(
    session: aiohttp.ClientSession, socket_enabled: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    client = RadarrClient(session, url, KEY)
    with pytest.raises(CannotConnectError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, CannotConnectError, "Radarr", url)


async def test_connection_dropped_without_answer(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.05)
        return web.Response()

    server.handler = drop
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(CannotConnectError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, CannotConnectError, "Radarr", server.url)


@pytest.mark.parametrize("chunked", [False, True])
async def test_body_cut_short(
    server: TinyServer, session: aiohttp.ClientSession, chunked: bool
) -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "application/json"}
        if not chunked:
            headers["Content-Length"] = "100000"
        response = web.StreamResponse(headers=headers)
        if chunked:
            response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(
            b'[{"id": 1, "title": "A"}, {"id": 2, "title": "B"}, {"id"'
        )
        await asyncio.sleep(0.05)
        assert request.transport is not None
        request.transport.close()
        return response

    server.handler = cut
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(CannotConnectError) as caught:
        await client.async_get_movies()
    check_error(caught.value, CannotConnectError, "Radarr", server.url)


async def test_url_with_base_path_and_trailing_slash(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    server.handler = json_answer(status_body())
    client = RadarrClient(session, f"  {server.url}/radarr/  ", KEY)
    assert client.url == f"{server.url}/radarr"
    status = await client.async_get_system_status()
    assert status.app_name == "Radarr"
    assert status.version == "5.26.2.10099"
    assert server.seen[-1].path == "/radarr/api/v3/system/status"


async def test_key_is_stripped_and_sent_as_header_only(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    server.handler = json_answer(status_body())
    client = RadarrClient(session, server.url, f" \t{KEY}\n ")
    await client.async_get_system_status()
    request = server.seen[-1]
    assert request.headers["X-Api-Key"] == KEY
    assert KEY not in request.query_string
    assert KEY not in str(request.url)


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:7878",
        "radarr.local",
        "ftp://127.0.0.1/radarr",
        "http://",
        "https:///radarr",
        "",
        "   ",
        "http://127.0.0.1:99999",
        "http://[::1",
        "/radarr",
    ],
)
async def test_invalid_url(session: aiohttp.ClientSession, url: str) -> None:
    with pytest.raises(InvalidUrlError) as caught:
        RadarrClient(session, url, KEY)
    assert caught.value.service == "Radarr"
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:s3cret@127.0.0.1:99999/radarr",
        "http://s3cret@[::1",
        "ftp://admin:s3cret@127.0.0.1/radarr?apikey=s3cret",
        "radarr.local?apikey=s3cret",
    ],
)
async def test_invalid_url_names_no_secret(
    session: aiohttp.ClientSession, url: str
) -> None:
    with pytest.raises(InvalidUrlError) as caught:
        RadarrClient(session, url, KEY)
    assert "s3cret" not in str(caught.value)
    assert "s3cret" not in caught.value.url


@pytest.mark.parametrize(
    ("url", "redacted", "marked"),
    [
        ("http://h:7878", "http://h:7878", "http://h:7878"),
        (" http://h:7878/r/ ", "http://h:7878/r/", "http://h:7878/r/"),
        ("http://[::1]:7878/r", "http://[::1]:7878/r", "http://[::1]:7878/r"),
        ("http://h/a@b", "http://h/a@b", "http://h/a@b"),
        ("http://u:p@h:7878/r", "http://h:7878/r", "http://**@h:7878/r"),
        ("https://u@h", "https://h", "https://**@h"),
        ("http://h:7878/?apikey=k", "http://h:7878/", "http://h:7878/?**"),
        ("http://h:7878?a=1&b=2", "http://h:7878", "http://h:7878?**"),
        ("http://h:7878/#/movies", "http://h:7878/", "http://h:7878/#**"),
        ("http://u:p@h?k=1#f", "http://h", "http://**@h?**"),
        ("u:p@h:7878?k", "h:7878", "**@h:7878?**"),
        ("not a url ?k=1", "not a url ", "not a url ?**"),
        ("http://h:7878/?", "http://h:7878/", "http://h:7878/?**"),
    ],
)
def test_redact_url(url: str, redacted: str, marked: str) -> None:
    assert redact_url(url) == redacted
    assert redact_url(url, "**") == marked
    assert url_has_secrets(url) is (redacted != url.strip())


async def test_url_forms_that_are_accepted(session: aiohttp.ClientSession) -> None:
    assert RadarrClient(session, "HTTPS://Radarr.Example:443/", KEY).url == (
        "https://radarr.example"
    )
    assert RadarrClient(session, "http://[::1]:7878/base//", KEY).url == (
        "http://[::1]:7878/base"
    )
    # A query or fragment pasted with the URL is dropped.
    assert RadarrClient(session, "http://h:7878/r?apikey=x#/movies", KEY).url == (
        "http://h:7878/r"
    )
    # User and password stay in the requests but not in what is shown.
    assert (
        RadarrClient(session, "http://u:secret@h:7878/r", KEY).url == "http://h:7878/r"
    )


async def test_sonarr_offered_as_radarr(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    server.handler = json_answer(status_body("Sonarr"))
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(WrongServiceError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, WrongServiceError, "Radarr", server.url)
    assert caught.value.found == "Sonarr"
    assert "Sonarr" in str(caught.value)
    # And the other way round.
    server.handler = json_answer(status_body("Radarr"))
    with pytest.raises(WrongServiceError) as caught:
        await SonarrClient(session, server.url, KEY).async_get_system_status()
    assert caught.value.found == "Radarr"


async def test_status_path_missing_means_wrong_service(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def not_found(request: web.Request) -> web.StreamResponse:
        return web.json_response({"message": "NotFound"}, status=404)

    server.handler = not_found
    with pytest.raises(WrongServiceError) as caught:
        await RadarrClient(session, server.url, KEY).async_get_system_status()
    check_error(caught.value, WrongServiceError, "Radarr", server.url)
    assert caught.value.found is None
    with pytest.raises(WrongServiceError):
        await JellyfinClient(session, server.url, KEY).async_get_server_info()
    with pytest.raises(WrongServiceError):
        await JellyseerrClient(session, server.url, KEY).async_get_status()


async def test_not_found_on_an_item_path(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def not_found(request: web.Request) -> web.StreamResponse:
        return web.json_response({"message": "NotFound"}, status=404)

    server.handler = not_found
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(NotFoundError) as caught:
        await client.async_get_movie(99)
    check_error(caught.value, NotFoundError, "Radarr", server.url)
    assert "/api/v3/movie/99" in str(caught.value)
    with pytest.raises(NotFoundError):
        await client.async_delete_movie(99, delete_files=True)
    # On a list path a 404 means the URL is not this API.
    with pytest.raises(BadResponseError) as list_error:
        await client.async_get_movies()
    assert type(list_error.value) is BadResponseError


async def test_redirect_is_not_followed(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        if request.path == "/login":
            return web.Response(text="<html>login</html>", content_type="text/html")
        raise web.HTTPFound("/login?rd=%2Fapi")

    server.handler = redirect
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_system_status()
    check_error(caught.value, BadResponseError, "Radarr", server.url)
    assert "redirected to /login" in str(caught.value)
    assert "rd=" not in str(caught.value)
    assert [r.path for r in server.seen] == ["/api/v3/system/status"]


async def test_redirect_names_no_secret(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("https://sso:s3cret@auth.example/login#token=s3cret")

    server.handler = redirect
    client = RadarrClient(session, server.url, KEY)
    with pytest.raises(BadResponseError) as caught:
        await client.async_get_system_status()
    assert "redirected to https://auth.example/login" in str(caught.value)
    assert "s3cret" not in str(caught.value)


async def test_validation_error_message(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def invalid(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            [{"propertyName": "Label", "errorMessage": "Label must not be empty"}],
            status=400,
        )

    server.handler = invalid
    with pytest.raises(RefusedError) as caught:
        await RadarrClient(session, server.url, KEY).async_add_tag("")
    check_error(caught.value, RefusedError, "Radarr", server.url)
    assert caught.value.status == 400
    assert caught.value.messages == ("Label must not be empty",)
    assert "Label must not be empty" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "body", "messages"),
    [
        (
            409,
            {"message": "Request for this media already exists."},
            ("Request for this media already exists.",),
        ),
        (
            400,
            [{"errorMessage": "a"}, {"errorMessage": " "}, {"message": "b"}, 3],
            ("a", "b"),
        ),
        (400, "not an object", ()),
        (400, None, ()),
    ],
)
async def test_refusals_keep_the_service_words(
    server: TinyServer,
    session: aiohttp.ClientSession,
    status: int,
    body: object,
    messages: tuple[str, ...],
) -> None:
    async def refuse(request: web.Request) -> web.StreamResponse:
        if body is None:
            return web.Response(
                status=status, text="<html>no</html>", content_type="text/html"
            )
        return web.json_response(body, status=status)

    server.handler = refuse
    with pytest.raises(RefusedError) as caught:
        await RadarrClient(session, server.url, KEY).async_add_tag("x")
    assert caught.value.status == status
    assert caught.value.messages == messages
    # Still a BadResponseError for callers that do not tell refusals apart.
    assert isinstance(caught.value, BadResponseError)
    assert KEY not in str(caught.value)


async def test_a_refusal_status_outside_the_list_is_not_a_refusal(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.json_response({"message": "Gone"}, status=410)

    server.handler = refuse
    with pytest.raises(BadResponseError) as caught:
        await RadarrClient(session, server.url, KEY).async_add_tag("x")
    assert type(caught.value) is BadResponseError
    assert "Gone" in str(caught.value)


async def test_jellyfin_sends_the_mediabrowser_header(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def info(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {
                "Id": "abc",
                "ServerName": "media",
                "Version": "10.10.7",
                "ProductName": "Jellyfin Server",
            }
        )

    server.handler = info
    client = JellyfinClient(session, server.url, f" {KEY} ")
    result = await client.async_get_server_info()
    assert result.version == "10.10.7"
    request = server.seen[-1]
    assert request.headers["Authorization"] == f'MediaBrowser Token="{KEY}"'
    assert "X-Api-Key" not in request.headers
    assert KEY not in request.query_string


async def test_emby_offered_as_jellyfin(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def info(request: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"Id": "x", "Version": "4.8", "ProductName": "Emby Server"}
        )

    server.handler = info
    with pytest.raises(WrongServiceError) as caught:
        await JellyfinClient(session, server.url, KEY).async_get_server_info()
    assert caught.value.found == "Emby Server"


async def test_jellyseerr_checks_the_key_beyond_the_public_status(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.path == "/api/v1/status":
            return web.json_response({"version": "2.7.3", "commitTag": "v2.7.3"})
        if request.headers.get("X-Api-Key") != KEY:
            return web.json_response({"message": "Unauthorized"}, status=403)
        return web.json_response({"id": 1, "displayName": "admin"})

    server.handler = handle
    good = JellyseerrClient(session, server.url, KEY)
    status = await good.async_get_status()
    assert (status.app_name, status.version) == ("Jellyseerr", "2.7.3")
    assert {r.path for r in server.seen} == {"/api/v1/status", "/api/v1/auth/me"}
    bad = JellyseerrClient(session, server.url, "wrong")
    with pytest.raises(AuthenticationError):
        await bad.async_get_status()


async def test_key_with_a_line_break_is_refused_before_sending(
    server: TinyServer, session: aiohttp.ClientSession
) -> None:
    server.handler = json_answer(status_body())
    client = RadarrClient(session, server.url, f"{KEY}\nX-Other: 1")
    with pytest.raises(AuthenticationError) as caught:
        await client.async_get_system_status()
    assert KEY not in str(caught.value)
    assert server.seen == []
