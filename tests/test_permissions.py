"""Who may do what: only administrators delete or make deletion possible.

Home Assistant lets every signed-in user control every entity and call every
action. These tests call the cleanup's switches and button, the actions, the
websocket and the REST API as administrators, automations, regular users,
read-only users, deactivated administrators, non-admin system users and
unknown users, against the simulated services, and check that a refusal is
translated and changes nothing: not a switch, not the stored cleanup, not a
server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import copy
from pathlib import Path
import threading
from typing import Any
from unittest.mock import patch

from aiohttp import web
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.lcars.const import (
    CONF_ADDING,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_REQUEST_CHANGED,
)
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_READ_ONLY, GROUP_ID_USER
from homeassistant.auth.models import Credentials
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import subentry_data
from .test_torrent_ha import (
    manager_of,
    open_torrent_step,
    options_entry,
    setup,
    torrent_options,
)
from .torrent.conftest import free_port, lt, make_torrent
from .torrent_ha import call, torrents, wait_for

ENTRY_ID = "lcars_entry"
STORE_KEY = f"lcars.{ENTRY_ID}.cleanup"
DRY_RUN = "switch.cleanup_dry_run"
AUTOMATIC = "switch.cleanup_automatic_cleanup"
RUN_NOW = "button.cleanup_run_now"
KEEP_TAG = "lcars-keep"

# Callers Home Assistant lets through and LCARS refuses itself.
REFUSED_BY_LCARS = ("user", "deactivated administrator", "system user")
# Callers Home Assistant already refuses for entities (not for actions).
REFUSED_BY_HOME_ASSISTANT = ("read-only user", "unknown user")
REFUSED = REFUSED_BY_LCARS + REFUSED_BY_HOME_ASSISTANT


@pytest.fixture
async def callers(hass: HomeAssistant, local_auth: Any) -> dict[str, Context]:
    """The context of a call by each kind of caller."""
    admin = await hass.auth.async_get_group(GROUP_ID_ADMIN)
    user = await hass.auth.async_get_group(GROUP_ID_USER)
    read_only = await hass.auth.async_get_group(GROUP_ID_READ_ONLY)
    assert admin is not None
    assert user is not None
    assert read_only is not None

    def context_of(**kwargs: Any) -> Context:
        return Context(user_id=MockUser(**kwargs).add_to_hass(hass).id)

    return {
        "administrator": context_of(name="Admin", groups=[admin]),
        "automation": Context(),
        "user": context_of(name="User", groups=[user]),
        "read-only user": context_of(name="Reader", groups=[read_only]),
        "deactivated administrator": context_of(
            name="Former", groups=[admin], is_active=False
        ),
        "system user": context_of(name="Service", groups=[user], system_generated=True),
        "unknown user": Context(user_id="0123456789abcdef0123456789abcdef"),
    }


@pytest.fixture
async def entry(
    hass: HomeAssistant, simulator: Simulator
) -> AsyncGenerator[MockConfigEntry]:
    """LCARS with every simulated service, its switches and its button.

    The services are read once: no refresh falls within a test, so every
    request the simulator records afterwards is one a call made.
    """
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600},
        entry_id=ENTRY_ID,
        subentries_data=[subentry_data(simulator, name) for name in simulator.services],
    )
    config_entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.BUTTON, Platform.SWITCH]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        yield config_entry


def _requests(simulator: Simulator) -> dict[str, list[tuple[str, str]]]:
    return {name: simulator.requests(name) for name in simulator.services}


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _entity_call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, context: Context
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id}, blocking=True, context=context
    )
    await hass.async_block_till_done()


def _assert_refused_by_lcars(err: Exception) -> None:
    """A refusal of LCARS: unauthorized, and a translated validation error."""
    assert isinstance(err, Unauthorized)
    assert isinstance(err, ServiceValidationError)
    assert err.translation_domain == DOMAIN
    assert err.translation_key == "admin_required"
    assert "administrator" in str(err)


# --------------------------------------------------------------------------- entities


@pytest.mark.parametrize("caller", REFUSED)
async def test_entities_that_allow_deletion_refuse_other_users(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_storage: dict[str, Any],
    caller: str,
) -> None:
    """Dry run off, automatic cleanup on, run now: refused, and nothing changes."""
    manager = entry.runtime_data.cleanup
    # Automatic cleanup off, by an automation, so that turning it on changes it.
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, callers["automation"])
    assert manager.automatic is False
    store = copy.deepcopy(hass_storage[STORE_KEY])
    requests = _requests(simulator)
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    for domain, service, entity_id in (
        ("switch", "turn_off", DRY_RUN),
        ("switch", "toggle", DRY_RUN),
        ("switch", "turn_on", AUTOMATIC),
        ("switch", "toggle", AUTOMATIC),
        ("button", "press", RUN_NOW),
    ):
        with pytest.raises(Unauthorized) as err:
            await _entity_call(hass, domain, service, entity_id, callers[caller])
        if caller in REFUSED_BY_LCARS:
            _assert_refused_by_lcars(err.value)

    assert _state(hass, DRY_RUN) == STATE_ON
    assert _state(hass, AUTOMATIC) == STATE_OFF
    assert manager.dry_run is True
    assert manager.automatic is False
    assert manager.next_run is None
    assert manager.last_run is None
    assert finished == []
    assert hass_storage[STORE_KEY] == store
    assert _requests(simulator) == requests


async def test_every_user_may_make_deletion_less_possible(
    hass: HomeAssistant, entry: MockConfigEntry, callers: dict[str, Context]
) -> None:
    """A user turns dry run on and automatic cleanup off."""
    manager = entry.runtime_data.cleanup
    await _entity_call(hass, "switch", "turn_off", DRY_RUN, callers["administrator"])
    assert manager.dry_run is False

    await _entity_call(hass, "switch", "turn_on", DRY_RUN, callers["user"])
    assert manager.dry_run is True
    assert _state(hass, DRY_RUN) == STATE_ON
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, callers["user"])
    assert manager.automatic is False
    assert _state(hass, AUTOMATIC) == STATE_OFF


@pytest.mark.parametrize("caller", ["administrator", "automation"])
async def test_administrators_and_automations_use_every_entity(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Dry run off, automatic cleanup on again, run now: all done."""
    manager = entry.runtime_data.cleanup
    context = callers[caller]
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, context)
    await _entity_call(hass, "switch", "turn_on", AUTOMATIC, context)
    assert manager.automatic is True
    assert manager.next_run is not None
    # Back on before the run: these tests delete nothing.
    await _entity_call(hass, "switch", "turn_off", DRY_RUN, context)
    assert manager.dry_run is False
    assert _state(hass, DRY_RUN) == STATE_OFF
    await _entity_call(hass, "switch", "turn_on", DRY_RUN, context)
    await _entity_call(hass, "button", "press", RUN_NOW, context)
    assert manager.last_run is not None
    assert manager.last_run.trigger == "button"
    assert manager.last_run.dry_run is True


async def test_an_automation_runs_whoever_triggers_it(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    callers: dict[str, Context],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A user's switch starts an administrator's automation, which runs the cleanup.

    A script the user starts runs with the user's rights, and is refused.
    """
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"go": {}}}
    )
    action = {
        "action": f"{DOMAIN}.run_cleanup",
        "data": {"config_entry_id": ENTRY_ID, "dry_run": True},
    }
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "state", "entity_id": "input_boolean.go"},
                "action": [action],
            }
        },
    )
    assert await async_setup_component(
        hass, "script", {"script": {"clean": {"sequence": [action]}}}
    )
    manager = entry.runtime_data.cleanup
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    await _entity_call(hass, "script", "turn_on", "script.clean", callers["user"])
    assert manager.last_run is None
    assert "Only a Home Assistant administrator" in caplog.text

    await _entity_call(
        hass, "input_boolean", "turn_on", "input_boolean.go", callers["user"]
    )
    await wait_for(lambda: manager.last_run is not None)
    assert manager.last_run is not None
    assert manager.last_run.trigger == "action"
    assert [event.data["dry_run"] for event in finished] == [True]


# --------------------------------------------------------------------------- actions


def _protected_movie(simulator: Simulator) -> int:
    """Tag a movie of the simulated Radarr with lcars-keep; return its id."""
    radarr = simulator.state.services["radarr"]
    tag = next((t for t in radarr.tags if t.label == KEEP_TAG), None)
    if tag is None:
        tag = radarr.add_tag(KEEP_TAG)
    movie = next(m for m in radarr.movies.values() if m.file is not None)
    movie.tags = [*movie.tags, tag.id]
    radarr.touch()
    return int(movie.id)


@pytest.mark.parametrize("caller", REFUSED)
async def test_deleting_actions_refuse_other_users(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_storage: dict[str, Any],
    caller: str,
) -> None:
    """run_cleanup, delete_media and unprotect: refused before any request."""
    movie_id = _protected_movie(simulator)
    await entry.runtime_data.coordinators["sub_radarr"].async_refresh()
    manager = entry.runtime_data.cleanup
    dump = simulator.dump()
    requests = _requests(simulator)
    store = copy.deepcopy(hass_storage.get(STORE_KEY))
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    for action, data in (
        ("run_cleanup", {}),
        ("run_cleanup", {"dry_run": True}),
        ("run_cleanup", {"dry_run": False}),
        ("delete_media", {"service": "radarr", "id": movie_id, "dry_run": False}),
        ("delete_media", {"service": "radarr", "id": movie_id, "dry_run": True}),
        ("unprotect", {"service": "radarr", "id": movie_id}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": ENTRY_ID, **data},
                blocking=True,
                return_response=True,
                context=callers[caller],
            )
        _assert_refused_by_lcars(err.value)

    await hass.async_block_till_done()
    assert manager.last_run is None
    assert finished == []
    assert hass_storage.get(STORE_KEY) == store
    assert simulator.dump() == dump
    assert _requests(simulator) == requests


@pytest.mark.parametrize("caller", ["user", "read-only user"])
async def test_every_user_may_protect(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Protecting only keeps things: open to every user, as the read actions are."""
    radarr = simulator.state.services["radarr"]
    movie = next(m for m in radarr.movies.values() if not m.tags)
    answer = await hass.services.async_call(
        DOMAIN,
        "protect",
        {"config_entry_id": ENTRY_ID, "service": "radarr", "id": movie.id},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["protected"] is True
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert KEEP_TAG in {labels[tag] for tag in radarr.movies[movie.id].tags}

    answer = await hass.services.async_call(
        DOMAIN,
        "get_disk_space",
        {"config_entry_id": ENTRY_ID},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["root_folders"]


async def test_administrators_unprotect(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
) -> None:
    """An administrator takes the keep tag off."""
    movie_id = _protected_movie(simulator)
    await entry.runtime_data.coordinators["sub_radarr"].async_refresh()
    answer = await hass.services.async_call(
        DOMAIN,
        "unprotect",
        {"config_entry_id": ENTRY_ID, "service": "radarr", "id": movie_id},
        blocking=True,
        return_response=True,
        context=callers["administrator"],
    )
    assert answer is not None
    assert answer["protected"] is False
    radarr = simulator.state.services["radarr"]
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert KEEP_TAG not in {labels[tag] for tag in radarr.movies[movie_id].tags}


# --------------------------------------------------------------------------- APIs


async def _token_of(hass: HomeAssistant, context: Context) -> str:
    """An access token of the user of a context, as the frontend holds."""
    assert context.user_id is not None
    user = await hass.auth.async_get_user(context.user_id)
    assert user is not None
    credential = Credentials(
        id=f"credential-{user.id}",
        auth_provider_type="homeassistant",
        auth_provider_id=None,
        data={"username": user.name},
        is_new=False,
    )
    user.credentials.append(credential)
    refresh_token = await hass.auth.async_create_refresh_token(
        user, CLIENT_ID, credential=credential
    )
    return hass.auth.async_create_access_token(refresh_token)


async def test_websocket_and_rest_answers(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend gets a translated refusal; the REST API answers 401."""
    token = await _token_of(hass, callers["user"])
    requests = _requests(simulator)
    assert await async_setup_component(hass, "api", {})
    client = await hass_ws_client(hass, token)
    for request in (
        {"domain": "switch", "service": "turn_off", "target": {"entity_id": DRY_RUN}},
        {"domain": "button", "service": "press", "target": {"entity_id": RUN_NOW}},
        {
            "domain": DOMAIN,
            "service": "run_cleanup",
            "service_data": {"config_entry_id": ENTRY_ID},
            "return_response": True,
        },
    ):
        await client.send_json_auto_id({"type": "call_service", **request})
        answer = await client.receive_json()
        assert answer["success"] is False, request
        error = answer["error"]
        assert error["code"] == "service_validation_error", error
        assert error["translation_domain"] == DOMAIN
        assert error["translation_key"] == "admin_required"
        assert "administrator" in error["message"]

    http = await hass_client(token)
    response = await http.post(
        f"/api/services/{DOMAIN}/run_cleanup", json={"config_entry_id": ENTRY_ID}
    )
    assert response.status == 401
    assert _state(hass, DRY_RUN) == STATE_ON
    assert entry.runtime_data.cleanup.last_run is None
    assert _requests(simulator) == requests


# --------------------------------------------------------------------------- BitTorrent


@pytest.fixture
async def torrent_site(
    tmp_path: Path, socket_enabled: None
) -> AsyncGenerator[TorrentSite]:
    """An HTTP server on loopback with a torrent file and ways to fail."""
    if lt is None:
        pytest.skip("libtorrent is not installed")
    torrent_bytes, _digest = make_torrent(tmp_path / "served", "served.bin", 64 * 1024)
    site = TorrentSite(torrent_bytes)
    runner = web.AppRunner(site.app())
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    site.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield site
    site.release.set()
    await runner.cleanup()


class TorrentSite:
    """What the torrent server serves, and the paths it was asked for."""

    def __init__(self, torrent_bytes: bytes) -> None:
        self.torrent_bytes = torrent_bytes
        self.asked: list[str] = []
        self.base = ""
        self.release = asyncio.Event()

    def app(self) -> web.Application:
        async def serve(request: web.Request) -> web.StreamResponse:
            self.asked.append(request.path)
            name = request.match_info["name"]
            if name == "good.torrent":
                return web.Response(body=self.torrent_bytes)
            if name == "not-a-torrent":
                return web.Response(text="<html>a login page</html>")
            if name == "huge":
                return web.Response(body=b"0" * (11 * 1024 * 1024))
            if name == "slow":
                await self.release.wait()
            if name == "error":
                return web.Response(status=500)
            return web.Response(status=404)

        app = web.Application()
        app.router.add_get("/{name}", serve)
        return app


async def _add(
    hass: HomeAssistant, context: Context, **data: Any
) -> dict[str, Any] | None:
    return await hass.services.async_call(
        DOMAIN,
        "add_torrent",
        {"config_entry_id": ENTRY_ID, **data},
        blocking=True,
        return_response=True,
        context=context,
    )


async def test_users_download_into_the_download_directory(
    hass: HomeAssistant,
    media: Path,
    torrent_site: TorrentSite,
    callers: dict[str, Context],
) -> None:
    """A user adds torrents but chooses no folder; deleting files is refused."""
    download_dir = media / "downloads"
    manager = manager_of(await setup(hass, torrent_options(download_dir)))
    url = f"{torrent_site.base}/good.torrent"
    other = media / "elsewhere"
    other.mkdir()
    for caller in REFUSED:
        with pytest.raises(ServiceValidationError) as err:
            await _add(hass, callers[caller], url=url, save_path=str(other))
        assert isinstance(err.value, Unauthorized)
        assert err.value.translation_key == "save_path_admin_only", caller
        assert "save_path" in str(err.value)
    assert torrent_site.asked == []
    assert manager.statuses == {}

    answer = await _add(hass, callers["user"], url=url, paused=True)
    assert answer is not None
    info_hash = answer["info_hash"]
    await wait_for(lambda: info_hash in manager.statuses)
    assert Path(manager.statuses[info_hash].save_path) == download_dir

    # Pausing, resuming and removing without the files remove no media.
    for action in ("resume_torrent", "pause_torrent"):
        await call(hass, action, {"info_hash": info_hash}, context=callers["user"])
    for caller in REFUSED:
        with pytest.raises(ServiceValidationError) as err:
            await call(
                hass,
                "remove_torrent",
                {"info_hash": info_hash, "delete_files": True},
                context=callers[caller],
            )
        _assert_refused_by_lcars(err.value)
    assert [t["info_hash"] for t in await torrents(hass)] == [info_hash]
    await call(
        hass,
        "remove_torrent",
        {"info_hash": info_hash, "delete_files": False},
        context=callers["user"],
    )
    assert await torrents(hass) == []

    # An administrator chooses the folder.
    answer = await _add(
        hass, callers["administrator"], url=url, save_path=str(other), paused=True
    )
    assert answer is not None
    await wait_for(lambda: answer["info_hash"] in manager.statuses)
    assert Path(manager.statuses[answer["info_hash"]].save_path) == other


@pytest.mark.parametrize("caller", ["administrator", "automation"])
async def test_nobody_downloads_into_the_served_folder(
    hass: HomeAssistant,
    media: Path,
    torrent_site: TorrentSite,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """www is served to anyone: no torrent goes there, by any way of naming it."""
    config = Path(hass.config.config_dir)
    www = config / "www"
    (www / "inside").mkdir(parents=True)
    (media / "to-www").symlink_to(www)
    # As Home Assistant allows it by default, and even the whole configuration.
    hass.config.allowlist_external_dirs |= {str(www), str(config)}
    manager = manager_of(await setup(hass, torrent_options(media / "downloads")))
    url = f"{torrent_site.base}/good.torrent"
    for save_path in (
        www,
        www / "inside",
        www / "new",
        media / "to-www",
        media / "to-www" / "inside",
        media / ".." / "config" / "www",
        config,
    ):
        with pytest.raises(ServiceValidationError) as err:
            await _add(hass, callers[caller], url=url, save_path=str(save_path))
        assert err.value.translation_key == "save_path_served", save_path
        assert "/local" in str(err.value)
    assert torrent_site.asked == []
    assert manager.statuses == {}
    assert not any(www.rglob("*.bin"))


async def test_download_directory_in_the_served_folder(
    hass: HomeAssistant,
    media: Path,
    torrent_site: TorrentSite,
    callers: dict[str, Context],
) -> None:
    """A download directory set inside www before takes no torrent from anyone."""
    www = Path(hass.config.config_dir) / "www"
    manager = manager_of(await setup(hass, torrent_options(www / "downloads")))
    for caller in ("administrator", "automation", "user"):
        with pytest.raises(ServiceValidationError) as err:
            await _add(hass, callers[caller], url=f"{torrent_site.base}/good.torrent")
        assert err.value.translation_key == "save_path_served", caller
    assert torrent_site.asked == []
    assert manager.statuses == {}


async def test_a_url_that_gives_no_torrent_says_one_thing(
    hass: HomeAssistant,
    media: Path,
    torrent_site: TorrentSite,
    callers: dict[str, Context],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whatever went wrong, the answer is the same and repeats no address."""
    manager = manager_of(await setup(hass, torrent_options(media / "downloads")))
    base = torrent_site.base
    urls = [
        f"{base}/missing.torrent?passkey=SECRET",
        f"{base}/error",
        f"{base}/not-a-torrent",
        f"{base}/huge",
        f"{base}/slow",
        f"http://127.0.0.1:{free_port()}/x.torrent",
        "http://lcars-nowhere.invalid/x.torrent",
        "http://[::1/x.torrent",
        "ftp://127.0.0.1/x.torrent",
        "file:///etc/passwd",
    ]
    messages: set[str] = set()
    with patch("custom_components.lcars.actions.torrent.URL_TIMEOUT", 1.0):
        for url in urls:
            with pytest.raises(ServiceValidationError) as err:
                await _add(hass, callers["user"], url=url)
            assert err.value.translation_key == "torrent_url_unreachable", url
            assert not err.value.translation_placeholders, url
            messages.add(str(err.value))
    assert len(messages) == 1
    message = messages.pop()
    for detail in ("127.0.0.1", base, "SECRET", "404", "500", "nowhere", "passwd"):
        assert detail not in message
    assert manager.statuses == {}
    logged = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]
    assert not [line for line in logged if "SECRET" in line]


# --------------------------------------------------------------------------- paths


def _engine_form(download_dir: Path) -> dict[str, Any]:
    """What the options form of the built-in engine is sent."""
    return {
        "download_dir": str(download_dir),
        "listen_port_min": 6881.0,
        "listen_port_max": 6889.0,
        "connections_limit": 100.0,
        "download_rate_limit": 0.0,
        "upload_rate_limit": 0.0,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "bind_interface": "",
        "seeding_ratio": 0.0,
        "seeding_hours": 0.0,
        "limit_action": "pause",
        "all_torrent_entities": False,
    }


async def test_paths_are_checked_off_the_event_loop(
    hass: HomeAssistant, media: Path, torrent_site: TorrentSite
) -> None:
    """Home Assistant's is_allowed_path reads the disk: never on the event loop."""
    loop_thread = threading.get_ident()
    threads: list[bool] = []
    original = hass.config.is_allowed_path

    def spy(path: str) -> bool:
        threads.append(threading.get_ident() == loop_thread)
        return original(path)

    entry = options_entry(hass, torrent_options(media / "downloads"))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    torrent_file = media / "file.torrent"
    torrent_file.write_bytes(torrent_site.torrent_bytes)
    with patch.object(hass.config, "is_allowed_path", spy):
        answer = await call(
            hass,
            "add_torrent",
            {"path": str(torrent_file), "save_path": str(media), "paused": True},
            response=True,
        )
        assert answer["name"] == "served.bin"
        result = await open_torrent_step(hass, entry)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"enabled": True, "backend": "libtorrent"}
        )
        # Refused for its ports: the form is shown again, nothing restarts.
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            _engine_form(media / "downloads") | {"listen_port_min": 7000.0},
        )
        assert result["errors"] == {"listen_port_min": "invalid_port_range"}
    assert threads == [False, False, False]


async def test_options_refuse_a_served_or_impossible_download_directory(
    hass: HomeAssistant, media: Path
) -> None:
    """The download directory is never www, nor a path no file system takes."""
    config = Path(hass.config.config_dir)
    www = config / "www"
    www.mkdir()
    hass.config.allowlist_external_dirs |= {str(www), str(config)}
    entry = options_entry(hass, None)
    result = await open_torrent_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"enabled": True, "backend": "libtorrent"}
    )
    good = _engine_form(media / "downloads")
    for directory, error in (
        (www / "downloads", "download_dir_served"),
        (config, "download_dir_served"),
        ("/" + "a" * 5000, "download_dir_not_allowed"),
        (f"{media}/{'a' * 300}/downloads", "download_dir_not_allowed"),
        (f"{media}/bad\0name", "download_dir_not_allowed"),
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], good | {"download_dir": str(directory)}
        )
        assert result["errors"] == {"download_dir": error}, directory
    assert "torrent" not in entry.options


# --------------------------------------------------------------------------- adding

ADDING = {
    "route": "arr",
    "instances": {
        "sub_radarr": {
            "root_folder": "/movies",
            "quality_profile": 1,
            "search_now": False,
        }
    },
}


@pytest.fixture
async def adding_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """LCARS with adding defaults for Radarr; nothing requested after setup."""
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600, CONF_ADDING: ADDING},
        entry_id=ENTRY_ID,
        subentries_data=[subentry_data(simulator, name) for name in simulator.services],
    )
    config_entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", []):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    simulator.reset_requests()
    return config_entry


def _matrix(simulator: Simulator) -> list[Any]:
    movies = simulator.dump()["services"]["radarr"]["movies"]
    return [m for m in movies if m["tmdb_id"] == 603]


@pytest.mark.parametrize("caller", [*REFUSED, "administrator", "automation"])
async def test_everyone_looks_up_and_adds_with_the_defaults(
    hass: HomeAssistant,
    adding_entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Every caller may look titles up and add them with the configured defaults."""
    for action, result in (("lookup_media", "clear"), ("add_media", "added")):
        answer = await hass.services.async_call(
            DOMAIN,
            action,
            {"config_entry_id": ENTRY_ID, "kind": "movie", "term": "tmdb:603"},
            blocking=True,
            return_response=True,
            context=callers[caller],
        )
        assert answer is not None
        assert answer["result"] == result
    (movie,) = _matrix(simulator)
    assert movie["root_folder_path"] == "/movies"


@pytest.mark.parametrize("caller", REFUSED)
async def test_only_administrators_choose_the_root_folder(
    hass: HomeAssistant,
    adding_entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """A root folder in the call is refused before any request, for others."""
    dump = simulator.dump()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "add_media",
            {
                "config_entry_id": ENTRY_ID,
                "kind": "movie",
                "term": "tmdb:603",
                "root_folder": "/movies-4k",
            },
            blocking=True,
            return_response=True,
            context=callers[caller],
        )
    assert isinstance(err.value, Unauthorized)
    assert err.value.translation_key == "root_folder_admin_only"
    assert "administrator" in str(err.value)
    assert simulator.dump() == dump
    assert _requests(simulator) == {name: [] for name in simulator.services}


@pytest.mark.parametrize("caller", ["administrator", "automation"])
async def test_administrators_choose_the_root_folder(
    hass: HomeAssistant,
    adding_entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    answer = await hass.services.async_call(
        DOMAIN,
        "add_media",
        {
            "config_entry_id": ENTRY_ID,
            "kind": "movie",
            "term": "tmdb:603",
            "root_folder": "/movies-4k",
        },
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["result"] == "added"
    (movie,) = _matrix(simulator)
    assert movie["root_folder_path"] == "/movies-4k"


async def test_root_folder_refusal_over_websocket_and_rest(
    hass: HomeAssistant,
    adding_entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend gets the translated refusal; the REST API answers 401."""
    token = await _token_of(hass, callers["user"])
    assert await async_setup_component(hass, "api", {})
    data = {
        "config_entry_id": ENTRY_ID,
        "kind": "movie",
        "term": "tmdb:603",
        "root_folder": "/movies-4k",
    }
    client = await hass_ws_client(hass, token)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "add_media",
            "service_data": data,
            "return_response": True,
        }
    )
    answer = await client.receive_json()
    assert answer["success"] is False
    assert answer["error"]["code"] == "service_validation_error"
    assert answer["error"]["translation_key"] == "root_folder_admin_only"
    assert "administrator" in answer["error"]["message"]
    http = await hass_client(token)
    response = await http.post(f"/api/services/{DOMAIN}/add_media", json=data)
    assert response.status == 401
    assert _matrix(simulator) == []


# --------------------------------------------------------------------------- Jellyseerr requests


def _pending_request(simulator: Simulator) -> int:
    """The id of a request of the simulated Jellyseerr that waits for approval."""
    state = simulator.state.services["jellyseerr"]
    return next(r.id for r in state.requests.values() if r.status == 1)


def _assert_refused_approval(err: Exception) -> None:
    assert isinstance(err, Unauthorized)
    assert isinstance(err, ServiceValidationError)
    assert err.translation_domain == DOMAIN
    assert err.translation_key == "request_admin_required"
    assert "administrator" in str(err)


@pytest.mark.parametrize("caller", REFUSED)
async def test_approving_and_declining_refuse_other_users(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Only administrators approve or decline; the request stays pending."""
    request_id = _pending_request(simulator)
    dump = simulator.dump()
    requests = _requests(simulator)
    changed = async_capture_events(hass, EVENT_REQUEST_CHANGED)
    for action in ("approve_request", "decline_request"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": ENTRY_ID, "id": request_id, "reason": "why not"},
                blocking=True,
                return_response=True,
                context=callers[caller],
            )
        _assert_refused_approval(err.value)
    await hass.async_block_till_done()
    assert simulator.state.services["jellyseerr"].requests[request_id].status == 1
    assert simulator.dump() == dump
    assert _requests(simulator) == requests
    assert changed == []


@pytest.mark.parametrize("caller", ["administrator", "automation"])
async def test_administrators_and_automations_approve(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    request_id = _pending_request(simulator)
    answer = await hass.services.async_call(
        DOMAIN,
        "approve_request",
        {"config_entry_id": ENTRY_ID, "id": request_id},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["status"] == "approved"
    assert simulator.state.services["jellyseerr"].requests[request_id].status == 2


@pytest.mark.parametrize("caller", ["user", "read-only user"])
async def test_every_user_reads_and_makes_requests(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Asking for a title and reading the requests are open to every user."""
    page = await hass.services.async_call(
        DOMAIN,
        "get_requests",
        {"config_entry_id": ENTRY_ID, "status": "pending"},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert page is not None
    assert page["requests"]
    answer = await hass.services.async_call(
        DOMAIN,
        "request_media",
        {"config_entry_id": ENTRY_ID, "kind": "movie", "term": "tmdb:603"},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["result"] == "requested"
    state = simulator.state.services["jellyseerr"]
    assert any(state.media[r.media_id].tmdb_id == 603 for r in state.requests.values())


async def test_approval_refused_over_websocket_and_rest(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend gets the translated refusal; the REST API answers 401."""
    request_id = _pending_request(simulator)
    token = await _token_of(hass, callers["user"])
    assert await async_setup_component(hass, "api", {})
    client = await hass_ws_client(hass, token)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": DOMAIN,
            "service": "approve_request",
            "service_data": {"config_entry_id": ENTRY_ID, "id": request_id},
            "return_response": True,
        }
    )
    answer = await client.receive_json()
    assert answer["success"] is False
    error = answer["error"]
    assert error["code"] == "service_validation_error"
    assert error["translation_key"] == "request_admin_required"
    assert "administrator" in error["message"]
    http = await hass_client(token)
    response = await http.post(
        f"/api/services/{DOMAIN}/decline_request",
        json={"config_entry_id": ENTRY_ID, "id": request_id},
    )
    assert response.status == 401
    assert simulator.state.services["jellyseerr"].requests[request_id].status == 1
