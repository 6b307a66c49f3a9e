"""Jellyseerr requests through Home Assistant, against the simulated Jellyseerr.

Real HTTP all the way: the actions, the client and the simulator, which
follows Jellyseerr's own rules for who is approved at once, duplicates,
quotas and seasons already asked for.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.lcars import logbook
from custom_components.lcars.const import (
    CONF_ADDING,
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_MEDIA_ADDED,
    EVENT_REQUEST_CHANGED,
)
from custom_components.lcars.library.candidates import Candidate
from custom_components.lcars.library.kinds import MediaKind
from custom_components.lcars.library.terms import IdTerm, TitleTerm
from custom_components.lcars.runtime import requests as runtime
from homeassistant.components.logbook.models import (
    LazyEventPartialState,
    async_event_to_row,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN
from homeassistant.util import dt as dt_util
from simulator import Simulator

from .conftest import call_action, subentry_data

PENDING, APPROVED, DECLINED = 1, 2, 3
PENDING_SENSOR = "sensor.jellyseerr_pending_requests"
BOB, CAROL = 2, 3


def make_entry(
    simulator: Simulator, names: list[str] | None = None, **adding: Any
) -> MockConfigEntry:
    """LCARS with the simulated services; `adding` goes into the adding options."""
    options: dict[str, Any] = {CONF_SCAN_INTERVAL: 3600}
    if adding:
        options[CONF_ADDING] = adding
    return MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options=options,
        entry_id="lcars_entry",
        subentries_data=[
            subentry_data(simulator, name)
            for name in (names if names is not None else list(simulator.services))
        ],
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


@pytest.fixture
async def entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """LCARS with every simulated service, requests made with the API key."""
    return await setup(hass, make_entry(simulator))


@pytest.fixture
async def as_bob(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """LCARS requesting as bob, whose requests wait for approval."""
    return await setup(hass, make_entry(simulator, request_as=BOB))


def seerr(simulator: Simulator) -> Any:
    return simulator.state.services["jellyseerr"]


def requests_of(simulator: Simulator, tmdb_id: int) -> list[Any]:
    state = seerr(simulator)
    return [
        r for r in state.requests.values() if state.media[r.media_id].tmdb_id == tmdb_id
    ]


def title_reads(simulator: Simulator) -> list[tuple[str, str]]:
    return [
        r
        for r in simulator.requests("jellyseerr")
        if r[1].startswith(("/api/v1/movie/", "/api/v1/tv/"))
    ]


# --------------------------------------------------------------------------- get_requests


async def test_get_requests_pages_and_filters(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    state = seerr(simulator)
    newest_first = sorted(state.requests, reverse=True)
    first = await call_action(hass, "get_requests", entry, limit=4)
    second = await call_action(hass, "get_requests", entry, limit=4, offset=4)
    assert [r["id"] for r in first["requests"]] == newest_first[:4]
    assert [r["id"] for r in second["requests"]] == newest_first[4:8]
    assert first["total"] == second["total"] == len(state.requests)
    assert (second["offset"], second["limit"]) == (4, 4)

    pending = await call_action(hass, "get_requests", entry, status="pending", limit=50)
    assert pending["requests"]
    assert {r["status"] for r in pending["requests"]} == {"pending"}
    assert pending["total"] == sum(1 for r in state.requests.values() if r.status == 1)

    described = first["requests"][0]
    stored = state.requests[described["id"]]
    media = state.media[stored.media_id]
    user = next(u for u in state.users if u.id == stored.requested_by)
    assert described["media_type"] == (
        "series" if media.media_type == "tv" else "movie"
    )
    assert described["ids"]["tmdb"] == media.tmdb_id
    assert described["requested_by"] == {"id": user.id, "name": user.display_name}
    assert described["title"]
    assert set(described) >= {
        "seasons",
        "media_status",
        "requested_at",
        "modified_by",
        "updated_at",
        "poster",
    }


async def test_titles_come_from_the_library_then_jellyseerr_and_are_kept(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A page asks Jellyseerr at most once per request shown; again, never."""
    radarr = simulator.state.services["radarr"]
    in_library = {m.tmdb_id: m.title for m in radarr.movies.values()}
    simulator.reset_requests()
    answer = await call_action(hass, "get_requests", entry, limit=50)
    rows = answer["requests"]
    assert len(rows) > 5
    for row in rows:
        assert row["title"], row
        if row["media_type"] == "movie" and row["ids"]["tmdb"] in in_library:
            assert row["title"] == in_library[row["ids"]["tmdb"]]
    outside = [
        r
        for r in rows
        if not (r["media_type"] == "movie" and r["ids"]["tmdb"] in in_library)
        and not (
            r["media_type"] == "series"
            and any(
                s.tmdb_id == r["ids"]["tmdb"]
                for s in simulator.state.services["sonarr"].series.values()
            )
        )
    ]
    assert outside, "the simulator has requests of titles in no library"
    assert len(title_reads(simulator)) == len(outside)
    assert simulator.requests("radarr") == []
    assert simulator.requests("sonarr") == []

    simulator.reset_requests()
    again = await call_action(hass, "get_requests", entry, limit=50)
    assert again == answer
    assert simulator.requests("jellyseerr") == [("GET", "/api/v1/request")]


async def test_titles_are_bounded_by_the_page(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.reset_requests()
    await call_action(hass, "get_requests", entry, limit=2)
    assert len(title_reads(simulator)) <= 2
    assert len(runtime.titles_of(entry.runtime_data.jellyseerr[0])) <= 2


def test_the_title_cache_drops_the_least_used() -> None:
    titles = runtime.RequestTitles(max_entries=2)
    one, two, three = (runtime.KnownTitle(t, None, "s") for t in "abc")
    titles.put(("movie", 1), one)
    titles.put(("movie", 2), two)
    assert titles.get(("movie", 1)) == one
    titles.put(("movie", 3), three)
    assert titles.get(("movie", 2)) is None
    assert titles.get(("movie", 1)) == one
    assert len(titles) == 2


# --------------------------------------------------------------------------- request_media


async def test_request_a_movie_by_id_and_not_twice(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    added = async_capture_events(hass, EVENT_MEDIA_ADDED)
    answer = await call_action(
        hass, "request_media", entry, kind="movie", term="tmdb:603"
    )
    assert answer["result"] == "requested"
    assert answer["item"]["title"] == "The Matrix"
    request = answer["request"]
    # Made with the API key alone: Jellyseerr approves it at once.
    assert request["status"] == "approved"
    assert (request["title"], request["year"]) == ("The Matrix", 1999)
    [stored] = requests_of(simulator, 603)
    assert (stored.id, stored.status, stored.requested_by) == (
        request["id"],
        APPROVED,
        1,
    )
    await hass.async_block_till_done()
    assert [e.data["request_id"] for e in added] == [request["id"]]
    assert added[0].data["route"] == "jellyseerr"
    assert added[0].data["by"] == "an automation"

    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "request_media", entry, kind="movie", term="The Matrix")
    assert err.value.translation_key == "request_exists"
    assert "Request for this media already exists." in str(err.value)
    assert len(requests_of(simulator, 603)) == 1


async def test_an_ambiguous_title_requests_nothing(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    before = len(seerr(simulator).requests)
    simulator.reset_requests()
    answer = await call_action(hass, "request_media", entry, kind="movie", term="Dune")
    assert answer["result"] == "ambiguous"
    assert {(c["title"], c["year"]) for c in answer["candidates"]} >= {
        ("Dune", 1984),
        ("Dune", 2021),
    }
    assert all(c["kind"] == "movie" for c in answer["candidates"])
    assert not any(m == "POST" for m, _ in simulator.requests("jellyseerr"))
    assert len(seerr(simulator).requests) == before

    found = await call_action(
        hass, "request_media", entry, kind="movie", term="Dune (2021)"
    )
    assert found["result"] == "requested"
    assert found["request"]["ids"]["tmdb"] == 438631
    missing = await call_action(
        hass, "request_media", entry, kind="movie", term="Nothing Like This Title"
    )
    assert (missing["result"], missing["candidates"]) == ("not_found", [])


async def test_request_media_chooses_as_add_media_does(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    """One chooser: a leading article does not tell titles apart.

    Jellyseerr finds "The Matrix" and "The Matrix Reloaded" for "Matrix":
    the first folds to the term and stands out, so it is requested, as
    add_media would add it (the former rule of exact titles found it
    ambiguous).
    """
    added = async_capture_events(hass, EVENT_MEDIA_ADDED)
    answer = await call_action(
        hass, "request_media", entry, kind="movie", term="Matrix"
    )
    assert answer["result"] == "requested"
    assert answer["request"]["ids"]["tmdb"] == 603
    await hass.async_block_till_done()
    (event,) = added
    assert event.data["instance_id"] == entry.runtime_data.jellyseerr[0].subentry_id
    assert event.data["service"] == "jellyseerr"
    before = len(seerr(simulator).requests)
    fuzzy = await call_action(
        hass, "request_media", entry, kind="movie", term="Matrix Trilogy"
    )
    assert fuzzy["result"] == "not_found"
    assert len(seerr(simulator).requests) == before


async def test_request_a_series_by_seasons_as_a_user_who_waits(
    hass: HomeAssistant, as_bob: MockConfigEntry, simulator: Simulator
) -> None:
    coordinator = as_bob.runtime_data.jellyseerr[0]
    pending_before = coordinator.data.requests.pending
    answer = await call_action(
        hass, "request_media", as_bob, kind="series", term="tvdb:73244", seasons=[2, 1]
    )
    request = answer["request"]
    assert (request["status"], request["seasons"]) == ("pending", [1, 2])
    assert request["requested_by"] == {"id": BOB, "name": "bob"}
    [stored] = requests_of(simulator, 2316)
    assert (stored.status, stored.requested_by, stored.seasons) == (
        PENDING,
        BOB,
        [1, 2],
    )
    # The pending-requests sensor follows at once.
    await hass.async_block_till_done()
    assert coordinator.data.requests.pending == pending_before + 1
    assert hass.states.get(PENDING_SENSOR).state == str(pending_before + 1)

    rest = await call_action(
        hass,
        "request_media",
        as_bob,
        kind="series",
        term="The Office 2005",
        seasons="all",
    )
    assert rest["request"]["seasons"] == list(range(3, 10))
    nothing = await call_action(
        hass, "request_media", as_bob, kind="series", term="tmdb:2316", seasons="1, 2"
    )
    assert (nothing["result"], nothing["request"]) == ("already_requested", None)
    assert len(requests_of(simulator, 2316)) == 2


async def test_a_quota_is_refused_in_jellyseerrs_words(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = await setup(hass, make_entry(simulator, request_as=CAROL))
    first = await call_action(
        hass, "request_media", entry, kind="movie", term="tmdb:841"
    )
    assert first["request"]["status"] == "pending"
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "request_media", entry, kind="movie", term="tmdb:1417")
    assert err.value.translation_key == "request_refused"
    assert "Movie Quota exceeded." in str(err.value)
    assert requests_of(simulator, 1417) == []


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"kind": "artist", "term": "Nirvana"}, "music_not_requestable"),
        ({"kind": "album", "term": "Nevermind"}, "music_not_requestable"),
        ({"kind": "book", "term": "Dune"}, "invalid_kind"),
        ({"kind": "movie", "term": "Dune", "seasons": [1]}, "seasons_not_for_kind"),
        ({"kind": "series", "term": "Dune", "seasons": [-1]}, "seasons_invalid"),
        ({"kind": "series", "term": "Dune", "seasons": "first"}, "seasons_invalid"),
        ({"kind": "series", "term": "Dune", "seasons": []}, "seasons_invalid"),
        ({"kind": "movie", "term": "tvdb:73244"}, "id_wrong_kind"),
        ({"kind": "movie", "term": "tmdb:abc"}, "id_invalid"),
        ({"kind": "movie", "term": "!!!"}, "term_invalid"),
        (
            {"kind": "movie", "term": "Dune", "instance": "Nowhere"},
            "instance_not_found",
        ),
    ],
)
async def test_bad_requests_are_refused_before_jellyseerr_is_asked(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    data: dict[str, Any],
    key: str,
) -> None:
    dump = simulator.dump()
    simulator.reset_requests()
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "request_media", entry, **data)
    assert err.value.translation_key == key
    assert "{" not in str(err.value)
    assert simulator.requests("jellyseerr") == []
    assert simulator.dump() == dump


async def test_without_jellyseerr(hass: HomeAssistant, simulator: Simulator) -> None:
    entry = await setup(hass, make_entry(simulator, ["radarr", "sonarr"]))
    for action, data in (
        ("get_requests", {}),
        ("request_media", {"kind": "movie", "term": "Dune"}),
        ("approve_request", {"id": 1}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call_action(hass, action, entry, **data)
        assert err.value.translation_key == "jellyseerr_not_connected"


async def test_an_unreachable_jellyseerr_is_told(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.faults("jellyseerr").set(status=500)
    with pytest.raises(HomeAssistantError) as err:
        await call_action(hass, "request_media", entry, kind="movie", term="tmdb:603")
    assert err.value.translation_key == "request_failed"
    simulator.faults("jellyseerr").clear()
    assert requests_of(simulator, 603) == []


# --------------------------------------------------------------------------- approve, decline


def _logbook_line(hass: HomeAssistant, event: Any) -> str:
    found: dict[str, Any] = {}
    logbook.async_describe_events(
        hass, lambda _domain, name, describe: found.__setitem__(name, describe)
    )
    described = found[EVENT_REQUEST_CHANGED](
        LazyEventPartialState(async_event_to_row(event), {})
    )
    return str(described["message"])


@pytest.mark.parametrize(
    ("action", "status", "stored", "verb"),
    [
        ("approve_request", "approved", APPROVED, "approved"),
        ("decline_request", "declined", DECLINED, "declined"),
    ],
)
async def test_an_administrator_approves_or_declines(
    hass: HomeAssistant,
    as_bob: MockConfigEntry,
    simulator: Simulator,
    action: str,
    status: str,
    stored: int,
    verb: str,
) -> None:
    made = await call_action(
        hass, "request_media", as_bob, kind="movie", term="tmdb:693134"
    )
    request_id = made["request"]["id"]
    assert seerr(simulator).requests[request_id].status == PENDING
    coordinator = as_bob.runtime_data.jellyseerr[0]
    pending = coordinator.data.requests.pending
    changed = async_capture_events(hass, EVENT_REQUEST_CHANGED)

    answer = await call_action(
        hass, action, as_bob, id=request_id, reason="Family movie night"
    )
    assert (answer["id"], answer["status"]) == (request_id, status)
    assert answer["title"] == "Dune: Part Two"
    assert answer["reason"] == "Family movie night"
    assert answer["modified_by"] == {"id": 1, "name": "alice"}
    record = seerr(simulator).requests[request_id]
    assert (record.status, record.modified_by) == (stored, 1)
    # The refresh after a change is debounced: the one after the request
    # above came at once, this one after the cooldown.
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(seconds=REQUEST_REFRESH_DEFAULT_COOLDOWN + 1)
    )
    await hass.async_block_till_done()
    assert coordinator.data.requests.pending == pending - 1
    assert hass.states.get(PENDING_SENSOR).state == str(pending - 1)
    [event] = changed
    assert event.data["request_id"] == request_id
    assert event.data["status"] == status
    assert event.data["reason"] == "Family movie night"
    assert _logbook_line(hass, event) == (
        f"{verb} the request for Dune: Part Two (2024) by bob (an automation): "
        "Family movie night"
    )


async def test_an_unknown_request_is_not_found(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    changed = async_capture_events(hass, EVENT_REQUEST_CHANGED)
    with pytest.raises(ServiceValidationError) as err:
        await call_action(hass, "decline_request", entry, id=99999)
    assert err.value.translation_key == "request_not_found"
    assert "99999" in str(err.value)
    await hass.async_block_till_done()
    assert changed == []


# --------------------------------------------------------------------------- the seams of add_media and lookup_media


async def test_search_candidates_for_lookups_without_an_arr(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    entry = await setup(hass, make_entry(simulator, ["jellyseerr"]))
    simulator.reset_requests()
    movies = await runtime.async_search_candidates(
        hass, entry, "movie", TitleTerm("Amélie")
    )
    assert [(c.title, c.year, c.ids["tmdb"]) for c in movies] == [("Amélie", 2001, 194)]
    shows = await runtime.async_search_candidates(
        hass, entry, "series", IdTerm("tvdb", 73244)
    )
    assert [(c.title, c.year) for c in shows] == [("The Office", 2005)]
    assert len(simulator.requests("jellyseerr")) == 2
    with pytest.raises(ServiceValidationError) as err:
        await runtime.async_search_candidates(hass, entry, "artist", TitleTerm("Björk"))
    assert err.value.translation_key == "music_not_requestable"


async def test_request_a_candidate_found_elsewhere(
    hass: HomeAssistant, as_bob: MockConfigEntry, simulator: Simulator
) -> None:
    """A candidate of an *arr lookup is requested by its TMDb id, as the option says."""
    series = Candidate(
        MediaKind.SERIES, "Money Heist", 2017, ids={"tvdb": 327417, "tmdb": 71446}
    )
    answer = await runtime.async_request_candidate(
        hass, as_bob, series, seasons=[1], user_id=None
    )
    assert answer["result"] == "requested"
    assert answer["request"]["status"] == "pending"
    assert answer["request"]["requested_by"]["id"] == BOB
    [stored] = requests_of(simulator, 71446)
    assert stored.seasons == [1]
    # Another Jellyseerr user named by the caller: carol.
    movie = Candidate(MediaKind.MOVIE, "The Matrix Reloaded", 2003, ids={"tmdb": 604})
    answer = await runtime.async_request_candidate(
        hass, as_bob, movie, seasons=None, user_id=CAROL
    )
    assert answer["request"]["requested_by"]["id"] == CAROL
    without = Candidate(MediaKind.SERIES, "No Ids", 2020, ids={"tvdb": 1})
    with pytest.raises(ServiceValidationError) as err:
        await runtime.async_request_candidate(hass, as_bob, without, seasons="all")
    assert err.value.translation_key == "request_needs_tmdb"
    with pytest.raises(ServiceValidationError) as err:
        await runtime.async_request_candidate(hass, as_bob, movie, seasons=[1])
    assert err.value.translation_key == "seasons_not_for_kind"


async def test_an_unreachable_jellyseerr_fails_every_action(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: Simulator
) -> None:
    simulator.faults("jellyseerr").set(status=503)
    for action, data in (
        ("get_requests", {}),
        ("approve_request", {"id": 1}),
    ):
        with pytest.raises(HomeAssistantError) as err:
            await call_action(hass, action, entry, **data)
        assert err.value.translation_key == "request_failed"
