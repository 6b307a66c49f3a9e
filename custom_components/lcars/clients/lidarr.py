"""Lidarr (API v1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from custom_components.lcars.library.candidates import ID_MUSICBRAINZ, Candidate

from .arr import (
    ArrClient,
    QueueNames,
    QueueRecord,
    bool_params,
    profile_from_json,
    require_int,
    statistics,
    unique_titles,
)
from .convert import (
    as_bool,
    as_dict,
    covers_of,
    int_or_zero,
    int_tuple,
    opt_int,
    opt_str,
    parse_datetime,
    rating_value,
    root_folder_of,
    text_tuple,
)
from .http import concurrent_requests
from .lookup import album_candidate, artist_candidate
from .models import (
    Album,
    AlbumRow,
    Artist,
    ArtistRow,
    CalendarEntry,
    CalendarEntryRow,
    LidarrSnapshot,
    Profile,
    Rows,
)

# How far ahead the calendar of a refresh looks.
CALENDAR_DAYS = 30


def artist_row(data: Any) -> ArtistRow:
    """Keep what LCARS uses of a Lidarr artist resource, as a row of Artist."""
    stats = statistics(data)
    path = opt_str(data.get("path"))
    covers, stamp = covers_of(data, "poster", "fanart")
    return (
        require_int(data["id"]),
        str(data.get("artistName") or ""),
        opt_str(data.get("foreignArtistId")) or opt_str(data.get("mbId")),
        path,
        root_folder_of(data, path),
        as_bool(data.get("monitored")),
        int_or_zero(stats.get("sizeOnDisk")),
        int_or_zero(stats.get("albumCount")),
        int_or_zero(stats.get("trackFileCount")),
        int_or_zero(stats.get("totalTrackCount")),
        parse_datetime(data.get("added")),
        int_tuple(data.get("tags")),
        opt_int(data.get("qualityProfileId")),
        opt_str(data.get("overview")),
        text_tuple(data.get("genres")),
        None,
        rating_value(data.get("ratings")),
        covers["poster"],
        covers["fanart"],
        stamp,
    )


def artist_from_json(data: Any) -> Artist:
    """Keep what LCARS uses of a Lidarr artist resource."""
    return Artist.from_row(artist_row(data))


def album_row(data: Any) -> AlbumRow:
    """Keep what LCARS uses of a Lidarr album resource, as a row of Album."""
    stats = statistics(data)
    files = int_or_zero(stats.get("trackFileCount"))
    size = opt_int(stats.get("sizeOnDisk"))
    covers, stamp = covers_of(data, "cover")
    return (
        require_int(data["id"]),
        require_int(data["artistId"]),
        str(data.get("title") or ""),
        opt_str(data.get("foreignAlbumId")),
        as_bool(data.get("monitored")),
        parse_datetime(data.get("releaseDate")),
        files,
        int_or_zero(stats.get("totalTrackCount")),
        # With track files, a size that is missing stays None, never 0.
        0 if size is None and files <= 0 else size,
        covers["cover"],
        stamp,
    )


def album_from_json(data: Any) -> Album:
    """Keep what LCARS uses of a Lidarr album resource."""
    return Album.from_row(album_row(data))


def _same_id(candidate: Candidate, mbid: str) -> bool:
    found = candidate.ids.get(ID_MUSICBRAINZ)
    return isinstance(found, str) and found.casefold() == mbid.casefold()


class LidarrClient(ArrClient):
    """A Lidarr server."""

    service = "Lidarr"
    api = "/api/v1"
    queue_media_key = "artistId"
    history_item_key = "albumId"
    queue_params = bool_params(includeArtist=False, includeAlbum=False)
    named_queue_params = bool_params(includeArtist=True, includeAlbum=True)
    calendar_params = bool_params(includeArtist=True)
    library_path = "artist"
    editor_ids_key = "artistIds"
    exclusion_flag = "addImportListExclusion"
    # Lidarr sends totalSpace with each root folder.
    root_folders_need_disk_space = False

    def _queue_parts(self, data: Any) -> dict[str, Any]:
        """Return the album of a record, and the names the record embeds."""
        return {
            "part_id": opt_int(data.get("albumId")),
            "media_title": opt_str(as_dict(data.get("artist")).get("artistName")),
            "part_title": opt_str(as_dict(data.get("album")).get("title")),
        }

    def _download_title(self, records: list[QueueRecord], names: QueueNames) -> str:
        """Name the artist and the album: "Artist - Album" (several albums too)."""
        artist = next(
            (
                name
                for r in records
                if (name := r.media_title or names.media.get(r.media_id or 0))
            ),
            None,
        )
        albums = ", ".join(
            unique_titles(
                r.part_title or names.parts.get(r.part_id or 0) for r in records
            )
        )
        if artist and albums:
            return f"{artist} - {albums}"
        return artist or albums

    async def async_lookup_artists(self, term: str) -> list[Candidate]:
        """Look artists up by name or MusicBrainz id (`lidarr:<id>`)."""
        return await self._async_lookup("artist", term, artist_candidate)

    async def async_lookup_albums(self, term: str) -> list[Candidate]:
        """Look albums up by title or MusicBrainz id (`lidarr:<id>`)."""
        return await self._async_lookup("album", term, album_candidate)

    async def async_add_artist(self, body: Mapping[str, Any]) -> Candidate:
        """Add an artist (`POST /artist`); return it as Lidarr created it."""
        return await self._async_add("artist", body, artist_candidate)

    async def async_add_album(self, body: Mapping[str, Any]) -> Candidate:
        """Add an album, and its artist if new (`POST /album`)."""
        return await self._async_add("album", body, album_candidate)

    async def async_find_artist(self, mbid: str) -> Candidate | None:
        """Return the library's artist with this MusicBrainz id, if there is one."""
        return await self._async_find(
            "artist",
            {"mbId": mbid},
            artist_candidate,
            lambda artist: _same_id(artist, mbid),
        )

    async def async_find_album(self, mbid: str) -> Candidate | None:
        """Return the library's album with this MusicBrainz id, if there is one."""
        return await self._async_find(
            "album",
            {"foreignAlbumId": mbid},
            album_candidate,
            lambda album: _same_id(album, mbid),
        )

    async def async_get_metadata_profiles(self) -> list[Profile]:
        """Every metadata profile (`/metadataprofile`), by id and name."""
        return await self._get_small_list(
            f"{self.api}/metadataprofile", profile_from_json
        )

    async def async_get_artists(self) -> list[Artist]:
        """Every artist, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/artist", artist_from_json)

    async def async_get_artist(self, artist_id: int) -> Artist:
        """One artist; NotFoundError when there is no such artist."""
        path = self._library_item_path(artist_id)
        data = await self._get_object(path, item=True)
        return self._project_one(data, artist_from_json, path)

    async def async_get_albums(self) -> list[Album]:
        """Every album of every artist, parsed as it streams in."""
        return await self._stream_list(f"{self.api}/album", album_from_json)

    async def async_set_albums_monitored(
        self, album_ids: Sequence[int], monitored: bool
    ) -> None:
        """Monitor or unmonitor albums in one request (`PUT /album/monitor`)."""
        await self._send(
            "PUT",
            f"{self.api}/album/monitor",
            json_body={"albumIds": list(album_ids), "monitored": monitored},
        )

    async def async_get_album_track_file_ids(self, album_id: int) -> list[int]:
        """Return the ids of the track files of one album."""
        return await self._get_small_list(
            f"{self.api}/trackfile",
            lambda data: require_int(data["id"]),
            params={"albumId": int(album_id)},
        )

    async def async_delete_track_files(self, file_ids: Sequence[int]) -> None:
        """Delete track files in one request; the album stays in the library."""
        await self._send(
            "DELETE",
            f"{self.api}/trackfile/bulk",
            json_body={"trackFileIds": list(file_ids)},
        )

    async def async_delete_artist(
        self, artist_id: int, *, delete_files: bool = False, add_exclusion: bool = False
    ) -> None:
        """Remove an artist, and its files with `delete_files`.

        `add_exclusion` keeps import lists from adding it again.
        """
        await self._delete_library_item(
            artist_id, delete_files=delete_files, add_exclusion=add_exclusion
        )

    def _calendar_rows(
        self, data: Any, start: datetime, end: datetime
    ) -> list[CalendarEntryRow]:
        album_id = require_int(data["id"])
        when = parse_datetime(data.get("releaseDate"))
        if when is None:
            return []
        album_title = str(data.get("title") or "")
        artist_name = opt_str(as_dict(data.get("artist")).get("artistName"))
        return [
            (
                f"lidarr-album-{album_id}",
                f"{artist_name} - {album_title}" if artist_name else album_title,
                when,
                opt_str(data.get("albumType")),
                opt_int(data.get("artistId")),
                None,
            )
        ]

    async def async_fetch_snapshot(self, now: datetime) -> LidarrSnapshot:
        """Everything a refresh needs, in seven concurrent requests.

        An eighth (`/diskspace`) is made only for a server whose root folders
        lack the disk total.
        """
        async with concurrent_requests() as group:
            status = group.create_task(self.async_get_system_status())
            artist_rows = group.create_task(
                self._stream_list(f"{self.api}/artist", artist_row)
            )
            album_rows = group.create_task(
                self._stream_list(f"{self.api}/album", album_row)
            )
            root_folders = group.create_task(self.async_get_root_folders())
            queue = group.create_task(self._async_get_queue_records(self.queue_params))
            calendar = group.create_task(
                self._calendar_rows_between(now, now + timedelta(days=CALENDAR_DAYS))
            )
            tags = group.create_task(self.async_get_tags())
        artists = Rows(Artist, artist_rows.result())
        albums = Rows(Album, album_rows.result())
        # An artist row starts with the id and the name; an album row with
        # the id, the artist's id and the title.
        names = QueueNames(
            media={row[0]: row[1] for row in artists.rows},
            parts={row[0]: row[2] for row in albums.rows},
        )
        return LidarrSnapshot(
            status=status.result(),
            artists=artists,
            albums=albums,
            root_folders=tuple(root_folders.result()),
            queue=tuple(self._downloads(queue.result(), names)),
            calendar=Rows(CalendarEntry, calendar.result()),
            tags=tuple(tags.result()),
            size_on_disk=artists.total("size_on_disk"),
        )
