"""lookup_media and add_media through Home Assistant, against the simulated *arr.

Every call goes over real HTTP to the simulator; what a call sent is read in
its request log and what it changed in its dump. The entry is read once at
setup and polls hourly, so every request logged afterwards is one a call
made (or the refresh an add asks for, which reads and never writes).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
import contextlib
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from custom_components.lcars import logbook
from custom_components.lcars.actions.adding import adding_route
from custom_components.lcars.const import (
    CONF_ADDING,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_MEDIA_ADDED,
)
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_USER
from homeassistant.components.logbook.models import (
    LazyEventPartialState,
    async_event_to_row,
)
from homeassistant.const import Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from simulator import Simulator
from simulator.faults import Faults

from .conftest import call_action, subentry_data

ENTRY_ID = "lcars_entry"
NIRVANA_US = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
DEFAULTS: dict[str, Any] = {
    "route": "arr",
    "instances": {
        "sub_radarr": {
            "root_folder": "/movies",
            "quality_profile": 4,
            "monitored": True,
            "monitor": "movieOnly",
            "minimum_availability": "released",
            "search_now": False,
            "default_for_kind": True,
        },
        "sub_sonarr": {
            "root_folder": "/tv",
            "quality_profile": 1,
            "monitor": "future",
            "search_now": False,
        },
        "sub_lidarr": {
            "root_folder": "/music",
            "quality_profile": 2,
            "metadata_profile": 1,
            "search_now": False,
        },
    },
}


def make_entry(sim: Simulator, adding: dict[str, Any] | None = None) -> MockConfigEntry:
    """The LCARS entry of every simulated service, with the adding defaults."""
    options: dict[str, Any] = {CONF_SCAN_INTERVAL: 3600}
    if adding is not None:
        options[CONF_ADDING] = adding
    return MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options=options,
        entry_id=ENTRY_ID,
        subentries_data=[subentry_data(sim, name) for name in sim.services],
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.EVENT]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """A small simulated library."""
    async with Simulator(movies=12, series=4, artists=3, seed=7) as simulator:
        yield simulator


@pytest.fixture
async def entry(hass: HomeAssistant, sim: Simulator) -> MockConfigEntry:
    """LCARS set up with the adding defaults; the request logs start empty."""
    config_entry = make_entry(sim, DEFAULTS)
    await setup_entry(hass, config_entry)
    sim.reset_requests()
    return config_entry


@pytest.fixture
async def users(hass: HomeAssistant) -> dict[str, Context]:
    """Contexts of an administrator and of a regular user."""
    admin = await hass.auth.async_get_group(GROUP_ID_ADMIN)
    user = await hass.auth.async_get_group(GROUP_ID_USER)
    assert admin is not None
    assert user is not None
    return {
        "administrator": Context(
            user_id=MockUser(name="Ada", groups=[admin]).add_to_hass(hass).id
        ),
        "user": Context(
            user_id=MockUser(name="Bob", groups=[user]).add_to_hass(hass).id
        ),
    }


async def call(
    hass: HomeAssistant,
    action: str,
    entry: MockConfigEntry,
    context: Context | None = None,
    **data: Any,
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        action,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
        context=context,
    )
    assert isinstance(response, dict)
    return response


def movies(sim: Simulator) -> list[dict[str, Any]]:
    return list(sim.dump()["services"]["radarr"]["movies"])


def movies_with(sim: Simulator, tmdb_id: int) -> list[dict[str, Any]]:
    return [m for m in movies(sim) if m["tmdb_id"] == tmdb_id]


def sent(sim: Simulator, name: str) -> list[tuple[str, str]]:
    """The requests of a call: lookups, adds and check reads, not the refresh."""
    return [
        (method, path)
        for method, path in sim.requests(name)
        if method != "GET" or path.endswith(("/lookup", "profile"))
    ]


@contextlib.contextmanager
def fault_on_post(sim: Simulator, name: str, **faults: Any) -> Iterator[None]:
    """Apply faults only to the POST requests of one instance."""
    target = sim.faults(name)
    target.set(**faults)
    original = Faults.take

    def take(self: Faults, rel: str) -> bool:
        if self is target and sim.requests(name)[-1][0] != "POST":
            return False
        return original(self, rel)

    with patch.object(Faults, "take", take):
        yield
    target.clear()


# --------------------------------------------------------------------------- lookups


async def test_lookup_ambiguous_is_one_request(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    answer = await call_action(hass, "lookup_media", entry, kind="movie", term="Dune")
    assert answer["result"] == "ambiguous"
    assert answer["best"] is None
    assert answer["instance"] == "Radarr"
    titles = [(c["title"], c["year"]) for c in answer["candidates"]]
    assert ("Dune", 2021) in titles
    assert ("Dune", 1984) in titles
    dune = next(c for c in answer["candidates"] if c["year"] == 2021)
    assert dune["ids"] == {"tmdb": 438631, "imdb": "tt1160419"}
    assert dune["in_library"] == []
    assert dune["score"] == 1.0
    assert "poster" in dune
    assert "fanart" in dune
    assert sim.requests("radarr") == [("GET", "/api/v3/movie/lookup")]


@pytest.mark.parametrize(
    ("kind", "term", "title", "year"),
    [
        ("movie", "Dune 2021", "Dune", 2021),
        ("movie", "tmdb:438631", "Dune", 2021),
        ("movie", "tt1160419", "Dune", 2021),
        ("movie", "El laberinto del fauno", "Pan's Labyrinth", 2006),
        ("movie", "The Matrix 1999", "The Matrix", 1999),
        ("series", "Shōgun 2024", "Shōgun", 2024),
        ("series", "tvdb:390430", "Shōgun", 2024),
        ("series", "tmdb:126308", "Shōgun", 2024),
        ("series", "imdb:tt2788316", "Shōgun", 2024),
        ("series", "The Office 2005", "The Office (US)", 2005),
        ("movie", "DUNE (1984)", "Dune", 1984),
        ("album", "Homogenic", "Homogenic", 1997),
        ("artist", f"mbid:{NIRVANA_US}", "Nirvana", None),
    ],
)
async def test_lookup_clear(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    kind: str,
    term: str,
    title: str,
    year: int | None,
) -> None:
    answer = await call_action(hass, "lookup_media", entry, kind=kind, term=term)
    assert answer["result"] == "clear"
    assert answer["best"] == 0
    assert answer["confidence"] >= 0.9
    best = answer["candidates"][0]
    assert (best["title"], best["year"]) == (title, year)
    service = {"movie": "radarr", "series": "sonarr"}.get(kind, "lidarr")
    assert len(sim.requests(service)) == 1


async def test_lookup_tells_what_is_in_the_library(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    owned = movies(sim)[0]
    answer = await call_action(
        hass, "lookup_media", entry, kind="movie", term=f"tmdb:{owned['tmdb_id']}"
    )
    assert answer["result"] == "clear"
    assert answer["candidates"][0]["in_library"] == [
        {"instance": "Radarr", "instance_id": "sub_radarr", "id": owned["id"]}
    ]


async def test_lookup_limit_and_artists_told_apart(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    answer = await call_action(
        hass, "lookup_media", entry, kind="artist", term="Nirvana", limit=1
    )
    assert answer["result"] == "ambiguous"
    assert answer["total"] == 2
    assert len(answer["candidates"]) == 1
    full = await call_action(hass, "lookup_media", entry, kind="artist", term="Nirvana")
    assert {c["disambiguation"] for c in full["candidates"]} == {
        "US grunge band",
        "60s band from the UK",
    }


async def test_lookup_not_found(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    answer = await call_action(
        hass, "lookup_media", entry, kind="movie", term="Zzyzx Qwerty Unfindable"
    )
    assert answer["result"] == "not_found"
    assert answer["best"] is None


# --------------------------------------------------------------------------- adds


async def test_add_by_id(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    users: dict[str, Context],
) -> None:
    added = async_capture_events(hass, EVENT_MEDIA_ADDED)
    answer = await call(
        hass, "add_media", entry, users["user"], kind="movie", term="tmdb:438631"
    )
    assert answer["result"] == "added"
    item = answer["item"]
    assert item["title"] == "Dune"
    assert item["year"] == 2021
    assert item["root_folder"] == "/movies"
    assert item["quality_profile"] == 4
    assert item["instance"] == "Radarr"
    assert isinstance(item["id"], int)
    assert "checked_after_error" not in answer
    (stored,) = movies_with(sim, 438631)
    assert stored["id"] == item["id"]
    assert stored["quality_profile_id"] == 4
    assert stored["root_folder_path"] == "/movies"
    assert sent(sim, "radarr") == [
        ("GET", "/api/v3/movie/lookup"),
        ("POST", "/api/v3/movie"),
    ]
    await hass.async_block_till_done()
    (event,) = added
    assert event.data["title"] == "Dune"
    assert event.data["by"] == "Bob"
    assert event.data["route"] == "arr"
    assert event.data["config_entry_id"] == ENTRY_ID
    # The logbook tells it in one line.
    described: list[Any] = []
    logbook.async_describe_events(
        hass, lambda _domain, name, describe: described.append((name, describe))
    )
    describe = next(d for name, d in described if name == EVENT_MEDIA_ADDED)
    line = describe(LazyEventPartialState(async_event_to_row(event), {}))
    assert line == {"name": "LCARS", "message": "added Dune (2021) to Radarr"}
    # The event entity of the Radarr device passed it on.
    entity_id = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, "sub_radarr_media_added"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] == "added"
    assert state.attributes["title"] == "Dune"
    # The Sonarr device's entity was not told.
    sonarr_entity = er.async_get(hass).async_get_entity_id(
        "event", DOMAIN, "sub_sonarr_media_added"
    )
    assert sonarr_entity is not None
    sonarr_state = hass.states.get(sonarr_entity)
    assert sonarr_state is not None
    assert sonarr_state.attributes.get("event_type") is None


@pytest.mark.parametrize(
    ("kind", "term", "service", "check"),
    [
        ("movie", "El laberinto del fauno", "radarr", ("movies", "tmdb_id", 1417)),
        ("movie", "The Matrix 1999", "radarr", ("movies", "tmdb_id", 603)),
        ("series", "Shōgun 2024", "sonarr", ("series", "tvdb_id", 390430)),
        ("album", "Homogenic", "lidarr", ("albums", "title", "Homogenic")),
        ("artist", f"mbid:{NIRVANA_US}", "lidarr", ("artists", "mbid", NIRVANA_US)),
    ],
)
async def test_add_by_clear_term(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    kind: str,
    term: str,
    service: str,
    check: tuple[str, str, Any],
) -> None:
    collection, key, value = check
    before = [i for i in sim.dump()["services"][service][collection] if i[key] == value]
    assert before == []
    answer = await call_action(hass, "add_media", entry, kind=kind, term=term)
    assert answer["result"] == "added"
    assert answer["confidence"] >= 0.9
    after = [i for i in sim.dump()["services"][service][collection] if i[key] == value]
    assert len(after) == 1
    methods = [method for method, _ in sent(sim, service)]
    assert methods == ["GET", "POST"]


@pytest.mark.parametrize(
    ("kind", "term", "service", "collection"),
    [
        ("movie", "Dune", "radarr", "movies"),
        ("artist", "Nirvana", "lidarr", "artists"),
        ("series", "The Office", "sonarr", "series"),
    ],
)
async def test_add_ambiguous_adds_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    kind: str,
    term: str,
    service: str,
    collection: str,
) -> None:
    count = len(sim.dump()["services"][service][collection])
    answer = await call_action(hass, "add_media", entry, kind=kind, term=term)
    assert answer["result"] == "ambiguous"
    assert len(answer["candidates"]) >= 2
    assert "item" not in answer
    assert len(sim.dump()["services"][service][collection]) == count
    assert [m for m, _ in sim.requests(service)] == ["GET"]


async def test_add_not_found(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    answer = await call_action(
        hass, "add_media", entry, kind="movie", term="Zzyzx Qwerty Unfindable"
    )
    assert answer["result"] == "not_found"
    assert [m for m, _ in sim.requests("radarr")] == ["GET"]


async def test_already_added(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    owned = movies(sim)[0]
    count = len(movies(sim))
    for term in (f"tmdb:{owned['tmdb_id']}", f"{owned['title']} {owned['year']}"):
        answer = await call_action(hass, "add_media", entry, kind="movie", term=term)
        assert answer["result"] == "already_added", term
        assert answer["item"]["id"] == owned["id"]
    assert len(movies(sim)) == count
    assert all(method == "GET" for method, _ in sim.requests("radarr"))


async def test_a_second_add_is_already_added(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    first = await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert first["result"] == "added"
    second = await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert second["result"] == "already_added"
    assert second["item"]["id"] == first["item"]["id"]
    assert len(movies_with(sim, 603)) == 1


async def test_refusal_carries_the_arr_message(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    count = len(movies(sim))
    with pytest.raises(ServiceValidationError) as err:
        await call_action(
            hass,
            "add_media",
            entry,
            kind="movie",
            term="tmdb:603",
            quality_profile="99",
        )
    assert err.value.translation_key == "add_refused"
    assert err.value.translation_placeholders is not None
    assert "Profile does not exist" in err.value.translation_placeholders["message"]
    assert "Profile does not exist" in str(err.value)
    assert len(movies(sim)) == count


async def test_overrides_by_name(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    users: dict[str, Context],
) -> None:
    answer = await call(
        hass,
        "add_media",
        entry,
        users["administrator"],
        kind="movie",
        term="tmdb:603",
        root_folder="/movies-4k/",
        quality_profile="ultra-hd",
        monitor="movie_and_collection",
        monitored=False,
        tags=["kids"],
    )
    assert answer["result"] == "added"
    (stored,) = movies_with(sim, 603)
    assert stored["root_folder_path"] == "/movies-4k"
    assert stored["quality_profile_id"] == 5
    assert stored["monitored"] is False
    assert stored["tags"] == [2]
    # One more request: the profile named.
    assert sent(sim, "radarr") == [
        ("GET", "/api/v3/qualityprofile"),
        ("GET", "/api/v3/movie/lookup"),
        ("POST", "/api/v3/movie"),
    ]


async def test_lidarr_profiles_by_name(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    answer = await call_action(
        hass,
        "add_media",
        entry,
        kind="album",
        term="Homogenic",
        quality_profile="lossless",
        metadata_profile="None",
    )
    assert answer["result"] == "added"
    (album,) = [
        a
        for a in sim.dump()["services"]["lidarr"]["albums"]
        if a["title"] == "Homogenic"
    ]
    artists = sim.dump()["services"]["lidarr"]["artists"]
    (artist,) = [a for a in artists if a["id"] == album["artist_id"]]
    assert artist["quality_profile_id"] == 2
    assert artist["metadata_profile_id"] == 2
    assert sent(sim, "lidarr") == [
        ("GET", "/api/v1/qualityprofile"),
        ("GET", "/api/v1/metadataprofile"),
        ("GET", "/api/v1/album/lookup"),
        ("POST", "/api/v1/album"),
    ]


async def test_profiles_unreadable(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    sim.faults("lidarr").set(status=500)
    try:
        with pytest.raises(HomeAssistantError) as err:
            await call_action(
                hass,
                "add_media",
                entry,
                kind="artist",
                term="Nirvana",
                metadata_profile="x",
            )
    finally:
        sim.faults("lidarr").clear()
    assert err.value.translation_key == "read_failed"
    assert sim.requests("lidarr") == [("GET", "/api/v1/metadataprofile")]


async def test_a_regular_user_may_not_choose_the_root_folder(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    users: dict[str, Context],
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "add_media",
            entry,
            users["user"],
            kind="movie",
            term="tmdb:603",
            root_folder="/movies-4k",
        )
    assert err.value.translation_key == "root_folder_admin_only"
    assert sim.requests("radarr") == []


async def test_add_failed_and_retry(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    """A 500 on the add: one check read, nothing added, safe to try again."""
    with (
        fault_on_post(sim, "radarr", status=500),
        pytest.raises(HomeAssistantError) as err,
    ):
        await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert err.value.translation_key == "add_failed"
    assert movies_with(sim, 603) == []
    assert sent(sim, "radarr") == [
        ("GET", "/api/v3/movie/lookup"),
        ("POST", "/api/v3/movie"),
    ]
    assert ("GET", "/api/v3/movie") in sim.requests("radarr")
    retry = await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert retry["result"] == "added"
    assert len(movies_with(sim, 603)) == 1


async def test_add_answer_lost_is_checked(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    """The add is made but its answer is cut: the check read finds it."""
    with fault_on_post(sim, "radarr", truncate=True):
        answer = await call_action(
            hass, "add_media", entry, kind="movie", term="tmdb:603"
        )
    assert answer["result"] == "added"
    assert answer["checked_after_error"] is True
    (stored,) = movies_with(sim, 603)
    assert answer["item"]["id"] == stored["id"]
    retry = await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert retry["result"] == "already_added"
    assert len(movies_with(sim, 603)) == 1


async def test_add_held_past_the_timeout_is_checked(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    """The server stores the movie but answers too late: found by the check read."""
    for coordinator in entry.runtime_data.arr:
        coordinator.client._timeout = 0.5
    with fault_on_post(sim, "radarr", hold=30):
        answer = await call_action(
            hass, "add_media", entry, kind="movie", term="tmdb:603"
        )
    assert answer["result"] == "added"
    assert answer["checked_after_error"] is True
    assert len(movies_with(sim, 603)) == 1
    retry = await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert retry["result"] == "already_added"
    assert len(movies_with(sim, 603)) == 1


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"kind": "movie", "term": ""}, "field_empty"),
        ({"kind": "movie", "term": "x" * 300}, "field_too_long"),
        ({"kind": "movie", "term": "Dune\x00"}, "field_control_character"),
        ({"kind": "movie", "term": "!!!"}, "term_invalid"),
        ({"kind": "movie", "term": "tvdb:1"}, "id_wrong_kind"),
        ({"kind": "artist", "term": "mbid:nope"}, "id_invalid"),
        ({"kind": "movie", "term": "tmdb:abc"}, "id_invalid"),
        ({"kind": "episode", "term": "Dune"}, "invalid_kind"),
        (
            {"kind": "movie", "term": "Dune", "instance": "Nowhere"},
            "instance_not_found",
        ),
        (
            {"kind": "movie", "term": "Dune", "instance": "Sonarr"},
            "instance_wrong_kind",
        ),
        ({"kind": "movie", "term": "Dune", "limit": 51}, "invalid_limit"),
        ({"term": "Dune"}, "field_required"),
    ],
)
async def test_bad_lookups(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "lookup_media", entry, **data)
    assert err.value.translation_key == key
    assert str(err.value)
    assert all(sim.requests(name) == [] for name in sim.services)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"monitor": "sometimes"}, "monitor_invalid"),
        ({"monitor": "first_season"}, "monitor_invalid"),
        ({"root_folder": "/elsewhere"}, "root_folder_unknown"),
        ({"tags": ["no-such-tag"]}, "tag_unknown"),
        ({"tags": " , "}, "field_empty"),
        ({"tags": "kids, nope"}, "tag_unknown"),
        ({"tags": 5}, "field_not_text"),
        ({"tags": ["x"] * 21}, "field_too_long"),
        ({"metadata_profile": "Standard"}, "setting_not_for_service"),
        ({"monitored": "perhaps"}, "field_not_boolean"),
    ],
)
async def test_bad_adds_send_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call_action(
            hass, "add_media", entry, kind="movie", term="tmdb:603", **data
        )
    assert err.value.translation_key == key
    assert sim.requests("radarr") == []


async def test_unknown_profile_name(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await call_action(
            hass,
            "add_media",
            entry,
            kind="movie",
            term="tmdb:603",
            quality_profile="Best",
        )
    assert err.value.translation_key == "quality_profile_unknown"
    assert "HD-1080p" in str(err.value)
    assert sim.requests("radarr") == [("GET", "/api/v3/qualityprofile")]


async def test_defaults_missing(hass: HomeAssistant, sim: Simulator) -> None:
    entry = make_entry(sim)
    await setup_entry(hass, entry)
    sim.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert err.value.translation_key == "add_defaults_missing"
    assert err.value.translation_placeholders == {
        "instance": "Radarr",
        "setting": "root_folder",
    }
    assert sim.requests("radarr") == []
    # Given in the call, they need no stored defaults.
    answer = await call_action(
        hass,
        "add_media",
        entry,
        kind="movie",
        term="tmdb:603",
        root_folder="/movies",
        quality_profile="1",
    )
    assert answer["result"] == "added"


async def test_no_instance_of_the_kind(hass: HomeAssistant, sim: Simulator) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600},
        entry_id=ENTRY_ID,
        subentries_data=[subentry_data(sim, "radarr")],
    )
    await setup_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "lookup_media", entry, kind="artist", term="Nirvana")
    assert err.value.translation_key == "service_not_configured"


@pytest.mark.parametrize(
    ("faults", "key"),
    [
        ({"truncate": True}, "lookup_failed"),
        ({"status": 500}, "lookup_failed"),
        ({"malformed": True}, "lookup_failed"),
    ],
)
async def test_lookup_failures(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    faults: dict[str, Any],
    key: str,
) -> None:
    sim.faults("radarr").set(**faults)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, "add_media", entry, kind="movie", term="Dune 2021")
    assert err.value.translation_key == key
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["instance"] == "Radarr"
    sim.faults("radarr").clear()
    assert movies_with(sim, 438631) == []


async def test_lookup_unavailable(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    sim.faults("radarr").set(status=503)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, "lookup_media", entry, kind="movie", term="Dune")
    assert err.value.translation_key == "lookup_unavailable"
    assert err.value.translation_placeholders is not None
    message = err.value.translation_placeholders["message"]
    assert message.startswith("Search for 'Dune' failed. Unable to communicate with")
    assert message in str(err.value)


async def test_lookup_times_out(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator
) -> None:
    for coordinator in entry.runtime_data.arr:
        coordinator.client._timeout = 0.3
    sim.faults("radarr").set(latency=5)
    try:
        with pytest.raises(HomeAssistantError) as err:
            await call_action(hass, "lookup_media", entry, kind="movie", term="Dune")
    finally:
        sim.faults("radarr").clear()
    assert err.value.translation_key == "lookup_failed"


async def test_default_instance_for_the_kind(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Without a default marked, the first instance of the service answers."""
    adding = {**DEFAULTS, "instances": {**DEFAULTS["instances"]}}
    adding["instances"]["sub_radarr"] = {
        **DEFAULTS["instances"]["sub_radarr"],
        "default_for_kind": False,
    }
    entry = make_entry(sim, adding)
    await setup_entry(hass, entry)
    answer = await call_action(
        hass, "lookup_media", entry, kind="movie", term="Dune", instance="sub_radarr"
    )
    assert answer["instance"] == "Radarr"
    answer = await call_action(hass, "lookup_media", entry, kind="movie", term="Dune")
    assert answer["instance"] == "Radarr"


async def test_in_another_instance(hass: HomeAssistant, socket_enabled: None) -> None:
    """A title another Radarr holds is listed as there, and may still be added here."""
    async with Simulator(
        movies=4,
        series=1,
        artists=1,
        seed=11,
        instances={"radarr": "radarr", "radarr4k": "radarr"},
    ) as two:
        folder = two.dump()["services"]["radarr4k"]["root_folders"][0]["path"]
        adding = {
            "route": "arr",
            "instances": {
                "sub_radarr": {"root_folder": "/movies", "quality_profile": 1},
                "sub_radarr4k": {"root_folder": folder, "quality_profile": 1},
            },
        }
        entry = make_entry(two, adding)
        await setup_entry(hass, entry)
        other = await call_action(
            hass,
            "add_media",
            entry,
            kind="movie",
            term="tmdb:603",
            instance="Radarr radarr4k",
        )
        assert other["result"] == "added"
        # The add asked for a refresh of that Radarr: its snapshot has it now.
        await hass.async_block_till_done()
        found = await call_action(
            hass,
            "lookup_media",
            entry,
            kind="movie",
            term="tmdb:603",
            instance="Radarr",
        )
        assert found["candidates"][0]["in_library"] == [
            {
                "instance": "Radarr radarr4k",
                "instance_id": "sub_radarr4k",
                "id": other["item"]["id"],
            }
        ]
        added = await call_action(
            hass, "add_media", entry, kind="movie", term="tmdb:603", instance="Radarr"
        )
        assert added["result"] == "added"
        for name in ("radarr", "radarr4k"):
            movies_of = two.dump()["services"][name]["movies"]
            assert [m["tmdb_id"] for m in movies_of].count(603) == 1
        await hass.config_entries.async_unload(entry.entry_id)


async def test_add_before_the_instance_answered(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """Without a snapshot, nothing tells whether it is there: refused, nothing sent."""
    sim.faults("radarr").set(status=500)
    entry = make_entry(sim, DEFAULTS)
    await setup_entry(hass, entry)
    sim.faults("radarr").clear()
    sim.reset_requests()
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, "add_media", entry, kind="movie", term="tmdb:603")
    assert err.value.translation_key == "service_unavailable"
    assert sim.requests("radarr") == []
    # A lookup needs no snapshot.
    found = await call_action(
        hass, "lookup_media", entry, kind="movie", term="tmdb:603"
    )
    assert found["result"] == "clear"
    assert found["candidates"][0]["in_library"] == []


@pytest.mark.parametrize(
    ("adding", "route"),
    [
        (None, "arr"),
        ({"route": "jellyseerr"}, "jellyseerr"),
        ({"route": "carrier pigeon"}, "arr"),
        ("not options", "arr"),
    ],
)
def test_adding_route(adding: Any, route: str) -> None:
    options = {} if adding is None else {CONF_ADDING: adding}
    entry = MockConfigEntry(domain=DOMAIN, options=options)
    assert adding_route(entry) == route  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the Jellyseerr route

# Jellyseerr's users of the simulator: 1 is the API key's (an administrator,
# approved at once), 2 (bob) may request but waits for approval.
SEERR_BOB = 2


def seerr_requests(sim: Simulator, tmdb_id: int) -> list[Any]:
    """The requests the simulated Jellyseerr holds for one TMDb id."""
    state = sim.state.services["jellyseerr"]
    return [
        r for r in state.requests.values() if state.media[r.media_id].tmdb_id == tmdb_id
    ]


async def seerr_entry(
    hass: HomeAssistant, sim: Simulator, names: list[str] | None = None, **adding: Any
) -> MockConfigEntry:
    """LCARS adding through Jellyseerr; the request logs start empty."""
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600, CONF_ADDING: {**DEFAULTS, **adding}},
        entry_id=ENTRY_ID,
        subentries_data=[
            subentry_data(sim, name)
            for name in (names if names is not None else list(sim.services))
        ],
    )
    await setup_entry(hass, config_entry)
    sim.reset_requests()
    return config_entry


@pytest.mark.parametrize(
    ("request_as", "status"), [(SEERR_BOB, "pending"), (None, "approved")]
)
async def test_the_jellyseerr_route_requests_instead_of_adding(
    hass: HomeAssistant,
    sim: Simulator,
    users: dict[str, Context],
    request_as: int | None,
    status: str,
) -> None:
    """A clear movie is requested as the option's user; Radarr is only asked to look."""
    adding: dict[str, Any] = {"route": "jellyseerr"}
    if request_as is not None:
        adding["request_as"] = request_as
    entry = await seerr_entry(hass, sim, **adding)
    assert adding_route(entry) == "jellyseerr"
    added = async_capture_events(hass, EVENT_MEDIA_ADDED)
    answer = await call(
        hass, "add_media", entry, users["user"], kind="movie", term="Dune 2021"
    )
    assert answer["result"] == "requested"
    assert answer["route"] == "jellyseerr"
    assert answer["item"]["ids"]["tmdb"] == 438631
    request = answer["request"]
    assert request["status"] == status
    assert request["media_type"] == "movie"
    assert request["ids"]["tmdb"] == 438631
    assert request["requested_by"]["id"] == (request_as or 1)
    (stored,) = seerr_requests(sim, 438631)
    assert stored.id == request["id"]
    # The *arr was only asked to look: nothing was added to Radarr.
    assert sent(sim, "radarr") == [("GET", "/api/v3/movie/lookup")]
    assert movies_with(sim, 438631) == []
    assert ("POST", "/api/v1/request") in sim.requests("jellyseerr")
    await hass.async_block_till_done()
    (event,) = added
    assert event.data["route"] == "jellyseerr"
    assert event.data["service"] == "jellyseerr"
    assert event.data["request_id"] == request["id"]
    assert event.data["status"] == status
    assert event.data["by"] == "Bob"
    assert event.context.user_id == users["user"].user_id
    # The Jellyseerr device's event entity tells it; Radarr's does not.
    registry = er.async_get(hass)
    seerr_entity = registry.async_get_entity_id(
        "event", DOMAIN, "sub_jellyseerr_media_added"
    )
    radarr_entity = registry.async_get_entity_id(
        "event", DOMAIN, "sub_radarr_media_added"
    )
    assert seerr_entity is not None
    assert radarr_entity is not None
    seerr_state = hass.states.get(seerr_entity)
    assert seerr_state is not None
    assert seerr_state.attributes["event_type"] == "requested"
    assert seerr_state.attributes["request_id"] == request["id"]
    radarr_state = hass.states.get(radarr_entity)
    assert radarr_state is not None
    assert radarr_state.attributes.get("event_type") is None
    # Asking again is refused in Jellyseerr's words, and requests nothing more.
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "add_media", entry, kind="movie", term="tmdb:438631")
    assert err.value.translation_key == "request_exists"
    assert len(seerr_requests(sim, 438631)) == 1
    await hass.async_block_till_done()
    assert len(added) == 1


async def test_the_jellyseerr_route_requests_a_series_and_leaves_music_to_lidarr(
    hass: HomeAssistant, sim: Simulator
) -> None:
    entry = await seerr_entry(hass, sim, route="jellyseerr", request_as=SEERR_BOB)
    answer = await call_action(
        hass, "add_media", entry, kind="series", term="Shōgun 2024"
    )
    assert answer["result"] == "requested"
    assert answer["request"]["media_type"] == "series"
    assert answer["request"]["status"] == "pending"
    assert sent(sim, "sonarr") == [("GET", "/api/v3/series/lookup")]
    # The settings of an *arr add are refused, not ignored, before any request.
    sim.reset_requests()
    for setting, value in (("root_folder", "/movies"), ("quality_profile", "HD")):
        with pytest.raises(ServiceValidationError) as err:
            await call_action(
                hass,
                "add_media",
                entry,
                kind="movie",
                term="tmdb:603",
                **{setting: value},
            )
        assert err.value.translation_key == "setting_not_for_service"
        assert err.value.translation_placeholders["setting"] == setting
    assert sim.requests("jellyseerr") == []
    assert sim.requests("radarr") == []
    # Artists and albums have no place in Jellyseerr: Lidarr adds them.
    artist = await call_action(
        hass, "add_media", entry, kind="artist", term=f"mbid:{NIRVANA_US}"
    )
    assert artist["result"] == "added"
    assert artist["item"]["service"] == "lidarr"
    assert ("POST", "/api/v1/artist") in sent(sim, "lidarr")


async def test_the_jellyseerr_route_asks_nothing_of_a_title_in_the_library(
    hass: HomeAssistant, sim: Simulator
) -> None:
    entry = await seerr_entry(hass, sim, route="jellyseerr")
    owned = movies(sim)[0]
    before = len(seerr_requests(sim, owned["tmdb_id"]))
    answer = await call_action(
        hass, "add_media", entry, kind="movie", term=f"tmdb:{owned['tmdb_id']}"
    )
    assert answer["result"] == "already_added"
    assert answer["item"]["id"] == owned["id"]
    assert len(seerr_requests(sim, owned["tmdb_id"])) == before
    assert ("POST", "/api/v1/request") not in sim.requests("jellyseerr")


async def test_without_an_arr_lookups_and_adds_go_through_jellyseerr(
    hass: HomeAssistant, sim: Simulator
) -> None:
    """No Radarr or Sonarr, but Jellyseerr: its search finds, and add_media requests."""
    entry = await seerr_entry(
        hass, sim, ["jellyseerr", "lidarr"], route="arr", request_as=SEERR_BOB
    )
    found = await call_action(hass, "lookup_media", entry, kind="movie", term="Dune")
    assert found["service"] == "jellyseerr"
    assert found["result"] == "ambiguous"
    titles = {(c["title"], c["year"]) for c in found["candidates"]}
    assert {("Dune", 2021), ("Dune", 1984)} <= titles
    clear = await call_action(
        hass, "lookup_media", entry, kind="series", term="tvdb:73244"
    )
    assert clear["result"] == "clear"
    assert clear["candidates"][0]["title"] == "The Office"
    answer = await call_action(hass, "add_media", entry, kind="movie", term="Dune 2021")
    assert answer["result"] == "requested"
    assert answer["request"]["status"] == "pending"
    (stored,) = seerr_requests(sim, 438631)
    assert stored.id == answer["request"]["id"]
    # A bad term is refused as the *arr route refuses it, before any request.
    sim.reset_requests()
    for term, key in (("tvdb:1", "id_wrong_kind"), ("tmdb:x", "id_invalid")):
        with pytest.raises(ServiceValidationError) as err:
            await call_action(hass, "add_media", entry, kind="movie", term=term)
        assert err.value.translation_key == key
    assert sim.requests("jellyseerr") == []
    # Music still needs Lidarr, and finds it.
    artist = await call_action(
        hass, "lookup_media", entry, kind="artist", term="Nirvana"
    )
    assert artist["service"] == "lidarr"
