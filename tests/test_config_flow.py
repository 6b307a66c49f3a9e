"""Tests of the LCARS config flow, its subentry flows and its options flow."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import socket
from typing import Any
from unittest.mock import patch

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lcars.connection import service_title, url_unique_id
from custom_components.lcars.const import (
    CONF_SCAN_INTERVAL,
    CONF_USERS,
    DOMAIN,
    SERVICE_TYPES,
)
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.loader import async_get_integration
from simulator import Simulator

from .conftest import lcars_entry, subentry_data


def _free_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def login_page_url(socket_enabled: None) -> AsyncGenerator[str]:
    """A reverse proxy that answers every path with an HTML login page."""

    async def login(request: web.Request) -> web.Response:
        return web.Response(
            text="<!DOCTYPE html><html><body><form>Sign in</form></body></html>",
            content_type="text/html",
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", login)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
def empty_entry(hass: HomeAssistant) -> MockConfigEntry:
    """The LCARS entry without services, not set up."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60},
        entry_id="lcars_entry",
    )
    entry.add_to_hass(hass)
    return entry


def _input(url: str, api_key: str, verify_ssl: bool = True) -> dict[str, Any]:
    return {CONF_URL: url, CONF_API_KEY: api_key, CONF_VERIFY_SSL: verify_ssl}


async def _start_subentry_flow(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str
) -> dict[str, Any]:
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return dict(result)


async def _start_reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, subentry_id: str
) -> dict[str, Any]:
    kind = entry.subentries[subentry_id].subentry_type
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry_id},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    return dict(result)


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("kind", "name", "title"),
    [
        ("radarr", "Radarr", "Radarr"),
        ("radarr", "radarr", "Radarr"),
        ("radarr", None, "Radarr"),
        ("radarr", "  ", "Radarr"),
        ("radarr", "Radarr 4K", "Radarr 4K"),
        ("radarr", "4K", "Radarr 4K"),
        ("jellyfin", "living-room", "Jellyfin living-room"),
    ],
)
def test_service_title(kind: str, name: str | None, title: str) -> None:
    """Titles name the service once, with the instance name when it tells more."""
    assert service_title(kind, name) == title


@pytest.mark.parametrize(
    ("url", "unique_id"),
    [
        ("http://127.0.0.1:7878", "http://127.0.0.1:7878"),
        ("HTTP://NAS.Local:7878/", "http://nas.local:7878"),
        ("https://nas.local/radarr/", "https://nas.local:443/radarr"),
        ("http://nas.local/Radarr", "http://nas.local:80/Radarr"),
    ],
)
def test_url_unique_id(url: str, unique_id: str) -> None:
    """Scheme and host are lowercased, the port explicit, the path kept."""
    assert url_unique_id(url) == unique_id


# --------------------------------------------------------------------------- main entry


async def test_user_flow_creates_the_single_entry(hass: HomeAssistant) -> None:
    """The user step asks nothing and creates LCARS with the default polling."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "LCARS"
    assert result["data"] == {}
    assert result["options"] == {CONF_SCAN_INTERVAL: 60}
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.subentries == {}


async def test_user_flow_single_instance(
    hass: HomeAssistant, empty_entry: MockConfigEntry
) -> None:
    """A second LCARS entry is refused: LCARS is a single-entry integration.

    Declared in the manifest, so that Home Assistant itself refuses the second
    entry and stops offering "Add hub" on the integration's page.
    """
    integration = await async_get_integration(hass, DOMAIN)
    assert integration.single_config_entry is True
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"
    assert result.get("translation_domain") == "homeassistant"


async def test_supported_subentry_types(
    hass: HomeAssistant, empty_entry: MockConfigEntry
) -> None:
    """Each kind of service is a subentry type that starts at the user step."""
    for kind in SERVICE_TYPES:
        await _start_subentry_flow(hass, empty_entry, kind)


# --------------------------------------------------------------------------- add a service


@pytest.mark.parametrize("name", ["radarr", "sonarr", "lidarr", "jellyseerr"])
async def test_add_service(
    hass: HomeAssistant, empty_entry: MockConfigEntry, simulator: Any, name: str
) -> None:
    """Each service is tested and added with its title and unique id."""
    handle = simulator.services[name]
    result = await _start_subentry_flow(hass, empty_entry, handle.kind)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == _input(handle.url, handle.api_key)
    (subentry,) = empty_entry.subentries.values()
    assert subentry.subentry_type == handle.kind
    assert subentry.unique_id == url_unique_id(handle.url)
    assert subentry.title.casefold().startswith(handle.kind)
    assert subentry.data[CONF_API_KEY] == handle.api_key


async def test_add_jellyfin_chooses_users(
    hass: HomeAssistant, empty_entry: MockConfigEntry, simulator: Any
) -> None:
    """Jellyfin asks whose watch data counts; all enabled users are the default.

    A disabled user is not offered: its watch data never counts.
    """
    handle = simulator.services["jellyfin"]
    result = await _start_subentry_flow(hass, empty_entry, "jellyfin")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "users"
    everyone = simulator.state.services["jellyfin"].users
    users = {user.name: user.id for user in everyone if not user.is_disabled}
    assert {"alice", "bob"} <= set(users)
    (guest,) = [user for user in everyone if user.is_disabled]
    schema = result["data_schema"].schema
    (marker,) = schema
    assert sorted(marker.default()) == sorted(users.values())
    offered = schema[marker].config["options"]
    assert sorted(option["value"] for option in offered) == sorted(users.values())
    assert guest.name not in {option["label"] for option in offered}

    # A disabled user sent anyway is refused.
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_USERS: [guest.id]}
        )

    # Nobody chosen: nothing would count.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_USERS: []}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_users"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_USERS: [users["alice"]]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    (subentry,) = empty_entry.subentries.values()
    assert subentry.subentry_type == "jellyfin"
    assert subentry.data[CONF_USERS] == [users["alice"]]
    server_id = simulator.state.services["jellyfin"].server_id
    assert subentry.unique_id == server_id
    assert subentry.title.startswith("Jellyfin")


async def test_key_and_url_whitespace_is_stripped(
    hass: HomeAssistant, empty_entry: MockConfigEntry, simulator: Any
) -> None:
    """A key pasted with spaces or a newline around it works and is stored clean."""
    handle = simulator.services["radarr"]
    result = await _start_subentry_flow(hass, empty_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(f"  {handle.url} ", f"  {handle.api_key}\n")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_KEY] == handle.api_key
    assert result["data"][CONF_URL] == handle.url


async def test_base_path_with_and_without_trailing_slash(
    hass: HomeAssistant, empty_entry: MockConfigEntry, socket_enabled: None
) -> None:
    """A base path works with a trailing slash, and is the same server without."""
    async with Simulator(
        movies=3,
        series=1,
        artists=1,
        instances={"radarr": "radarr"},
        url_bases={"radarr": "/radarr"},
    ) as sim:
        handle = sim.services["radarr"]
        assert handle.url.endswith("/radarr")
        result = await _start_subentry_flow(hass, empty_entry, "radarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input(handle.url + "/", handle.api_key)
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        (subentry,) = empty_entry.subentries.values()
        assert subentry.unique_id == url_unique_id(handle.url)
        assert subentry.unique_id.endswith("/radarr")

        # The same server without the slash, and with an upper-case host part.
        result = await _start_subentry_flow(hass, empty_entry, "radarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            _input(handle.url.replace("http://", "HTTP://"), handle.api_key),
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"

        # Without the base path, the *arr answers nothing useful.
        result = await _start_subentry_flow(hass, empty_entry, "radarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"],
            _input(handle.url.removesuffix("/radarr"), handle.api_key),
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"]["base"] in {"wrong_service", "unexpected_response"}


async def test_add_service_already_configured(
    hass: HomeAssistant, simulator: Any
) -> None:
    """The same server cannot be added twice."""
    entry = lcars_entry(simulator, ["radarr"])
    handle = simulator.services["radarr"]
    entry.add_to_hass(hass)
    result = await _start_subentry_flow(hass, entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(entry.subentries) == 1


async def test_add_jellyfin_already_configured(
    hass: HomeAssistant, empty_entry: MockConfigEntry, simulator: Any
) -> None:
    """A Jellyfin server is the same one whatever its URL: its id decides."""
    handle = simulator.services["jellyfin"]
    result = await _start_subentry_flow(hass, empty_entry, "jellyfin")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    other_url = handle.url.replace("http://", "HTTP://") + "/"
    result = await _start_subentry_flow(hass, empty_entry, "jellyfin")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(other_url, handle.api_key)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("case", "errors"),
    [
        ("invalid_url", {CONF_URL: "invalid_url"}),
        ("no_host", {CONF_URL: "invalid_url"}),
        ("cannot_connect", {"base": "cannot_connect"}),
        ("invalid_auth", {"base": "invalid_auth"}),
        ("wrong_service", {"base": "wrong_service"}),
    ],
)
async def test_add_service_errors_then_recover(
    hass: HomeAssistant,
    empty_entry: MockConfigEntry,
    simulator: Any,
    case: str,
    errors: dict[str, str],
) -> None:
    """Each failure has its own error, and the form can be fixed and sent again."""
    handle = simulator.services["radarr"]
    bad = {
        "invalid_url": _input("radarr.local:7878", handle.api_key),
        "no_host": _input("http://", handle.api_key),
        "cannot_connect": _input(f"http://127.0.0.1:{_free_port()}", handle.api_key),
        "invalid_auth": _input(handle.url, "not-the-key"),
        "wrong_service": _input(
            simulator.services["sonarr"].url, simulator.services["sonarr"].api_key
        ),
    }[case]
    result = await _start_subentry_flow(hass, empty_entry, "radarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], bad
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert result["description_placeholders"] == {"service": "Radarr"}
    assert handle.api_key not in str(result)

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


def _with_secret(url: str, form: str) -> str:
    """`url` (http://host:port) with a secret in one of the places a URL can hold it."""
    scheme, rest = url.split("://", 1)
    return {
        "user_password": f"{scheme}://admin:{SECRET}@{rest}",
        "user": f"{scheme}://{SECRET}@{rest}",
        "apikey_query": f"{url}/?apikey={SECRET}",
        "any_query": f"{url}?token={SECRET}&x=1",
        "fragment": f"{url}/#{SECRET}",
    }[form]


SECRET = "s3cr3t-in-the-url"
SECRET_FORMS = ["user_password", "user", "apikey_query", "any_query", "fragment"]


@pytest.mark.parametrize("form", SECRET_FORMS)
@pytest.mark.parametrize("kind", SERVICE_TYPES)
async def test_add_service_refuses_secrets_in_the_url(
    hass: HomeAssistant,
    empty_entry: MockConfigEntry,
    simulator: Any,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    form: str,
) -> None:
    """A user, password or query in the URL is refused before anything is sent."""
    handle = simulator.services[kind]
    simulator.reset_requests()
    result = await _start_subentry_flow(hass, empty_entry, kind)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(_with_secret(handle.url, form), handle.api_key)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "url_has_secrets"}
    assert simulator.requests(kind) == []
    # The form comes back with the address alone.
    (url_marker,) = (m for m in result["data_schema"].schema if m == CONF_URL)
    assert SECRET not in url_marker.description["suggested_value"]
    assert url_marker.description["suggested_value"].startswith(handle.url)
    assert SECRET not in str(result)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], _input(handle.url, handle.api_key)
    )
    if kind == "jellyfin":
        assert result["step_id"] == "users"
    else:
        assert result["type"] is FlowResultType.CREATE_ENTRY
    assert SECRET not in caplog.text
    for subentry in empty_entry.subentries.values():
        assert SECRET not in str(subentry.data)


@pytest.mark.parametrize("form", SECRET_FORMS)
async def test_reconfigure_refuses_secrets_in_the_url(
    hass: HomeAssistant, simulator: Any, form: str
) -> None:
    """Reconfiguring refuses them too, and stores nothing."""
    entry = lcars_entry(simulator, ["sonarr"])
    entry.add_to_hass(hass)
    handle = simulator.services["sonarr"]
    result = await _start_reconfigure(hass, entry, "sub_sonarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {
            CONF_URL: _with_secret(handle.url, form),
            CONF_API_KEY: handle.api_key,
            CONF_VERIFY_SSL: True,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_URL: "url_has_secrets"}
    (url_marker,) = (m for m in result["data_schema"].schema if m == CONF_URL)
    assert SECRET not in url_marker.description["suggested_value"]
    assert entry.subentries["sub_sonarr"].data[CONF_URL] == handle.url


async def test_a_stored_url_with_secrets_is_never_shown(
    hass: HomeAssistant, simulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A URL stored with a password and a key in it (before they were refused).

    It still works, but the forms show it without them.
    """
    handle = simulator.services["radarr"]
    stored = _with_secret(handle.url, "user_password") + f"/?apikey={SECRET}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 60},
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, "radarr", url=stored)],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    result = await _start_reconfigure(hass, entry, "sub_radarr")
    (url_marker,) = (m for m in result["data_schema"].schema if m == CONF_URL)
    assert url_marker.description["suggested_value"] == handle.url + "/"

    simulator.rotate_key("radarr")
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["description_placeholders"]["url"] == handle.url + "/"
    assert SECRET not in str(result)
    assert SECRET not in caplog.text
    await hass.config_entries.async_unload(entry.entry_id)


async def test_add_service_behind_login_page(
    hass: HomeAssistant, empty_entry: MockConfigEntry, login_page_url: str
) -> None:
    """An HTML login page of a reverse proxy is an unexpected response."""
    for kind in SERVICE_TYPES:
        result = await _start_subentry_flow(hass, empty_entry, kind)
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input(login_page_url, "key")
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "unexpected_response"}, kind


async def test_add_service_unknown_error(
    hass: HomeAssistant,
    empty_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Anything unforeseen ends in the unknown error, logged once."""
    with patch(
        "custom_components.lcars.config_flow.async_identify",
        side_effect=RuntimeError("boom"),
    ):
        result = await _start_subentry_flow(hass, empty_entry, "sonarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input("http://127.0.0.1:1", "key")
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error while connecting to Sonarr" in caplog.text


# --------------------------------------------------------------------------- reconfigure


async def test_reconfigure_service(
    hass: HomeAssistant, simulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A new key is validated and stored; the loaded entry reloads."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    handle = simulator.services["radarr"]
    new_key = simulator.rotate_key("radarr")

    result = await _start_reconfigure(hass, entry, "sub_radarr")
    assert result["description_placeholders"]["name"] == "Radarr"
    # The stored key is never offered back to the browser.
    assert handle.api_key not in str(result["data_schema"].schema)

    # The old key no longer works, and leaving the key empty keeps it.
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_URL: handle.url, CONF_VERIFY_SSL: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_URL: handle.url + "/", CONF_API_KEY: new_key, CONF_VERIFY_SSL: True},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = entry.subentries["sub_radarr"]
    assert subentry.data[CONF_API_KEY] == new_key
    assert subentry.data[CONF_URL] == handle.url + "/"
    assert subentry.unique_id == url_unique_id(handle.url)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinators["sub_radarr"].last_update_success
    assert new_key not in caplog.text


async def test_reconfigure_keeps_key_when_empty(
    hass: HomeAssistant, simulator: Any
) -> None:
    """An empty key field keeps the stored key; an entry not loaded is reloaded."""
    entry = lcars_entry(simulator, ["sonarr"])
    entry.add_to_hass(hass)
    handle = simulator.services["sonarr"]
    result = await _start_reconfigure(hass, entry, "sub_sonarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"],
        {CONF_URL: f" {handle.url} ", CONF_API_KEY: "  ", CONF_VERIFY_SSL: False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    subentry = entry.subentries["sub_sonarr"]
    assert subentry.data == {
        CONF_URL: handle.url,
        CONF_API_KEY: handle.api_key,
        CONF_VERIFY_SSL: False,
    }
    # The entry was not loaded; the reconfigured settings were tried at once.
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_errors_keep_the_form(
    hass: HomeAssistant, simulator: Any
) -> None:
    """A failing URL shows the error and keeps what was typed."""
    entry = lcars_entry(simulator, ["lidarr"])
    entry.add_to_hass(hass)
    bad_url = f"http://127.0.0.1:{_free_port()}"
    result = await _start_reconfigure(hass, entry, "sub_lidarr")
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {CONF_URL: bad_url, CONF_VERIFY_SSL: True}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    (url_marker,) = (m for m in result["data_schema"].schema if m == CONF_URL)
    assert url_marker.description["suggested_value"] == bad_url
    assert entry.subentries["sub_lidarr"].data[CONF_URL] != bad_url


async def test_reconfigure_to_another_subentrys_server(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """A subentry cannot be pointed at a server another subentry has."""
    async with Simulator(
        movies=3,
        series=1,
        artists=1,
        instances={"radarr": "radarr", "radarr4k": "radarr"},
    ) as sim:
        entry = lcars_entry(sim, ["radarr", "radarr4k"])
        entry.add_to_hass(hass)
        other = sim.services["radarr4k"]
        result = await _start_reconfigure(hass, entry, "sub_radarr")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input(other.url, other.api_key)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"


async def test_reconfigure_jellyfin(hass: HomeAssistant, socket_enabled: None) -> None:
    """Jellyfin keeps its server, and the users can be chosen again."""
    async with Simulator(
        movies=3,
        series=1,
        artists=1,
        instances={"jellyfin": "jellyfin", "jellyfin2": "jellyfin"},
    ) as sim:
        entry = lcars_entry(sim, ["jellyfin"])
        entry.add_to_hass(hass)
        users = {user.name: user.id for user in sim.state.services["jellyfin"].users}
        # Chosen before the guest was disabled: it is not offered again.
        hass.config_entries.async_update_subentry(
            entry,
            entry.subentries["sub_jellyfin"],
            data=dict(entry.subentries["sub_jellyfin"].data)
            | {CONF_USERS: [users["bob"], users["guest"]]},
        )
        handle = sim.services["jellyfin"]

        # Another Jellyfin server is not this subentry's.
        other = sim.services["jellyfin2"]
        assert (
            sim.state.services["jellyfin2"].server_id
            != sim.state.services["jellyfin"].server_id
        )
        result = await _start_reconfigure(hass, entry, "sub_jellyfin")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input(other.url, other.api_key)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "unique_id_mismatch"

        result = await _start_reconfigure(hass, entry, "sub_jellyfin")
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], _input(handle.url, handle.api_key)
        )
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "users"
        (marker,) = result["data_schema"].schema
        assert marker.default() == [users["bob"]]
        options = result["data_schema"].schema[marker].config["options"]
        assert users["guest"] not in {option["value"] for option in options}
        result = await hass.config_entries.subentries.async_configure(
            result["flow_id"], {CONF_USERS: [users["alice"], users["bob"]]}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.subentries["sub_jellyfin"].data[CONF_USERS] == [
            users["alice"],
            users["bob"],
        ]
        await hass.config_entries.async_unload(entry.entry_id)


# --------------------------------------------------------------------------- reauth


async def test_reauth_rotated_key(
    hass: HomeAssistant, simulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A rotated key starts reauth for that service; the new key fixes it."""
    entry = lcars_entry(simulator)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinators["sub_sonarr"]

    new_key = simulator.rotate_key("sonarr")
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not coordinator.last_update_success

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert result["description_placeholders"] == {
        "service": "Sonarr",
        "name": "Sonarr",
        "url": simulator.services["sonarr"].url,
    }

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "still-wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: f" {new_key} "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.subentries["sub_sonarr"].data[CONF_API_KEY] == new_key
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinators["sub_sonarr"].last_update_success
    assert new_key not in caplog.text


async def test_reauth_when_the_key_is_refused_at_setup(
    hass: HomeAssistant, simulator: Any
) -> None:
    """A key refused at setup: the entry loads, reauth fixes the service."""
    entry = lcars_entry(simulator, ["lidarr"])
    new_key = simulator.rotate_key("lidarr")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert not entry.runtime_data.coordinators["sub_lidarr"].last_update_success

    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: new_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinators["sub_lidarr"].last_update_success
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth_same_key_reloads(hass: HomeAssistant, simulator: Any) -> None:
    """Confirming the unchanged key still reloads the entry to try again."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    first = entry.runtime_data
    entry.async_start_reauth(hass, data={"subentry_id": "sub_radarr"})
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.services["radarr"].api_key}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data is not first


async def test_reauth_other_server(hass: HomeAssistant, simulator: Any) -> None:
    """A key is accepted only for the server the subentry was made for."""
    entry = lcars_entry(simulator, ["jellyfin"])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        entry, entry.subentries["sub_jellyfin"], unique_id="another-server-id"
    )
    entry.async_start_reauth(hass, data={"subentry_id": "sub_jellyfin"})
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: simulator.services["jellyfin"].api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"


@pytest.mark.parametrize("data", [{}, {"subentry_id": "gone"}])
async def test_reauth_unknown_service(
    hass: HomeAssistant, empty_entry: MockConfigEntry, data: dict[str, str]
) -> None:
    """Reauth for a service that is not there ends at once."""
    result = await empty_entry.start_reauth_flow(hass, data=data)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_not_found"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


# --------------------------------------------------------------------------- options


async def test_options_flow(hass: HomeAssistant, simulator: Any) -> None:
    """The polling interval is an option; the coordinators follow it."""
    entry = lcars_entry(simulator, ["radarr"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "polling"
    (marker,) = result["data_schema"].schema
    assert marker.default() == 60

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 300.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_SCAN_INTERVAL: 300}
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 300


async def test_options_flow_bounds(
    hass: HomeAssistant, empty_entry: MockConfigEntry
) -> None:
    """Intervals outside 10 to 3600 seconds are refused by the form."""
    result = await hass.config_entries.options.async_init(empty_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "polling"}
    )
    for value in (5, 4000):
        with pytest.raises(InvalidData, match="scan_interval"):
            await hass.config_entries.options.async_configure(
                result["flow_id"], {CONF_SCAN_INTERVAL: value}
            )
