"""Jellyfin 10.10: system info, users, items with watch data, sessions, collections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import hmac
import re
from typing import Any, cast

from aiohttp import web

from .common import (
    BodyCache,
    Route,
    ServiceContext,
    dotnet_date,
    empty,
    json_body,
    json_response,
    parse_datetime,
    query_bool,
    query_int,
    query_list,
    query_value,
)
from .state import JellyfinItem, JellyfinSession, JellyfinState, JellyfinUser, UserData

VERSION = "10.10.7"
_TOKEN = re.compile(r'(?:^|[\s,])Token="?([^",]*)"?', re.IGNORECASE)
_ID = "{id:[0-9a-fA-F-]+}"
_VIDEO_TYPES = {"Movie", "Episode"}
_MEDIA_TYPE = {
    "Movie": "Video",
    "Episode": "Video",
    "Audio": "Audio",
    "MusicAlbum": "Unknown",
}
_SUPPORTED_COMMANDS = [
    "MoveUp",
    "MoveDown",
    "Select",
    "Back",
    "GoHome",
    "DisplayMessage",
    "SetVolume",
    "Mute",
    "Unmute",
    "Play",
    "PlayState",
]
type Json = dict[str, Any]


def created_digits(item: JellyfinItem) -> int:
    """Fractional digits of an item's DateCreated: 7, or 6, or none.

    Jellyfin writes seven; dates read back from its database come with six
    or none. Chosen by the item, so that one answer has all three.
    """
    return (7, 6, 0)[int(item.id[-1], 16) % 3]


def normalize_id(value: str) -> str:
    """Item and user ids may come with dashes and in any case."""
    return value.replace("-", "").lower()


def stable_tag(value: str) -> str:
    """Return a stable 32 hex digit tag (image tags, etags) derived from a string."""
    return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def tristate(request: web.Request, name: str) -> bool | None:
    """Return a boolean filter that may be absent."""
    value = query_value(request, name)
    if value is None or value == "":
        return None
    return value.lower() == "true"


@dataclass(slots=True)
class _FolderStats:
    """Watch data of series and seasons, derived from their episodes."""

    total: dict[str, int] = field(default_factory=dict)
    played: dict[str, int] = field(default_factory=dict)
    last: dict[str, datetime] = field(default_factory=dict)


class JellyfinService:
    """A Jellyfin server."""

    def __init__(self, ctx: ServiceContext) -> None:
        """Serve the instance described by `ctx`."""
        self.ctx = ctx
        self.cache = BodyCache()
        self._stats: dict[str, _FolderStats] = {}
        self._stats_version: Any = None

    @property
    def state(self) -> JellyfinState:
        """Return the state of this server."""
        return cast("JellyfinState", self.ctx.service_state)

    def now(self) -> datetime:
        """Return the simulated time."""
        return self.ctx.clock.now()

    def routes(self) -> list[Route]:
        """Every served route."""
        return [
            Route("GET", "/System/Info/Public", self.get_public_info, public=True),
            Route("GET", "/System/Ping", self.get_ping, public=True),
            Route("GET", "/System/Info", self.get_info),
            Route("GET", "/Users", self.get_users),
            Route("GET", "/Users/{userId:[0-9a-fA-F-]+}", self.get_user),
            Route("GET", "/Items", self.get_items),
            Route("DELETE", "/Items", self.delete_items),
            Route("GET", "/Items/Counts", self.get_counts),
            Route("GET", f"/Items/{_ID}", self.get_item),
            Route("DELETE", f"/Items/{_ID}", self.delete_item),
            Route("GET", "/Users/{userId}/Items", self.get_user_items),
            Route("GET", f"/Users/{{userId}}/Items/{_ID}", self.get_user_item),
            Route("GET", "/UserViews", self.get_views),
            Route("GET", "/Users/{userId}/Views", self.get_views),
            Route("GET", "/Library/VirtualFolders", self.get_virtual_folders),
            Route("POST", "/Library/Refresh", self.post_refresh),
            Route("GET", "/Sessions", self.get_sessions),
            Route("POST", "/Collections", self.post_collection),
            Route("POST", f"/Collections/{_ID}/Items", self.post_collection_items),
            Route("DELETE", f"/Collections/{_ID}/Items", self.delete_collection_items),
            Route("POST", f"/UserPlayedItems/{_ID}", self.mark_played),
            Route("DELETE", f"/UserPlayedItems/{_ID}", self.mark_unplayed),
            Route("POST", f"/Users/{{userId}}/PlayedItems/{_ID}", self.mark_played),
            Route("DELETE", f"/Users/{{userId}}/PlayedItems/{_ID}", self.mark_unplayed),
            Route("POST", f"/UserFavoriteItems/{_ID}", self.mark_favorite),
            Route("DELETE", f"/UserFavoriteItems/{_ID}", self.unmark_favorite),
            Route("POST", f"/Users/{{userId}}/FavoriteItems/{_ID}", self.mark_favorite),
            Route(
                "DELETE", f"/Users/{{userId}}/FavoriteItems/{_ID}", self.unmark_favorite
            ),
        ]

    # ------------------------------------------------------------------ auth

    def token(self, request: web.Request) -> str | None:
        """Return the token from any of the places Jellyfin accepts it."""
        for header in ("Authorization", "X-Emby-Authorization"):
            value = request.headers.get(header)
            if value:
                match = _TOKEN.search(value)
                if match:
                    return match.group(1)
        for header in ("X-Emby-Token", "X-MediaBrowser-Token"):
            value = request.headers.get(header)
            if value:
                return value
        return query_value(request, "api_key") or query_value(request, "ApiKey")

    def authorize(self, request: web.Request) -> web.StreamResponse | None:
        """401 with an empty body without a valid token."""
        token = self.token(request) or ""
        if hmac.compare_digest(token.encode(), self.ctx.api_key.encode()):
            return None
        return web.Response(status=401)

    # ------------------------------------------------------------------ system

    async def get_public_info(self, request: web.Request) -> web.StreamResponse:
        """`/System/Info/Public` (no auth)."""
        return json_response(
            {
                "LocalAddress": self.ctx.url,
                "ServerName": self.state.server_name,
                "Version": VERSION,
                "ProductName": "Jellyfin Server",
                "OperatingSystem": "",
                "Id": self.state.server_id,
                "StartupWizardCompleted": True,
            }
        )

    async def get_ping(self, request: web.Request) -> web.StreamResponse:
        """`/System/Ping`."""
        return json_response("Jellyfin Server")

    async def get_info(self, request: web.Request) -> web.StreamResponse:
        """`/System/Info`."""
        return json_response(
            {
                "OperatingSystemDisplayName": "Linux",
                "HasPendingRestart": False,
                "IsShuttingDown": False,
                "SupportsLibraryMonitor": True,
                "WebSocketPortNumber": 8096,
                "CompletedInstallations": [],
                "CanSelfRestart": True,
                "CanLaunchWebBrowser": False,
                "ProgramDataPath": "/config",
                "WebPath": "/jellyfin/jellyfin-web",
                "ItemsByNamePath": "/config/metadata",
                "CachePath": "/cache",
                "LogPath": "/config/log",
                "InternalMetadataPath": "/config/metadata",
                "TranscodingTempPath": "/cache/transcodes",
                "CastReceiverApplications": [
                    {"Id": "F007D354", "Name": "Stable"},
                    {"Id": "6F511C87", "Name": "Unstable"},
                ],
                "HasUpdateAvailable": False,
                "EncoderLocation": "System",
                "SystemArchitecture": "X64",
                "LocalAddress": self.ctx.url,
                "ServerName": self.state.server_name,
                "Version": VERSION,
                "OperatingSystem": "Linux",
                "Id": self.state.server_id,
                "StartupWizardCompleted": True,
            }
        )

    # ------------------------------------------------------------------ users

    def user_json(self, user: JellyfinUser) -> Json:
        """Return a user with configuration and policy."""
        admin = user.is_admin
        return {
            "Name": user.name,
            "ServerId": self.state.server_id,
            "Id": user.id,
            "HasPassword": True,
            "HasConfiguredPassword": True,
            "HasConfiguredEasyPassword": False,
            "EnableAutoLogin": False,
            "LastLoginDate": dotnet_date(user.last_login, 6),
            "LastActivityDate": dotnet_date(user.last_activity, 6),
            "Configuration": {
                "PlayDefaultAudioTrack": True,
                "SubtitleLanguagePreference": "",
                "DisplayMissingEpisodes": False,
                "GroupedFolders": [],
                "SubtitleMode": "Default",
                "DisplayCollectionsView": False,
                "EnableLocalPassword": False,
                "OrderedViews": [],
                "LatestItemsExcludes": [],
                "MyMediaExcludes": [],
                "HidePlayedInLatest": True,
                "RememberAudioSelections": True,
                "RememberSubtitleSelections": True,
                "EnableNextEpisodeAutoPlay": True,
                "CastReceiverId": "F007D354",
            },
            "Policy": {
                "IsAdministrator": admin,
                "IsHidden": False,
                "EnableCollectionManagement": admin,
                "EnableSubtitleManagement": admin,
                "EnableLyricManagement": False,
                "IsDisabled": user.is_disabled,
                "BlockedTags": [],
                "AllowedTags": [],
                "EnableUserPreferenceAccess": True,
                "AccessSchedules": [],
                "BlockUnratedItems": [],
                "EnableRemoteControlOfOtherUsers": admin,
                "EnableSharedDeviceControl": True,
                "EnableRemoteAccess": True,
                "EnableLiveTvManagement": admin,
                "EnableLiveTvAccess": True,
                "EnableMediaPlayback": True,
                "EnableAudioPlaybackTranscoding": True,
                "EnableVideoPlaybackTranscoding": True,
                "EnablePlaybackRemuxing": True,
                "ForceRemoteSourceTranscoding": False,
                "EnableContentDeletion": admin,
                "EnableContentDeletionFromFolders": [],
                "EnableContentDownloading": True,
                "EnableSyncTranscoding": True,
                "EnableMediaConversion": True,
                "EnabledDevices": [],
                "EnableAllDevices": True,
                "EnabledChannels": [],
                "EnableAllChannels": True,
                "EnabledFolders": [],
                "EnableAllFolders": True,
                "InvalidLoginAttemptCount": 0,
                "LoginAttemptsBeforeLockout": -1,
                "MaxActiveSessions": 0,
                "EnablePublicSharing": True,
                "BlockedMediaFolders": [],
                "BlockedChannels": [],
                "RemoteClientBitrateLimit": 0,
                "AuthenticationProviderId": "Jellyfin.Server.Implementations.Users.DefaultAuthenticationProvider",
                "PasswordResetProviderId": "Jellyfin.Server.Implementations.Users.DefaultPasswordResetProvider",
                "SyncPlayAccess": "CreateAndJoinGroups",
            },
        }

    async def get_users(self, request: web.Request) -> web.StreamResponse:
        """`/Users`."""
        return json_response([self.user_json(u) for u in self.state.users])

    async def get_user(self, request: web.Request) -> web.StreamResponse:
        """`/Users/{userId}`."""
        user = self.state.user(request.match_info["userId"])
        if user is None:
            return web.Response(status=404, text="User not found")
        return json_response(self.user_json(user))

    def _user_param(
        self, request: web.Request
    ) -> tuple[str | None, web.StreamResponse | None]:
        """Return the user of a request (path or `userId` query), or a 404 answer."""
        raw = request.match_info.get("userId") or query_value(request, "userId")
        if not raw:
            return None, None
        user = self.state.user(raw)
        if user is None:
            return None, web.Response(status=404, text="User not found")
        return user.id, None

    # ------------------------------------------------------------------ items

    def folder_stats(self, user_id: str) -> _FolderStats:
        """Per series and season: episodes, played episodes, last play."""
        if self._stats_version != self.state.version:
            self._stats = {}
            self._stats_version = self.state.version
        stats = self._stats.get(user_id)
        if stats is not None:
            return stats
        stats = _FolderStats()
        data = self.state.user_data.get(user_id, {})
        for item in self.state.items.values():
            if item.type != "Episode":
                continue
            played = data.get(item.id)
            for folder in (item.series_id, item.season_id):
                if folder is None:
                    continue
                stats.total[folder] = stats.total.get(folder, 0) + 1
                if played is not None and played.played:
                    stats.played[folder] = stats.played.get(folder, 0) + 1
                    if played.last_played is not None and (
                        folder not in stats.last
                        or played.last_played > stats.last[folder]
                    ):
                        stats.last[folder] = played.last_played
        self._stats[user_id] = stats
        return stats

    def user_data(self, item: JellyfinItem, user_id: str) -> UserData:
        """Return stored watch data, or for series and seasons the sum of their episodes."""
        if item.type in ("Series", "Season"):
            stats = self.folder_stats(user_id)
            total = stats.total.get(item.id, 0)
            played = stats.played.get(item.id, 0)
            stored = self.state.user_data_of(user_id, item.id)
            return UserData(
                played=total > 0 and played == total,
                play_count=0,
                last_played=stats.last.get(item.id),
                is_favorite=stored.is_favorite,
            )
        return self.state.user_data_of(user_id, item.id)

    def user_data_json(self, item: JellyfinItem, user_id: str) -> Json:
        """`UserData` of an item for a user."""
        data = self.user_data(item, user_id)
        out: Json = {
            "PlaybackPositionTicks": data.position_ticks,
            "PlayCount": data.play_count,
            "IsFavorite": data.is_favorite,
        }
        if data.last_played is not None:
            out["LastPlayedDate"] = dotnet_date(data.last_played)
        out["Played"] = data.played
        out["Key"] = (
            item.provider_ids.get("Tmdb") or item.provider_ids.get("Tvdb") or item.id
        )
        out["ItemId"] = item.id
        if item.type in ("Series", "Season"):
            stats = self.folder_stats(user_id)
            out["UnplayedItemCount"] = stats.total.get(item.id, 0) - stats.played.get(
                item.id, 0
            )
        if data.position_ticks and item.run_time_ticks:
            out["PlayedPercentage"] = round(
                data.position_ticks * 100 / item.run_time_ticks, 4
            )
        return out

    def item_json(
        self,
        item: JellyfinItem,
        user_id: str | None,
        fields: set[str],
        with_user_data: bool = True,
    ) -> Json:
        """Return a BaseItemDto: default fields plus those asked for with `fields`."""
        out: Json = {"Name": item.name, "ServerId": self.state.server_id, "Id": item.id}
        if "etag" in fields:
            out["Etag"] = stable_tag(item.id + "e")
        if "datecreated" in fields:
            out["DateCreated"] = item.date_created_text or dotnet_date(
                item.date_created, created_digits(item)
            )
        if "candelete" in fields:
            out["CanDelete"] = item.type != "CollectionFolder"
        if item.type in _VIDEO_TYPES:
            out["HasSubtitles"] = True
            out["Container"] = "mkv"
        if "sortname" in fields:
            out["SortName"] = item.sort_name
        if item.premiere_date is not None:
            out["PremiereDate"] = dotnet_date(item.premiere_date)
        if "path" in fields and item.path is not None:
            out["Path"] = item.path
        if item.official_rating:
            out["OfficialRating"] = item.official_rating
        if "overview" in fields and item.overview:
            out["Overview"] = item.overview
        if "genres" in fields:
            out["Genres"] = list(item.genres)
        if item.community_rating is not None:
            out["CommunityRating"] = item.community_rating
        if item.run_time_ticks is not None:
            out["RunTimeTicks"] = item.run_time_ticks
        if item.production_year is not None:
            out["ProductionYear"] = item.production_year
        if item.index_number is not None:
            out["IndexNumber"] = item.index_number
        if item.parent_index_number is not None:
            out["ParentIndexNumber"] = item.parent_index_number
        if "providerids" in fields:
            out["ProviderIds"] = dict(item.provider_ids)
        out["IsFolder"] = item.is_folder
        if "parentid" in fields and item.parent_id is not None:
            out["ParentId"] = item.parent_id
        out["Type"] = item.type
        if item.collection_type is not None:
            out["CollectionType"] = item.collection_type
        if item.series_name is not None:
            out["SeriesName"] = item.series_name
            out["SeriesId"] = item.series_id
        if item.season_id is not None:
            out["SeasonId"] = item.season_id
            out["SeasonName"] = item.season_name
        if item.album_id is not None:
            out["Album"] = item.album
            out["AlbumId"] = item.album_id
        if item.album_artist is not None:
            out["AlbumArtist"] = item.album_artist
            artists = [{"Name": item.album_artist, "Id": a} for a in item.artist_ids]
            out["AlbumArtists"] = artists
            out["ArtistItems"] = artists
        if item.status is not None:
            out["Status"] = item.status
        if item.is_folder and "childcount" in fields:
            out["ChildCount"] = item.child_count or len(
                self.state.children.get(item.id, ())
            )
        if (
            user_id is not None
            and with_user_data
            and not item.without_user_data
            and not self.state.user_data_withheld(user_id, item.type)
        ):
            out["UserData"] = self.user_data_json(item, user_id)
        out["ImageTags"] = {"Primary": stable_tag(item.id + "p")}
        if item.type in ("Movie", "Series", "MusicArtist"):
            out["BackdropImageTags"] = [stable_tag(item.id + "b")]
        out["LocationType"] = "FileSystem"
        if item.type in _MEDIA_TYPE:
            out["MediaType"] = _MEDIA_TYPE[item.type]
        if item.type in _VIDEO_TYPES:
            out["VideoType"] = "VideoFile"
        return out

    def _candidates(
        self, request: web.Request, parent_id: str | None
    ) -> list[JellyfinItem]:
        state = self.state
        ids = [normalize_id(i) for i in query_list(request, "ids")]
        if ids:
            return [state.items[i] for i in ids if i in state.items]
        recursive = query_bool(request, "recursive")
        if parent_id is not None:
            if parent_id in state.collections:
                members = [
                    state.items[i]
                    for i in state.collections[parent_id]
                    if i in state.items
                ]
                if recursive:
                    below = [
                        state.items[d] for m in members for d in state.descendants(m.id)
                    ]
                    return members + below
                return members
            if recursive:
                return [state.items[i] for i in state.descendants(parent_id)]
            return [
                state.items[i]
                for i in state.children.get(parent_id, [])
                if i in state.items
            ]
        if recursive:
            return [i for i in state.items.values() if i.type != "CollectionFolder"]
        return [state.items[i] for i in state.library_folders if i in state.items]

    def _sort_key(
        self, name: str, user_id: str | None
    ) -> Callable[[JellyfinItem], Any]:
        lowered = name.lower()
        floor = datetime.min.replace(tzinfo=self.now().tzinfo)
        if lowered in ("sortname", "seriessortname"):
            return lambda i: i.sort_name
        if lowered == "name":
            return lambda i: i.name.lower()
        if lowered == "datecreated":
            return lambda i: i.date_created
        if lowered == "premieredate":
            return lambda i: i.premiere_date or floor
        if lowered == "productionyear":
            return lambda i: i.production_year or 0
        if lowered == "communityrating":
            return lambda i: i.community_rating or 0.0
        if lowered == "runtime":
            return lambda i: i.run_time_ticks or 0
        if lowered == "indexnumber":
            return lambda i: (i.parent_index_number or 0, i.index_number or 0)
        if lowered in ("dateplayed", "datelastplayed") and user_id is not None:
            return lambda i: self.user_data(i, user_id).last_played or floor
        if lowered == "playcount" and user_id is not None:
            return lambda i: self.user_data(i, user_id).play_count
        if lowered == "random":
            return lambda i: stable_tag(i.id)
        return lambda i: i.sort_name

    def query_items(
        self, request: web.Request, user_id: str | None, parent_id: str | None
    ) -> Json:
        """Return the `/Items` query: filter, sort, page."""
        items = self._candidates(request, parent_id)
        include = {t.lower() for t in query_list(request, "includeItemTypes")}
        exclude = {t.lower() for t in query_list(request, "excludeItemTypes")}
        if include:
            items = [i for i in items if i.type.lower() in include]
        if exclude:
            items = [i for i in items if i.type.lower() not in exclude]
        search = (query_value(request, "searchTerm") or "").strip().lower()
        if search:
            items = [i for i in items if search in i.name.lower()]
        for provider, param in (
            ("Tmdb", "hasTmdbId"),
            ("Imdb", "hasImdbId"),
            ("Tvdb", "hasTvdbId"),
        ):
            wanted = tristate(request, param)
            if wanted is not None:
                items = [i for i in items if (provider in i.provider_ids) == wanted]
        if query_bool(request, "isFolder", False):
            items = [i for i in items if i.is_folder]
        played = tristate(request, "isPlayed")
        if played is not None and user_id is not None:
            items = [i for i in items if self.user_data(i, user_id).played == played]
        favorite = tristate(request, "isFavorite")
        if favorite is not None and user_id is not None:
            items = [
                i for i in items if self.user_data(i, user_id).is_favorite == favorite
            ]
        min_created = parse_datetime(query_value(request, "minDateCreated"))
        if min_created is not None:
            items = [i for i in items if i.date_created >= min_created]
        sort_by = query_list(request, "sortBy")
        orders = [o.lower() for o in query_list(request, "sortOrder")]
        for index in reversed(range(len(sort_by))):
            order = (
                orders[index]
                if index < len(orders)
                else (orders[0] if orders else "ascending")
            )
            items = sorted(
                items,
                key=self._sort_key(sort_by[index], user_id),
                reverse=order == "descending",
            )
        total = len(items)
        start = max(0, query_int(request, "startIndex", 0) or 0)
        limit = query_int(request, "limit")
        page = (
            items[start : start + limit]
            if limit is not None and limit >= 0
            else items[start:]
        )
        fields = {f.lower() for f in query_list(request, "fields")}
        with_user_data = query_bool(request, "enableUserData", True)
        return {
            "Items": [self.item_json(i, user_id, fields, with_user_data) for i in page],
            "TotalRecordCount": total,
            "StartIndex": start,
        }

    async def _items_response(
        self, request: web.Request, user_id: str | None
    ) -> web.StreamResponse:
        parent = query_value(request, "parentId")
        parent_id = normalize_id(parent) if parent else None
        key = (user_id, tuple(sorted((k.lower(), v) for k, v in request.query.items())))
        body = await self.cache.get(
            self.state.version,
            key,
            lambda: self.query_items(request, user_id, parent_id),
        )
        return json_body(body)

    async def get_items(self, request: web.Request) -> web.StreamResponse:
        """`/Items` with the 10.10 query parameters."""
        user_id, error = self._user_param(request)
        if error is not None:
            return error
        return await self._items_response(request, user_id)

    async def get_user_items(self, request: web.Request) -> web.StreamResponse:
        """`/Users/{userId}/Items`, the older form."""
        user_id, error = self._user_param(request)
        if error is not None:
            return error
        return await self._items_response(request, user_id)

    _ALL_FIELDS = frozenset(
        {
            "providerids",
            "path",
            "datecreated",
            "overview",
            "genres",
            "sortname",
            "parentid",
            "childcount",
            "candelete",
            "etag",
        }
    )

    async def get_item(self, request: web.Request) -> web.StreamResponse:
        """`/Items/{id}` with every field."""
        user_id, error = self._user_param(request)
        if error is not None:
            return error
        item = self.state.items.get(normalize_id(request.match_info["id"]))
        if item is None:
            return web.Response(status=404, text="Item not found")
        return json_response(self.item_json(item, user_id, set(self._ALL_FIELDS)))

    async def get_user_item(self, request: web.Request) -> web.StreamResponse:
        """`/Users/{userId}/Items/{id}`, the older form."""
        return await self.get_item(request)

    async def get_counts(self, request: web.Request) -> web.StreamResponse:
        """`/Items/Counts`."""
        counts: dict[str, int] = {}
        songs = 0
        for item in self.state.items.values():
            counts[item.type] = counts.get(item.type, 0) + 1
            if item.type == "MusicAlbum":
                songs += item.child_count
        return json_response(
            {
                "MovieCount": counts.get("Movie", 0),
                "SeriesCount": counts.get("Series", 0),
                "EpisodeCount": counts.get("Episode", 0),
                "ArtistCount": counts.get("MusicArtist", 0),
                "ProgramCount": 0,
                "TrailerCount": 0,
                "SongCount": songs,
                "AlbumCount": counts.get("MusicAlbum", 0),
                "MusicVideoCount": 0,
                "BoxSetCount": counts.get("BoxSet", 0),
                "BookCount": 0,
                # Songs are counted by their albums: the few stored as
                # items (for playing) are among them.
                "ItemCount": sum(
                    v
                    for k, v in counts.items()
                    if k not in ("CollectionFolder", "Audio")
                )
                + songs,
            }
        )

    async def delete_item(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /Items/{id}`: 204."""
        if not self.state.delete_item(normalize_id(request.match_info["id"])):
            return web.Response(status=404, text="Item not found")
        return empty(204)

    async def delete_items(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /Items?ids=`: 204."""
        ids = [normalize_id(i) for i in query_list(request, "ids")]
        if not ids or any(i not in self.state.items for i in ids):
            return web.Response(status=404, text="Item not found")
        for item_id in ids:
            self.state.delete_item(item_id)
        return empty(204)

    async def get_views(self, request: web.Request) -> web.StreamResponse:
        """`/UserViews`: the libraries."""
        user_id, error = self._user_param(request)
        if error is not None:
            return error
        folders = [
            self.state.items[i]
            for i in self.state.library_folders
            if i in self.state.items
        ]
        items = [self.item_json(f, user_id, set()) for f in folders]
        return json_response(
            {"Items": items, "TotalRecordCount": len(items), "StartIndex": 0}
        )

    async def get_virtual_folders(self, request: web.Request) -> web.StreamResponse:
        """`/Library/VirtualFolders`: library names, types and paths."""
        out = []
        for folder_id in self.state.library_folders:
            folder = self.state.items.get(folder_id)
            if folder is None:
                continue
            out.append(
                {
                    "Name": folder.name,
                    "Locations": [folder.path] if folder.path else [],
                    "CollectionType": folder.collection_type,
                    "ItemId": folder.id,
                    "PrimaryImageItemId": folder.id,
                    "RefreshStatus": "Idle",
                }
            )
        return json_response(out)

    async def post_refresh(self, request: web.Request) -> web.StreamResponse:
        """`POST /Library/Refresh`: forget items whose files were deleted."""
        self.state.refresh_library(self.ctx.state.removed_paths())
        return empty(204)

    # ------------------------------------------------------------------ sessions

    def session_json(self, session: JellyfinSession, now: datetime) -> Json:
        """Return a session; the playing one carries its item and play state."""
        user = self.state.user(session.user_id)
        item = self.state.items.get(session.item_id) if session.item_id else None
        playing = item is not None
        last_activity = (
            now if playing and not session.is_paused else session.last_activity
        )
        play_state: Json = {
            "CanSeek": playing,
            "IsPaused": session.is_paused if playing else False,
            "IsMuted": False,
            "RepeatMode": "RepeatNone",
            "PlaybackOrder": "Default",
        }
        if item is not None:
            position = session.position_ticks
            if not session.is_paused and session.play_started is not None:
                position += int(
                    (now - session.play_started).total_seconds() * 10_000_000
                )
            runtime = item.run_time_ticks or 0
            position = (
                min(position, max(0, runtime - 10_000_000)) if runtime else position
            )
            play_state = {
                "PositionTicks": position,
                "CanSeek": True,
                "IsPaused": session.is_paused,
                "IsMuted": False,
                "VolumeLevel": 100,
                "AudioStreamIndex": 1,
                "SubtitleStreamIndex": -1,
                "MediaSourceId": item.id,
                "PlayMethod": session.play_method,
                "RepeatMode": "RepeatNone",
                "PlaybackOrder": "Default",
            }
        out: Json = {
            "PlayState": play_state,
            "AdditionalUsers": [],
            "Capabilities": {
                "PlayableMediaTypes": ["Audio", "Video"],
                "SupportedCommands": _SUPPORTED_COMMANDS,
                "SupportsMediaControl": True,
                "SupportsPersistentIdentifier": False,
            },
            "RemoteEndPoint": session.remote_end_point,
            "PlayableMediaTypes": ["Audio", "Video"],
            "Id": session.id,
            "UserId": session.user_id,
            "UserName": user.name if user else "",
            "Client": session.client,
            "LastActivityDate": dotnet_date(last_activity),
            "LastPlaybackCheckIn": dotnet_date(
                last_activity if playing else session.last_activity
            ),
            "DeviceName": session.device_name,
            "DeviceId": session.device_id,
            "ApplicationVersion": session.app_version,
            "IsActive": True,
            "SupportsMediaControl": True,
            "SupportsRemoteControl": True,
            "NowPlayingQueue": [],
            "NowPlayingQueueFullItems": [],
            "HasCustomDeviceIcon": False,
            "ServerId": self.state.server_id,
            "SupportedCommands": _SUPPORTED_COMMANDS,
        }
        if item is not None:
            out["NowPlayingItem"] = self.item_json(
                item, None, {"providerids", "path", "datecreated", "overview", "genres"}
            )
            out["PlayState"] = play_state
        return out

    async def get_sessions(self, request: web.Request) -> web.StreamResponse:
        """`/Sessions` (optionally `activeWithinSeconds`)."""
        now = self.now()
        within = query_int(request, "activeWithinSeconds")
        sessions = []
        for session in self.state.sessions:
            data = self.session_json(session, now)
            if within is not None:
                recent = session.item_id is not None and not session.is_paused
                if not recent and session.last_activity < now - timedelta(
                    seconds=within
                ):
                    continue
            sessions.append(data)
        return json_response(sessions)

    # ------------------------------------------------------------------ collections

    async def post_collection(self, request: web.Request) -> web.StreamResponse:
        """`POST /Collections?name=&ids=`: `{Id}` of the new collection."""
        name = query_value(request, "name")
        if not name:
            return web.Response(status=400, text="Name is required")
        ids = [normalize_id(i) for i in query_list(request, "ids")]
        collection_id = self.state.create_collection(
            name, ids, self.now().replace(microsecond=0)
        )
        return json_response({"Id": collection_id})

    def _collection(self, request: web.Request) -> str | None:
        collection_id = normalize_id(request.match_info["id"])
        return collection_id if collection_id in self.state.collections else None

    async def post_collection_items(self, request: web.Request) -> web.StreamResponse:
        """`POST /Collections/{id}/Items?ids=`: 204."""
        collection_id = self._collection(request)
        if collection_id is None:
            return web.Response(status=404, text="Collection not found")
        members = self.state.collections[collection_id]
        for item_id in (normalize_id(i) for i in query_list(request, "ids")):
            if item_id in self.state.items and item_id not in members:
                members.append(item_id)
        self.state.touch()
        return empty(204)

    async def delete_collection_items(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /Collections/{id}/Items?ids=`: 204."""
        collection_id = self._collection(request)
        if collection_id is None:
            return web.Response(status=404, text="Collection not found")
        gone = {normalize_id(i) for i in query_list(request, "ids")}
        self.state.collections[collection_id] = [
            m for m in self.state.collections[collection_id] if m not in gone
        ]
        self.state.touch()
        return empty(204)

    # ------------------------------------------------------------------ watch data

    def _target(
        self, request: web.Request
    ) -> tuple[str, JellyfinItem] | web.StreamResponse:
        user_id, error = self._user_param(request)
        if error is not None:
            return error
        if user_id is None:
            return web.Response(status=400, text="userId is required")
        item = self.state.items.get(normalize_id(request.match_info["id"]))
        if item is None:
            return web.Response(status=404, text="Item not found")
        return user_id, item

    async def mark_played(self, request: web.Request) -> web.StreamResponse:
        """Mark played (`POST /UserPlayedItems/{id}?userId=` or the older form)."""
        target = self._target(request)
        if isinstance(target, web.StreamResponse):
            return target
        user_id, item = target
        when = parse_datetime(query_value(request, "datePlayed")) or self.now()
        self.state.set_played(user_id, item.id, True, when.replace(microsecond=0))
        return json_response(self.user_data_json(item, user_id))

    async def mark_unplayed(self, request: web.Request) -> web.StreamResponse:
        """Mark unplayed."""
        target = self._target(request)
        if isinstance(target, web.StreamResponse):
            return target
        user_id, item = target
        self.state.set_played(user_id, item.id, False, self.now())
        return json_response(self.user_data_json(item, user_id))

    async def mark_favorite(self, request: web.Request) -> web.StreamResponse:
        """Mark as favourite."""
        target = self._target(request)
        if isinstance(target, web.StreamResponse):
            return target
        user_id, item = target
        self.state.set_favorite(user_id, item.id, True)
        return json_response(self.user_data_json(item, user_id))

    async def unmark_favorite(self, request: web.Request) -> web.StreamResponse:
        """Remove the favourite mark."""
        target = self._target(request)
        if isinstance(target, web.StreamResponse):
            return target
        user_id, item = target
        self.state.set_favorite(user_id, item.id, False)
        return json_response(self.user_data_json(item, user_id))
