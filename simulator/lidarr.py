"""Lidarr API v1: artists, albums, track files, metadata profiles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar
import uuid

from aiohttp import web

from .arr import (
    LAST_WRITE_TICKS,
    NO_DATE,
    ArrService,
    Failure,
    Json,
    apply_tags,
    bad_request,
    body_rating,
    image_token,
    int_list,
    not_found,
    path_failures,
    profile_failures,
    root_folder_failures,
    validation_failed,
)
from .common import (
    Route,
    arr_date,
    arr_stamp,
    empty,
    json_response,
    query_bool,
    query_ints,
    query_value,
    read_json,
)
from .library import (
    LIDARR_QUALITIES,
    METADATA_PROFILES,
    MUSIC_PROFILES,
    clean_title,
    folder_name,
    sort_title,
)
from .metadata import (
    ARTISTS,
    AlbumInfo,
    ArtistInfo,
    Entry,
    IdTerm,
    parse_music_term,
    search,
)
from .state import (
    Album,
    Artist,
    Exclusion,
    HistoryRecord,
    LidarrState,
    QueueRecord,
    RootFolder,
    TrackFile,
    join_path,
    path_key,
    split_path,
)

# Lidarr's artist monitoring options (MonitorTypes) and what they keep monitored.
ARTIST_MONITOR = (
    "all",
    "future",
    "missing",
    "existing",
    "latest",
    "first",
    "none",
    "unknown",
)


def _seed(mbid: str) -> int:
    """Return a number drawn from a MusicBrainz id, for the artwork tokens."""
    try:
        return uuid.UUID(mbid).int % 1_000_000_007
    except ValueError:
        return sum(mbid.encode())


def artist_remote(mbid: str, salt: int) -> str:
    """fanart.tv address of an artist's artwork."""
    return f"https://assets.fanart.tv/fanart/music/{image_token(_seed(mbid), salt)}.jpg"


def album_remote(release_mbid: str) -> str:
    """Cover Art Archive address of an album's cover."""
    token = image_token(_seed(release_mbid), 1)
    return f"https://coverartarchive.org/release/{release_mbid}/{token}.jpg"


def album_info(album: Album, artist: Artist) -> AlbumInfo:
    """Return what MusicBrainz knows of an album of some library."""
    return AlbumInfo(
        mbid=album.release_group_mbid,
        release_mbid=album.release_mbid,
        artist_mbid=artist.mbid,
        title=album.title,
        album_type=album.album_type,
        released=album.release_date or datetime(1970, 1, 1, tzinfo=UTC),
        track_count=album.track_count,
        duration_ms=album.duration_ms,
        genres=tuple(album.genres),
        label=album.label,
        rating=album.rating,
        votes=album.votes,
    )


def artist_info(artist: Artist, state: LidarrState) -> ArtistInfo:
    """Return what MusicBrainz knows of an artist of some library."""
    return ArtistInfo(
        mbid=artist.mbid,
        name=artist.name,
        sort_name=artist.sort_name,
        disambiguation=artist.disambiguation,
        artist_type=artist.artist_type,
        status=artist.status,
        overview=artist.overview,
        genres=tuple(artist.genres),
        rating=artist.rating,
        votes=artist.votes,
        popularity=float(artist.votes),
        albums=tuple(album_info(a, artist) for a in state.artist_albums(artist.id)),
    )


def albums_to_monitor(
    monitor: str, albums: list[AlbumInfo], now: datetime, chosen: list[str]
) -> set[str]:
    """Release groups an artist's `addOptions.monitor` monitors (MonitorTypes)."""
    if chosen:
        return set(chosen)
    released = sorted(albums, key=lambda a: a.released)
    if monitor in ("all", "missing", "unknown"):
        return {a.mbid for a in albums}
    if monitor == "future":
        return {a.mbid for a in albums if a.released > now}
    if monitor == "latest" and released:
        return {released[-1].mbid}
    if monitor == "first" and released:
        return {released[0].mbid}
    return set()


def _quality(quality_id: int) -> Json:
    return {"id": quality_id, "name": LIDARR_QUALITIES.get(quality_id, "Unknown")}


class LidarrService(ArrService[LidarrState]):
    """A Lidarr instance."""

    app_name: ClassVar[str] = "Lidarr"
    api: ClassVar[str] = "/api/v1"
    version: ClassVar[str] = "2.13.3.4711"
    migration: ClassVar[int] = 80
    media_ids_param: ClassVar[str] = "artistIds"
    media_key: ClassVar[str] = "artistId"
    default_missing_sort: ClassVar[str] = "albums.releaseDate"
    tag_items_key: ClassVar[str] = "artistIds"

    def routes(self) -> list[Route]:
        """Shared routes plus artists, albums, track files and metadata profiles."""
        api = self.api
        return [
            *super().routes(),
            Route("GET", f"{api}/artist", self.get_artists),
            Route("POST", f"{api}/artist", self.post_artist),
            Route("GET", f"{api}/artist/lookup", self.get_artist_lookup),
            Route("GET", f"{api}/album/lookup", self.get_album_lookup),
            Route("POST", f"{api}/album", self.post_album),
            Route("PUT", f"{api}/artist/editor", self.put_editor),
            Route("DELETE", f"{api}/artist/editor", self.delete_editor),
            Route("GET", f"{api}/artist/{{id:\\d+}}", self.get_artist),
            Route("PUT", f"{api}/artist/{{id:\\d+}}", self.put_artist),
            Route("DELETE", f"{api}/artist/{{id:\\d+}}", self.delete_artist),
            Route("GET", f"{api}/album", self.get_albums),
            Route("PUT", f"{api}/album/monitor", self.put_albums_monitor),
            Route("GET", f"{api}/album/{{id:\\d+}}", self.get_album),
            Route("DELETE", f"{api}/album/{{id:\\d+}}", self.delete_album),
            Route("GET", f"{api}/trackfile", self.get_track_files),
            Route("DELETE", f"{api}/trackfile/bulk", self.delete_track_files),
            Route("GET", f"{api}/trackfile/{{id:\\d+}}", self.get_track_file),
            Route("DELETE", f"{api}/trackfile/{{id:\\d+}}", self.delete_track_file),
            Route("GET", f"{api}/metadataprofile", self.get_metadata_profiles),
            Route(
                "GET", f"{api}/metadataprofile/{{id:\\d+}}", self.get_metadata_profile
            ),
        ]

    # ------------------------------------------------------------------ shapes

    def quality_model(self, quality_id: int) -> Json:
        """Quality with revision."""
        return {
            "quality": _quality(quality_id),
            "revision": {"version": 1, "real": 0, "isRepack": False},
        }

    def quality_profiles(self) -> list[Json]:
        """Lidarr's profiles."""
        out = []
        for profile_id, (name, allowed, cutoff) in MUSIC_PROFILES.items():
            out.append(
                {
                    "name": name,
                    "upgradeAllowed": True,
                    "cutoff": cutoff,
                    "items": [
                        {
                            "quality": _quality(qid),
                            "items": [],
                            "allowed": qid in allowed,
                        }
                        for qid in LIDARR_QUALITIES
                        if qid
                    ],
                    "minFormatScore": 0,
                    "cutoffFormatScore": 0,
                    "formatItems": [],
                    "id": profile_id,
                }
            )
        return out

    def metadata_profiles(self) -> list[Json]:
        """Lidarr's metadata profiles."""
        out = []
        for profile_id, name in METADATA_PROFILES.items():
            standard = profile_id == 1
            out.append(
                {
                    "name": name,
                    "primaryAlbumTypes": [
                        {
                            "albumType": {"id": i, "name": n},
                            "allowed": standard and n != "Broadcast",
                            "id": i + 1,
                        }
                        for i, n in enumerate(
                            ("Album", "EP", "Single", "Broadcast", "Other")
                        )
                    ],
                    "secondaryAlbumTypes": [
                        {
                            "albumType": {"id": i, "name": n},
                            "allowed": standard and n == "Studio",
                            "id": i + 1,
                        }
                        for i, n in enumerate(
                            ("Studio", "Compilation", "Soundtrack", "Live", "Remix")
                        )
                    ],
                    "releaseStatuses": [
                        {
                            "releaseStatus": {"id": i, "name": n},
                            "allowed": standard and n == "Official",
                            "id": i + 1,
                        }
                        for i, n in enumerate(
                            ("Official", "Promotion", "Bootleg", "Pseudo-Release")
                        )
                    ],
                    "id": profile_id,
                }
            )
        return out

    def root_folder(self, folder: RootFolder) -> Json:
        """Lidarr's root folders carry defaults and the disk total."""
        return {
            "name": folder.name,
            "path": folder.path,
            "defaultMetadataProfileId": 1,
            "defaultQualityProfileId": 2,
            "defaultMonitorOption": "all",
            "defaultNewItemMonitorOption": "all",
            "defaultTags": [],
            "accessible": folder.accessible,
            "freeSpace": self.state.free_space_of(folder.path),
            "totalSpace": self.state.total_space_of(folder.path),
            "id": folder.id,
        }

    def images(
        self, item_id: int, seed: int, covers: tuple[str, ...], *, album: bool = False
    ) -> list[Json]:
        """Artwork with Lidarr's `extension`; album covers live under `Albums/`."""
        folder = f"Albums/{item_id}" if album else str(item_id)
        return [
            {
                "url": f"{self.ctx.base_path}/MediaCover/{folder}/{cover}.jpg"
                f"?lastWrite={LAST_WRITE_TICKS}",
                "coverType": cover,
                "extension": ".jpg",
                "remoteUrl": f"https://assets.fanart.tv/fanart/music/{image_token(seed, salt)}.jpg",
            }
            for salt, cover in enumerate(covers)
        ]

    def album_statistics(self, album: Album) -> Json:
        """Track and size counts of an album."""
        files = self.state.album_files(album.id)
        return {
            "trackFileCount": len(files),
            "trackCount": album.track_count,
            "totalTrackCount": album.track_count,
            "sizeOnDisk": sum(f.size for f in files),
            "percentOfTracks": round(len(files) * 100 / album.track_count, 2)
            if album.track_count
            else 0.0,
        }

    def artist_json(self, artist: Artist, *, statistics: bool = True) -> Json:
        """Return an artist."""
        data: Json = {
            "status": artist.status,
            "ended": artist.status == "ended",
            "artistName": artist.name,
            "foreignArtistId": artist.mbid,
            "tadbId": artist.tadb_id,
            "discogsId": artist.discogs_id,
            "overview": artist.overview,
            "artistType": artist.artist_type,
            "disambiguation": artist.disambiguation,
            "links": [
                {
                    "url": f"https://musicbrainz.org/artist/{artist.mbid}",
                    "name": "musicbrainz",
                },
                {
                    "url": f"https://www.discogs.com/artist/{artist.discogs_id}",
                    "name": "discogs",
                },
                {
                    "url": f"https://www.theaudiodb.com/artist/{artist.tadb_id}",
                    "name": "theaudiodb",
                },
            ],
            "images": self.images(
                artist.id, artist.tadb_id, ("banner", "fanart", "logo", "poster")
            ),
            "path": artist.path,
            "qualityProfileId": artist.quality_profile_id,
            "metadataProfileId": artist.metadata_profile_id,
            "monitored": artist.monitored,
            "monitorNewItems": artist.monitor_new_items,
            "rootFolderPath": artist.root_folder_path,
            "folder": artist.folder_name,
            "genres": list(artist.genres),
            "cleanName": clean_title(artist.name),
            "sortName": artist.sort_name,
            "tags": list(artist.tags),
            "added": arr_stamp(artist.added),
            "ratings": {"votes": artist.votes, "value": artist.rating},
            "id": artist.id,
        }
        if statistics:
            albums = self.state.artist_albums(artist.id)
            files = [f for a in albums for f in self.state.album_files(a.id)]
            wanted = sum(a.track_count for a in albums if a.monitored)
            total = sum(a.track_count for a in albums)
            data["statistics"] = {
                "albumCount": len(albums),
                "trackFileCount": len(files),
                "trackCount": wanted,
                "totalTrackCount": total,
                "sizeOnDisk": sum(f.size for f in files),
                "percentOfTracks": round(len(files) * 100 / wanted, 2)
                if wanted
                else 0.0,
            }
        return data

    def album_json(self, album: Album, *, with_artist: bool = True) -> Json:
        """Return an album with its release, media and (by default) its artist."""
        media = [
            {"mediumNumber": 1, "mediumName": "", "mediumFormat": album.media_format}
        ]
        data: Json = {
            "title": album.title,
            "disambiguation": album.disambiguation,
            "overview": album.overview,
            "artistId": album.artist_id,
            "foreignAlbumId": album.release_group_mbid,
            "monitored": album.monitored,
            "anyReleaseOk": album.any_release_ok,
            "profileId": album.profile_id,
            "duration": album.duration_ms,
            "albumType": album.album_type,
            "secondaryTypes": list(album.secondary_types),
            "mediumCount": 1,
            "ratings": {"votes": album.votes, "value": album.rating},
            "releaseDate": arr_date(album.release_date),
            "releases": [
                {
                    "id": album.id,
                    "albumId": album.id,
                    "foreignReleaseId": album.release_mbid,
                    "title": album.title,
                    "status": "Official",
                    "duration": album.duration_ms,
                    "trackCount": album.track_count,
                    "media": media,
                    "mediumCount": 1,
                    "disambiguation": "",
                    "country": [album.country],
                    "label": [album.label],
                    "format": album.media_format,
                    "monitored": True,
                }
            ],
            "genres": list(album.genres),
            "media": media,
            "images": self.images(
                album.id, album.id * 7919, ("cover", "disc"), album=True
            ),
            "links": [
                {
                    "url": f"https://musicbrainz.org/release-group/{album.release_group_mbid}",
                    "name": "musicbrainz",
                }
            ],
            "statistics": self.album_statistics(album),
            "id": album.id,
        }
        if with_artist:
            artist = self.state.artists.get(album.artist_id)
            if artist is not None:
                data["artist"] = self.artist_json(artist, statistics=False)
        return data

    def track_file(self, file: TrackFile) -> Json:
        """Return a track file."""
        lossless = file.quality_id in (6, 7, 21)
        return {
            "artistId": file.artist_id,
            "albumId": file.album_id,
            "path": file.path,
            "size": file.size,
            "dateAdded": arr_stamp(file.date_added),
            "quality": self.quality_model(file.quality_id),
            "qualityWeight": 1400 if lossless else 900,
            "customFormats": [],
            "customFormatScore": 0,
            "indexerFlags": 0,
            "mediaInfo": {
                "audioChannels": 2,
                "audioBitRate": "1411 kbps" if lossless else "320 kbps",
                "audioCodec": "FLAC" if lossless else "MP3",
                "audioBits": "16bit" if lossless else "0bit",
                "audioSampleRate": "44.1kHz",
            },
            "qualityCutoffNotMet": False,
            "id": file.id,
        }

    def queue_media(self, record: QueueRecord, request: web.Request) -> Json:
        """Artist and album ids; objects on request (album by default on details)."""
        album = self.state.albums.get(record.sub_id)
        data: Json = {
            "artistId": record.media_id,
            "albumId": record.sub_id or None,
            "trackFileCount": 0,
            "trackHasFileCount": 0,
            "downloadForced": False,
        }
        if query_bool(request, "includeArtist"):
            artist = self.state.artists.get(record.media_id)
            if artist is not None:
                data["artist"] = self.artist_json(artist)
        default_album = request.path.endswith("/queue/details")
        if query_bool(request, "includeAlbum", default_album) and album is not None:
            data["album"] = self.album_json(album, with_artist=False)
        return data

    def history_media(self, record: HistoryRecord) -> Json:
        """Artist and album ids of a history event."""
        return {"albumId": record.sub_id, "artistId": record.media_id, "trackId": 0}

    def calendar(
        self, request: web.Request, start: datetime, end: datetime, unmonitored: bool
    ) -> list[Json]:
        """Albums released in the window."""
        with_artist = query_bool(request, "includeArtist")
        albums = [
            a
            for a in self.state.albums.values()
            if a.release_date is not None
            and start <= a.release_date <= end
            and (unmonitored or a.monitored)
        ]
        albums.sort(key=lambda a: (a.release_date, a.id))
        return [self.album_json(a, with_artist=with_artist) for a in albums]

    def missing(
        self, request: web.Request
    ) -> tuple[list[Any], Callable[[Any], Json], dict[str, Callable[[Any], Any]]]:
        """Released, monitored albums missing tracks."""
        now = self.now()
        monitored = query_bool(request, "monitored", True)
        with_artist = query_bool(request, "includeArtist")
        artists = self.state.artists
        records = [
            a
            for a in self.state.albums.values()
            if a.release_date is not None
            and a.release_date <= now
            and len(self.state.files_by_album.get(a.id, ())) < a.track_count
            and (a.monitored and artists[a.artist_id].monitored) == monitored
        ]
        return (
            records,
            lambda a: self.album_json(a, with_artist=with_artist),
            {
                "albums.releaseDate": lambda a: (a.release_date, a.id),
                "releaseDate": lambda a: (a.release_date, a.id),
                "albums.title": lambda a: (a.title.lower(), a.id),
                "id": lambda a: a.id,
            },
        )

    def tagged(self, tag_id: int) -> list[int]:
        """Artists carrying a tag."""
        return sorted(a.id for a in self.state.artists.values() if tag_id in a.tags)

    def untag(self, tag_id: int) -> None:
        """Remove a tag from every artist."""
        for artist in self.state.artists.values():
            if tag_id in artist.tags:
                artist.tags = [t for t in artist.tags if t != tag_id]

    def exclusion(self, record: Exclusion) -> Json:
        """Return an artist or album exclusion."""
        return {
            "foreignId": record.foreign_id,
            "artistName": record.title,
            "id": record.id,
        }

    # ------------------------------------------------------------------ lookup

    def _world(self) -> list[ArtistInfo]:
        """Return what MusicBrainz knows: this library, other Lidarrs', the catalogue."""
        own = self.state
        others = [
            s
            for s in self.ctx.state.services.values()
            if isinstance(s, LidarrState) and s is not own
        ]
        key = (own.version, tuple(s.version for s in others))

        def build() -> list[Entry[ArtistInfo]]:
            seen: set[str] = set()
            infos: list[ArtistInfo] = []
            for state in (own, *others):
                for artist in state.artists.values():
                    if artist.mbid not in seen:
                        seen.add(artist.mbid)
                        infos.append(artist_info(artist, state))
            infos += [a for a in ARTISTS if a.mbid not in seen]
            return [Entry(a.names, a.year, a.popularity, a) for a in infos]

        return [entry.item for entry in self._index.get(key, build)]

    def artist_candidate(self, info: ArtistInfo) -> Json:
        """Return an artist Lidarr does not have: no id, artwork through its proxy."""
        images = [
            {
                "url": self.proxy_url(artist_remote(info.mbid, salt), cover),
                "coverType": cover,
                "extension": ".jpg",
                "remoteUrl": artist_remote(info.mbid, salt),
            }
            for salt, cover in enumerate(("banner", "fanart", "logo", "poster"))
        ]
        return {
            "status": info.status,
            "ended": info.status == "ended",
            "artistName": info.name,
            "foreignArtistId": info.mbid,
            "tadbId": 0,
            "discogsId": 0,
            "overview": info.overview,
            "artistType": info.artist_type,
            "disambiguation": info.disambiguation,
            "links": [
                {
                    "url": f"https://musicbrainz.org/artist/{info.mbid}",
                    "name": "musicbrainz",
                }
            ],
            "images": images,
            "remotePoster": artist_remote(info.mbid, 3),
            "qualityProfileId": 0,
            "metadataProfileId": 0,
            "monitored": False,
            "monitorNewItems": "all",
            "folder": folder_name(info.name),
            "genres": list(info.genres),
            "cleanName": clean_title(info.name),
            "sortName": info.sort_name,
            "tags": [],
            "added": NO_DATE,
            "ratings": {"votes": info.votes, "value": info.rating},
        }

    def album_candidate(self, album: AlbumInfo, artist: ArtistInfo) -> Json:
        """Return an album Lidarr does not have, with its artist (as stored, or new)."""
        media = [{"mediumNumber": 1, "mediumName": "", "mediumFormat": "CD"}]
        owner = self._own_artist(artist.mbid)
        cover = album_remote(album.release_mbid)
        return {
            "title": album.title,
            "disambiguation": "",
            "overview": "",
            "artistId": owner.id if owner else 0,
            "foreignAlbumId": album.mbid,
            "monitored": False,
            "anyReleaseOk": True,
            "profileId": 0,
            "duration": album.duration_ms,
            "albumType": album.album_type,
            "secondaryTypes": [],
            "mediumCount": 1,
            "ratings": {"votes": album.votes, "value": album.rating},
            "releaseDate": arr_date(album.released),
            "releases": [
                {
                    "albumId": 0,
                    "foreignReleaseId": album.release_mbid,
                    "title": album.title,
                    "status": "Official",
                    "duration": album.duration_ms,
                    "trackCount": album.track_count,
                    "media": media,
                    "mediumCount": 1,
                    "disambiguation": "",
                    "country": ["Worldwide"],
                    "label": [album.label] if album.label else [],
                    "format": "CD",
                    "monitored": False,
                }
            ],
            "genres": list(album.genres),
            "media": media,
            "artist": self.artist_json(owner, statistics=False)
            if owner
            else self.artist_candidate(artist),
            "images": [
                {
                    "url": self.proxy_url(cover, "cover"),
                    "coverType": "cover",
                    "extension": ".jpg",
                    "remoteUrl": cover,
                }
            ],
            "links": [
                {
                    "url": f"https://musicbrainz.org/release-group/{album.mbid}",
                    "name": "musicbrainz",
                }
            ],
            "remoteCover": cover,
        }

    def _own_artist(self, mbid: str) -> Artist | None:
        return next((a for a in self.state.artists.values() if a.mbid == mbid), None)

    def _own_album(self, mbid: str) -> Album | None:
        return next(
            (a for a in self.state.albums.values() if a.release_group_mbid == mbid),
            None,
        )

    def artist_lookup_json(self, info: ArtistInfo) -> Json:
        """Return the library artist (with its id), or a candidate."""
        own = self._own_artist(info.mbid)
        if own is None:
            return self.artist_candidate(info)
        # ArtistLookupController adds these to every result.
        data = self.artist_json(own)
        poster = next(i for i in data["images"] if i["coverType"] == "poster")
        return {**data, "remotePoster": poster["remoteUrl"], "folder": own.folder_name}

    def album_lookup_json(self, album: AlbumInfo, artist: ArtistInfo) -> Json:
        """Return the library album (with its id), or a candidate."""
        own = self._own_album(album.mbid)
        if own is None:
            return self.album_candidate(album, artist)
        # AlbumLookupController adds the cover's remote address to every result.
        data = self.album_json(own)
        cover = next(i for i in data["images"] if i["coverType"] == "cover")
        return {**data, "remoteCover": cover["remoteUrl"]}

    def _albums(self) -> list[tuple[AlbumInfo, ArtistInfo]]:
        return [(album, artist) for artist in self._world() for album in artist.albums]

    async def get_artist_lookup(self, request: web.Request) -> web.StreamResponse:
        """`/artist/lookup?term=`: MusicBrainz's answer; `lidarr:<mbid>` for one."""
        term = parse_music_term(query_value(request, "term") or "", self.now().year)
        world = self._world()
        if isinstance(term, IdTerm):
            found = [a for a in world if term.value and a.mbid == term.value]
        else:
            entries = [Entry(a.names, a.year, a.popularity, a) for a in world]
            found = search(entries, term, year_filters=False)
        return json_response([self.artist_lookup_json(a) for a in found])

    async def get_album_lookup(self, request: web.Request) -> web.StreamResponse:
        """`/album/lookup?term=`: albums by title (or artist and title), or by mbid."""
        term = parse_music_term(query_value(request, "term") or "", self.now().year)
        albums = self._albums()
        if isinstance(term, IdTerm):
            found = [p for p in albums if term.value and p[0].mbid == term.value]
        else:
            entries = [
                Entry(
                    (album.title, f"{artist.name} {album.title}"),
                    album.year,
                    artist.popularity,
                    (album, artist),
                )
                for album, artist in albums
            ]
            found = search(entries, term, year_filters=False)
        return json_response([self.album_lookup_json(a, r) for a, r in found])

    # ------------------------------------------------------------------ artists

    async def get_artists(self, request: web.Request) -> web.StreamResponse:
        """`/artist` (optionally `?mbId=`)."""
        mbid = query_value(request, "mbId")

        # Ids grow with insertion, so the dict order is the id order.
        artists = list(self.state.artists.values())
        if mbid:
            artists = [a for a in artists if a.mbid == mbid]
        return await self.cached(
            ("artists", mbid), lambda: [self.artist_json(a) for a in artists]
        )

    async def get_artist(self, request: web.Request) -> web.StreamResponse:
        """`/artist/{id}`."""
        artist = self.state.artists.get(int(request.match_info["id"]))
        if artist is None:
            return not_found("Artist does not exist")
        return json_response(self.artist_json(artist))

    def _artist_errors(self, body: Json) -> list[Failure]:
        """Check the fields of `PUT /artist/{id}` that LCARS may change."""
        quality, metadata = self._profile_failures("", body)
        errors: list[Failure] = []
        if "qualityProfileId" in body:
            errors += quality
        if "metadataProfileId" in body:
            errors += metadata
        return errors

    def _profile_failures(
        self, prefix: str, body: Json
    ) -> tuple[list[Failure], list[Failure]]:
        """`ValidId` and the exists validators of the quality and metadata profiles."""
        quality = profile_failures(
            f"{prefix}QualityProfileId",
            body.get("qualityProfileId"),
            MUSIC_PROFILES,
            "Quality Profile does not exist",
            "QualityProfileExistsValidator",
        )
        metadata = profile_failures(
            f"{prefix}MetadataProfileId",
            body.get("metadataProfileId"),
            METADATA_PROFILES,
            "Metadata profile does not exist",
            "MetadataProfileExistsValidator",
        )
        return quality, metadata

    def _folder_failures(
        self, prefix: str, body: Json, *, nested: bool
    ) -> list[Failure]:
        """Path checks of an artist: its own folder, or an existing root folder."""
        path, root = body.get("path"), body.get("rootFolderPath")
        found: list[Failure]
        if isinstance(path, str) and path.strip():
            found = path_failures(
                path,
                self.state.root_folders,
                [a.path for a in self.state.artists.values()],
                "artist",
            )
        elif isinstance(root, str) and root.strip():
            found = root_folder_failures(root, self.state.root_folders)
        else:
            # PathValidator refuses a null path before it knows `{path}`.
            invalid = "Invalid Path: '{path}'"
            found = [] if nested else [("Path", invalid, path, "PathValidator")]
            found.append(("RootFolderPath", invalid, root, "PathValidator"))
        return [(f"{prefix}{e[0]}", e[1], e[2], *e[3:]) for e in found]

    def _add_artist_failures(self, body: Json) -> list[Failure]:
        """Check `POST /artist` as ArtistController's validators do."""
        quality, metadata = self._profile_failures("", body)
        errors = [*quality, *metadata, *self._folder_failures("", body, nested=False)]
        if not body.get("artistName"):
            errors.append(
                (
                    "ArtistName",
                    "'Artist Name' must not be empty.",
                    body.get("artistName"),
                )
            )
        mbid = body.get("foreignArtistId")
        if not isinstance(mbid, str) or not mbid:
            errors.append(
                ("ForeignArtistId", "'Foreign Artist Id' must not be empty.", mbid)
            )
        elif self._own_artist(mbid) is not None:
            errors.append(
                (
                    "ForeignArtistId",
                    "This artist has already been added.",
                    mbid,
                    "ArtistExistsValidator",
                )
            )
        return errors

    def _artist_folder(self, root_path: str, name: str, disambiguation: str) -> str:
        """AddArtistService's folder: the name, told apart when it is taken."""
        taken = {path_key(a.path) for a in self.state.artists.values()}
        folder = folder_name(name)
        if path_key(join_path(root_path, folder)) in taken:
            if disambiguation:
                folder = f"{folder} ({folder_name(disambiguation)})"
            base, number = folder, 0
            while path_key(join_path(root_path, folder)) in taken:
                number += 1
                folder = f"{base} ({number})"
        return folder

    def _create_artist(
        self, body: Json, info: ArtistInfo | None, monitor: str, chosen: list[str]
    ) -> Artist:
        """Store a new artist and the albums MusicBrainz knows of it."""
        now = self.now()
        name = info.name if info else str(body["artistName"])
        path = body.get("path")
        if isinstance(path, str) and path.strip():
            root = self.state.root_folder_for(path)
            parent, folder = split_path(path)
            root_path = root.path if root else parent
        else:
            given = str(body["rootFolderPath"])
            root = self.state.root_folder_for(given)
            root_path = root.path if root else given.rstrip("/\\") or "/"
            folder = self._artist_folder(
                root_path, name, info.disambiguation if info else ""
            )
        artist = Artist(
            id=0,
            mbid=str(body["foreignArtistId"]),
            name=name,
            sort_name=info.sort_name if info else sort_title(name),
            overview=info.overview if info else str(body.get("overview") or ""),
            artist_type=info.artist_type if info else str(body.get("artistType") or ""),
            status=info.status if info else "continuing",
            disambiguation=info.disambiguation
            if info
            else str(body.get("disambiguation") or ""),
            genres=list(info.genres)
            if info
            else [str(g) for g in body.get("genres") or []],
            added=now.replace(microsecond=0),
            monitored=bool(body.get("monitored", True)),
            quality_profile_id=int(body["qualityProfileId"]),
            metadata_profile_id=int(body["metadataProfileId"]),
            root_folder_path=root_path,
            folder_name=folder,
            tags=sorted(set(int_list(body.get("tags")))),
            rating=info.rating if info else body_rating(body),
            votes=info.votes if info else 0,
            discogs_id=0,
            tadb_id=0,
            monitor_new_items=str(body.get("monitorNewItems") or "all"),
        )
        self.state.add_artist(artist)
        if info is not None:
            wanted = albums_to_monitor(monitor, list(info.albums), now, chosen)
            for album in info.albums:
                self._create_album(artist, album, album.mbid in wanted)
        return artist

    def _create_album(self, artist: Artist, info: AlbumInfo, monitored: bool) -> Album:
        """Store an album of a library artist."""
        album = Album(
            id=self.state.next_id("album"),
            artist_id=artist.id,
            release_group_mbid=info.mbid,
            release_mbid=info.release_mbid,
            title=info.title,
            overview="",
            album_type=info.album_type,
            secondary_types=[],
            release_date=info.released,
            monitored=monitored,
            track_count=info.track_count,
            duration_ms=info.duration_ms,
            genres=list(info.genres),
            rating=info.rating,
            votes=info.votes,
            label=info.label,
            country="XW",
            media_format="CD",
            folder_name=folder_name(f"{info.title} ({info.year})"),
        )
        self.state.albums[album.id] = album
        ids = self.state.albums_by_artist.setdefault(artist.id, [])
        ids.append(album.id)
        albums = self.state.albums
        ids.sort(key=lambda i: (albums[i].release_date or info.released, i))
        self.state.touch()
        return album

    def _info(self, mbid: str) -> ArtistInfo | None:
        return next((a for a in self._world() if a.mbid == mbid), None)

    async def post_artist(self, request: web.Request) -> web.StreamResponse:
        """`POST /artist`: add an artist (201 with it); nothing is stored on a 400.

        The artist's albums come from MusicBrainz when it knows the artist,
        monitored as `addOptions.monitor` (and `albumsToMonitor`) say.
        """
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Artist", "An artist object is required", None)])
        errors = self._add_artist_failures(body)
        if errors:
            return validation_failed(errors)
        options = body.get("addOptions")
        options = options if isinstance(options, dict) else {}
        monitor = str(options.get("monitor") or "all")
        chosen = [str(m) for m in options.get("albumsToMonitor") or []]
        info = self._info(str(body["foreignArtistId"]))
        artist = self._create_artist(body, info, monitor, chosen)
        if options.get("searchForMissingAlbums"):
            self.state.add_command("ArtistSearch", {"artistId": artist.id})
        return json_response(self.artist_json(artist), status=201)

    def _add_album_failures(self, body: Json) -> list[Failure]:
        """Check `POST /album` as AlbumController's validators do."""
        errors: list[Failure] = []
        mbid = body.get("foreignAlbumId")
        if not isinstance(mbid, str) or not mbid:
            errors.append(
                ("ForeignAlbumId", "'Foreign Album Id' must not be empty.", mbid)
            )
        elif self._own_album(mbid) is not None:
            errors.append(
                (
                    "ForeignAlbumId",
                    "This album has already been added.",
                    mbid,
                    "AlbumExistsValidator",
                )
            )
        artist = body.get("artist")
        if not isinstance(artist, dict):
            errors.append(("Artist", "'Artist' must not be empty.", artist))
            return errors
        if not artist.get("foreignArtistId"):
            errors.append(
                (
                    "Artist.ForeignArtistId",
                    "'Foreign Artist Id' must not be empty.",
                    artist.get("foreignArtistId"),
                )
            )
        quality, metadata = self._profile_failures("Artist.", artist)
        errors += [*quality, *metadata]
        errors += self._folder_failures("Artist.", artist, nested=True)
        return errors

    async def post_album(self, request: web.Request) -> web.StreamResponse:
        """`POST /album`: add an album, and its artist when missing (201 with the album).

        A new artist comes with its other albums, monitored as its
        `addOptions.monitor` says (none by default, as Lidarr's album search
        adds it); the album itself is monitored unless the body says not.
        """
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Album", "An album object is required", None)])
        errors = self._add_album_failures(body)
        if errors:
            return validation_failed(errors)
        mbid = str(body["foreignAlbumId"])
        found = next(((a, r) for a, r in self._albums() if a.mbid == mbid), None)
        if found is None:
            return validation_failed(
                [("MusicbrainzId", "An album with this ID was not found", mbid)]
            )
        wanted, owner_info = found
        artist_body: Json = body["artist"]
        artist = self._own_artist(owner_info.mbid)
        if artist is None:
            options = artist_body.get("addOptions")
            options = options if isinstance(options, dict) else {}
            artist = self._create_artist(
                {**artist_body, "foreignArtistId": owner_info.mbid},
                owner_info,
                str(options.get("monitor") or "none"),
                [],
            )
        album = self._own_album(mbid) or self._create_album(artist, wanted, False)
        album.monitored = bool(body.get("monitored", True))
        self.state.touch()
        options = body.get("addOptions")
        if isinstance(options, dict) and options.get("searchForNewAlbum"):
            self.state.add_command("AlbumSearch", {"albumIds": [album.id]})
        return json_response(self.album_json(album), status=201)

    def _apply_artist(self, artist: Artist, body: Json) -> None:
        if "monitored" in body:
            artist.monitored = bool(body["monitored"])
        if isinstance(body.get("qualityProfileId"), int):
            artist.quality_profile_id = body["qualityProfileId"]
        if isinstance(body.get("metadataProfileId"), int):
            artist.metadata_profile_id = body["metadataProfileId"]
        if isinstance(body.get("monitorNewItems"), str):
            artist.monitor_new_items = body["monitorNewItems"]
        if isinstance(body.get("tags"), list):
            artist.tags = sorted(set(int_list(body["tags"])))

    async def put_artist(self, request: web.Request) -> web.StreamResponse:
        """`PUT /artist/{id}`: 202 with the updated artist."""
        artist = self.state.artists.get(int(request.match_info["id"]))
        if artist is None:
            return not_found("Artist does not exist")
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Artist", "An artist object is required", None)])
        errors = self._artist_errors(body)
        if errors:
            return validation_failed(errors)
        self._apply_artist(artist, body)
        self.state.touch()
        return json_response(self.artist_json(artist), status=202)

    async def delete_artist(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /artist/{id}?deleteFiles=&addImportListExclusion=`."""
        deleted = self.state.delete_artist(
            int(request.match_info["id"]),
            delete_files=query_bool(request, "deleteFiles"),
            add_exclusion=query_bool(request, "addImportListExclusion"),
        )
        if not deleted:
            return not_found("Artist does not exist")
        return empty()

    async def put_editor(self, request: web.Request) -> web.StreamResponse:
        """`PUT /artist/editor`: change several artists; 202 with them."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("ArtistIds", "'Artist Ids' must not be empty.", None)]
            )
        artists = [
            self.state.artists[i]
            for i in int_list(body.get("artistIds"))
            if i in self.state.artists
        ]
        for artist in artists:
            if isinstance(body.get("monitored"), bool):
                artist.monitored = body["monitored"]
            if isinstance(body.get("qualityProfileId"), int):
                artist.quality_profile_id = body["qualityProfileId"]
            if isinstance(body.get("tags"), list):
                artist.tags = apply_tags(
                    artist.tags,
                    int_list(body["tags"]),
                    str(body.get("applyTags", "add")),
                )
        self.state.touch()
        return json_response([self.artist_json(a) for a in artists], status=202)

    async def delete_editor(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /artist/editor`: delete several artists."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("ArtistIds", "'Artist Ids' must not be empty.", None)]
            )
        for artist_id in int_list(body.get("artistIds")):
            self.state.delete_artist(
                artist_id,
                delete_files=bool(body.get("deleteFiles")),
                add_exclusion=bool(body.get("addImportListExclusion")),
            )
        return empty()

    # ------------------------------------------------------------------ albums

    async def get_albums(self, request: web.Request) -> web.StreamResponse:
        """`/album` (all, or `?artistId=`, `?albumIds=`, `?foreignAlbumId=`)."""
        artist_ids = query_ints(request, "artistId")
        album_ids = query_ints(request, "albumIds")
        foreign = query_value(request, "foreignAlbumId")
        if artist_ids:
            albums = [a for i in artist_ids for a in self.state.artist_albums(i)]
        elif album_ids:
            albums = [self.state.albums[i] for i in album_ids if i in self.state.albums]
        elif foreign:
            albums = [
                a for a in self.state.albums.values() if a.release_group_mbid == foreign
            ]
        else:
            everything = list(self.state.albums.values())
            return await self.cached(
                ("albums",), lambda: [self.album_json(a) for a in everything]
            )
        return json_response([self.album_json(a) for a in albums])

    async def get_album(self, request: web.Request) -> web.StreamResponse:
        """`/album/{id}`."""
        album = self.state.albums.get(int(request.match_info["id"]))
        if album is None:
            return not_found("Album does not exist")
        return json_response(self.album_json(album))

    async def delete_album(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /album/{id}?deleteFiles=&addImportListExclusion=`."""
        deleted = self.state.delete_album(
            int(request.match_info["id"]),
            delete_files=query_bool(request, "deleteFiles"),
            add_exclusion=query_bool(request, "addImportListExclusion"),
        )
        if not deleted:
            return not_found("Album does not exist")
        return empty()

    async def put_albums_monitor(self, request: web.Request) -> web.StreamResponse:
        """`PUT /album/monitor {albumIds, monitored}`: 202 with the albums."""
        body = await read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("monitored"), bool):
            return validation_failed(
                [("Monitored", "'Monitored' must not be empty.", None)]
            )
        albums = self.state.set_albums_monitored(
            int_list(body.get("albumIds")), body["monitored"]
        )
        return json_response([self.album_json(a) for a in albums], status=202)

    # ------------------------------------------------------------------ files

    async def get_track_files(self, request: web.Request) -> web.StreamResponse:
        """`/trackfile?artistId=` (or `albumId`, `trackFileIds`); 400 without."""
        artist_ids = query_ints(request, "artistId")
        album_ids = query_ints(request, "albumId")
        file_ids = query_ints(request, "trackFileIds")
        if artist_ids:
            files = [
                f
                for i in artist_ids
                for a in self.state.artist_albums(i)
                for f in self.state.album_files(a.id)
            ]
        elif album_ids:
            files = [f for i in album_ids for f in self.state.album_files(i)]
        elif file_ids:
            files = [
                self.state.track_files[i]
                for i in file_ids
                if i in self.state.track_files
            ]
        else:
            return bad_request("artistId, albumId, or trackFileIds must be provided")
        return json_response([self.track_file(f) for f in files])

    async def get_track_file(self, request: web.Request) -> web.StreamResponse:
        """`/trackfile/{id}`."""
        file = self.state.track_files.get(int(request.match_info["id"]))
        if file is None:
            return not_found("Track file does not exist")
        return json_response(self.track_file(file))

    async def delete_track_file(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /trackfile/{id}`."""
        if not self.state.delete_track_file(int(request.match_info["id"])):
            return not_found("Track file does not exist")
        return empty()

    async def delete_track_files(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /trackfile/bulk {trackFileIds}`."""
        body = await read_json(request)
        ids = int_list(body.get("trackFileIds")) if isinstance(body, dict) else []
        if not ids:
            return validation_failed(
                [("TrackFileIds", "'Track File Ids' must not be empty.", None)]
            )
        for file_id in ids:
            self.state.delete_track_file(file_id)
        return empty()

    # ------------------------------------------------------------------ profiles

    async def get_metadata_profiles(self, request: web.Request) -> web.StreamResponse:
        """`/metadataprofile`."""
        return json_response(self.metadata_profiles())

    async def get_metadata_profile(self, request: web.Request) -> web.StreamResponse:
        """`/metadataprofile/{id}`."""
        wanted = int(request.match_info["id"])
        for profile in self.metadata_profiles():
            if profile["id"] == wanted:
                return json_response(profile)
        return not_found(f"MetadataProfile with ID {wanted} does not exist")
