"""Generation of the simulated library, deterministic from a seed.

One catalogue of movies, series and artists is drawn from `random.Random`
streams derived from the seed (one stream per part, so that changing the
number of artists leaves the movies alone). The first instance of each *arr
kind holds the whole catalogue; further instances of a kind hold every fourth
item with their own ids. Jellyfin mirrors the files of the catalogue with
matching provider ids and has watch data for two users; Jellyseerr has
requests for some of it. Dates are relative to the moment of generation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import gc
import random
import re
from typing import NamedTuple
import uuid

from .metadata import (
    RESERVED_IMDB,
    RESERVED_MOVIE_TMDB,
    RESERVED_SERIES_TMDB,
    RESERVED_SERIES_TVDB,
    keep_apart,
)
from .state import (
    Album,
    ArrState,
    Artist,
    Clock,
    Disk,
    Episode,
    EpisodeFile,
    HistoryRecord,
    JellyfinItem,
    JellyfinSession,
    JellyfinState,
    JellyfinUser,
    JellyseerrState,
    LidarrState,
    MediaInfo,
    Movie,
    MovieFile,
    QueueRecord,
    RadarrState,
    RootFolder,
    SeerrMedia,
    SeerrRequest,
    SeerrUser,
    Series,
    ServiceState,
    SonarrState,
    State,
    Tag,
    TrackFile,
    UserData,
    join_path,
    split_path,
)

GB = 1024**3
MB = 1024**2
TB = 1024**4
TICKS_PER_SECOND = 10_000_000

KINDS = ("radarr", "sonarr", "lidarr", "jellyfin", "jellyseerr")
KEEP_TAG = "lcars-keep"

# id -> (name, source, resolution, modifier); Radarr's quality definitions.
RADARR_QUALITIES: dict[int, tuple[str, str, int, str]] = {
    0: ("Unknown", "unknown", 0, "none"),
    1: ("SDTV", "tv", 480, "none"),
    2: ("DVD", "dvd", 480, "none"),
    4: ("HDTV-720p", "tv", 720, "none"),
    5: ("WEBDL-720p", "webdl", 720, "none"),
    6: ("Bluray-720p", "bluray", 720, "none"),
    14: ("WEBRip-720p", "webrip", 720, "none"),
    3: ("WEBDL-1080p", "webdl", 1080, "none"),
    7: ("Bluray-1080p", "bluray", 1080, "none"),
    9: ("HDTV-1080p", "tv", 1080, "none"),
    15: ("WEBRip-1080p", "webrip", 1080, "none"),
    30: ("Remux-1080p", "bluray", 1080, "remux"),
    16: ("HDTV-2160p", "tv", 2160, "none"),
    17: ("WEBRip-2160p", "webrip", 2160, "none"),
    18: ("WEBDL-2160p", "webdl", 2160, "none"),
    19: ("Bluray-2160p", "bluray", 2160, "none"),
    31: ("Remux-2160p", "bluray", 2160, "remux"),
}
# id -> (name, source, resolution); Sonarr's quality definitions.
SONARR_QUALITIES: dict[int, tuple[str, str, int]] = {
    0: ("Unknown", "unknown", 0),
    1: ("SDTV", "television", 480),
    2: ("DVD", "dvd", 480),
    4: ("HDTV-720p", "television", 720),
    5: ("WEBDL-720p", "web", 720),
    6: ("Bluray-720p", "bluray", 720),
    14: ("WEBRip-720p", "webRip", 720),
    3: ("WEBDL-1080p", "web", 1080),
    7: ("Bluray-1080p", "bluray", 1080),
    9: ("HDTV-1080p", "television", 1080),
    15: ("WEBRip-1080p", "webRip", 1080),
    20: ("Bluray-1080p Remux", "blurayRaw", 1080),
    16: ("HDTV-2160p", "television", 2160),
    17: ("WEBRip-2160p", "webRip", 2160),
    18: ("WEBDL-2160p", "web", 2160),
    19: ("Bluray-2160p", "bluray", 2160),
    21: ("Bluray-2160p Remux", "blurayRaw", 2160),
}
# id -> name; Lidarr's quality definitions.
LIDARR_QUALITIES: dict[int, str] = {
    0: "Unknown",
    1: "MP3-192",
    2: "MP3-VBR-V0",
    3: "MP3-256",
    4: "MP3-320",
    6: "FLAC",
    7: "ALAC",
    21: "FLAC 24bit",
}
# Quality profiles: id -> (name, allowed quality ids, cutoff).
VIDEO_PROFILES: dict[int, tuple[str, tuple[int, ...], int]] = {
    1: ("Any", (1, 2, 4, 5, 6, 14, 3, 7, 9, 15, 16, 17, 18, 19), 4),
    2: ("SD", (1, 2), 1),
    3: ("HD-720p", (4, 5, 6, 14), 6),
    4: ("HD-1080p", (3, 7, 9, 15), 7),
    5: ("Ultra-HD", (16, 17, 18, 19), 19),
    6: ("HD - 720p/1080p", (4, 5, 6, 14, 3, 7, 9, 15), 6),
}
MUSIC_PROFILES: dict[int, tuple[str, tuple[int, ...], int]] = {
    1: ("Any", (1, 2, 3, 4, 6, 7, 21), 6),
    2: ("Lossless", (6, 7, 21), 6),
    3: ("Standard", (1, 2, 3, 4), 4),
}
METADATA_PROFILES: dict[int, str] = {1: "Standard", 2: "None"}
LANGUAGES: dict[int, str] = {
    1: "English",
    2: "French",
    3: "Spanish",
    4: "German",
    5: "Italian",
    8: "Japanese",
    10: "Korean",
}


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJECTIVES = _split(
    "Silent Crimson Hidden Broken Golden Last Distant Frozen Burning "
    "Electric Hollow Iron Lonely Midnight Northern Pale Quiet Restless "
    "Savage Scarlet Secret Shattered Silver Sleeping Stolen Sunken Twisted "
    "Velvet Wild Wicked Ancient Bitter Blind Brave Dark Endless Fallen "
    "Final Forgotten Glass Grand Infinite Invisible Little Lost Lucky Mad "
    "Neon Paper Perfect Phantom Rising Royal Second Shadow Strange Sudden "
    "Tender Violent Winter"
)
_NOUNS = _split(
    "Harbor Protocol Garden Empire Signal Horizon Machine Orchard River "
    "Kingdom Frontier Mirror Ocean Station Summer Thunder Voyage Whisper "
    "Circle Compass Bridge Canyon Citadel Comet Crown Desert Dream Echo "
    "Engine Falcon Fortress Galaxy Ghost Highway Island Journey Labyrinth "
    "Lantern Legacy Meridian Monarch Mountain Nebula Outpost Paradise "
    "Pilgrim Prophecy Quarry Reckoning Relic Requiem Ritual Saint Sanctuary "
    "Sentinel Serpent Spiral Storm Tide Tower Tribe Vault Verdict Village "
    "Wanderer Witness Wolf Wreck Zenith Atlas Beacon Cipher Dynasty Exile "
    "Fable Harvest"
)
_FIRST = _split(
    "Ada Ben Clara Dev Elena Felix Grace Hugo Iris Jonah Kira Leo Maya Nico "
    "Olive Pavel Quinn Rosa Sam Tess Umar Vera Wes Xena Yuri Zoe"
)
_LAST = _split(
    "Abbott Brennan Castillo Dorsey Ellison Foster Garcia Hale Ivers Jensen "
    "Kowalski Lindqvist Moreau Nakamura Okafor Petrov Quayle Romero Sato "
    "Thorne"
)
_MOVIE_GENRES = _split(
    "Action Adventure Animation Comedy Crime Documentary Drama Family "
    "Fantasy History Horror Music Mystery Romance Science-Fiction Thriller "
    "War Western"
)
_TV_GENRES = _split(
    "Action Adventure Animation Comedy Crime Documentary Drama Family "
    "Fantasy Mystery Reality Science-Fiction Thriller"
)
_MUSIC_GENRES = _split(
    "Rock Pop Electronic Jazz Folk Hip-Hop Classical Metal Indie Soul Blues Ambient"
)
_STUDIOS = (
    "Northlight Pictures",
    "Blue Harbor Films",
    "Meridian Studios",
    "Paper Lantern Entertainment",
    "Crescent Moon Productions",
    "Ironwood Films",
    "Silver Atlas Pictures",
    "Falconridge Studios",
)
_NETWORKS = (
    "HBO",
    "Netflix",
    "BBC One",
    "AMC",
    "FX",
    "Apple TV+",
    "Prime Video",
    "NBC",
)
_CERTS_MOVIE = ("G", "PG", "PG-13", "R", "NR")
_CERTS_TV = ("TV-PG", "TV-14", "TV-MA", "TV-Y7")
_GROUPS_VIDEO = _split(
    "FLUX NTb SPARKS TEPES playWEB EDITH FraMeSToR HONE SiC DON CMRG KOGi "
    "NOGRP GalaxyRG"
)
_LABELS = (
    "Sub Pop",
    "Warp Records",
    "4AD",
    "Rough Trade",
    "XL Recordings",
    "Domino",
    "Matador",
)
_COUNTRIES = ("United States", "United Kingdom", "Germany", "France", "Japan", "Canada")
_INDEXERS = ("NZBgeek", "DrunkenSlug", "TorrentLeech", "IPTorrents", "1337x (Prowlarr)")
_TEMPLATES = (
    "{a} has one night to find {thing} before the {place} wakes up.",
    "Two strangers, {a} and {b}, share a secret: {thing}.",
    (
        "When {a} discovers {thing}, {pronoun} must decide how much {pronoun} is willing "
        "to lose. {b} offers help, but the price is higher than anyone expected."
    ),
    (
        "{a} returns to the {place} after twenty years, only to find that {thing} has "
        "changed everyone {pronoun} once knew. Old debts come due as a storm closes in."
    ),
    (
        "A retired investigator, {a}, is pulled back for one last case: {thing}. With {b} "
        "at {pronoun2} side, the trail leads somewhere neither of them is ready to go."
    ),
    (
        "In a near future where {thing} decides who survives, {a} and {b} cross a broken "
        "country to reach the {place} before the last transmission ends."
    ),
    (
        "Everyone in the {place} knows the legend of {thing}. {a} never believed it, "
        "until the night {b} vanished without a trace."
    ),
)
_THINGS = (
    "a forgotten map",
    "a stolen letter",
    "the last working radio",
    "a secret that could end the war",
    "an inheritance nobody wanted",
    "a message from the future",
    "a crime committed decades ago",
    "the truth about a famous painting",
)

# Video files: (codec, bit depth, fps, dynamic range, type, audio codec, channels).
_VIDEO_MEDIA = {
    480: [("x264", 8, 23.976, "", "", "AC3", 2.0)],
    720: [
        ("x264", 8, 23.976, "", "", "AC3", 5.1),
        ("h264", 8, 23.976, "", "", "EAC3", 5.1),
    ],
    1080: [
        ("x264", 8, 23.976, "", "", "DTS", 5.1),
        ("h264", 8, 23.976, "", "", "EAC3", 5.1),
        ("x265", 10, 23.976, "", "", "AAC", 2.0),
        ("x264", 8, 24.0, "", "", "TrueHD Atmos", 7.1),
    ],
    2160: [
        ("x265", 10, 23.976, "HDR", "HDR10", "TrueHD Atmos", 7.1),
        ("h265", 10, 23.976, "HDR", "DV HDR10", "EAC3 Atmos", 5.1),
        ("x265", 10, 23.976, "HDR", "HDR10Plus", "DTS-HD MA", 7.1),
    ],
}
_WIDTH = {480: 720, 720: 1280, 1080: 1920, 2160: 3840, 0: 1920}


def _media_pool() -> dict[int, list[MediaInfo]]:
    """Shared media info records per resolution (files never change them)."""
    pool: dict[int, list[MediaInfo]] = {}
    for resolution, variants in _VIDEO_MEDIA.items():
        pool[resolution] = [
            MediaInfo(
                video_codec=codec,
                video_bit_depth=depth,
                video_bitrate=0,
                video_fps=fps,
                dynamic_range=dr,
                dynamic_range_type=drt,
                width=_WIDTH[resolution],
                height=int(_WIDTH[resolution] / (2.39 if index % 2 else 1.78)),
                audio_codec=audio,
                audio_channels=channels,
                audio_bitrate=640_000 if channels > 2 else 192_000,
                audio_languages="eng" if index % 3 else "eng/fre",
                audio_streams=1 if index % 3 else 2,
                subtitles="eng/spa/fre" if index % 2 else "eng",
            )
            for index, (codec, depth, fps, dr, drt, audio, channels) in enumerate(
                variants
            )
        ]
    pool[0] = pool[1080]
    return pool


MEDIA_POOL = _media_pool()


def api_key_for(name: str, seed: int, rotation: int = 0) -> str:
    """Return a deterministic 32 hex character API key."""
    rng = random.Random(f"key:{name}:{seed}:{rotation}")
    return f"{rng.getrandbits(128):032x}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


class _IdSequence:
    """Distinct 32 hex digit ids, cheaper than drawing 128 random bits each."""

    _STEP = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: the walk visits every value
    _MASK = (1 << 128) - 1

    def __init__(self, rng: random.Random) -> None:
        self._value = rng.getrandbits(128)

    def __call__(self) -> str:
        self._value = (self._value + self._STEP) & self._MASK
        return f"{self._value:032x}"


_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def clean_title(title: str) -> str:
    """Return the *arr `cleanTitle`: lowercase letters and digits only."""
    return _NOT_ALNUM.sub("", title.lower())


def slug(title: str) -> str:
    """Return a URL slug of a title."""
    out = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def sort_title(title: str) -> str:
    """Return the sort title: lowercase, without a leading article."""
    lowered = title.lower()
    for article in ("the ", "a ", "an "):
        if lowered.startswith(article):
            return lowered[len(article) :]
    return lowered


def folder_name(title: str) -> str:
    """Return the folder name the *arr make of a title (no colons, slashes or ?)."""
    return title.replace(":", " -").replace("/", "-").replace("?", "")


_folder = folder_name


@dataclass(slots=True)
class _Words:
    """Text pools drawn once so that per-item generation stays cheap."""

    overviews: list[str]
    episode_titles: list[str]
    track_titles: list[str]


def plural(noun: str) -> str:
    """Return the English plural of one of the title nouns."""
    if noun == "Wolf":
        return "Wolves"
    if noun.endswith("y") and noun[-2:] not in ("ay", "ey", "oy"):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x")):
        return noun + "es"
    return noun + "s"


def _title(rng: random.Random) -> str:
    adjective = rng.choice(_ADJECTIVES)
    noun = rng.choice(_NOUNS)
    form = rng.randrange(6)
    if form == 0:
        return f"The {adjective} {noun}"
    if form == 1:
        return f"{noun} of the {rng.choice(_NOUNS)}"
    if form == 2:
        return f"{adjective} {noun}"
    if form == 3:
        return f"The {noun}"
    if form == 4:
        return f"{adjective} {plural(noun)}"
    return f"{rng.choice(_FIRST)} and the {adjective} {noun}"


def _words(rng: random.Random) -> _Words:
    overviews = []
    for _ in range(400):
        template = rng.choice(_TEMPLATES)
        overviews.append(
            template.format(
                a=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                b=rng.choice(_FIRST),
                thing=rng.choice(_THINGS),
                place=rng.choice(_NOUNS).lower(),
                pronoun=rng.choice(("she", "he", "they")),
                pronoun2=rng.choice(("her", "his", "their")),
            )
        )
    episode_titles = [_title(rng) for _ in range(600)]
    track_titles = [
        f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}" for _ in range(600)
    ]
    return _Words(overviews, episode_titles, track_titles)


@dataclass(slots=True)
class Catalogue:
    """The generated library before it is split into service states."""

    movies: list[Movie]
    series: list[Series]
    episodes: list[Episode]
    episode_files: list[EpisodeFile]
    artists: list[Artist]
    albums: list[Album]
    track_files: list[TrackFile]


# --------------------------------------------------------------------------- movies


def _movies(count: int, seed: int, now: datetime, words: _Words) -> list[Movie]:
    rng = random.Random(f"{seed}:movies")
    tmdb_ids = keep_apart(
        rng.sample(range(100, 1_300_000), count), RESERVED_MOVIE_TMDB, 1_300_000
    )
    imdb_ids = keep_apart(
        rng.sample(range(100_000, 9_999_999), count), RESERVED_IMDB, 10_000_000
    )
    movies: list[Movie] = []
    keep_every = max(8, count // 200 or 8)
    file_id = 0
    for index in range(count):
        title = _title(rng)
        if rng.random() < 0.08:
            title = f"{title} {rng.choice(('2', 'II', 'Returns', 'Part Two'))}"
        # A few fixed positions guarantee upcoming and missing movies in small libraries.
        roll = {1: 0.07, 2: 0.01, 5: 0.03}.get(index, rng.random())
        tags: list[int] = []
        if index % keep_every == 3:
            tags.append(1)
        if rng.random() < 0.05:
            tags.append(2)
        runtime = rng.randrange(78, 172)
        four_k = rng.random() < 0.08
        in_cinemas: datetime | None
        if roll < 0.06:
            # Upcoming: in cinemas soon, or in cinemas now and digital soon.
            if rng.random() < 0.5:
                in_cinemas = now + timedelta(
                    days=rng.randrange(1, 40), hours=rng.randrange(24)
                )
                status = "announced"
            else:
                in_cinemas = now - timedelta(days=rng.randrange(10, 40))
                status = "inCinemas"
            year = in_cinemas.year
            digital = now + timedelta(
                days=rng.randrange(1, 30), hours=rng.randrange(24)
            )
            physical: datetime | None = digital + timedelta(days=rng.randrange(7, 60))
            added = now - timedelta(days=rng.randrange(1, 60))
            has_file = False
            monitored = True
        else:
            year = now.year - 1 - int(55 * rng.random() ** 1.6)
            in_cinemas = datetime(
                year, rng.randrange(1, 13), rng.randrange(1, 29), tzinfo=UTC
            )
            digital = in_cinemas + timedelta(days=rng.randrange(60, 140))
            physical = digital + timedelta(days=rng.randrange(0, 40))
            status = "released"
            added = now - timedelta(
                days=rng.randrange(2, 5 * 365), seconds=rng.randrange(86400)
            )
            has_file = roll >= 0.10
            monitored = roll >= 0.08 or roll < 0.06 or rng.random() < 0.5
        folder = _folder(f"{title} ({year})")
        root = "/movies-4k" if four_k else "/movies"
        movie = Movie(
            id=index + 1,
            tmdb_id=tmdb_ids[index],
            imdb_id=f"tt{imdb_ids[index]:07d}",
            title=title,
            original_title=title,
            year=year,
            overview=rng.choice(words.overviews),
            studio=rng.choice(_STUDIOS),
            certification=rng.choice(_CERTS_MOVIE),
            genres=sorted(set(rng.sample(_MOVIE_GENRES, rng.randrange(1, 4)))),
            keywords=[],
            runtime=runtime,
            status=status,
            in_cinemas=in_cinemas,
            physical_release=physical,
            digital_release=digital,
            added=added,
            monitored=monitored,
            minimum_availability="released",
            quality_profile_id=5 if four_k else 4,
            root_folder_path=root,
            folder_name=folder,
            tags=tags,
            rating_imdb=round(rng.uniform(4.5, 8.9), 1),
            votes_imdb=rng.randrange(200, 900_000),
            rating_tmdb=round(rng.uniform(4.5, 8.6), 3),
            votes_tmdb=rng.randrange(50, 30_000),
            rating_metacritic=rng.randrange(25, 95) if rng.random() < 0.5 else 0,
            rating_rotten=rng.randrange(10, 100) if rng.random() < 0.6 else 0,
            popularity=round(rng.uniform(1.0, 120.0), 3),
            alternate_titles=[
                f"{title} ({country})"
                for country in rng.sample(_COUNTRIES, rng.randrange(0, 2))
            ],
            collection=(f"{title} Collection", tmdb_ids[index] + 1_500_000)
            if rng.random() < 0.15
            else None,
            youtube_trailer_id=f"{rng.getrandbits(60):011x}"[:11],
            website=f"https://www.{slug(title)}-movie.com"
            if rng.random() < 0.3
            else "",
            original_language=(1, "English") if rng.random() < 0.85 else (2, "French"),
        )
        if has_file:
            file_id += 1
            movie.file = _movie_file(rng, movie, file_id, four_k)
        movies.append(movie)
    return movies


def _movie_file(
    rng: random.Random, movie: Movie, file_id: int, four_k: bool
) -> MovieFile:
    if four_k:
        quality_id = rng.choice((18, 19, 31))
    else:
        quality_id = rng.choices((3, 7, 15, 30, 5, 6), weights=(30, 35, 12, 5, 10, 8))[
            0
        ]
    name, source, resolution, modifier = RADARR_QUALITIES[quality_id]
    base = {480: 1.5, 720: 4.0, 1080: 9.0, 2160: 35.0}[resolution]
    if modifier == "remux":
        base *= 2.6
    size = int(base * GB * rng.uniform(0.55, 1.6) * movie.runtime / 120)
    group = rng.choice(_GROUPS_VIDEO)
    media = rng.choice(MEDIA_POOL[resolution])
    scene = (
        f"{movie.title.replace(' ', '.')}.{movie.year}.{resolution}p."
        f"{'BluRay' if source == 'bluray' else 'WEB-DL' if source == 'webdl' else 'WEBRip'}."
        f"{media.video_codec}-{group}"
    )
    return MovieFile(
        id=file_id,
        movie_id=movie.id,
        relative_path=f"{movie.folder_name} {name}.mkv",
        size=size,
        date_added=movie.added + timedelta(hours=rng.randrange(1, 72)),
        quality_id=quality_id,
        release_group=group,
        scene_name=scene if rng.random() < 0.6 else "",
        media=media,
    )


# --------------------------------------------------------------------------- series


def _series(
    count: int, seed: int, now: datetime, words: _Words
) -> tuple[list[Series], list[Episode], list[EpisodeFile]]:
    rng = random.Random(f"{seed}:series")
    tvdb_ids = keep_apart(
        rng.sample(range(70_000, 460_000), count), RESERVED_SERIES_TVDB, 460_000
    )
    tmdb_ids = keep_apart(
        rng.sample(range(1_000, 260_000), count), RESERVED_SERIES_TMDB, 260_000
    )
    imdb_ids = keep_apart(
        rng.sample(range(100_000, 9_999_999), count), RESERVED_IMDB, 10_000_000
    )
    all_series: list[Series] = []
    episodes: list[Episode] = []
    files: list[EpisodeFile] = []
    episode_tvdb = 1_000_000
    keep_every = max(5, count // 100 or 5)
    for index in range(count):
        series_id = index + 1
        title = _title(rng)
        # The first series is always airing, so the calendar has episodes.
        roll = 0.6 if index == 0 else rng.random()
        status = "ended" if roll < 0.55 else "continuing" if roll < 0.93 else "upcoming"
        anime = rng.random() < 0.08
        season_count = rng.randrange(1, 7) if status != "upcoming" else 1
        per_season = rng.randrange(12, 25) if anime else rng.randrange(6, 14)
        air_hour = rng.choice((1, 2, 3, 20, 21, 22))
        if status == "ended":
            first = now - timedelta(days=365 * (season_count + rng.randrange(1, 12)))
        elif status == "continuing":
            # The last season is airing: some episodes aired, the rest weekly.
            aired_in_last = rng.randrange(1, per_season)
            first = now - timedelta(
                days=365 * (season_count - 1) + 7 * aired_in_last - 3
            )
        else:
            first = now + timedelta(days=rng.randrange(2, 28))
        first = first.replace(hour=air_hour, minute=0, second=0, microsecond=0)
        year = first.year
        tags = [1] if index % keep_every == 2 else []
        if anime:
            tags.append(2)
        series = Series(
            id=series_id,
            tvdb_id=tvdb_ids[index],
            tmdb_id=tmdb_ids[index],
            imdb_id=f"tt{imdb_ids[index]:07d}",
            tvrage_id=0,
            tvmaze_id=rng.randrange(1, 80_000),
            title=title,
            year=year,
            overview=rng.choice(words.overviews),
            network=rng.choice(_NETWORKS),
            air_time=f"{air_hour:02d}:00",
            status=status,
            runtime=24 if anime else rng.choice((22, 30, 42, 45, 55, 60)),
            certification=rng.choice(_CERTS_TV),
            genres=sorted(set(rng.sample(_TV_GENRES, rng.randrange(1, 4)))),
            series_type="anime" if anime else "standard",
            added=now - timedelta(days=rng.randrange(30, 6 * 365)),
            monitored=status != "ended" or rng.random() < 0.7,
            quality_profile_id=4,
            # As the web interface's folder picker leaves it: with a slash.
            root_folder_path="/tv/",
            folder_name=_folder(f"{title} ({year})"),
            tags=tags,
            rating=round(rng.uniform(5.0, 9.3), 1),
            votes=rng.randrange(20, 400_000),
            first_aired=first,
            alternate_titles=[f"{title} ({rng.choice(_COUNTRIES)})"]
            if rng.random() < 0.3
            else [],
            seasons={},
        )
        quality_id = rng.choices((3, 5, 15, 7, 18), weights=(55, 15, 15, 10, 5))[0]
        q_name, _source, resolution = SONARR_QUALITIES[quality_id]
        media = rng.choice(MEDIA_POOL[resolution])
        group = rng.choice(_GROUPS_VIDEO)
        base_size = {480: 0.35, 720: 0.8, 1080: 1.6, 2160: 5.0}[resolution] * GB
        base_size *= series.runtime / 45
        absolute = 0
        for season_number in range(1, season_count + 1):
            series.seasons[season_number] = (
                series.monitored or season_number == season_count
            )
            season_start = first + timedelta(days=365 * (season_number - 1))
            for number in range(1, per_season + 1):
                episode_tvdb += 1
                absolute += 1
                air = season_start + timedelta(days=7 * (number - 1))
                ep_title = words.episode_titles[
                    (episode_tvdb * 13) % len(words.episode_titles)
                ]
                episode = Episode(
                    id=len(episodes) + 1,
                    series_id=series_id,
                    tvdb_id=episode_tvdb,
                    season_number=season_number,
                    episode_number=number,
                    title=ep_title,
                    air_date_utc=air,
                    runtime=series.runtime,
                    overview=words.overviews[(episode_tvdb * 7) % len(words.overviews)],
                    monitored=series.seasons[season_number],
                    absolute_episode_number=absolute if anime else None,
                    finale_type="season" if number == per_season else None,
                )
                if air < now - timedelta(hours=6) and rng.random() < 0.93:
                    size = int(base_size * (0.7 + (episode_tvdb * 37) % 65 / 100))
                    file = EpisodeFile(
                        id=len(files) + 1,
                        series_id=series_id,
                        season_number=season_number,
                        relative_path=(
                            f"Season {season_number:02d}/{series.folder_name[: -len(f' ({year})')]}"
                            f" - S{season_number:02d}E{number:02d} - {ep_title} {q_name}.mkv"
                        ),
                        size=size,
                        date_added=min(
                            now, air + timedelta(hours=2 + episode_tvdb % 28)
                        ),
                        quality_id=quality_id,
                        release_group=group,
                        scene_name=(
                            f"{title.replace(' ', '.')}.S{season_number:02d}E{number:02d}."
                            f"{resolution}p.WEB.{media.video_codec}-{group}"
                        ),
                        media=media,
                    )
                    files.append(file)
                    episode.episode_file_id = file.id
                episodes.append(episode)
        all_series.append(series)
    return all_series, episodes, files


# --------------------------------------------------------------------------- music


def _music(
    count: int, seed: int, now: datetime, words: _Words
) -> tuple[list[Artist], list[Album], list[TrackFile]]:
    rng = random.Random(f"{seed}:music")
    artists: list[Artist] = []
    albums: list[Album] = []
    files: list[TrackFile] = []
    keep_every = max(4, count // 50 or 4)
    for index in range(count):
        form = rng.randrange(4)
        if form == 0:
            name = f"The {plural(rng.choice(_NOUNS))}"
        elif form == 1:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        elif form == 2:
            name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} & The {plural(rng.choice(_NOUNS))}"
        is_group = form in (0, 2, 3)
        artist = Artist(
            id=index + 1,
            mbid=_uuid(rng),
            name=name,
            sort_name=sort_title(name),
            overview=rng.choice(words.overviews),
            artist_type="Group" if is_group else "Person",
            status="continuing" if rng.random() < 0.8 else "ended",
            disambiguation="",
            genres=sorted(set(rng.sample(_MUSIC_GENRES, rng.randrange(1, 3)))),
            added=now - timedelta(days=rng.randrange(10, 5 * 365)),
            monitored=rng.random() < 0.9,
            quality_profile_id=2 if rng.random() < 0.6 else 3,
            metadata_profile_id=1,
            root_folder_path="/music",
            folder_name=_folder(name),
            tags=[1] if index % keep_every == 1 else [],
            rating=round(rng.uniform(5.0, 9.5), 1),
            votes=rng.randrange(0, 300),
            discogs_id=rng.randrange(1000, 9_000_000),
            tadb_id=rng.randrange(100_000, 200_000),
        )
        artists.append(artist)
        album_count = rng.randrange(2, 9)
        start_year = rng.randrange(1965, 2020)
        lossless = artist.quality_profile_id == 2
        for album_index in range(album_count):
            kind = rng.choices(("Album", "EP", "Single"), weights=(75, 15, 10))[0]
            tracks = {"Album": rng.randrange(8, 15), "EP": rng.randrange(4, 7)}.get(
                kind, rng.randrange(1, 4)
            )
            # Every seventh artist (the first included) has an album coming.
            upcoming = album_index == album_count - 1 and (
                index % 7 == 0 or rng.random() < 0.04
            )
            if upcoming:
                release = now + timedelta(days=rng.randrange(1, 30))
            else:
                release = datetime(
                    min(now.year - 1, start_year + album_index * rng.randrange(1, 4)),
                    rng.randrange(1, 13),
                    rng.randrange(1, 29),
                    tzinfo=UTC,
                )
                release = min(release, now - timedelta(days=7))
            title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
            album = Album(
                id=len(albums) + 1,
                artist_id=artist.id,
                release_group_mbid=_uuid(rng),
                release_mbid=_uuid(rng),
                title=title,
                overview="",
                album_type=kind,
                secondary_types=["Live"] if rng.random() < 0.05 else [],
                release_date=release,
                monitored=upcoming
                or (artist.monitored and (kind == "Album" or rng.random() < 0.3)),
                track_count=tracks,
                duration_ms=tracks * rng.randrange(170_000, 320_000),
                genres=list(artist.genres),
                rating=round(rng.uniform(5.0, 9.5), 1),
                votes=rng.randrange(0, 60),
                label=rng.choice(_LABELS),
                country=rng.choice(_COUNTRIES),
                media_format=rng.choice(("CD", "Digital Media", '12" Vinyl')),
                folder_name=_folder(f"{title} ({release.year})"),
            )
            albums.append(album)
            has_files = (
                not upcoming
                and (album.monitored or rng.random() < 0.5)
                and (rng.random() < 0.9)
            )
            if not has_files:
                continue
            quality_id = 6 if lossless else 4
            per_track = (32 if lossless else 9) * MB
            added = min(
                now, max(artist.added, release) + timedelta(days=rng.randrange(0, 30))
            )
            album_path = f"{artist.path}/{album.folder_name}"
            extension = "flac" if lossless else "mp3"
            for number in range(1, tracks + 1):
                track_title = words.track_titles[
                    (album.id * 31 + number) % len(words.track_titles)
                ]
                files.append(
                    TrackFile(
                        id=len(files) + 1,
                        artist_id=artist.id,
                        album_id=album.id,
                        track_number=number,
                        path=f"{album_path}/{number:02d} - {track_title}.{extension}",
                        size=int(
                            per_track
                            * (0.6 + ((album.id * 7 + number * 13) % 100) / 100)
                        ),
                        date_added=added,
                        quality_id=quality_id,
                        title=track_title,
                    )
                )
    return artists, albums, files


def generate_catalogue(
    movies: int, series: int, artists: int, seed: int, now: datetime
) -> Catalogue:
    """Draw the catalogue."""
    words = _words(random.Random(f"{seed}:words"))
    movie_list = _movies(movies, seed, now, words)
    series_list, episodes, episode_files = _series(series, seed, now, words)
    artist_list, albums, track_files = _music(artists, seed, now, words)
    return Catalogue(
        movie_list,
        series_list,
        episodes,
        episode_files,
        artist_list,
        albums,
        track_files,
    )


# --------------------------------------------------------------------------- arr states


def _disks(
    used: Mapping[str, int], extra: tuple[str, ...] = (), platform: str = "linux"
) -> list[Disk]:
    """Mounts sized so that each root folder disk is comfortably but not fully used.

    On Linux every root folder is a mount of its own (a container's
    volumes); on Windows the root folders share the data drive.
    """
    if platform == "windows":
        size = sum(used.values())
        total = max(4 * TB, -(-int(size * 1.35 + TB) // TB) * TB)
        return [
            Disk("C:\\", "System", 512 * GB, 201 * GB),
            Disk("D:\\", "Media", total, total - size - int(total * 0.04)),
        ]
    disks = [
        Disk("/", "/", 256 * GB, 181 * GB),
        Disk("/config", "/config", 256 * GB, 181 * GB),
    ]
    for path in (*used, *extra):
        size = used.get(path, 0)
        total = max(4 * TB, -(-int(size * 1.35 + TB) // TB) * TB)
        free = total - size - int(total * 0.04)
        mount = path.rstrip("/") or "/"
        disks.append(Disk(mount, mount, total, free))
    return disks


def _roots(name: str, primary: list[str], is_primary: bool, platform: str) -> list[str]:
    """Root folders of an instance, as its database stores them."""
    if is_primary:
        return primary
    if platform == "windows":
        # Picked in the web interface: a trailing backslash.
        return [f"D:\\Media\\{name.title()}\\"]
    return [f"/data/{name}"]


def instance_platform(seed: int, name: str, primary: bool) -> str:
    """Return the platform an *arr instance runs on (the first of a kind: Linux)."""
    if primary:
        return "linux"
    roll = random.Random(f"{seed}:{name}:platform").random()
    return "windows" if roll < 0.5 else "linux"


def _base_state[S: ArrState](
    cls: type[S],
    name: str,
    kind: str,
    disks: list[Disk],
    roots: list[str],
    tags: list[str],
    clock: Clock,
    now: datetime,
    platform: str = "linux",
) -> S:
    state = cls(
        name=name,
        kind=kind,
        disks=disks,
        root_folders=[
            RootFolder(
                i + 1,
                path,
                name=split_path(path)[1].replace("-", " ").title() or "Root",
            )
            for i, path in enumerate(roots)
        ],
        tags=[Tag(i + 1, label) for i, label in enumerate(tags)],
        queue=[],
        progress_start=now,
        clock=clock,
        platform=platform,
    )
    state.counters.update({"rootfolder": len(roots), "tag": len(tags)})
    return state


_QUEUE_SHAPES = (
    # (size GB, fraction left at start, rate MB/s, status, state, tracked status, message)
    (8.0, 0.6, 12.0, "downloading", "downloading", "ok", None),
    (4.0, 0.9, 1.5, "downloading", "downloading", "ok", None),
    (52.0, 0.95, 2.0, "downloading", "downloading", "ok", None),
    (
        6.0,
        0.4,
        0.0,
        "warning",
        "downloading",
        "warning",
        "The download is stalled with no connections",
    ),
    (3.0, 1.0, 0.0, "queued", "downloading", "ok", None),
    (2.5, 0.5, 0.0, "paused", "downloading", "ok", None),
    (
        7.0,
        0.0,
        0.0,
        "completed",
        "importBlocked",
        "warning",
        "Found matching release via grab history, but the file name does not match. Manual import required.",
    ),
)


def _queue(
    rng: random.Random,
    state: ArrState,
    targets: Sequence[tuple[int, int, int | None, str, int]],
    now: datetime,
    size_scale: float,
    count: int,
) -> None:
    """Fill a queue from (media id, sub id, season, release title, quality id) targets."""
    for index, (media_id, sub_id, season, title, quality_id) in enumerate(
        targets[:count]
    ):
        shape = _QUEUE_SHAPES[index % len(_QUEUE_SHAPES)]
        size_gb, left, rate_mb, status, tracked_state, tracked_status, message = shape
        size = int(size_gb * GB * size_scale * rng.uniform(0.8, 1.2))
        torrent = index % 3 != 1
        state.queue.append(
            QueueRecord(
                id=1_000 + index * 17 + rng.randrange(17),
                title=title,
                size=size,
                left_at_start=int(size * left),
                rate=int(rate_mb * MB * size_scale),
                added=now - timedelta(minutes=rng.randrange(5, 600)),
                status=status,
                tracked_state=tracked_state,
                tracked_status=tracked_status,
                protocol="torrent" if torrent else "usenet",
                download_client="qBittorrent" if torrent else "SABnzbd",
                indexer=rng.choice(_INDEXERS),
                download_id=f"{rng.getrandbits(160):040X}"
                if torrent
                else f"SABnzbd_nzo_{rng.getrandbits(40):010x}",
                quality_id=quality_id,
                media_id=media_id,
                sub_id=sub_id,
                season_number=season,
                # A stalled torrent: the download client's own message.
                error_message=message if status == "warning" else None,
                status_message=message,
            )
        )


def _imported(
    rng: random.Random,
    state: ArrState,
    target: tuple[int, int, int | None, str, int],
    now: datetime,
    size_scale: float,
) -> None:
    """Add a download just imported: listed as completed until the next refresh."""
    media_id, sub_id, season, title, quality_id = target
    size = int(3.0 * GB * size_scale * rng.uniform(0.8, 1.2))
    state.queue.append(
        QueueRecord(
            id=rng.randrange(10_000, 1 << 31),
            title=title,
            size=size,
            left_at_start=0,
            rate=0,
            added=now - timedelta(minutes=rng.randrange(30, 240)),
            status="completed",
            tracked_state="imported",
            tracked_status="ok",
            protocol="torrent",
            download_client="qBittorrent",
            indexer=rng.choice(_INDEXERS),
            download_id=f"{rng.getrandbits(160):040X}",
            quality_id=quality_id,
            media_id=media_id,
            sub_id=sub_id,
            season_number=season,
        )
    )


def _season_pack(
    rng: random.Random, state: SonarrState, now: datetime, size_scale: float
) -> None:
    """Add a whole season in one release: Sonarr lists one record per episode.

    Every record carries the download's id, release title, size and bytes
    left: the same download, once per episode it holds.
    """
    seasons: dict[tuple[int, int], list[Episode]] = {}
    for episode in state.episodes.values():
        if episode.air_date_utc is not None and episode.air_date_utc < now:
            key = (episode.series_id, episode.season_number)
            seasons.setdefault(key, []).append(episode)
    choices = sorted(key for key, episodes in seasons.items() if len(episodes) >= 3)
    if not choices:
        return
    series_id, season = choices[rng.randrange(len(choices))]
    episodes = sorted(seasons[(series_id, season)], key=lambda e: e.episode_number)
    show = state.series[series_id]
    group = rng.choice(_GROUPS_VIDEO)
    size = int(len(episodes) * 1.6 * GB * size_scale * rng.uniform(0.8, 1.2))
    download_id = f"{rng.getrandbits(160):040X}"
    added = now - timedelta(minutes=rng.randrange(5, 300))
    indexer = rng.choice(_INDEXERS)
    for episode in episodes:
        state.queue.append(
            QueueRecord(
                id=rng.randrange(10_000, 1 << 31),
                title=f"{show.title.replace(' ', '.')}.S{season:02d}.1080p.WEB.h264-{group}",
                size=size,
                left_at_start=int(size * 0.7),
                rate=int(6 * MB * size_scale),
                added=added,
                status="downloading",
                tracked_state="downloading",
                tracked_status="ok",
                protocol="torrent",
                download_client="qBittorrent",
                indexer=indexer,
                download_id=download_id,
                quality_id=3,
                media_id=series_id,
                sub_id=episode.id,
                season_number=season,
            )
        )


def _radarr_state(
    name: str,
    movies: list[Movie],
    clock: Clock,
    now: datetime,
    seed: int,
    primary: bool,
    platform: str = "linux",
) -> RadarrState:
    roots = _roots(name, ["/movies", "/movies-4k"], primary, platform)
    used: dict[str, int] = dict.fromkeys(roots, 0)
    for movie in movies:
        if movie.file is not None:
            used[movie.root_folder_path] = (
                used.get(movie.root_folder_path, 0) + movie.file.size
            )
    state = _base_state(
        RadarrState,
        name,
        "radarr",
        _disks(used, platform=platform),
        roots,
        [KEEP_TAG, "kids", "requested"],
        clock,
        now,
        platform,
    )
    state.movies = {m.id: m for m in movies}
    state.counters["movie"] = max((m.id for m in movies), default=0)
    state.counters["moviefile"] = max((m.file.id for m in movies if m.file), default=0)
    rng = random.Random(f"{seed}:{name}:queue")
    count = 7 + len(movies) // 4000
    wanted = [m for m in movies if m.file is None][:count] + [
        m for m in movies if m.file
    ][:count]
    targets = []
    for movie in wanted[:count]:
        quality_id = 19 if movie.root_folder_path.endswith("4k") else 7
        q_name = RADARR_QUALITIES[quality_id][0]
        release = f"{movie.title.replace(' ', '.')}.{movie.year}.{q_name}.x264-{rng.choice(_GROUPS_VIDEO)}"
        targets.append((movie.id, 0, None, release, quality_id))
    _queue(rng, state, targets, now, 1.0, count)
    imported = random.Random(f"{seed}:{name}:imported")
    done = [
        m for m in movies if m.file is not None and m.id not in {t[0] for t in targets}
    ]
    if done:
        movie = done[imported.randrange(len(done))]
        release = f"{movie.title.replace(' ', '.')}.{movie.year}.1080p.WEB-DL.x264-{imported.choice(_GROUPS_VIDEO)}"
        _imported(imported, state, (movie.id, 0, None, release, 3), now, 1.0)
    _history(
        state,
        [
            (
                m.id,
                0,
                m.file.scene_name or m.file.relative_path,
                m.file.quality_id,
                m.file.date_added,
            )
            for m in movies
            if m.file is not None
        ],
        "downloadFolderImported",
        rng,
    )
    return state


def _sonarr_state(
    name: str,
    series: list[Series],
    episodes: list[Episode],
    files: list[EpisodeFile],
    clock: Clock,
    now: datetime,
    seed: int,
    primary: bool,
    platform: str = "linux",
) -> SonarrState:
    roots = _roots(name, ["/tv/"], primary, platform)
    used = {roots[0]: sum(f.size for f in files)}
    state = _base_state(
        SonarrState,
        name,
        "sonarr",
        _disks(used, platform=platform),
        roots,
        [KEEP_TAG, "anime", "kids"],
        clock,
        now,
        platform,
    )
    state.series = {s.id: s for s in series}
    state.episodes = {e.id: e for e in episodes}
    state.episode_files = {f.id: f for f in files}
    for show in series:
        state.episodes_by_series[show.id] = []
    for episode in episodes:
        state.episodes_by_series[episode.series_id].append(episode.id)
    state.counters["series"] = max((s.id for s in series), default=0)
    state.counters["episode"] = max((e.id for e in episodes), default=0)
    state.counters["episodefile"] = max((f.id for f in files), default=0)
    rng = random.Random(f"{seed}:{name}:queue")
    by_id = state.series
    missing = [
        e
        for e in episodes
        if e.episode_file_id == 0 and e.air_date_utc and e.air_date_utc < now
    ]
    count = 7 + len(series) // 400
    targets = []
    for episode in (missing + episodes[:count])[:count]:
        show = by_id[episode.series_id]
        release = (
            f"{show.title.replace(' ', '.')}.S{episode.season_number:02d}E{episode.episode_number:02d}."
            f"1080p.WEB.h264-{rng.choice(_GROUPS_VIDEO)}"
        )
        targets.append((show.id, episode.id, episode.season_number, release, 3))
    _queue(rng, state, targets, now, 0.25, count)
    _season_pack(random.Random(f"{seed}:{name}:pack"), state, now, 0.25)
    imported = random.Random(f"{seed}:{name}:imported")
    done = [e for e in episodes if e.episode_file_id]
    if done:
        episode = done[imported.randrange(len(done))]
        show = by_id[episode.series_id]
        release = (
            f"{show.title.replace(' ', '.')}.S{episode.season_number:02d}E{episode.episode_number:02d}."
            f"720p.WEB.h264-{imported.choice(_GROUPS_VIDEO)}"
        )
        target = (show.id, episode.id, episode.season_number, release, 5)
        _imported(imported, state, target, now, 0.25)
    file_by_id = state.episode_files
    _history(
        state,
        [
            (
                e.series_id,
                e.id,
                file_by_id[e.episode_file_id].scene_name,
                3,
                file_by_id[e.episode_file_id].date_added,
            )
            for e in episodes
            if e.episode_file_id
        ],
        "downloadFolderImported",
        rng,
    )
    return state


def _lidarr_state(
    name: str,
    artists: list[Artist],
    albums: list[Album],
    files: list[TrackFile],
    clock: Clock,
    now: datetime,
    seed: int,
    primary: bool,
    platform: str = "linux",
) -> LidarrState:
    roots = _roots(name, ["/music"], primary, platform)
    used = {roots[0]: sum(f.size for f in files)}
    state = _base_state(
        LidarrState,
        name,
        "lidarr",
        _disks(used, platform=platform),
        roots,
        [KEEP_TAG, "favorites"],
        clock,
        now,
        platform,
    )
    state.artists = {a.id: a for a in artists}
    state.albums = {a.id: a for a in albums}
    state.track_files = {f.id: f for f in files}
    for artist in artists:
        state.albums_by_artist[artist.id] = []
    for album in sorted(albums, key=lambda a: (a.release_date or now, a.id)):
        state.albums_by_artist[album.artist_id].append(album.id)
    for file in files:
        state.files_by_album.setdefault(file.album_id, []).append(file.id)
    state.counters["artist"] = max((a.id for a in artists), default=0)
    state.counters["album"] = max((a.id for a in albums), default=0)
    state.counters["trackfile"] = max((f.id for f in files), default=0)
    rng = random.Random(f"{seed}:{name}:queue")
    by_artist = state.artists
    missing = [a for a in albums if a.id not in state.files_by_album]
    targets = []
    for album in (missing + albums[:4])[:4]:
        artist = by_artist[album.artist_id]
        release = f"{artist.name} - {album.title} ({album.release_date.year if album.release_date else ''}) [FLAC]"
        targets.append((artist.id, album.id, None, release, 6))
    _queue(rng, state, targets, now, 0.08, 4)
    imported = random.Random(f"{seed}:{name}:imported")
    done = [a for a in albums if a.id in state.files_by_album]
    if done:
        album = done[imported.randrange(len(done))]
        artist = by_artist[album.artist_id]
        release = f"{artist.name} - {album.title} [MP3 320]"
        _imported(imported, state, (artist.id, album.id, None, release, 4), now, 0.08)
    _history(
        state,
        [
            (
                a.artist_id,
                a.id,
                f"{by_artist[a.artist_id].name} - {a.title}",
                6,
                now - timedelta(days=a.id % 300),
            )
            for a in albums
            if a.id in state.files_by_album
        ],
        "downloadImported",
        rng,
    )
    return state


def _history(
    state: ArrState,
    imports: list[tuple[int, int, str, int, datetime]],
    import_event: str,
    rng: random.Random,
) -> None:
    """Grab and import events for the most recent imports (bounded in number)."""
    recent = sorted(imports, key=lambda i: i[4])[-40:]
    for media_id, sub_id, title, quality_id, date in recent:
        download_id = f"{rng.getrandbits(160):040X}"
        for event, when in (
            ("grabbed", date - timedelta(minutes=20)),
            (import_event, date),
        ):
            state.history.append(
                HistoryRecord(
                    id=state.next_id("history"),
                    event_type=event,
                    date=when,
                    source_title=title,
                    quality_id=quality_id,
                    media_id=media_id,
                    sub_id=sub_id,
                    download_id=download_id,
                    data={"indexer": rng.choice(_INDEXERS)}
                    if event == "grabbed"
                    else {},
                )
            )


def _subset_movies(movies: list[Movie], name: str, seed: int, root: str) -> list[Movie]:
    """Every fourth movie again, as a second (4K) instance holds them."""
    rng = random.Random(f"{seed}:{name}:movies")
    out: list[Movie] = []
    for movie in movies[::4]:
        copy = dataclasses.replace(
            movie,
            id=len(out) + 1,
            root_folder_path=root,
            quality_profile_id=5,
            tags=list(movie.tags),
            file=None,
        )
        if movie.file is not None:
            copy.file = _movie_file(rng, copy, len(out) + 1, four_k=True)
        out.append(copy)
    return out


def _subset_series(
    series: list[Series],
    episodes: list[Episode],
    files: list[EpisodeFile],
    root: str,
) -> tuple[list[Series], list[Episode], list[EpisodeFile]]:
    keep = {s.id for s in series[::4]}
    new_series: list[Series] = []
    series_ids: dict[int, int] = {}
    for show in series:
        if show.id in keep:
            series_ids[show.id] = len(new_series) + 1
            new_series.append(
                dataclasses.replace(
                    show,
                    id=series_ids[show.id],
                    root_folder_path=root,
                    seasons=dict(show.seasons),
                    tags=list(show.tags),
                )
            )
    file_ids: dict[int, int] = {}
    new_files: list[EpisodeFile] = []
    for file in files:
        if file.series_id in keep:
            file_ids[file.id] = len(new_files) + 1
            new_files.append(
                dataclasses.replace(
                    file, id=file_ids[file.id], series_id=series_ids[file.series_id]
                )
            )
    new_episodes = [
        dataclasses.replace(
            e,
            id=index + 1,
            series_id=series_ids[e.series_id],
            episode_file_id=file_ids.get(e.episode_file_id, 0),
        )
        for index, e in enumerate(x for x in episodes if x.series_id in keep)
    ]
    return new_series, new_episodes, new_files


def _subset_music(
    artists: list[Artist], albums: list[Album], files: list[TrackFile], root: str
) -> tuple[list[Artist], list[Album], list[TrackFile]]:
    keep = {a.id for a in artists[::4]}
    artist_ids = {a.id: i + 1 for i, a in enumerate(x for x in artists if x.id in keep)}
    new_artists = [
        dataclasses.replace(
            a, id=artist_ids[a.id], root_folder_path=root, tags=list(a.tags)
        )
        for a in artists
        if a.id in keep
    ]
    album_ids = {
        a.id: i + 1 for i, a in enumerate(x for x in albums if x.artist_id in keep)
    }
    new_albums = [
        dataclasses.replace(a, id=album_ids[a.id], artist_id=artist_ids[a.artist_id])
        for a in albums
        if a.artist_id in keep
    ]
    new_files: list[TrackFile] = []
    for file in files:
        if file.artist_id in keep:
            new_files.append(
                dataclasses.replace(
                    file,
                    id=len(new_files) + 1,
                    artist_id=artist_ids[file.artist_id],
                    album_id=album_ids[file.album_id],
                    path=join_path(root, file.path.removeprefix("/music/")),
                )
            )
    return new_artists, new_albums, new_files


# --------------------------------------------------------------------------- jellyfin


def _jellyfin_state(
    name: str, catalogue: Catalogue, seed: int, now: datetime
) -> JellyfinState:
    rng = random.Random(f"{seed}:{name}:jellyfin")
    users = [
        JellyfinUser(
            _hex_id(rng),
            "alice",
            True,
            now - timedelta(hours=3),
            now - timedelta(minutes=4),
        ),
        JellyfinUser(
            _hex_id(rng),
            "bob",
            False,
            now - timedelta(days=2),
            now - timedelta(hours=1),
        ),
    ]
    state = JellyfinState(
        name=name,
        server_id=_hex_id(rng),
        server_name="jellyfin",
        users=users,
        items={},
        children={},
        user_data={u.id: {} for u in users},
        sessions=[],
        library_folders=[],
        collections_folder_id="",
    )
    created = now - timedelta(days=6 * 365)
    new_id = _IdSequence(rng)
    folders = {}
    for folder_name, collection_type, path in (
        ("Movies", "movies", "/movies"),
        ("Shows", "tvshows", "/tv"),
        ("Music", "music", "/music"),
        ("Collections", "boxsets", "/config/data/collections"),
    ):
        folder_id = new_id()
        folders[collection_type] = folder_id
        state.add_item(
            JellyfinItem(
                id=folder_id,
                type="CollectionFolder",
                name=folder_name,
                sort_name=folder_name.lower(),
                parent_id=None,
                path=path,
                date_created=created,
                is_folder=True,
                collection_type=collection_type,
            )
        )
        state.library_folders.append(folder_id)
    state.collections_folder_id = folders["boxsets"]
    alice, bob = users
    watched: list[str] = []

    def watch(item_id: str, since: datetime, alice_p: float, bob_p: float) -> None:
        span = max(60.0, (now - since).total_seconds())
        for user, chance in ((alice, alice_p), (bob, bob_p)):
            favorite = rng.random() < 0.04
            if rng.random() < chance:
                count = 1 if rng.random() < 0.8 else rng.randrange(2, 6)
                when = since + timedelta(seconds=span * rng.random())
                state.user_data[user.id][item_id] = UserData(
                    True, count, when, favorite, 0
                )
                watched.append(item_id)
            elif favorite:
                state.user_data[user.id][item_id] = UserData(is_favorite=True)

    movies_folder = folders["movies"]
    for movie in catalogue.movies:
        if movie.file is None:
            continue
        item_id = new_id()
        state.add_item(
            JellyfinItem(
                id=item_id,
                type="Movie",
                name=movie.title,
                sort_name=sort_title(movie.title),
                parent_id=movies_folder,
                path=f"{movie.path}/{movie.file.relative_path}",
                date_created=movie.file.date_added + timedelta(minutes=3),
                provider_ids={"Tmdb": str(movie.tmdb_id), "Imdb": movie.imdb_id},
                premiere_date=movie.in_cinemas,
                production_year=movie.year,
                run_time_ticks=movie.runtime * 60 * TICKS_PER_SECOND,
                community_rating=round(movie.rating_tmdb, 1),
                official_rating=movie.certification,
                overview=movie.overview,
                genres=list(movie.genres),
            )
        )
        watch(item_id, movie.file.date_added, 0.45, 0.25)
    if len(catalogue.movies) >= 10:
        for index, title in enumerate(("Summer Holiday 2019", "Wedding Highlights")):
            item_id = new_id()
            state.add_item(
                JellyfinItem(
                    id=item_id,
                    type="Movie",
                    name=title,
                    sort_name=title.lower(),
                    parent_id=movies_folder,
                    path=f"/movies/Home Videos/{title}.mp4",
                    date_created=now - timedelta(days=400 + index * 90),
                    production_year=2019 + index,
                    run_time_ticks=(25 + index * 40) * 60 * TICKS_PER_SECOND,
                    # Shapes servers send: .NET's "no date" (MinValue with
                    # the offset of a server abroad, or MaxValue), and an
                    # item without watch data.
                    date_created_text=(
                        "0001-01-01T00:00:00.0000000+01:00",
                        "9999-12-31T23:59:59.9999999Z",
                    )[index],
                    without_user_data=True,
                )
            )

    shows_folder = folders["tvshows"]
    series_by_id = {s.id: s for s in catalogue.series}
    files_by_id = {f.id: f for f in catalogue.episode_files}
    episodes_by_series: dict[int, list[Episode]] = {}
    for episode in catalogue.episodes:
        if episode.episode_file_id:
            episodes_by_series.setdefault(episode.series_id, []).append(episode)
    for series_id, episodes in episodes_by_series.items():
        show = series_by_id[series_id]
        series_item = new_id()
        first_file = min(files_by_id[e.episode_file_id].date_added for e in episodes)
        state.add_item(
            JellyfinItem(
                id=series_item,
                type="Series",
                name=show.title,
                sort_name=sort_title(show.title),
                parent_id=shows_folder,
                path=show.path,
                date_created=first_file,
                provider_ids={
                    "Tvdb": str(show.tvdb_id),
                    "Tmdb": str(show.tmdb_id),
                    "Imdb": show.imdb_id,
                },
                premiere_date=show.first_aired,
                production_year=show.year,
                run_time_ticks=show.runtime * 60 * TICKS_PER_SECOND,
                community_rating=show.rating,
                official_rating=show.certification,
                overview=show.overview,
                genres=list(show.genres),
                is_folder=True,
                status="Ended" if show.status == "ended" else "Continuing",
            )
        )
        alice_progress = rng.random() if rng.random() < 0.6 else 0.0
        bob_progress = rng.random() if rng.random() < 0.35 else 0.0
        season_items: dict[int, str] = {}
        for position, episode in enumerate(episodes):
            season_id = season_items.get(episode.season_number)
            if season_id is None:
                season_id = new_id()
                season_items[episode.season_number] = season_id
                state.add_item(
                    JellyfinItem(
                        id=season_id,
                        type="Season",
                        name=f"Season {episode.season_number}",
                        sort_name=f"season {episode.season_number:03d}",
                        parent_id=series_item,
                        path=f"{show.path}/Season {episode.season_number:02d}",
                        date_created=first_file,
                        production_year=episode.air_date_utc.year
                        if episode.air_date_utc
                        else None,
                        is_folder=True,
                        series_id=series_item,
                        series_name=show.title,
                        index_number=episode.season_number,
                    )
                )
            file = files_by_id[episode.episode_file_id]
            item_id = new_id()
            state.add_item(
                JellyfinItem(
                    id=item_id,
                    type="Episode",
                    name=episode.title,
                    sort_name=f"{episode.season_number:03d} - {episode.episode_number:04d} - {episode.title.lower()}",
                    parent_id=season_id,
                    path=f"{show.path}/{file.relative_path}",
                    date_created=file.date_added,
                    provider_ids={"Tvdb": str(episode.tvdb_id)},
                    premiere_date=episode.air_date_utc,
                    production_year=episode.air_date_utc.year
                    if episode.air_date_utc
                    else None,
                    run_time_ticks=episode.runtime * 60 * TICKS_PER_SECOND,
                    overview=episode.overview,
                    series_id=series_item,
                    series_name=show.title,
                    season_id=season_id,
                    season_name=f"Season {episode.season_number}",
                    index_number=episode.episode_number,
                    parent_index_number=episode.season_number,
                )
            )
            fraction = position / len(episodes)
            for user, progress in ((alice, alice_progress), (bob, bob_progress)):
                if progress and fraction < progress:
                    when = file.date_added + timedelta(
                        days=1 + position % 20, hours=position % 5
                    )
                    state.user_data[user.id][item_id] = UserData(
                        True, 1, min(when, now), False, 0
                    )

    music_folder = folders["music"]
    # Albums of artists LCARS is told to keep: one of them is playing.
    kept_albums: list[tuple[Album, str, str, list[TrackFile]]] = []
    artists_by_id = {a.id: a for a in catalogue.artists}
    files_by_album: dict[int, list[TrackFile]] = {}
    for track in catalogue.track_files:
        files_by_album.setdefault(track.album_id, []).append(track)
    artist_items: dict[int, str] = {}
    for album in catalogue.albums:
        tracks = files_by_album.get(album.id)
        if not tracks:
            continue
        artist = artists_by_id[album.artist_id]
        artist_item = artist_items.get(artist.id)
        if artist_item is None:
            artist_item = new_id()
            artist_items[artist.id] = artist_item
            state.add_item(
                JellyfinItem(
                    id=artist_item,
                    type="MusicArtist",
                    name=artist.name,
                    sort_name=artist.sort_name,
                    parent_id=music_folder,
                    path=artist.path,
                    date_created=tracks[0].date_added,
                    provider_ids={"MusicBrainzArtist": artist.mbid},
                    overview=artist.overview,
                    genres=list(artist.genres),
                    is_folder=True,
                )
            )
        item_id = new_id()
        state.add_item(
            JellyfinItem(
                id=item_id,
                type="MusicAlbum",
                name=album.title,
                sort_name=album.title.lower(),
                parent_id=artist_item,
                path=f"{artist.path}/{album.folder_name}",
                date_created=tracks[0].date_added,
                provider_ids={
                    "MusicBrainzAlbum": album.release_mbid,
                    "MusicBrainzReleaseGroup": album.release_group_mbid,
                    "MusicBrainzAlbumArtist": artist.mbid,
                },
                premiere_date=album.release_date,
                production_year=album.release_date.year if album.release_date else None,
                run_time_ticks=album.duration_ms * 10_000,
                genres=list(album.genres),
                is_folder=True,
                album_artist=artist.name,
                artist_ids=[artist_item],
                child_count=len(tracks),
            )
        )
        watch(item_id, tracks[0].date_added, 0.4, 0.2)
        if 1 in artist.tags:
            kept_albums.append((album, artist_item, item_id, tracks))

    # Sessions: alice watches a movie, bob paused an episode, one idle client.
    movie_items = [
        i for i in state.items.values() if i.type == "Movie" and i.provider_ids
    ]
    episode_items = [i for i in state.items.values() if i.type == "Episode"]
    if movie_items:
        playing = movie_items[len(movie_items) // 2]
        state.sessions.append(
            JellyfinSession(
                id=new_id(),
                user_id=alice.id,
                client="Jellyfin Android TV",
                device_name="Living Room TV",
                device_id=new_id()[:16],
                app_version="0.18.11",
                remote_end_point="192.168.1.42",
                last_activity=now,
                item_id=playing.id,
                position_ticks=(playing.run_time_ticks or 0) // 3,
                play_started=now,
                play_method="DirectPlay",
            )
        )
    if episode_items:
        paused = episode_items[len(episode_items) // 3]
        state.sessions.append(
            JellyfinSession(
                id=new_id(),
                user_id=bob.id,
                client="Jellyfin Web",
                device_name="Firefox",
                device_id=new_id()[:16],
                app_version="10.10.7",
                remote_end_point="192.168.1.57",
                last_activity=now - timedelta(minutes=6),
                item_id=paused.id,
                position_ticks=(paused.run_time_ticks or 0) // 2,
                is_paused=True,
                play_started=now - timedelta(minutes=30),
                play_method="Transcode",
            )
        )
    state.sessions.append(
        JellyfinSession(
            id=new_id(),
            user_id=alice.id,
            client="Jellyfin iOS",
            device_name="iPhone",
            device_id=new_id()[:16],
            app_version="1.6.2",
            remote_end_point="192.168.1.61",
            last_activity=now - timedelta(minutes=40),
        )
    )
    if kept_albums:
        _audio_session(state, kept_albums[0], bob, new_id, now)
    _disabled_user(state, random.Random(f"{seed}:{name}:guest"), now)
    state.id_counter = 0
    return state


def _audio_session(
    state: JellyfinState,
    playing: tuple[Album, str, str, list[TrackFile]],
    user: JellyfinUser,
    new_id: _IdSequence,
    now: datetime,
) -> None:
    """Add the tracks of an album and a session playing one of them.

    A track belongs to an album (AlbumId), not to a series; its
    ParentIndexNumber is the disc.
    """
    album, artist_item, album_item, tracks = playing
    artist_name = state.items[artist_item].name
    items = []
    for track in tracks:
        item = JellyfinItem(
            id=new_id(),
            type="Audio",
            name=track.title,
            sort_name=f"{track.track_number:04d} - {track.title.lower()}",
            parent_id=album_item,
            path=track.path,
            date_created=track.date_added,
            run_time_ticks=(180 + track.track_number * 7) * TICKS_PER_SECOND,
            index_number=track.track_number,
            parent_index_number=1,
            album_artist=artist_name,
            artist_ids=[artist_item],
            album_id=album_item,
            album=album.title,
        )
        state.add_item(item)
        items.append(item)
    state.sessions.append(
        JellyfinSession(
            id=new_id(),
            user_id=user.id,
            client="Finamp",
            device_name="Pixel 8",
            device_id=new_id()[:16],
            app_version="0.9.12",
            remote_end_point="192.168.1.73",
            last_activity=now,
            item_id=items[len(items) // 2].id,
            play_started=now - timedelta(minutes=2),
        )
    )


def _disabled_user(state: JellyfinState, rng: random.Random, now: datetime) -> None:
    """Add a disabled user who watched things the others did not.

    Disabled users keep their watch data on the server; LCARS must not
    count it (nor offer the user).
    """
    guest = JellyfinUser(
        _hex_id(rng),
        "guest",
        False,
        now - timedelta(days=400),
        now - timedelta(days=380),
        is_disabled=True,
    )
    state.users.append(guest)
    watched_by_others = {
        item_id for data in state.user_data.values() for item_id in data
    }
    data = state.user_data.setdefault(guest.id, {})
    for item in state.items.values():
        if (
            item.type in ("Movie", "MusicAlbum")
            and item.id not in watched_by_others
            and rng.random() < 0.5
        ):
            when = now - timedelta(days=rng.randrange(380, 700))
            data[item.id] = UserData(True, 1, when, False, 0)


# --------------------------------------------------------------------------- jellyseerr


class _Plan(NamedTuple):
    """A Jellyseerr request to generate."""

    media_type: str
    tmdb_id: int
    tvdb_id: int | None
    imdb_id: str | None
    request_status: int
    media_status: int
    jellyfin_id: str | None


def _jellyseerr_state(
    name: str,
    catalogue: Catalogue,
    jellyfin: JellyfinState | None,
    seed: int,
    now: datetime,
) -> JellyseerrState:
    rng = random.Random(f"{seed}:{name}:seerr")
    alice_id = jellyfin.users[0].id if jellyfin else _hex_id(rng)
    bob_id = jellyfin.users[1].id if jellyfin else _hex_id(rng)
    users = [
        SeerrUser(
            1, "alice", "alice@example.com", alice_id, 2, now - timedelta(days=700)
        ),
        SeerrUser(2, "bob", "bob@example.com", bob_id, 32, now - timedelta(days=500)),
    ]
    state = JellyseerrState(name=name, users=users, media={}, requests={})
    jf_by_tmdb: dict[str, str] = {}
    jf_by_tvdb: dict[str, str] = {}
    if jellyfin is not None:
        for item in jellyfin.items.values():
            if item.type == "Movie" and "Tmdb" in item.provider_ids:
                jf_by_tmdb[item.provider_ids["Tmdb"]] = item.id
            elif item.type == "Series":
                jf_by_tvdb[item.provider_ids["Tvdb"]] = item.id

    with_file = [m for m in catalogue.movies if m.file is not None]
    upcoming = [m for m in catalogue.movies if m.status != "released"]
    shows = [s for s in catalogue.series if s.status != "upcoming"]
    new_shows = [s for s in catalogue.series if s.status == "upcoming"]
    # Approved and available, approved and processing, pending, declined, failed.
    plans: list[_Plan] = [
        *(
            _Plan(
                "movie",
                m.tmdb_id,
                None,
                m.imdb_id,
                2,
                5,
                jf_by_tmdb.get(str(m.tmdb_id)),
            )
            for m in with_file[: 4 + len(with_file) // 500]
        ),
        *(_Plan("movie", m.tmdb_id, None, m.imdb_id, 2, 3, None) for m in upcoming[:2]),
        *(
            _Plan(
                "movie", 2_000_000 + rng.randrange(100_000) + i, None, None, 1, 2, None
            )
            for i in range(3)
        ),
        _Plan("movie", 2_200_000 + rng.randrange(100_000), None, None, 3, 1, None),
        _Plan("movie", 2_300_000 + rng.randrange(100_000), None, None, 4, 3, None),
        *(
            _Plan(
                "tv",
                s.tmdb_id,
                s.tvdb_id,
                s.imdb_id,
                2,
                5 if s.status == "ended" else 4,
                jf_by_tvdb.get(str(s.tvdb_id)),
            )
            for s in shows[:2]
        ),
        *(
            _Plan("tv", s.tmdb_id, s.tvdb_id, s.imdb_id, 2, 3, None)
            for s in new_shows[:1]
        ),
        _Plan(
            "tv",
            300_000 + rng.randrange(50_000),
            500_000 + rng.randrange(50_000),
            None,
            1,
            2,
            None,
        ),
    ]
    for index, plan in enumerate(plans):
        created = now - timedelta(
            days=rng.randrange(1, 200), minutes=rng.randrange(1440)
        )
        approved = plan.request_status == 2
        media_id = index + 1
        state.media[media_id] = SeerrMedia(
            id=media_id,
            media_type=plan.media_type,
            tmdb_id=plan.tmdb_id,
            tvdb_id=plan.tvdb_id,
            imdb_id=plan.imdb_id,
            status=plan.media_status,
            created=created,
            updated=created + timedelta(hours=rng.randrange(1, 48)),
            jellyfin_media_id=plan.jellyfin_id,
            service_id=0 if approved else None,
            external_service_id=rng.randrange(1, 500) if approved else None,
            external_service_slug=str(plan.tmdb_id) if approved else None,
        )
        state.requests[index + 1] = SeerrRequest(
            id=index + 1,
            status=plan.request_status,
            media_id=media_id,
            requested_by=users[index % 2].id,
            modified_by=1 if plan.request_status in (2, 3) else None,
            created=created,
            updated=created + timedelta(minutes=rng.randrange(1, 600)),
            seasons=[1] if plan.media_type == "tv" else [],
            # Jellyseerr leaves server, profile, folder and tags null until
            # a request is approved (or sent with overrides).
            root_folder=(
                ("/movies" if plan.media_type == "movie" else "/tv")
                if approved
                else None
            ),
            profile_id=4 if approved else None,
            server_id=0 if approved else None,
            tags=[] if approved else None,
        )
    return state


# --------------------------------------------------------------------------- entry


def generate(
    *,
    movies: int,
    series: int,
    artists: int,
    seed: int,
    instances: Mapping[str, str],
    clock: Clock,
    platforms: Mapping[str, str] | None = None,
) -> State:
    """Build the state of every instance (name -> kind).

    `platforms` puts *arr instances on "linux" or "windows"; by default the
    first instance of a kind runs on Linux and the seed decides for others.
    """
    for name, kind in instances.items():
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} for {name!r}")
    for name, platform in (platforms or {}).items():
        if platform not in ("linux", "windows"):
            raise ValueError(f"unknown platform {platform!r} for {name!r}")
    # Generation makes millions of long-lived objects and no garbage cycles:
    # collector passes would only slow it down.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(
            movies, series, artists, seed, instances, clock, platforms or {}
        )
    finally:
        if collecting:
            gc.enable()


def _generate(
    movies: int,
    series: int,
    artists: int,
    seed: int,
    instances: Mapping[str, str],
    clock: Clock,
    platforms: Mapping[str, str],
) -> State:
    now = clock.now().replace(microsecond=0)
    catalogue = generate_catalogue(movies, series, artists, seed, now)
    services: dict[str, ServiceState] = {}
    seen: set[str] = set()
    jellyfin: JellyfinState | None = None
    for name, kind in instances.items():
        primary = kind not in seen
        seen.add(kind)
        platform = platforms.get(name) or instance_platform(seed, name, primary)
        if primary and platform != "linux":
            # The first instance of a kind holds the catalogue Jellyfin
            # mirrors, at Linux paths.
            raise ValueError(f"{name!r} is the first {kind} and runs on Linux")
        root = _roots(name, [], False, platform)[0]
        if kind == "radarr":
            source = (
                catalogue.movies
                if primary
                else _subset_movies(catalogue.movies, name, seed, root)
            )
            services[name] = _radarr_state(
                name, source, clock, now, seed, primary, platform
            )
        elif kind == "sonarr":
            if primary:
                parts = (catalogue.series, catalogue.episodes, catalogue.episode_files)
            else:
                parts = _subset_series(
                    catalogue.series, catalogue.episodes, catalogue.episode_files, root
                )
            services[name] = _sonarr_state(
                name, *parts, clock, now, seed, primary, platform
            )
        elif kind == "lidarr":
            if primary:
                music = (catalogue.artists, catalogue.albums, catalogue.track_files)
            else:
                music = _subset_music(
                    catalogue.artists, catalogue.albums, catalogue.track_files, root
                )
            services[name] = _lidarr_state(
                name, *music, clock, now, seed, primary, platform
            )
        elif kind == "jellyfin":
            state = _jellyfin_state(name, catalogue, seed if primary else seed + 1, now)
            jellyfin = jellyfin or state
            services[name] = state
    for name, kind in instances.items():
        if kind == "jellyseerr":
            services[name] = _jellyseerr_state(name, catalogue, jellyfin, seed, now)
    return State(clock=clock, services=services, seed=seed)
