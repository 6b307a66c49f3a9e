"""Lookup results of Radarr, Sonarr and Lidarr as candidates to choose from.

A lookup answers with the resources the *arr would add: a title already in
its library comes back as the library item (with its id above 0), a new one
without an id (or 0). Each projection keeps what a person chooses by and the
resource itself, trimmed of what can be long, to send back when adding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from custom_components.lcars.library.candidates import (
    ID_IMDB,
    ID_MUSICBRAINZ,
    ID_TMDB,
    ID_TVDB,
    Candidate,
)
from custom_components.lcars.library.kinds import MediaKind

from .convert import as_dict, opt_id, opt_int, opt_str, parse_datetime

# Alternate titles kept of one resource: enough to match a title in any
# language, bounded (a famous movie has over a hundred).
MAX_ALTERNATE_TITLES: Final = 20
# Genres kept of one resource.
MAX_GENRES: Final = 10
# Members of a resource left out: long lists the add does not need.
_TRIMMED: Final = ("credits",)


def _raw(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the resource to send back, without its long lists."""
    raw = {k: v for k, v in data.items() if k not in _TRIMMED}
    alternate = raw.get("alternateTitles")
    if isinstance(alternate, list) and len(alternate) > MAX_ALTERNATE_TITLES:
        raw["alternateTitles"] = alternate[:MAX_ALTERNATE_TITLES]
    return raw


def _ids(**ids: object) -> dict[str, str | int]:
    return {k: v for k, v in ids.items() if isinstance(v, str | int) and v}


def _alternate_titles(data: Mapping[str, Any]) -> tuple[str, ...]:
    titles = data.get("alternateTitles")
    if not isinstance(titles, list):
        return ()
    found = (opt_str(as_dict(t).get("title")) for t in titles[:MAX_ALTERNATE_TITLES])
    return tuple(dict.fromkeys(t for t in found if t))


def _genres(data: Mapping[str, Any]) -> tuple[str, ...]:
    genres = data.get("genres")
    if not isinstance(genres, list):
        return ()
    return tuple(g for g in genres[:MAX_GENRES] if isinstance(g, str) and g)


def _rating(data: Mapping[str, Any]) -> float | None:
    """Return the rating out of 10: Radarr's IMDb then TMDb one, the others' own."""
    ratings = as_dict(data.get("ratings"))
    for source in (ratings.get("imdb"), ratings.get("tmdb"), ratings):
        value = as_dict(source).get("value")
        if isinstance(value, int | float) and not isinstance(value, bool) and value:
            return float(value)
    return None


def _library_id(data: Mapping[str, Any]) -> int | None:
    """Return the id in the *arr's library; None for a title it does not have."""
    item_id = opt_int(data.get("id"))
    return item_id if item_id is not None and item_id > 0 else None


def _covers(data: Mapping[str, Any], remote: str) -> dict[str, str]:
    """Cover type → the *arr's path of it, else the image's address.

    The *arr serve every cover of a lookup themselves (`/MediaCover` for
    their items, `/MediaCoverProxy` for the others): LCARS takes the path
    they give and never builds one.
    """
    covers: dict[str, str] = {}
    images = data.get("images")
    for image in images if isinstance(images, list) else ():
        image_data = as_dict(image)
        cover = opt_str(image_data.get("coverType"))
        where = opt_str(image_data.get("url")) or opt_str(image_data.get("remoteUrl"))
        if cover and where:
            covers.setdefault(cover.casefold(), where)
    fallback = opt_str(data.get(remote))
    if fallback is not None:
        covers.setdefault("cover" if remote == "remoteCover" else "poster", fallback)
    return covers


def _year(data: Mapping[str, Any]) -> int | None:
    return opt_id(data.get("year"))


def movie_candidate(data: Any) -> Candidate:
    """Read a Radarr movie resource as a candidate."""
    return Candidate(
        kind=MediaKind.MOVIE,
        title=str(data.get("title") or ""),
        year=_year(data),
        original_title=opt_str(data.get("originalTitle")),
        ids=_ids(**{ID_TMDB: opt_id(data.get("tmdbId")), ID_IMDB: data.get("imdbId")}),
        overview=opt_str(data.get("overview")),
        runtime=opt_id(data.get("runtime")),
        status=opt_str(data.get("status")),
        genres=_genres(data),
        rating=_rating(data),
        library_id=_library_id(data),
        covers=_covers(data, "remotePoster"),
        alternate_titles=_alternate_titles(data),
        raw=_raw(data),
    )


def _season_count(data: Mapping[str, Any]) -> int | None:
    count = opt_int(as_dict(data.get("statistics")).get("seasonCount"))
    if count is not None:
        return count
    seasons = data.get("seasons")
    if not isinstance(seasons, list):
        return None
    # Season 0 holds the specials.
    return sum(1 for s in seasons if (opt_int(as_dict(s).get("seasonNumber")) or 0) > 0)


def series_candidate(data: Any) -> Candidate:
    """Read a Sonarr series resource as a candidate."""
    return Candidate(
        kind=MediaKind.SERIES,
        title=str(data.get("title") or ""),
        year=_year(data),
        original_title=opt_str(data.get("originalTitle")),
        ids=_ids(
            **{
                ID_TVDB: opt_id(data.get("tvdbId")),
                ID_TMDB: opt_id(data.get("tmdbId")),
                ID_IMDB: data.get("imdbId"),
            }
        ),
        overview=opt_str(data.get("overview")),
        runtime=opt_id(data.get("runtime")),
        season_count=_season_count(data),
        status=opt_str(data.get("status")),
        genres=_genres(data),
        rating=_rating(data),
        library_id=_library_id(data),
        covers=_covers(data, "remotePoster"),
        alternate_titles=_alternate_titles(data),
        raw=_raw(data),
    )


def artist_candidate(data: Any) -> Candidate:
    """Read a Lidarr artist resource as a candidate."""
    return Candidate(
        kind=MediaKind.ARTIST,
        title=str(data.get("artistName") or ""),
        ids=_ids(**{ID_MUSICBRAINZ: data.get("foreignArtistId")}),
        overview=opt_str(data.get("overview")),
        status=opt_str(data.get("status")),
        genres=_genres(data),
        rating=_rating(data),
        disambiguation=opt_str(data.get("disambiguation")),
        library_id=_library_id(data),
        covers=_covers(data, "remotePoster"),
        raw=_raw(data),
    )


def album_candidate(data: Any) -> Candidate:
    """Read a Lidarr album resource as a candidate, with its artist's name."""
    released = parse_datetime(data.get("releaseDate"))
    artist = as_dict(data.get("artist"))
    return Candidate(
        kind=MediaKind.ALBUM,
        title=str(data.get("title") or ""),
        year=released.year if released is not None and released.year > 1 else None,
        ids=_ids(**{ID_MUSICBRAINZ: data.get("foreignAlbumId")}),
        overview=opt_str(data.get("overview")),
        runtime=_minutes(data.get("duration")),
        genres=_genres(data),
        rating=_rating(data),
        disambiguation=opt_str(data.get("disambiguation")),
        artist=opt_str(artist.get("artistName")),
        library_id=_library_id(data),
        covers=_covers(data, "remoteCover"),
        raw=_raw(data),
    )


def _minutes(milliseconds: object) -> int | None:
    """Return an album's duration (milliseconds) in whole minutes."""
    value = opt_int(milliseconds)
    return round(value / 60000) if value else None
