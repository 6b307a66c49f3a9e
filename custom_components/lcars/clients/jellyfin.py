"""Jellyfin (10.10 and later)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
import logging
import sys
from typing import Any

import aiohttp

from .convert import (
    as_bool,
    as_dict,
    int_or_zero,
    opt_int,
    opt_str,
    parse_datetime,
)
from .errors import BadResponseError, NotFoundError
from .http import HttpClient, concurrent_requests
from .models import (
    EpisodeWatch,
    EpisodeWatchRow,
    JellyfinCounts,
    JellyfinItem,
    JellyfinItemRow,
    JellyfinServerInfo,
    JellyfinSession,
    JellyfinSnapshot,
    JellyfinUser,
    MissingWatchData,
    Rows,
    WatchRow,
)

_LOGGER = logging.getLogger(__name__)

# The library items LCARS matches to the *arr libraries.
ITEM_TYPES = "Movie,Series,MusicAlbum"
ITEM_FIELDS = "ProviderIds,Path,DateCreated"


def require_str(value: object) -> str:
    """Return an id that must be there; raise TypeError (a shape error) if not."""
    if isinstance(value, str) and value:
        return value
    raise TypeError("expected a string id")


# Watch data without a play date recurs for most items and users: one
# shared row per value keeps a large library's snapshot small.
_SHARED_WATCH: dict[WatchRow, WatchRow] = {}
_SHARED_MAX_PLAY_COUNT = 10


def watch_row(user_id: str, data: object) -> WatchRow | None:
    """Read what one user did with one item; None when the server sent nothing."""
    if not isinstance(data, dict):
        return None
    row: WatchRow = (
        user_id,
        as_bool(data.get("Played")),
        int_or_zero(data.get("PlayCount")),
        parse_datetime(data.get("LastPlayedDate")),
        as_bool(data.get("IsFavorite")),
    )
    if row[3] is None and row[2] <= _SHARED_MAX_PLAY_COUNT:
        return _SHARED_WATCH.setdefault(row, row)
    return row


def user_from_json(data: Any) -> JellyfinUser:
    """Read a user, whether it administers the server and whether it is disabled."""
    policy = as_dict(data.get("Policy"))
    return JellyfinUser(
        id=require_str(data["Id"]),
        name=str(data.get("Name") or ""),
        is_administrator=as_bool(policy.get("IsAdministrator")),
        is_disabled=as_bool(policy.get("IsDisabled")),
    )


def session_from_json(data: Any) -> JellyfinSession | None:
    """Read a session that plays something; None for an idle one."""
    playing = data.get("NowPlayingItem")
    if not isinstance(playing, dict):
        return None
    series_id = opt_str(playing.get("SeriesId"))
    return JellyfinSession(
        id=require_str(data["Id"]),
        user_id=opt_str(data.get("UserId")),
        user_name=opt_str(data.get("UserName")),
        client=opt_str(data.get("Client")),
        device_name=opt_str(data.get("DeviceName")),
        item_id=require_str(playing["Id"]),
        item_name=str(playing.get("Name") or ""),
        item_type=str(playing.get("Type") or ""),
        is_paused=as_bool(as_dict(data.get("PlayState")).get("IsPaused")),
        series_id=series_id,
        # A track's ParentIndexNumber is its disc, not a season.
        season_number=opt_int(playing.get("ParentIndexNumber")) if series_id else None,
        album_id=opt_str(playing.get("AlbumId")),
    )


def _provider_ids(value: object) -> tuple[str, ...]:
    """Read the provider ids, alternating provider and id (see JellyfinItemRow)."""
    if not isinstance(value, dict):
        return ()
    return tuple(
        part
        for key, id_ in value.items()
        if isinstance(id_, str) and id_
        for part in (key, id_)
    )


# The fields of a Jellyfin item's row besides its id, provider ids and watch
# data: name, type, path, date created.
type _ItemFields = tuple[str, str, str | None, datetime | None]

# How many merged items are made between two turns of the event loop.
_ROWS_PER_SLICE = 2000


class _ItemMerger:
    """Merges the item lists of several users into one item per id.

    Each element is folded in as it streams, so a user's full list is never
    held next to the merged one. The parts of an item are kept apart, each a
    tuple of plain values, and its row is made at the end: a row made of
    parts that have already survived a collection is one the collector stops
    tracking at its first collection (see models.Rows).
    """

    def __init__(self) -> None:
        self.fields: dict[str, _ItemFields] = {}
        self.provider_ids: dict[str, tuple[str, ...]] = {}
        # The watch data of each counted user, by item id.
        self.watch: dict[str, dict[str, WatchRow]] = {}
        # Items some counted user has played, noted as they arrive so that
        # counting the others afterwards costs nothing.
        self.watched: set[str] = set()
        # Items a counted user's list sent without UserData.
        self.unknown: set[str] = set()
        self.gaps = _WatchGaps()

    def projection(self, user_id: str | None) -> Any:
        """Return the function that folds one element of `user_id`'s list in."""
        fields = self.fields
        provider_ids = self.provider_ids
        watched = self.watched
        unknown = self.unknown
        watch = self.watch.setdefault(user_id, {}) if user_id else None
        without_data = self.gaps.without_data

        def fold(data: Any) -> None:
            item_id = require_str(data["Id"])
            row = watch_row(user_id, data.get("UserData")) if user_id else None
            if item_id not in fields:
                fields[item_id] = (
                    str(data.get("Name") or ""),
                    sys.intern(str(data.get("Type") or "")),
                    opt_str(data.get("Path")),
                    parse_datetime(data.get("DateCreated")),
                )
                provider_ids[item_id] = _provider_ids(data.get("ProviderIds"))
            if watch is None:
                return
            if row is None:
                # Unknown, not unwatched: never read as "never played". A gap
                # matters where the item has a provider id, the only way it
                # can stand for a library item (a home video cannot).
                unknown.add(item_id)
                if user_id and provider_ids[item_id]:
                    without_data[user_id] = without_data.get(user_id, 0) + 1
                return
            watch[item_id] = row
            _, played, play_count, last_played, _ = row
            if played or play_count > 0 or last_played is not None:
                watched.add(item_id)

        return fold

    async def async_result(self) -> Rows[JellyfinItem]:
        """Return the merged items, sorted by id.

        Sorted so that two refreshes of an unchanged library compare equal,
        whatever order the concurrent answers arrived in. Made in slices,
        letting the event loop run between them: a large library has tens
        of thousands of items.
        """
        fields = self.fields
        provider_ids = self.provider_ids
        watch = list(self.watch.values())
        rows: list[JellyfinItemRow] = []
        for count, item_id in enumerate(sorted(fields), 1):
            name, type_, path, date_created = fields[item_id]
            rows.append(
                (
                    item_id,
                    name,
                    type_,
                    provider_ids[item_id],
                    path,
                    date_created,
                    *[user[item_id] for user in watch if item_id in user],
                )
            )
            if count % _ROWS_PER_SLICE == 0:
                await asyncio.sleep(0)
        return Rows(JellyfinItem, rows)

    def clear(self) -> None:
        """Let go of everything merged so far."""
        self.fields.clear()
        self.provider_ids.clear()
        self.watch.clear()
        self.watched.clear()
        self.unknown.clear()

    @property
    def never_watched(self) -> int:
        """Count the items no counted user has played.

        Items some user's list sent without watch data are not counted
        (unless another user played them): unknown is not never watched.
        With no counted user, nothing is known.
        """
        if not self.watch:
            return 0
        return len(self.fields) - len(self.watched | self.unknown)

    @property
    def watch_unknown(self) -> frozenset[str]:
        """Items whose watch data some counted user's list left out."""
        return frozenset(self.unknown)


class _WatchGaps:
    """Counted users whose watch data did not come: gone (404), or left out."""

    def __init__(self) -> None:
        self.gone: set[str] = set()
        # User id -> items that came without the user's data.
        self.without_data: dict[str, int] = {}
        # Normalized user id -> name, from the user list read at the start.
        self.names: dict[str, str] = {}

    def __bool__(self) -> bool:
        """Whether any counted user's watch data is missing."""
        return bool(self.gone or self.without_data)

    def report(self) -> tuple[MissingWatchData, ...]:
        """Say whose watch data is missing; a user who is gone has no name."""
        found = [
            MissingWatchData(user_id=user_id, problem="user_missing")
            for user_id in self.gone
        ]
        found.extend(
            MissingWatchData(
                user_id=user_id,
                problem="no_user_data",
                user_name=self.names.get(normalize_item_id(user_id)) or None,
                items=count,
            )
            for user_id, count in self.without_data.items()
        )
        return tuple(sorted(found, key=lambda gap: (gap.user_id, gap.problem)))


class _EpisodeWatchMerger:
    """Merges the episode lists of several users into watch data per episode.

    Only episodes some counted user played or marked as a favourite are
    kept: the others add nothing to the watch data of their season, and a
    large library has hundreds of thousands of episodes.
    """

    def __init__(self) -> None:
        # By episode id, as rows of EpisodeWatch.
        self.episodes: dict[str, EpisodeWatchRow] = {}
        self.gaps = _WatchGaps()

    def projection(self, user_id: str) -> Any:
        """Return the function that folds one episode of one user's list in."""
        episodes = self.episodes
        without_data = self.gaps.without_data

        def fold(data: Any) -> None:
            user_data = data.get("UserData")
            if not isinstance(user_data, dict):
                without_data[user_id] = without_data.get(user_id, 0) + 1
                return
            last = parse_datetime(user_data.get("LastPlayedDate"))
            played = (
                as_bool(user_data.get("Played"))
                or int_or_zero(user_data.get("PlayCount")) > 0
                or last is not None
            )
            favorite = as_bool(user_data.get("IsFavorite"))
            if not (played or favorite):
                return
            series_id = opt_str(data.get("SeriesId"))
            season = opt_int(data.get("ParentIndexNumber"))
            if series_id is None or season is None:
                # Not placed in a season of a series (such as a loose
                # video): no season's watch data to add it to.
                return
            episode_id = require_str(data["Id"])
            known = episodes.get(episode_id)
            if known is not None:
                known_last = known[3]
                if last is None or (known_last is not None and known_last > last):
                    last = known_last
                played = played or known[4]
                favorite = favorite or known[5]
            episodes[episode_id] = (
                sys.intern(series_id),
                season,
                opt_int(data.get("IndexNumber")),
                last,
                played,
                favorite,
            )

        return fold


# Jellyfin reads ids from the query string: batches keep the URL short.
IDS_PER_REQUEST = 100


def normalize_item_id(item_id: str) -> str:
    """Spell a Jellyfin id as the server compares it: lowercase, no dashes."""
    return item_id.replace("-", "").strip().lower()


def _item_id(data: Any) -> str:
    return require_str(data["Id"])


def _batches(ids: Sequence[str]) -> list[list[str]]:
    return [
        list(ids[start : start + IDS_PER_REQUEST])
        for start in range(0, len(ids), IDS_PER_REQUEST)
    ]


class JellyfinClient(HttpClient):
    """A Jellyfin server."""

    service = "Jellyfin"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        api_key: str,
        *,
        user_ids: Sequence[str] = (),
        verify_ssl: bool = True,
        timeout: float = 60.0,
    ) -> None:
        """`user_ids` are the users whose watch data counts; none means all."""
        self._user_ids = tuple(user_ids)
        super().__init__(session, url, api_key, verify_ssl=verify_ssl, timeout=timeout)

    @property
    def user_ids(self) -> tuple[str, ...]:
        """The users whose watch data counts (empty: every user)."""
        return self._user_ids

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f'MediaBrowser Token="{self._api_key}"'}

    async def _get_info(self, path: str) -> dict[str, Any]:
        try:
            data = await self._get_json(path, item=True)
        except NotFoundError:
            raise self._wrong_service(None) from None
        if not isinstance(data, dict):
            raise self._wrong_service(None)
        return data

    async def async_get_server_info(self) -> JellyfinServerInfo:
        """Read the server's identity; WrongServiceError when this is not Jellyfin.

        `/System/Info/Public` names the product (`/System/Info` leaves it
        out) and `/System/Info` checks the key; both are asked at once.
        """
        async with concurrent_requests() as group:
            public_task = group.create_task(self._get_info("/System/Info/Public"))
            private_task = group.create_task(self._get_info("/System/Info"))
        public, private = public_task.result(), private_task.result()
        product = private.get("ProductName") or public.get("ProductName")
        if not isinstance(product, str):
            raise self._wrong_service(None)
        if "jellyfin" not in product.casefold():
            raise self._wrong_service(product)

        def text(key: str) -> str:
            return str(private.get(key) or public.get(key) or "")

        return JellyfinServerInfo(
            id=text("Id"),
            name=text("ServerName"),
            version=text("Version"),
            product_name=product,
        )

    async def async_get_users(self) -> list[JellyfinUser]:
        """Every user of the server, the disabled ones too (see `is_disabled`)."""
        return await self._get_small_list("/Users", user_from_json)

    async def async_get_counts(self) -> JellyfinCounts:
        """How many movies, series, episodes, albums and songs the server has."""
        data = await self._get_object("/Items/Counts")
        return JellyfinCounts(
            movies=int_or_zero(data.get("MovieCount")),
            series=int_or_zero(data.get("SeriesCount")),
            episodes=int_or_zero(data.get("EpisodeCount")),
            albums=int_or_zero(data.get("AlbumCount")),
            songs=int_or_zero(data.get("SongCount")),
        )

    async def async_get_sessions(self) -> list[JellyfinSession]:
        """Return the sessions that are playing something now."""
        return await self._get_small_list("/Sessions", session_from_json)

    async def async_get_items(
        self, user_ids: Sequence[str] | None = None
    ) -> list[JellyfinItem]:
        """Every movie, series and album, with the watch data of the users.

        One streamed request per user (default: the counted users, or every
        user when none are set); the answers are merged by item id.
        """
        merger, _ = await self._async_merge_items(user_ids)
        return list(await merger.async_result())

    async def _async_merge_items(
        self, user_ids: Sequence[str] | None
    ) -> tuple[_ItemMerger, tuple[str, ...]]:
        merger = _ItemMerger()
        counted = await self._counted_user_ids(user_ids, merger.gaps)
        try:
            async with concurrent_requests() as group:
                for user_id in counted or (None,):
                    group.create_task(self._stream_items(merger, user_id))
        except BaseException:
            # The error may be held for long with this frame in its
            # traceback: let what was merged go now.
            merger.clear()
            raise
        return merger, counted

    async def _stream_items(self, merger: _ItemMerger, user_id: str | None) -> None:
        params = {
            "recursive": "true",
            "includeItemTypes": ITEM_TYPES,
            "fields": ITEM_FIELDS,
            "enableUserData": "true",
        }
        if not user_id:
            await self._stream_list(
                "/Items", merger.projection(None), params=params, member="Items"
            )
            return
        try:
            await self._stream_list(
                "/Items",
                merger.projection(user_id),
                params={"userId": user_id, **params},
                member="Items",
                item=True,
            )
        except NotFoundError:
            # The user was deleted on the server: the rest of the refresh
            # goes on, and the snapshot says whose watch data is missing.
            _LOGGER.debug("Jellyfin user %s no longer exists", user_id)
            merger.gaps.gone.add(user_id)

    async def _counted_user_ids(
        self, user_ids: Sequence[str] | None, gaps: _WatchGaps
    ) -> tuple[str, ...]:
        """Return the users whose watch data counts; note the chosen ones gone.

        Counted: the chosen users (`user_ids`, else the client's) that exist
        and are enabled; when none is chosen or none of them is left, every
        enabled user, so that more watch data counts, never less. A disabled
        user is left out on purpose; a chosen user the server no longer
        knows is gone (in `gaps`): its watch data is missing, doubt for the
        cleanup, never read as "never played". One request (`/Users`),
        whatever the number of users; it also gives `gaps` the names.
        """
        chosen = self._user_ids if user_ids is None else user_ids
        users = await self.async_get_users()
        gaps.names = {normalize_item_id(user.id): user.name for user in users}
        enabled = {
            normalize_item_id(user.id): user.id
            for user in users
            if not user.is_disabled
        }
        counted = tuple(
            dict.fromkeys(
                enabled[key] for key in map(normalize_item_id, chosen) if key in enabled
            )
        )
        gaps.gone.update(
            user_id
            for user_id in chosen
            if normalize_item_id(user_id) not in gaps.names
        )
        if chosen and not counted:
            _LOGGER.debug(
                "No chosen Jellyfin user is enabled; every enabled user counts"
            )
        return counted or tuple(enabled.values())

    async def async_get_episode_watch(
        self,
        user_ids: Sequence[str] | None = None,
        *,
        missing: list[MissingWatchData] | None = None,
    ) -> Rows[EpisodeWatch]:
        """Watch data of the episodes, merged over the counted users.

        For cleanup by season and by episode: the snapshot holds series, not
        their episodes. One streamed request per user (default: the counted
        users, or every user when none are set); only episodes some user
        played or marked as a favourite are kept, sorted by series, season
        and episode. The counted users whose episode watch data did not come
        (see `MissingWatchData`) are added to `missing` when it is given.
        """
        merger = _EpisodeWatchMerger()
        params = {
            "recursive": "true",
            "includeItemTypes": "Episode",
            "enableUserData": "true",
        }

        async def stream(user_id: str) -> None:
            try:
                await self._stream_list(
                    "/Items",
                    merger.projection(user_id),
                    params={"userId": user_id, **params},
                    member="Items",
                    item=True,
                )
            except NotFoundError:
                _LOGGER.debug("Jellyfin user %s no longer exists", user_id)
                merger.gaps.gone.add(user_id)

        counted = await self._counted_user_ids(user_ids, merger.gaps)
        try:
            async with concurrent_requests() as group:
                for user_id in counted:
                    group.create_task(stream(user_id))
        except BaseException:
            merger.episodes.clear()
            raise
        if missing is not None and merger.gaps:
            missing.extend(merger.gaps.report())
        rows = sorted(
            merger.episodes.values(),
            key=lambda row: (row[0], row[1], -1 if row[2] is None else row[2]),
        )
        return Rows(EpisodeWatch, rows)

    async def async_fetch_snapshot(self, now: datetime) -> JellyfinSnapshot:
        """Everything a refresh needs: five requests plus one per counted user.

        `now` is not used by Jellyfin; it is taken for the same call shape as
        the other clients.
        """
        async with concurrent_requests() as group:
            info = group.create_task(self.async_get_server_info())
            counts = group.create_task(self.async_get_counts())
            sessions = group.create_task(self.async_get_sessions())
            items = group.create_task(self._async_merge_items(None))
        merger, counted = items.result()
        missing = merger.gaps.report()
        return JellyfinSnapshot(
            info=info.result(),
            counts=counts.result(),
            sessions=tuple(sessions.result()),
            items=await merger.async_result(),
            never_watched=merger.never_watched,
            counted_user_ids=counted,
            watch_unknown=merger.watch_unknown,
            missing_watch_data=missing,
        )

    async def async_refresh_library(self) -> None:
        """Start a scan of every library, so items whose files are gone leave."""
        await self._send("POST", "/Library/Refresh")

    async def async_find_collection(self, name: str) -> str | None:
        """Return the id of the collection with exactly this name, or None."""
        data = await self._get_object(
            "/Items",
            params={
                "includeItemTypes": "BoxSet",
                "searchTerm": name,
                "recursive": "true",
                "enableUserData": "false",
            },
        )
        items = data.get("Items")
        if not isinstance(items, list):
            return None
        wanted = name.casefold()
        for item in items:
            if (
                isinstance(item, dict)
                and str(item.get("Name") or "").casefold() == wanted
            ):
                item_id = item.get("Id")
                if isinstance(item_id, str) and item_id:
                    return item_id
        return None

    async def async_get_collection_item_ids(self, collection_id: str) -> list[str]:
        """Return the ids of the items in a collection."""
        return await self._stream_list(
            "/Items",
            _item_id,
            params={"parentId": collection_id, "enableUserData": "false"},
            member="Items",
        )

    async def async_create_collection(self, name: str, item_ids: Sequence[str]) -> str:
        """Create a collection holding `item_ids`; return its id."""
        batches = _batches(item_ids) or [[]]
        params: dict[str, str] = {"name": name}
        if batches[0]:
            params["ids"] = ",".join(batches[0])
        data = await self._send("POST", "/Collections", params=params, answer=True)
        collection_id = data.get("Id") if isinstance(data, dict) else None
        if not isinstance(collection_id, str) or not collection_id:
            raise self._error(
                BadResponseError, "no collection id in the answer to /Collections"
            )
        for batch in batches[1:]:
            await self.async_add_to_collection(collection_id, batch)
        return collection_id

    async def async_add_to_collection(
        self, collection_id: str, item_ids: Sequence[str]
    ) -> None:
        """Add items to a collection, a batch of ids per request."""
        for batch in _batches(item_ids):
            await self._send(
                "POST",
                f"/Collections/{collection_id}/Items",
                params={"ids": ",".join(batch)},
                item=True,
            )

    async def async_remove_from_collection(
        self, collection_id: str, item_ids: Sequence[str]
    ) -> None:
        """Remove items from a collection, a batch of ids per request."""
        for batch in _batches(item_ids):
            await self._send(
                "DELETE",
                f"/Collections/{collection_id}/Items",
                params={"ids": ",".join(batch)},
                item=True,
            )
