"""The adding actions: look titles up in Radarr, Sonarr and Lidarr, and add them.

`lookup_media` sends one request, the *arr's lookup; `add_media` two, the
lookup and the add, and only one when the lookup is ambiguous, finds
nothing, or finds a title already in the library. Whether a title is in
the library comes from the snapshots the coordinators hold, so it costs no
request. Every signed-in user may add with the configured defaults; only
an administrator chooses another root folder.

Movies and series become Jellyseerr requests instead when the adding route
is Jellyseerr, or when no *arr of the kind is connected and Jellyseerr is
(then Jellyseerr's search finds them too). Terms are read and candidates
chosen the same way whoever found them, and `request_media` reads its terms
here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import voluptuous as vol

from custom_components.lcars.clients import (
    LcarsClientError,
    LookupUnavailableError,
    RefusedError,
)
from custom_components.lcars.clients.arr import MAX_LOOKUP_RESULTS
from custom_components.lcars.clients.convert import clean_path
from custom_components.lcars.clients.errors import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
)
from custom_components.lcars.clients.models import (
    Profile,
    RadarrSnapshot,
    Rows,
    SonarrSnapshot,
)
from custom_components.lcars.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_INSTANCE,
    ATTR_KIND,
    ATTR_LIMIT,
    ATTR_SEARCH,
    CONF_ADDING,
    DOMAIN,
    SERVICE_NAMES,
)
from custom_components.lcars.coordinator import (
    ArrCoordinator,
    JellyseerrCoordinator,
    LidarrCoordinator,
    RadarrCoordinator,
    SonarrCoordinator,
)
from custom_components.lcars.data import LcarsConfigEntry
from custom_components.lcars.library.additions import (
    ADDABLE_KINDS,
    MONITOR_VALUES,
    OPT_DEFAULT_FOR_KIND,
    OPT_INSTANCES,
    OPT_ROUTE,
    ROUTE_ARR,
    ROUTE_JELLYSEERR,
    ROUTES,
    SERVICE_OF_KIND,
    AddSettings,
    add_body,
    from_option_key,
    option_key,
)
from custom_components.lcars.library.candidates import (
    ID_IMDB,
    ID_MUSICBRAINZ,
    ID_TMDB,
    ID_TVDB,
    Candidate,
)
from custom_components.lcars.library.choosing import Choice, Outcome, choose
from custom_components.lcars.library.kinds import MediaKind, ServiceKind
from custom_components.lcars.library.terms import (
    MAX_TERM_LENGTH,
    InvalidIdError,
    InvalidTermError,
    Term,
    WrongIdKindError,
    parse_term,
    to_arr_term,
)
from custom_components.lcars.permissions import AdminRequiredError, async_is_admin
from custom_components.lcars.runtime import requests as seerr
from custom_components.lcars.runtime.adding import async_fire_media_added
from custom_components.lcars.runtime.artwork import async_cover_urls
from homeassistant.core import (
    Context,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError

from . import fields
from .common import async_get_entry, invalid, not_answered

# Fields of the adding actions.
ATTR_TERM: Final = "term"
ATTR_ROOT_FOLDER: Final = "root_folder"
ATTR_QUALITY_PROFILE: Final = "quality_profile"
ATTR_METADATA_PROFILE: Final = "metadata_profile"
ATTR_MONITORED: Final = "monitored"
ATTR_MONITOR: Final = "monitor"
ATTR_TAGS: Final = "tags"

# The settings of an add to an *arr, which a Jellyseerr request has not.
_ARR_SETTINGS: Final = (
    ATTR_ROOT_FOLDER,
    ATTR_QUALITY_PROFILE,
    ATTR_METADATA_PROFILE,
    ATTR_MONITORED,
    ATTR_MONITOR,
    ATTR_SEARCH,
    ATTR_TAGS,
)

# Candidates a lookup answers with, unless the call asks for another number.
DEFAULT_LOOKUP_LIMIT: Final = 10
# Tags one add may set.
MAX_TAGS: Final = 20
# The results of the add action.
RESULT_ADDED: Final = "added"
RESULT_ALREADY_ADDED: Final = "already_added"
# The kinds Jellyseerr requests; artists and albums always go to Lidarr.
REQUESTABLE_KINDS: Final = (MediaKind.MOVIE, MediaKind.SERIES)
# Who made a call without a user.
BY_AUTOMATION: Final = "an automation"
# The refusal of a root folder chosen by someone who is not an administrator.
ROOT_FOLDER_ADMIN_ONLY: Final = "root_folder_admin_only"

# The snapshot columns each id of a candidate is found in, per service.
_ID_COLUMNS: Final[dict[ServiceKind, dict[str, str]]] = {
    ServiceKind.RADARR: {ID_TMDB: "tmdb_id", ID_IMDB: "imdb_id"},
    ServiceKind.SONARR: {ID_TVDB: "tvdb_id", ID_TMDB: "tmdb_id", ID_IMDB: "imdb_id"},
    ServiceKind.LIDARR: {ID_MUSICBRAINZ: "musicbrainz_id"},
}


def _tags(value: Any) -> list[str]:
    """Check tag names: a list, or one text of names separated by commas."""
    check = fields.text(ATTR_TAGS)
    if isinstance(value, str):
        names = [name for name in value.split(",") if name.strip()]
        if not names:
            raise invalid("field_empty", field=ATTR_TAGS)
    elif isinstance(value, list):
        names = value
    else:
        raise invalid("field_not_text", field=ATTR_TAGS, value=fields.shown(value))
    if len(names) > MAX_TAGS:
        raise invalid("field_too_long", field=ATTR_TAGS, max=str(MAX_TAGS))
    return [check(name) for name in names]


_TERM_FIELDS = {
    vol.Optional(ATTR_KIND): fields.text(ATTR_KIND),
    vol.Optional(ATTR_TERM): fields.text(ATTR_TERM, max_length=MAX_TERM_LENGTH),
    vol.Optional(ATTR_INSTANCE): fields.text(ATTR_INSTANCE),
}
LOOKUP_MEDIA_SCHEMA = fields.action_schema(
    {
        **_TERM_FIELDS,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LOOKUP_LIMIT): fields.whole_number(
            ATTR_LIMIT, minimum=1, maximum=MAX_LOOKUP_RESULTS, key="invalid_limit"
        ),
    },
    ATTR_KIND,
    ATTR_TERM,
)
ADD_MEDIA_SCHEMA = fields.action_schema(
    {
        **_TERM_FIELDS,
        vol.Optional(ATTR_ROOT_FOLDER): fields.text(
            ATTR_ROOT_FOLDER, max_length=fields.MAX_PATH_LENGTH
        ),
        vol.Optional(ATTR_QUALITY_PROFILE): fields.text(ATTR_QUALITY_PROFILE),
        vol.Optional(ATTR_METADATA_PROFILE): fields.text(ATTR_METADATA_PROFILE),
        vol.Optional(ATTR_MONITORED): fields.boolean(ATTR_MONITORED),
        vol.Optional(ATTR_MONITOR): fields.text(ATTR_MONITOR),
        vol.Optional(ATTR_SEARCH): fields.boolean(ATTR_SEARCH),
        vol.Optional(ATTR_TAGS): _tags,
    },
    ATTR_KIND,
    ATTR_TERM,
)


# ----------------------------------------------------------------- the request


def _kind(call: ServiceCall) -> MediaKind:
    kind: str = call.data[ATTR_KIND].lower()
    if kind not in ADDABLE_KINDS:
        raise invalid("invalid_kind", kind=kind, valid=", ".join(ADDABLE_KINDS))
    return MediaKind(kind)


def read_term(kind: MediaKind, text: str) -> Term:
    """Read the term of a lookup, an add or a request.

    Refuse with a translated error (`term_invalid`, `id_wrong_kind`,
    `id_invalid`) what no lookup answers.
    """
    try:
        return parse_term(kind, text)
    except InvalidTermError:
        raise invalid("term_invalid", term=fields.shown(text)) from None
    except WrongIdKindError as err:
        raise invalid(
            "id_wrong_kind",
            id=fields.shown(text),
            kind=str(kind),
            valid=", ".join(f"{k}:" for k in err.valid),
        ) from None
    except InvalidIdError as err:
        raise invalid(
            "id_invalid", id=fields.shown(text), id_kind=err.id_kind
        ) from None


def adding_options(entry: LcarsConfigEntry) -> Mapping[str, Any]:
    """Return the adding options of the entry (empty when none are stored)."""
    stored = entry.options.get(CONF_ADDING)
    return stored if isinstance(stored, Mapping) else {}


def adding_route(entry: LcarsConfigEntry) -> str:
    """Return how movies and series are added: through the *arr, or as requests."""
    route = adding_options(entry).get(OPT_ROUTE)
    return route if route in ROUTES else ROUTE_ARR


def instance_options(entry: LcarsConfigEntry, subentry_id: str) -> Mapping[str, Any]:
    """Return the stored adding defaults of one instance (empty when none)."""
    instances = adding_options(entry).get(OPT_INSTANCES)
    found = instances.get(subentry_id) if isinstance(instances, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _arr_of(entry: LcarsConfigEntry, service: ServiceKind) -> list[ArrCoordinator]:
    return [c for c in entry.runtime_data.arr if c.kind == service]


def pick_instance(
    entry: LcarsConfigEntry, kind: MediaKind, name: str | None
) -> ArrCoordinator:
    """Return the instance a call names, else the default for the kind, else the first."""
    service = SERVICE_OF_KIND[kind]
    if name is not None:
        for coordinator in entry.runtime_data.arr:
            if coordinator.is_named(name):
                if coordinator.kind != service:
                    raise invalid(
                        "instance_wrong_kind",
                        instance=coordinator.subentry.title,
                        service=SERVICE_NAMES[service],
                        kind=str(kind),
                    )
                return coordinator
        raise invalid("instance_not_found", instance=name)
    candidates = _arr_of(entry, service)
    if not candidates:
        raise invalid("service_not_configured", service=SERVICE_NAMES[service])
    for coordinator in candidates:
        if instance_options(entry, coordinator.subentry_id).get(OPT_DEFAULT_FOR_KIND):
            return coordinator
    return candidates[0]


# ----------------------------------------------------------------- the library


def _rows(coordinator: ArrCoordinator, kind: MediaKind) -> Rows[Any] | None:
    data = coordinator.data
    if data is None:
        return None
    if isinstance(data, RadarrSnapshot):
        return data.movies
    if isinstance(data, SonarrSnapshot):
        return data.series
    return data.albums if kind == MediaKind.ALBUM else data.artists


def _spellings(value: str | int) -> tuple[str | int, ...]:
    """Return the ways a library may write an id: as is, and text in either case."""
    if isinstance(value, str):
        return (value, value.lower(), value.upper())
    return (value,)


def in_library(
    coordinators: Iterable[ArrCoordinator],
    kind: MediaKind,
    candidates: Sequence[Candidate],
) -> list[list[dict[str, Any]]]:
    """For each candidate, the instances of its service that hold it already.

    Read from the snapshots of `coordinators`, by the candidate's ids: no
    request. One pass over each id column of each library, with a set
    lookup per item, whatever the number of candidates: it runs on the event
    loop, over libraries of tens of thousands of items.
    """
    service = SERVICE_OF_KIND[kind]
    columns = _ID_COLUMNS[service]
    found: list[list[dict[str, Any]]] = [[] for _ in candidates]
    # Id kind → id value → the candidates that carry it.
    wanted: dict[str, dict[str | int, list[int]]] = {}
    for index, candidate in enumerate(candidates):
        for id_kind, value in candidate.ids.items():
            if id_kind in columns:
                for spelling in _spellings(value):
                    holders = wanted.setdefault(id_kind, {}).setdefault(spelling, [])
                    if index not in holders:
                        holders.append(index)
    for coordinator in coordinators:
        if coordinator.kind != service:
            continue
        rows = _rows(coordinator, kind)
        if rows is None:
            continue
        held: set[int] = set()
        # Column by column in the service's order of ids (TMDb first for
        # movies, TVDb for series): a candidate found by one is not looked
        # for by the next, so one pass usually does.
        for id_kind in columns:
            table = {
                value: holders
                for value, holders in wanted.get(id_kind, {}).items()
                if any(index not in held for index in holders)
            }
            if not table:
                continue
            column = columns[id_kind]
            for position in rows.positions_in(column, table):
                item = rows[position]
                for index in table[getattr(item, column)]:
                    if index not in held:
                        held.add(index)
                        found[index].append(
                            {
                                "instance": coordinator.subentry.title,
                                "instance_id": coordinator.subentry_id,
                                "id": item.id,
                            }
                        )
    return found


# ----------------------------------------------------------------- the lookup


async def _lookup(
    coordinator: ArrCoordinator, kind: MediaKind, term: Term, text: str
) -> list[Candidate]:
    """Send the lookup: the one request of a lookup."""
    arr_term = to_arr_term(term, coordinator.kind)
    try:
        if isinstance(coordinator, RadarrCoordinator):
            return await coordinator.client.async_lookup(arr_term)
        if isinstance(coordinator, SonarrCoordinator):
            return await coordinator.client.async_lookup(arr_term)
        if kind == MediaKind.ALBUM:
            return await coordinator.client.async_lookup_albums(arr_term)
        return await coordinator.client.async_lookup_artists(arr_term)
    except LookupUnavailableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="lookup_unavailable",
            translation_placeholders={
                "instance": coordinator.subentry.title,
                "message": err.message[:300],
            },
        ) from None
    except LcarsClientError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="lookup_failed",
            translation_placeholders={
                "instance": coordinator.subentry.title,
                "term": fields.shown(text),
                "error": err.detail,
            },
        ) from None


def _ranked(choice: Choice) -> list[int]:
    """Return the candidates' order in an answer: the chosen one, then by score."""
    order = sorted(
        range(len(choice.scores)), key=lambda i: choice.scores[i], reverse=True
    )
    if choice.best is not None:
        order.remove(choice.best)
        order.insert(0, choice.best)
    return order


def describe(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    subentry_id: str,
    candidate: Candidate,
) -> dict[str, Any]:
    """One candidate in the shape of the answers, with its covers' addresses.

    `subentry_id` is the instance that found it, whose covers these are.
    """
    covers = async_cover_urls(hass, entry, subentry_id, candidate.covers)
    return {
        "kind": str(candidate.kind),
        "title": candidate.title,
        "original_title": candidate.original_title,
        "year": candidate.year,
        "ids": dict(candidate.ids),
        "overview": candidate.overview,
        "runtime": candidate.runtime,
        "status": candidate.status,
        "season_count": candidate.season_count,
        "genres": list(candidate.genres),
        "rating": candidate.rating,
        "disambiguation": candidate.disambiguation,
        "artist": candidate.artist,
        "poster": covers.get("poster") or covers.get("cover"),
        "fanart": covers.get("fanart"),
    }


def _described_candidates(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    subentry_id: str,
    found: tuple[MediaKind, Sequence[Candidate], Choice],
    *,
    limit: int,
) -> list[dict[str, Any]]:
    """Return the candidates of an answer, best first, with what holds them."""
    kind, candidates, choice = found
    order = _ranked(choice)[:limit]
    shown = [candidates[i] for i in order]
    held = in_library(entry.runtime_data.arr, kind, shown)
    return [
        {
            **describe(hass, entry, subentry_id, candidate),
            "score": round(choice.scores[index], 3),
            "in_library": held[position],
        }
        for position, (index, candidate) in enumerate(zip(order, shown, strict=True))
    ]


def _choice_answer(
    source: Source, kind: MediaKind, text: str, choice: Choice
) -> dict[str, Any]:
    return {
        "kind": str(kind),
        "term": text,
        "service": source.service,
        "instance": source.title,
        "result": str(choice.outcome),
        "confidence": round(choice.confidence, 3),
        "margin": round(choice.margin, 3),
        "best": 0 if choice.best is not None else None,
    }


@dataclass(frozen=True, slots=True)
class Source:
    """Where candidates were found: an *arr, or Jellyseerr (`service` "jellyseerr")."""

    service: str
    title: str
    subentry_id: str
    arr: ArrCoordinator | None = None


def _arr_source(coordinator: ArrCoordinator) -> Source:
    return Source(
        str(coordinator.kind),
        coordinator.subentry.title,
        coordinator.subentry_id,
        coordinator,
    )


def _seerr_source(coordinator: JellyseerrCoordinator) -> Source:
    return Source(ROUTE_JELLYSEERR, coordinator.subentry.title, coordinator.subentry_id)


def _requested(entry: LcarsConfigEntry, kind: MediaKind) -> bool:
    """Whether an add of this kind is a Jellyseerr request.

    Movies and series are requested when the adding route is Jellyseerr, or
    when no *arr of the kind is connected, and Jellyseerr is.
    """
    if kind not in REQUESTABLE_KINDS or not entry.runtime_data.jellyseerr:
        return False
    return adding_route(entry) == ROUTE_JELLYSEERR or _seerr_only(entry, kind)


def _seerr_only(entry: LcarsConfigEntry, kind: MediaKind) -> bool:
    """Whether movies or series are found in Jellyseerr: no *arr of the kind, but it."""
    return (
        kind in REQUESTABLE_KINDS
        and not _arr_of(entry, SERVICE_OF_KIND[kind])
        and bool(entry.runtime_data.jellyseerr)
    )


async def _async_find(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    kind: MediaKind,
    term: tuple[Term, str],
    instance: str | None,
) -> tuple[Source, list[Candidate]]:
    """Look a term up: in the *arr of the kind, else in Jellyseerr (one request)."""
    if _seerr_only(entry, kind):
        coordinator = seerr.jellyseerr_of(entry, instance)
        found = await seerr.async_search_candidates(
            hass, entry, kind, term[0], instance=coordinator.subentry_id
        )
        return _seerr_source(coordinator), found
    arr = pick_instance(entry, kind, instance)
    return _arr_source(arr), await _lookup(arr, kind, term[0], term[1])


async def async_lookup_media(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Look a title up in the *arr of its kind: the candidates, best first."""
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind = _kind(call)
    text: str = call.data[ATTR_TERM]
    term = read_term(kind, text)
    source, candidates = await _async_find(
        hass, entry, kind, (term, text), call.data.get(ATTR_INSTANCE)
    )
    choice = choose(candidates, term)
    described = _described_candidates(
        hass,
        entry,
        source.subentry_id,
        (kind, candidates, choice),
        limit=call.data[ATTR_LIMIT],
    )
    return cast(
        "ServiceResponse",
        {
            **_choice_answer(source, kind, text, choice),
            "total": len(candidates),
            "candidates": described,
        },
    )


# ----------------------------------------------------------------- the add


def _profile_id(
    value: str | None,
    profiles: Iterable[Profile] | None,
    key: str,
    instance: str,
) -> int | None:
    """Return a profile's id from its id or its name (names need `profiles`)."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    wanted = value.casefold()
    profiles = list(profiles or ())
    for profile in profiles:
        if profile.name.casefold() == wanted:
            return profile.id
    raise invalid(
        key,
        name=fields.shown(value),
        instance=instance,
        valid=", ".join(p.name for p in profiles) or "-",
    )


async def _resolve_profiles(
    coordinator: ArrCoordinator, quality: str | None, metadata: str | None
) -> tuple[int | None, int | None]:
    """Resolve profiles given by name: one request for each kind named."""
    instance = coordinator.subentry.title
    quality_profiles: list[Profile] | None = None
    metadata_profiles: list[Profile] | None = None
    try:
        if quality is not None and not quality.isdigit():
            quality_profiles = await coordinator.client.async_get_quality_profiles()
        if (
            metadata is not None
            and not metadata.isdigit()
            and isinstance(coordinator, LidarrCoordinator)
        ):
            metadata_profiles = await coordinator.client.async_get_metadata_profiles()
    except LcarsClientError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="read_failed",
            translation_placeholders={"instance": instance, "error": err.detail},
        ) from None
    return (
        _profile_id(quality, quality_profiles, "quality_profile_unknown", instance),
        _profile_id(metadata, metadata_profiles, "metadata_profile_unknown", instance),
    )


async def _settings(
    hass: HomeAssistant,
    call: ServiceCall,
    entry: LcarsConfigEntry,
    coordinator: ArrCoordinator,
) -> AddSettings:
    """Return the settings of this add: the defaults with the call's overrides.

    Everything is checked before any request: who may choose the root
    folder, the root folder against the snapshot's, the monitor value, the
    tags. Profiles named (not given by id) cost one request.
    """
    service = coordinator.kind
    instance = coordinator.subentry.title
    data = call.data
    if data.get(ATTR_ROOT_FOLDER) is not None and not await async_is_admin(
        hass, call.context
    ):
        raise AdminRequiredError(call.context, ROOT_FOLDER_ADMIN_ONLY)
    snapshot = coordinator.data
    if snapshot is None:
        raise not_answered([coordinator])
    monitor: str | None = data.get(ATTR_MONITOR)
    if monitor is not None:
        allowed = MONITOR_VALUES[service]
        matched = from_option_key(monitor, allowed)
        if matched is None:
            raise invalid(
                "monitor_invalid",
                value=fields.shown(monitor),
                valid=", ".join(option_key(v) for v in allowed),
            )
        monitor = matched
    metadata: str | None = data.get(ATTR_METADATA_PROFILE)
    if metadata is not None and service != ServiceKind.LIDARR:
        raise invalid(
            "setting_not_for_service",
            setting=ATTR_METADATA_PROFILE,
            service=SERVICE_NAMES[service],
        )
    tag_ids: tuple[int, ...] | None = None
    if ATTR_TAGS in data:
        labels = {tag.label.casefold(): tag.id for tag in snapshot.tags}
        unknown = [name for name in data[ATTR_TAGS] if name.casefold() not in labels]
        if unknown:
            raise invalid(
                "tag_unknown",
                tag=fields.shown(unknown[0]),
                instance=instance,
                valid=", ".join(tag.label for tag in snapshot.tags) or "-",
            )
        tag_ids = tuple(dict.fromkeys(labels[n.casefold()] for n in data[ATTR_TAGS]))
    root: str | None = data.get(ATTR_ROOT_FOLDER)
    settings = AddSettings.from_options(
        service, instance_options(entry, coordinator.subentry_id)
    ).with_overrides(
        root_folder=None if root is None else clean_path(root),
        monitored=data.get(ATTR_MONITORED),
        monitor=monitor,
        search=data.get(ATTR_SEARCH),
        tags=tag_ids,
    )
    quality: str | None = data.get(ATTR_QUALITY_PROFILE)
    missing = [
        name
        for name in settings.missing()
        if not (name == ATTR_QUALITY_PROFILE and quality is not None)
        and not (name == ATTR_METADATA_PROFILE and metadata is not None)
    ]
    if missing:
        raise invalid("add_defaults_missing", instance=instance, setting=missing[0])
    folders = [folder.path for folder in snapshot.root_folders]
    if clean_path(settings.root_folder or "") not in folders:
        raise invalid(
            "root_folder_unknown",
            path=fields.shown(settings.root_folder),
            instance=instance,
            valid=", ".join(folders) or "-",
        )
    quality_id, metadata_id = await _resolve_profiles(coordinator, quality, metadata)
    return settings.with_overrides(
        quality_profile=quality_id, metadata_profile=metadata_id
    )


async def _post(
    coordinator: ArrCoordinator, kind: MediaKind, body: Mapping[str, Any]
) -> Candidate:
    if isinstance(coordinator, RadarrCoordinator):
        return await coordinator.client.async_add_movie(body)
    if isinstance(coordinator, SonarrCoordinator):
        return await coordinator.client.async_add_series(body)
    if kind == MediaKind.ALBUM:
        return await coordinator.client.async_add_album(body)
    return await coordinator.client.async_add_artist(body)


async def _check(coordinator: ArrCoordinator, candidate: Candidate) -> Candidate | None:
    """After a failed add, read whether the item is there after all (one request)."""
    ids = candidate.ids
    try:
        if isinstance(coordinator, RadarrCoordinator):
            tmdb = ids.get(ID_TMDB)
            if isinstance(tmdb, int):
                return await coordinator.client.async_find_movie(tmdb)
        elif isinstance(coordinator, SonarrCoordinator):
            tvdb = ids.get(ID_TVDB)
            if isinstance(tvdb, int):
                return await coordinator.client.async_find_series(tvdb)
        else:
            mbid = ids.get(ID_MUSICBRAINZ)
            if isinstance(mbid, str):
                if candidate.kind == MediaKind.ALBUM:
                    return await coordinator.client.async_find_album(mbid)
                return await coordinator.client.async_find_artist(mbid)
    except LcarsClientError:
        return None
    return None


def _library_item(
    described: dict[str, Any],
    coordinator: ArrCoordinator,
    item: Candidate,
    item_id: int | None,
) -> dict[str, Any]:
    raw = item.raw
    return {
        **described,
        "id": item_id,
        "service": str(coordinator.kind),
        "instance": coordinator.subentry.title,
        "path": raw.get("path") if isinstance(raw.get("path"), str) else None,
        "root_folder": raw.get("rootFolderPath")
        if isinstance(raw.get("rootFolderPath"), str)
        else None,
        "monitored": raw.get("monitored")
        if isinstance(raw.get("monitored"), bool)
        else None,
        "quality_profile": raw.get("qualityProfileId")
        if isinstance(raw.get("qualityProfileId"), int)
        else None,
    }


async def async_by(
    hass: HomeAssistant, context: Context | None
) -> tuple[str | None, str]:
    """Return the user who asked, and their name ("an automation" without one)."""
    user_id = context.user_id if context is not None else None
    if user_id is None:
        return None, BY_AUTOMATION
    user = await hass.auth.async_get_user(user_id)
    return user_id, user.name if user is not None and user.name else user_id


def _existing(
    entry: LcarsConfigEntry, coordinator: ArrCoordinator, chosen: Candidate
) -> int | None:
    """Return the id of a candidate in the library of the *arr that found it."""
    here = [
        held["id"]
        for held in in_library(entry.runtime_data.arr, chosen.kind, [chosen])[0]
        if held["instance_id"] == coordinator.subentry_id
    ]
    return chosen.library_id or (here[0] if here else None)


@callback
def async_fire_requested(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    coordinator: JellyseerrCoordinator,
    found: tuple[Candidate, Mapping[str, Any]],
    who: tuple[str | None, str, Context | None],
) -> None:
    """Tell that a title was requested in Jellyseerr, as an add is told.

    `found` is the candidate and the request made; `who` the user's id,
    name and the call's context.
    """
    chosen, request = found
    user_id, by, context = who
    async_fire_media_added(
        hass,
        entry,
        {
            "service": ROUTE_JELLYSEERR,
            "instance": coordinator.subentry.title,
            "instance_id": coordinator.subentry_id,
            "kind": str(chosen.kind),
            "id": request["id"],
            "title": chosen.title,
            "year": chosen.year,
            "ids": dict(chosen.ids),
            "route": ROUTE_JELLYSEERR,
            "request_id": request["id"],
            "status": request["status"],
            "user_id": user_id,
            "by": by,
        },
        context=context,
    )


async def _async_request(
    hass: HomeAssistant,
    call: ServiceCall,
    entry: LcarsConfigEntry,
    kind: MediaKind,
    term: tuple[Term, str],
) -> ServiceResponse:
    """Request a clear movie or series in Jellyseerr instead of adding it.

    Found through the *arr of the kind when one is connected (the call's
    instance names it), else through Jellyseerr's search. Nothing is added
    to the *arr: Jellyseerr sends it there once the request is approved.
    """
    for setting in _ARR_SETTINGS:
        if setting in call.data:
            # Jellyseerr's own settings apply to a request: refuse, not ignore.
            raise invalid(
                "setting_not_for_service",
                setting=setting,
                service=SERVICE_NAMES[ROUTE_JELLYSEERR],
            )
    source, candidates = await _async_find(
        hass, entry, kind, term, call.data.get(ATTR_INSTANCE)
    )
    # The Jellyseerr that searched, else the first: the call's instance
    # names the *arr that looked the title up.
    coordinator = seerr.jellyseerr_of(
        entry, source.subentry_id if source.arr is None else None
    )
    choice = choose(candidates, term[0])
    answer = {
        **_choice_answer(source, kind, term[1], choice),
        "route": ROUTE_JELLYSEERR,
    }
    if choice.outcome is not Outcome.CLEAR or choice.best is None:
        shown = _described_candidates(
            hass,
            entry,
            source.subentry_id,
            (kind, candidates, choice),
            limit=DEFAULT_LOOKUP_LIMIT,
        )
        return cast("ServiceResponse", {**answer, "candidates": shown})
    chosen = candidates[choice.best]
    described = describe(hass, entry, source.subentry_id, chosen)
    if source.arr is not None:
        existing = _existing(entry, source.arr, chosen)
        if existing is not None:
            item = _library_item(described, source.arr, chosen, existing)
            return cast(
                "ServiceResponse",
                {**answer, "result": RESULT_ALREADY_ADDED, "item": item},
            )
    outcome = await seerr.async_request_candidate(
        hass,
        entry,
        chosen,
        seasons="all" if kind is MediaKind.SERIES else None,
        instance=coordinator.subentry_id,
    )
    request = outcome["request"]
    if request is not None:
        user_id, by = await async_by(hass, call.context)
        async_fire_requested(
            hass, entry, coordinator, (chosen, request), (user_id, by, call.context)
        )
    return cast(
        "ServiceResponse",
        {
            **answer,
            "result": outcome["result"],
            "request": request,
            "request_instance": coordinator.subentry.title,
            "item": described,
        },
    )


async def async_add_media(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Add a title to the *arr of its kind, when the term names one clearly.

    Ambiguous, not found and already added answer without adding. A refusal
    carries the *arr's own words. When the add fails without an answer, one
    read tells whether it was made after all; a retry never adds twice, as
    the lookup then finds the title in the library.
    """
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    kind = _kind(call)
    text: str = call.data[ATTR_TERM]
    term = read_term(kind, text)
    if _requested(entry, kind):
        return await _async_request(hass, call, entry, kind, (term, text))
    coordinator = pick_instance(entry, kind, call.data.get(ATTR_INSTANCE))
    settings = await _settings(hass, call, entry, coordinator)
    source = _arr_source(coordinator)
    candidates = await _lookup(coordinator, kind, term, text)
    choice = choose(candidates, term)
    answer = _choice_answer(source, kind, text, choice)
    if choice.outcome is not Outcome.CLEAR or choice.best is None:
        return cast(
            "ServiceResponse",
            {
                **answer,
                "candidates": _described_candidates(
                    hass,
                    entry,
                    source.subentry_id,
                    (kind, candidates, choice),
                    limit=DEFAULT_LOOKUP_LIMIT,
                ),
            },
        )
    chosen = candidates[choice.best]
    described = describe(hass, entry, source.subentry_id, chosen)
    existing = _existing(entry, coordinator, chosen)
    if existing is not None:
        return cast(
            "ServiceResponse",
            {
                **answer,
                "result": RESULT_ALREADY_ADDED,
                "item": _library_item(described, coordinator, chosen, existing),
            },
        )
    checked = False
    try:
        added = await _post(coordinator, kind, add_body(chosen, settings))
    except RefusedError as err:
        raise invalid(
            "add_refused",
            instance=coordinator.subentry.title,
            title=chosen.title,
            message="; ".join(err.messages)[:500] or err.detail,
        ) from None
    except (CannotConnectError, BadResponseError, AuthenticationError) as err:
        found = None
        if not isinstance(err, AuthenticationError):
            found = await _check(coordinator, chosen)
        if found is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="add_failed",
                translation_placeholders={
                    "instance": coordinator.subentry.title,
                    "title": chosen.title,
                    "error": err.detail,
                },
            ) from None
        added, checked = found, True
    entry.async_create_task(
        hass, coordinator.async_request_refresh(), "lcars refresh after an add"
    )
    item = _library_item(described, coordinator, added, added.library_id)
    user_id, by = await async_by(hass, call.context)
    async_fire_media_added(
        hass,
        entry,
        {
            "service": str(coordinator.kind),
            "instance": coordinator.subentry.title,
            "instance_id": coordinator.subentry_id,
            "kind": str(kind),
            "id": added.library_id,
            "title": chosen.title,
            "year": chosen.year,
            "ids": dict(chosen.ids),
            "route": ROUTE_ARR,
            "request_id": None,
            "user_id": user_id,
            "by": by,
        },
        context=call.context,
    )
    response: dict[str, Any] = {**answer, "result": RESULT_ADDED, "item": item}
    if checked:
        response["checked_after_error"] = True
    return cast("ServiceResponse", response)
