"""The metadata world: what TMDb, TVDb and MusicBrainz would answer.

The *arr look new titles up in their metadata services (Radarr's and
Sonarr's SkyHook, Lidarr's LidarrAPI). The simulator answers from a small,
fixed, hand-written catalogue that every test can rely on (two "Dune"
movies, two "Nirvana" told apart by their disambiguation, titles with
accents and Spanish originals) plus every item of the generated libraries,
which are real titles of that world too.

This module holds the catalogue and the search (folding, id terms, ranking);
the services turn what it finds into their own resources. It imports nothing
else of the simulator, so the library generator can keep its ids apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
import re
from typing import Any
import unicodedata
import uuid

# At most this many results, as the metadata services answer one page.
MAX_RESULTS = 20

# The year of a title term may lie this far in the future (announced films).
_FUTURE_YEARS = 5
_YEAR_PAREN = re.compile(r"^(?P<title>.+?)\s*\((?P<year>\d{4})\)\s*$")
_YEAR_TAIL = re.compile(r"^(?P<title>.+?)[\s._-]+(?P<year>\d{4})\s*$")
_IMDB = re.compile(r"^tt\d{5,10}$")
_IMDB_URL = re.compile(r"\bimdb\.com/title/(tt\d{7,})\b", re.IGNORECASE)
_TMDB_URL = re.compile(r"\bthemoviedb\.org/movie/(\d+)\b", re.IGNORECASE)


def _mbid(name: str) -> str:
    """Return a stable MusicBrainz-like id for entries without a real one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lcars-simulator:{name}"))


def _date(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class MovieInfo:
    """A movie as TMDb knows it."""

    tmdb_id: int
    imdb_id: str
    title: str
    year: int
    original_title: str
    alternate_titles: tuple[str, ...]
    overview: str
    runtime: int
    genres: tuple[str, ...]
    studio: str
    certification: str
    original_language: tuple[int, str]
    released: datetime
    rating: float
    votes: int
    popularity: float
    collection: tuple[str, int] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it can be found by."""
        return (self.title, self.original_title, *self.alternate_titles)


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """A series as TVDb knows it; `seasons` are episode counts by season number."""

    tvdb_id: int
    tmdb_id: int
    imdb_id: str
    title: str
    year: int
    alternate_titles: tuple[str, ...]
    overview: str
    network: str
    runtime: int
    status: str
    genres: tuple[str, ...]
    seasons: tuple[tuple[int, int], ...]
    first_aired: datetime
    certification: str
    original_language: tuple[int, str]
    rating: float
    votes: int
    popularity: float
    air_time: str = "21:00"
    # TMDb's name and original name, where they differ from TVDb's title
    # ("The Office (US)" is "The Office" on TMDb); Jellyseerr shows these.
    tmdb_name: str = ""
    tmdb_original_name: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it can be found by."""
        return (self.title, *self.alternate_titles)


@dataclass(frozen=True, slots=True)
class AlbumInfo:
    """A release group as MusicBrainz knows it."""

    mbid: str
    release_mbid: str
    artist_mbid: str
    title: str
    album_type: str
    released: datetime
    track_count: int
    duration_ms: int
    genres: tuple[str, ...]
    label: str
    rating: float
    votes: int

    @property
    def year(self) -> int:
        """The release year."""
        return self.released.year


@dataclass(frozen=True, slots=True)
class ArtistInfo:
    """An artist as MusicBrainz knows it."""

    mbid: str
    name: str
    sort_name: str
    disambiguation: str
    artist_type: str
    status: str
    overview: str
    genres: tuple[str, ...]
    rating: float
    votes: int
    popularity: float
    albums: tuple[AlbumInfo, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Every name it can be found by."""
        return (self.name,)

    @property
    def year(self) -> int:
        """The year of its first album (0 when none)."""
        return min((a.year for a in self.albums), default=0)


ENGLISH = (1, "English")
FRENCH = (2, "French")
SPANISH = (3, "Spanish")
JAPANESE = (8, "Japanese")

MOVIES: tuple[MovieInfo, ...] = (
    MovieInfo(
        tmdb_id=841,
        imdb_id="tt0087182",
        title="Dune",
        year=1984,
        original_title="Dune",
        alternate_titles=("Dune (1984)",),
        overview="In the year 10,191, the most precious substance in the universe "
        "is the spice Melange, found only on the desert planet Arrakis.",
        runtime=137,
        genres=("Action", "Science Fiction", "Adventure"),
        studio="Dino De Laurentiis Company",
        certification="PG-13",
        original_language=ENGLISH,
        released=_date(1984, 12, 14),
        rating=6.3,
        votes=3100,
        popularity=31.2,
    ),
    MovieInfo(
        tmdb_id=438631,
        imdb_id="tt1160419",
        title="Dune",
        year=2021,
        original_title="Dune",
        alternate_titles=("Dune: Part One", "Dune Part 1"),
        overview="Paul Atreides, a brilliant and gifted young man born into a great "
        "destiny beyond his understanding, must travel to the most dangerous "
        "planet in the universe.",
        runtime=155,
        genres=("Science Fiction", "Adventure"),
        studio="Legendary Pictures",
        certification="PG-13",
        original_language=ENGLISH,
        released=_date(2021, 9, 15),
        rating=7.8,
        votes=12500,
        popularity=120.5,
        collection=("Dune Collection", 726871),
    ),
    MovieInfo(
        tmdb_id=693134,
        imdb_id="tt15239678",
        title="Dune: Part Two",
        year=2024,
        original_title="Dune: Part Two",
        alternate_titles=("Dune 2",),
        overview="Follow the mythic journey of Paul Atreides as he unites with "
        "Chani and the Fremen while on a path of revenge.",
        runtime=167,
        genres=("Science Fiction", "Adventure"),
        studio="Legendary Pictures",
        certification="PG-13",
        original_language=ENGLISH,
        released=_date(2024, 2, 27),
        rating=8.1,
        votes=6900,
        popularity=210.3,
        collection=("Dune Collection", 726871),
    ),
    MovieInfo(
        tmdb_id=1417,
        imdb_id="tt0457430",
        title="Pan's Labyrinth",
        year=2006,
        original_title="El laberinto del fauno",
        alternate_titles=("El laberinto del fauno", "Laberinto del fauno"),
        overview="Living with her tyrannical stepfather in a new home with her "
        "pregnant mother, 10-year-old Ofelia feels alone until she explores a "
        "decaying labyrinth guarded by a mysterious faun.",
        runtime=119,
        genres=("Fantasy", "Drama", "War"),
        studio="Estudios Picasso",
        certification="R",
        original_language=SPANISH,
        released=_date(2006, 10, 11),
        rating=7.8,
        votes=10800,
        popularity=25.4,
    ),
    MovieInfo(
        tmdb_id=194,
        imdb_id="tt0211915",
        title="Amélie",
        year=2001,
        original_title="Le Fabuleux Destin d'Amélie Poulain",
        alternate_titles=("Amelie", "The Fabulous Destiny of Amélie Poulain"),
        overview="At a tiny Parisian café, the adorable yet painfully shy Amélie "
        "accidentally discovers a gift for helping others.",
        runtime=122,
        genres=("Comedy", "Romance"),
        studio="Claudie Ossard Productions",
        certification="R",
        original_language=FRENCH,
        released=_date(2001, 4, 25),
        rating=7.9,
        votes=11700,
        popularity=22.8,
    ),
    MovieInfo(
        tmdb_id=1678,
        imdb_id="tt0047034",
        title="Godzilla",
        year=1954,
        original_title="ゴジラ",
        alternate_titles=("Gojira",),
        overview="Japan is thrown into a panic after several ships explode and are "
        "sunk near Odo Island.",
        runtime=96,
        genres=("Horror", "Science Fiction"),
        studio="Toho",
        certification="NR",
        original_language=JAPANESE,
        released=_date(1954, 11, 3),
        rating=7.5,
        votes=1400,
        popularity=18.1,
    ),
    MovieInfo(
        tmdb_id=929,
        imdb_id="tt0120685",
        title="Godzilla",
        year=1998,
        original_title="Godzilla",
        alternate_titles=(),
        overview="French atomic tests in the South Pacific irradiate an iguana's "
        "nest, which by 1998 has become a gigantic creature.",
        runtime=139,
        genres=("Science Fiction", "Action", "Thriller"),
        studio="TriStar Pictures",
        certification="PG-13",
        original_language=ENGLISH,
        released=_date(1998, 5, 19),
        rating=5.5,
        votes=4700,
        popularity=28.6,
    ),
    MovieInfo(
        tmdb_id=124905,
        imdb_id="tt0831387",
        title="Godzilla",
        year=2014,
        original_title="Godzilla",
        alternate_titles=(),
        overview="Ford Brody, a Navy bomb expert, has just reunited with his family "
        "in San Francisco when he is forced to go to Japan.",
        runtime=123,
        genres=("Action", "Science Fiction", "Thriller"),
        studio="Legendary Pictures",
        certification="PG-13",
        original_language=ENGLISH,
        released=_date(2014, 5, 14),
        rating=6.3,
        votes=9600,
        popularity=35.7,
    ),
    MovieInfo(
        tmdb_id=603,
        imdb_id="tt0133093",
        title="The Matrix",
        year=1999,
        original_title="The Matrix",
        alternate_titles=("Matrix",),
        overview="Set in the 22nd century, The Matrix tells the story of a computer "
        "hacker who joins a group of underground insurgents fighting the vast "
        "and powerful computers who now rule the earth.",
        runtime=136,
        genres=("Action", "Science Fiction"),
        studio="Village Roadshow Pictures",
        certification="R",
        original_language=ENGLISH,
        released=_date(1999, 3, 31),
        rating=8.2,
        votes=26000,
        popularity=80.9,
        collection=("The Matrix Collection", 2344),
    ),
    MovieInfo(
        tmdb_id=604,
        imdb_id="tt0234215",
        title="The Matrix Reloaded",
        year=2003,
        original_title="The Matrix Reloaded",
        alternate_titles=("Matrix Reloaded",),
        overview="Six months after the events depicted in The Matrix, Neo has "
        "proved to be a good omen for the free humans.",
        runtime=138,
        genres=("Adventure", "Action", "Thriller", "Science Fiction"),
        studio="Village Roadshow Pictures",
        certification="R",
        original_language=ENGLISH,
        released=_date(2003, 5, 15),
        rating=7.1,
        votes=11000,
        popularity=45.2,
        collection=("The Matrix Collection", 2344),
    ),
)

SERIES: tuple[SeriesInfo, ...] = (
    SeriesInfo(
        tvdb_id=71343,
        tmdb_id=1920,
        imdb_id="tt0142032",
        title="Frank Herbert's Dune",
        year=2000,
        alternate_titles=("Dune",),
        overview="The story of Paul Atreides, heir of a noble family entrusted with "
        "the desert planet Arrakis, the only source of the spice.",
        network="Sci Fi Channel",
        runtime=95,
        status="ended",
        genres=("Drama", "Science Fiction", "Mini-Series"),
        seasons=((1, 3),),
        first_aired=_date(2000, 12, 3),
        certification="TV-14",
        original_language=ENGLISH,
        rating=6.9,
        votes=420,
        popularity=8.1,
    ),
    SeriesInfo(
        tvdb_id=420357,
        tmdb_id=90228,
        imdb_id="tt10466872",
        title="Dune: Prophecy",
        year=2024,
        alternate_titles=("Dune: The Sisterhood",),
        overview="Ten thousand years before the ascension of Paul Atreides, two "
        "Harkonnen sisters found the legendary sect known as the Bene Gesserit.",
        network="HBO",
        runtime=60,
        status="continuing",
        genres=("Drama", "Science Fiction"),
        seasons=((0, 1), (1, 6)),
        first_aired=_date(2024, 11, 17),
        certification="TV-MA",
        original_language=ENGLISH,
        rating=7.2,
        votes=310,
        popularity=95.4,
    ),
    SeriesInfo(
        tvdb_id=73244,
        tmdb_id=2316,
        imdb_id="tt0386676",
        title="The Office (US)",
        tmdb_name="The Office",
        year=2005,
        alternate_titles=("The Office",),
        overview="The everyday lives of office employees in the Scranton, "
        "Pennsylvania branch of the fictional Dunder Mifflin Paper Company.",
        network="NBC",
        runtime=22,
        status="ended",
        genres=("Comedy",),
        seasons=(
            (0, 30),
            (1, 6),
            (2, 22),
            (3, 25),
            (4, 19),
            (5, 28),
            (6, 26),
            (7, 26),
            (8, 24),
            (9, 25),
        ),
        first_aired=_date(2005, 3, 24),
        certification="TV-14",
        original_language=ENGLISH,
        rating=8.6,
        votes=4200,
        popularity=210.8,
        air_time="21:00",
    ),
    SeriesInfo(
        tvdb_id=78107,
        tmdb_id=2996,
        imdb_id="tt0290978",
        title="The Office (UK)",
        tmdb_name="The Office",
        year=2001,
        alternate_titles=("The Office",),
        overview="A mockumentary about life in a mundane British office, run by the "
        "self-deluded manager David Brent.",
        network="BBC Two",
        runtime=30,
        status="ended",
        genres=("Comedy",),
        seasons=((0, 2), (1, 6), (2, 6)),
        first_aired=_date(2001, 7, 9),
        certification="TV-MA",
        original_language=ENGLISH,
        rating=8.1,
        votes=900,
        popularity=30.2,
        air_time="21:30",
    ),
    SeriesInfo(
        tvdb_id=327417,
        tmdb_id=71446,
        imdb_id="tt6468322",
        title="La casa de papel",
        tmdb_name="Money Heist",
        tmdb_original_name="La casa de papel",
        year=2017,
        alternate_titles=("Money Heist", "La Casa de Papel (2017)"),
        overview="To carry out the biggest heist in history, a mysterious man called "
        "The Professor recruits a band of eight robbers.",
        network="Netflix",
        runtime=50,
        status="ended",
        genres=("Crime", "Drama", "Thriller"),
        seasons=((1, 9), (2, 6), (3, 8), (4, 8), (5, 10)),
        first_aired=_date(2017, 5, 2),
        certification="TV-MA",
        original_language=SPANISH,
        rating=8.2,
        votes=19000,
        popularity=120.1,
    ),
    SeriesInfo(
        tvdb_id=77164,
        tmdb_id=4140,
        imdb_id="tt0080274",
        title="Shōgun",
        year=1980,
        alternate_titles=("Shogun (1980)",),
        overview="English navigator John Blackthorne is shipwrecked in feudal Japan "
        "and rises to become a samurai.",
        network="NBC",
        runtime=120,
        status="ended",
        genres=("Adventure", "Drama", "History", "Mini-Series"),
        seasons=((1, 5),),
        first_aired=_date(1980, 9, 15),
        certification="TV-14",
        original_language=ENGLISH,
        rating=7.9,
        votes=160,
        popularity=12.3,
    ),
    SeriesInfo(
        tvdb_id=390430,
        tmdb_id=126308,
        imdb_id="tt2788316",
        title="Shōgun",
        year=2024,
        alternate_titles=("Shogun", "SHOGUN"),
        overview="When a mysterious European ship is found marooned in a nearby "
        "fishing village, Lord Yoshii Toranaga discovers secrets that could tip "
        "the scales of power.",
        network="FX",
        runtime=60,
        status="continuing",
        genres=("Adventure", "Drama", "History", "War"),
        seasons=((1, 10), (2, 0)),
        first_aired=_date(2024, 2, 27),
        certification="TV-MA",
        original_language=ENGLISH,
        rating=8.6,
        votes=2100,
        popularity=150.7,
    ),
)


def _album(
    artist_mbid: str,
    title: str,
    released: datetime,
    tracks: int,
    *,
    mbid: str = "",
    album_type: str = "Album",
    genres: tuple[str, ...] = (),
    label: str = "",
    rating: float = 8.0,
) -> AlbumInfo:
    return AlbumInfo(
        mbid=mbid or _mbid(f"album:{artist_mbid}:{title}"),
        release_mbid=_mbid(f"release:{artist_mbid}:{title}"),
        artist_mbid=artist_mbid,
        title=title,
        album_type=album_type,
        released=released,
        track_count=tracks,
        duration_ms=tracks * 241_000,
        genres=genres,
        label=label,
        rating=rating,
        votes=120,
    )


_NIRVANA_US = "5b11f4ce-a62d-471e-81fc-a69a8278c7da"
_NIRVANA_UK = "9282c8b4-ca0b-4c6b-b7e3-4f7762dfc4d6"
_BJORK = "87c5dedd-371d-4a53-9f7f-80522fb7f3cb"
_SIGUR_ROS = "f6f2326f-6b25-4170-b89d-e235b25508e8"

ARTISTS: tuple[ArtistInfo, ...] = (
    ArtistInfo(
        mbid=_NIRVANA_US,
        name="Nirvana",
        sort_name="Nirvana",
        disambiguation="US grunge band",
        artist_type="Group",
        status="ended",
        overview="Nirvana was an American rock band formed in Aberdeen, "
        "Washington, in 1987.",
        genres=("Grunge", "Alternative Rock"),
        rating=9.1,
        votes=800,
        popularity=95.0,
        albums=(
            _album(
                _NIRVANA_US,
                "Bleach",
                _date(1989, 6, 15),
                11,
                mbid="f1afec0b-26dd-3db5-9aa1-c91229a74a24",
                genres=("Grunge",),
                label="Sub Pop",
            ),
            _album(
                _NIRVANA_US,
                "Nevermind",
                _date(1991, 9, 24),
                13,
                mbid="1b022e01-4da6-387b-8658-8678046e4cef",
                genres=("Grunge",),
                label="DGC",
                rating=9.4,
            ),
            _album(
                _NIRVANA_US,
                "In Utero",
                _date(1993, 9, 21),
                12,
                mbid="2a0981fb-9593-3019-864b-ce934d97a16e",
                genres=("Grunge",),
                label="DGC",
            ),
        ),
    ),
    ArtistInfo(
        mbid=_NIRVANA_UK,
        name="Nirvana",
        sort_name="Nirvana",
        disambiguation="60s band from the UK",
        artist_type="Group",
        status="ended",
        overview="Nirvana are a British psychedelic pop band formed in London in 1967.",
        genres=("Psychedelic Pop", "Baroque Pop"),
        rating=7.2,
        votes=40,
        popularity=6.0,
        albums=(
            _album(
                _NIRVANA_UK,
                "The Story of Simon Simopath",
                _date(1968, 1, 1),
                12,
                genres=("Psychedelic Pop",),
                label="Island",
            ),
            _album(
                _NIRVANA_UK,
                "All of Us",
                _date(1968, 9, 1),
                11,
                genres=("Psychedelic Pop",),
                label="Island",
            ),
        ),
    ),
    ArtistInfo(
        mbid=_BJORK,
        name="Björk",
        sort_name="Björk",
        disambiguation="",
        artist_type="Person",
        status="continuing",
        overview="Björk Guðmundsdóttir is an Icelandic singer, songwriter and "
        "record producer.",
        genres=("Art Pop", "Electronic"),
        rating=8.7,
        votes=500,
        popularity=60.0,
        albums=(
            _album(_BJORK, "Debut", _date(1993, 7, 5), 11, label="One Little Indian"),
            _album(_BJORK, "Post", _date(1995, 6, 13), 11, label="One Little Indian"),
            _album(
                _BJORK,
                "Homogenic",
                _date(1997, 9, 22),
                10,
                genres=("Art Pop", "Electronic"),
                label="One Little Indian",
                rating=9.0,
            ),
            _album(
                _BJORK, "Vespertine", _date(2001, 8, 27), 12, label="One Little Indian"
            ),
        ),
    ),
    ArtistInfo(
        mbid=_SIGUR_ROS,
        name="Sigur Rós",
        sort_name="Sigur Rós",
        disambiguation="",
        artist_type="Group",
        status="continuing",
        overview="Sigur Rós is an Icelandic post-rock band from Reykjavík, "
        "formed in 1994.",
        genres=("Post-Rock", "Ambient"),
        rating=8.8,
        votes=300,
        popularity=40.0,
        albums=(
            _album(
                _SIGUR_ROS, "Ágætis byrjun", _date(1999, 6, 12), 10, label="Smekkleysa"
            ),
            _album(_SIGUR_ROS, "( )", _date(2002, 10, 28), 8, label="Fat Cat"),
            _album(_SIGUR_ROS, "Takk...", _date(2005, 9, 12), 11, label="EMI"),
        ),
    ),
)

ALBUMS: tuple[AlbumInfo, ...] = tuple(a for artist in ARTISTS for a in artist.albums)

# Ids the generated libraries must not use, so a catalogue title is never
# mistaken for a generated one (and the reverse).
RESERVED_MOVIE_TMDB: frozenset[int] = frozenset(m.tmdb_id for m in MOVIES)
RESERVED_SERIES_TVDB: frozenset[int] = frozenset(s.tvdb_id for s in SERIES)
RESERVED_SERIES_TMDB: frozenset[int] = frozenset(s.tmdb_id for s in SERIES)
RESERVED_IMDB: frozenset[int] = frozenset(
    int(imdb_id[2:])
    for imdb_id in (*(m.imdb_id for m in MOVIES), *(s.imdb_id for s in SERIES))
)


def keep_apart(ids: list[int], reserved: frozenset[int], shift: int) -> list[int]:
    """Move generated ids off the reserved ones, keeping them unique.

    A clashing id moves by `shift` (past the generator's range) until it is
    free; the others keep their value, so seeded libraries stay the same.
    """
    taken = set(ids)
    out = []
    for value in ids:
        moved = value
        if moved in reserved:
            moved += shift
            while moved in taken or moved in reserved:
                moved += shift
            taken.add(moved)
        out.append(moved)
    return out


# --------------------------------------------------------------------------- search


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Fold a title for matching: no accents, no case, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = bare.casefold().replace("&", " and ").replace("'", "")
    return " ".join("".join(ch if ch.isalnum() else " " for ch in lowered).split())


def words(text: str) -> tuple[str, ...]:
    """Return the folded words of a text."""
    return tuple(fold(text).split())


@dataclass(frozen=True, slots=True)
class TitleTerm:
    """A title search, with the year the term ended with (if any)."""

    text: str
    year: int | None


@dataclass(frozen=True, slots=True)
class IdTerm:
    """A lookup by id: `kind` is tmdb, imdb, tvdb or mbid; None value is unparseable."""

    kind: str
    value: int | str | None


def split_year(text: str, now_year: int) -> TitleTerm:
    """`Dune 2021` and `Dune (2021)` give the title and the year; `2001` stays a title."""
    stripped = text.strip()
    for pattern in (_YEAR_PAREN, _YEAR_TAIL):
        match = pattern.match(stripped)
        if match is None:
            continue
        year = int(match.group("year"))
        title = match.group("title").strip()
        if 1870 <= year <= now_year + _FUTURE_YEARS and fold(title):
            return TitleTerm(title, year)
    return TitleTerm(stripped, None)


def _slug(text: str) -> str | None:
    """Return what follows the first `:` of an id term (None when unusable)."""
    slug = text.split(":", 1)[1].strip()
    if not slug or any(ch.isspace() for ch in slug):
        return None
    return slug


def _positive_int(slug: str | None) -> int | None:
    if slug is None or not slug.isdigit():
        return None
    value = int(slug)
    return value if 0 < value < 2**31 else None


def _guid(slug: str | None) -> str | None:
    if slug is None:
        return None
    try:
        return str(uuid.UUID(slug))
    except ValueError:
        return None


def parse_movie_term(term: str, now_year: int) -> IdTerm | TitleTerm:
    """Radarr's term grammar (SkyHookProxy.SearchForNewMovie)."""
    url = _IMDB_URL.search(term)
    if url is not None:
        term = f"imdb:{url.group(1)}"
    else:
        url = _TMDB_URL.search(term)
        if url is not None:
            term = f"tmdb:{url.group(1)}"
    lower = term.strip().lower()
    if lower.startswith(("imdb:", "imdbid:")):
        slug = _slug(lower)
        return IdTerm("imdb", slug if slug and _IMDB.match(slug) else None)
    if lower.startswith(("tmdb:", "tmdbid:")):
        return IdTerm("tmdb", _positive_int(_slug(lower)))
    if _IMDB.match(lower):
        return IdTerm("imdb", lower)
    return split_year(term, now_year)


def parse_series_term(term: str, now_year: int) -> IdTerm | TitleTerm:
    """Sonarr's term grammar: `tvdb:`/`tvdbid:`; SkyHook also takes `tmdb:` and `imdb:`."""
    lower = term.strip().lower()
    if lower.startswith(("tvdb:", "tvdbid:")):
        return IdTerm("tvdb", _positive_int(_slug(lower)))
    if lower.startswith(("tmdb:", "tmdbid:")):
        return IdTerm("tmdb", _positive_int(_slug(lower)))
    if lower.startswith(("imdb:", "imdbid:")):
        slug = _slug(lower)
        return IdTerm("imdb", slug if slug and _IMDB.match(slug) else None)
    return split_year(term, now_year)


def parse_music_term(term: str, now_year: int) -> IdTerm | TitleTerm:
    """Lidarr's term grammar: `lidarr:`, `lidarrid:` or `mbid:` and a GUID."""
    lower = term.strip().lower()
    if lower.startswith(("lidarr:", "lidarrid:", "mbid:")):
        return IdTerm("mbid", _guid(_slug(lower)))
    return split_year(term, now_year)


def is_path_like(term: str) -> bool:
    """Whether a term is a path (Sonarr refuses those as search terms)."""
    text = term.strip()
    return text.startswith(("/", "\\\\", "~/")) or bool(
        re.match(r"^[A-Za-z]:[\\/]", text)
    )


@dataclass(frozen=True, slots=True)
class Entry[T]:
    """One searchable item: the names it goes by, its year and popularity."""

    names: tuple[str, ...]
    year: int
    popularity: float
    item: T
    # The folded words of each name, made once (entries are built per
    # version), and the same as " word word " for quick word tests.
    words: tuple[tuple[str, ...], ...] = field(init=False, compare=False)
    spaced: tuple[str, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        """Fold the names once."""
        folded = tuple(words(n) for n in self.names)
        object.__setattr__(self, "words", folded)
        object.__setattr__(self, "spaced", tuple(f" {' '.join(w)} " for w in folded))


def _match(
    query: tuple[str, ...],
    raw: str,
    whole: Sequence[str],
    starts: Sequence[str],
    entry: Entry[Any],
) -> int:
    """How well a query matches names: 3 exact, 2 all words, 1 all word starts, 0 no.

    `whole` and `starts` are the query's words as " word " and " word".
    """
    best = 0
    for name, name_words, spaced in zip(
        entry.names, entry.words, entry.spaced, strict=True
    ):
        if not query:
            # A title of punctuation only ("( )") matches itself.
            if raw and name.casefold().strip() == raw:
                return 3
            continue
        if name_words == query:
            return 3
        if all(w in spaced for w in whole):
            best = 2
        elif best == 0 and all(s in spaced for s in starts):
            best = 1
    return best


def search[T](
    entries: Sequence[Entry[T]],
    term: TitleTerm,
    *,
    year_filters: bool,
    limit: int = MAX_RESULTS,
) -> list[T]:
    """Entries matching a title term, best first (exact, then popularity).

    With `year_filters` (Radarr passes the year to TMDb) only that year's
    titles are found; otherwise a matching year ranks first.
    """
    query = words(term.text)
    raw = term.text.casefold().strip()
    if not query and not raw:
        return []
    whole = [f" {q} " for q in query]
    starts = [f" {q}" for q in query]
    found: list[tuple[tuple[int, int, float], int, T]] = []
    for index, entry in enumerate(entries):
        quality = _match(query, raw, whole, starts, entry)
        if not quality:
            continue
        same_year = term.year is not None and entry.year == term.year
        if year_filters and term.year is not None and not same_year:
            continue
        found.append(((int(same_year), quality, entry.popularity), index, entry.item))
    found.sort(key=lambda f: (-f[0][0], -f[0][1], -f[0][2], f[1]))
    return [item for _, _, item in found[:limit]]


class IndexCache[T]:
    """Search entries built once per state version."""

    def __init__(self) -> None:
        """Start empty."""
        self._key: object = None
        self._entries: list[Entry[T]] = []

    def get(self, key: object, build: Callable[[], list[Entry[T]]]) -> list[Entry[T]]:
        """Return the entries for `key` (rebuilt when it changed)."""
        if key != self._key:
            self._entries = build()
            self._key = key
        return self._entries


def movie_by_tmdb(tmdb_id: int) -> MovieInfo | None:
    """Return the catalogue movie with a TMDb id."""
    return next((m for m in MOVIES if m.tmdb_id == tmdb_id), None)


def series_by_id(kind: str, value: int | str) -> SeriesInfo | None:
    """Return the catalogue series with a tvdb, tmdb or imdb id."""
    for series in SERIES:
        if {"tvdb": series.tvdb_id, "tmdb": series.tmdb_id, "imdb": series.imdb_id}[
            kind
        ] == value:
            return series
    return None


def artist_by_mbid(mbid: str) -> ArtistInfo | None:
    """Return the catalogue artist with a MusicBrainz id."""
    return next((a for a in ARTISTS if a.mbid == mbid), None)


def album_by_mbid(mbid: str) -> AlbumInfo | None:
    """Return the catalogue album (release group) with a MusicBrainz id."""
    return next((a for a in ALBUMS if a.mbid == mbid), None)
