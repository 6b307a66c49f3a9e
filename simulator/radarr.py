"""Radarr API v3: movies, movie files, editor, exclusions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from aiohttp import web

from .arr import (
    ENGLISH,
    NO_DATE,
    ArrService,
    Failure,
    Json,
    apply_tags,
    bad_request,
    image_token,
    int_list,
    not_found,
    omit_none,
    path_failures,
    profile_failures,
    root_folder_failures,
    validation_failed,
    video_media_info,
    video_profiles,
)
from .common import (
    Route,
    arr_date,
    arr_stamp,
    empty,
    json_response,
    query_bool,
    query_int,
    query_ints,
    query_value,
    read_json,
)
from .library import (
    RADARR_QUALITIES,
    VIDEO_PROFILES,
    clean_title,
    folder_name,
    sort_title,
)
from .metadata import (
    MOVIES,
    Entry,
    IdTerm,
    MovieInfo,
    parse_movie_term,
    search,
)
from .state import (
    Exclusion,
    HistoryRecord,
    Movie,
    QueueRecord,
    RadarrState,
    join_path,
    split_path,
)

AVAILABILITY = ("tba", "announced", "inCinemas", "released")

type Found = Movie | MovieInfo


def movie_info(movie: Movie) -> MovieInfo:
    """Return what TMDb knows of a movie of some library."""
    return MovieInfo(
        tmdb_id=movie.tmdb_id,
        imdb_id=movie.imdb_id,
        title=movie.title,
        year=movie.year,
        original_title=movie.original_title,
        alternate_titles=tuple(movie.alternate_titles),
        overview=movie.overview,
        runtime=movie.runtime,
        genres=tuple(movie.genres),
        studio=movie.studio,
        certification=movie.certification,
        original_language=movie.original_language,
        released=movie.in_cinemas or datetime(movie.year, 1, 1, tzinfo=UTC),
        rating=movie.rating_tmdb,
        votes=movie.votes_tmdb,
        popularity=movie.popularity,
        collection=movie.collection,
    )


def _tmdb_rating(ratings: Any) -> float:
    """Return the TMDb rating of a body's `ratings`, 0 when absent."""
    if isinstance(ratings, dict) and isinstance(ratings.get("tmdb"), dict):
        value = ratings["tmdb"].get("value")
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return 0.0


def movie_folder(title: str, year: int) -> str:
    """Radarr's standard movie folder: `{Movie Title} ({Release Year})`."""
    return folder_name(f"{title} ({year})")


def poster_remote(tmdb_id: int, salt: int) -> str:
    """TMDb address of a movie's poster (salt 1) or fanart (salt 2)."""
    return f"https://image.tmdb.org/t/p/original/{image_token(tmdb_id, salt)}.jpg"


def _quality(quality_id: int) -> Json:
    name, source, resolution, modifier = RADARR_QUALITIES.get(
        quality_id, RADARR_QUALITIES[0]
    )
    return {
        "id": quality_id,
        "name": name,
        "source": source,
        "resolution": resolution,
        "modifier": modifier,
    }


class RadarrService(ArrService[RadarrState]):
    """A Radarr instance."""

    app_name: ClassVar[str] = "Radarr"
    api: ClassVar[str] = "/api/v3"
    version: ClassVar[str] = "5.26.2.10099"
    migration: ClassVar[int] = 241
    media_ids_param: ClassVar[str] = "movieIds"
    media_key: ClassVar[str] = "movieId"
    exclusions_path: ClassVar[str] = "exclusions"
    default_missing_sort: ClassVar[str] = "movieMetadata.sortTitle"
    tag_items_key: ClassVar[str] = "movieIds"
    tag_rules_key: ClassVar[str] = "releaseProfileIds"

    def routes(self) -> list[Route]:
        """Shared routes plus movies and movie files."""
        api = self.api
        return [
            *super().routes(),
            Route("GET", f"{api}/movie", self.get_movies),
            Route("POST", f"{api}/movie", self.post_movie),
            Route("GET", f"{api}/movie/lookup", self.get_lookup),
            Route("GET", f"{api}/movie/lookup/tmdb", self.get_lookup_tmdb),
            Route("GET", f"{api}/movie/lookup/imdb", self.get_lookup_imdb),
            Route("PUT", f"{api}/movie/editor", self.put_editor),
            Route("DELETE", f"{api}/movie/editor", self.delete_editor),
            Route("GET", f"{api}/movie/{{id:\\d+}}", self.get_movie),
            Route("PUT", f"{api}/movie/{{id:\\d+}}", self.put_movie),
            Route("DELETE", f"{api}/movie/{{id:\\d+}}", self.delete_movie),
            Route("GET", f"{api}/moviefile", self.get_movie_files),
            Route("GET", f"{api}/moviefile/{{id:\\d+}}", self.get_movie_file),
            Route("DELETE", f"{api}/moviefile/{{id:\\d+}}", self.delete_movie_file),
        ]

    # ------------------------------------------------------------------ shapes

    def quality_model(self, quality_id: int) -> Json:
        """Quality with revision."""
        return {
            "quality": _quality(quality_id),
            "revision": {"version": 1, "real": 0, "isRepack": False},
        }

    def quality_profiles(self) -> list[Json]:
        """Radarr's profiles carry a language."""
        qualities = {qid: _quality(qid) for qid in RADARR_QUALITIES}
        return video_profiles(
            VIDEO_PROFILES,
            qualities,
            extra_profile={"minUpgradeFormatScore": 1, "language": ENGLISH},
        )

    def movie_status(self, movie: Movie, now: datetime) -> tuple[str, bool]:
        """(status, isAvailable) at `now`, moving with the release dates."""
        released = any(
            d is not None and d <= now
            for d in (movie.digital_release, movie.physical_release)
        )
        in_cinemas = movie.in_cinemas is not None and movie.in_cinemas <= now
        if released:
            status = "released"
        elif in_cinemas:
            status = "inCinemas"
        elif movie.in_cinemas is not None or movie.digital_release is not None:
            status = "announced"
        else:
            status = movie.status
        order = {"tba": 0, "announced": 1, "inCinemas": 2, "released": 3, "deleted": 3}
        available = order.get(status, 0) >= order.get(movie.minimum_availability, 3)
        return status, available

    def movie_file(self, movie: Movie) -> Json | None:
        """Return the `movieFile` object."""
        file = movie.file
        if file is None:
            return None
        return omit_none(
            {
                "movieId": movie.id,
                "relativePath": file.relative_path,
                "path": join_path(movie.path, file.relative_path),
                "size": file.size,
                "dateAdded": arr_stamp(file.date_added),
                "sceneName": file.scene_name or None,
                "releaseGroup": file.release_group,
                "edition": file.edition,
                "languages": [ENGLISH],
                "quality": self.quality_model(file.quality_id),
                "customFormats": [],
                "customFormatScore": 0,
                "indexerFlags": 0,
                "mediaInfo": video_media_info(file.media, movie.runtime),
                "qualityCutoffNotMet": False,
                "id": file.id,
            }
        )

    def movie_json(self, movie: Movie, now: datetime) -> Json:
        """Return a movie as `/movie` lists it."""
        status, available = self.movie_status(movie, now)
        file = movie.file
        size = file.size if file else 0
        release_dates = [
            d for d in (movie.digital_release, movie.physical_release) if d
        ]
        data: Json = {
            "title": movie.title,
            "originalTitle": movie.original_title,
            "originalLanguage": {
                "id": movie.original_language[0],
                "name": movie.original_language[1],
            },
            "alternateTitles": [
                {
                    "sourceType": "tmdb",
                    "movieMetadataId": movie.id,
                    "title": title,
                    "cleanTitle": clean_title(title),
                    "id": movie.id * 10 + index,
                }
                for index, title in enumerate(movie.alternate_titles)
            ],
            "secondaryYearSourceId": 0,
            "sortTitle": sort_title(movie.title),
            "sizeOnDisk": size,
            "status": status,
            "overview": movie.overview,
            "inCinemas": arr_date(movie.in_cinemas),
            "physicalRelease": arr_date(movie.physical_release),
            "digitalRelease": arr_date(movie.digital_release),
            "releaseDate": arr_date(min(release_dates)) if release_dates else None,
            "images": [
                {
                    "coverType": "poster",
                    "url": self.media_url(movie.id, "poster"),
                    "remoteUrl": poster_remote(movie.tmdb_id, 1),
                },
                {
                    "coverType": "fanart",
                    "url": self.media_url(movie.id, "fanart"),
                    "remoteUrl": poster_remote(movie.tmdb_id, 2),
                },
            ],
            "website": movie.website,
            "year": movie.year,
            "youTubeTrailerId": movie.youtube_trailer_id,
            "studio": movie.studio,
            "path": movie.path,
            "qualityProfileId": movie.quality_profile_id,
            "hasFile": file is not None,
            "movieFileId": file.id if file else 0,
            "monitored": movie.monitored,
            "minimumAvailability": movie.minimum_availability,
            "isAvailable": available,
            "folderName": movie.path,
            "runtime": movie.runtime,
            "cleanTitle": clean_title(movie.title),
            "imdbId": movie.imdb_id or None,
            "tmdbId": movie.tmdb_id,
            "titleSlug": str(movie.tmdb_id),
            "rootFolderPath": movie.root_folder_path,
            "certification": movie.certification,
            "genres": list(movie.genres),
            "keywords": list(movie.keywords) or None,
            "tags": list(movie.tags),
            "added": arr_stamp(movie.added),
            "ratings": self.ratings(movie),
            "movieFile": self.movie_file(movie),
            "collection": {"title": movie.collection[0], "tmdbId": movie.collection[1]}
            if movie.collection
            else None,
            "popularity": movie.popularity,
            "statistics": {
                "movieFileCount": 1 if file else 0,
                "sizeOnDisk": size,
                "releaseGroups": [file.release_group] if file else [],
            },
            "id": movie.id,
        }
        return omit_none(data)

    def ratings(self, movie: Movie) -> Json:
        """Ratings by source; Metacritic and Rotten Tomatoes only when known."""
        out: Json = {
            "imdb": {
                "votes": movie.votes_imdb,
                "value": movie.rating_imdb,
                "type": "user",
            },
            "tmdb": {
                "votes": movie.votes_tmdb,
                "value": movie.rating_tmdb,
                "type": "user",
            },
        }
        if movie.rating_metacritic:
            out["metacritic"] = {
                "votes": 0,
                "value": movie.rating_metacritic,
                "type": "user",
            }
        if movie.rating_rotten:
            out["rottenTomatoes"] = {
                "votes": 0,
                "value": movie.rating_rotten,
                "type": "user",
            }
        return out

    def queue_media(self, record: QueueRecord, request: web.Request) -> Json:
        """`movieId`, plus the movie with `includeMovie=true`."""
        data: Json = {"movieId": record.media_id, "languages": [ENGLISH]}
        if query_bool(request, "includeMovie"):
            movie = self.state.movies.get(record.media_id)
            if movie is not None:
                data["movie"] = self.movie_json(movie, self.now())
        return data

    def history_media(self, record: HistoryRecord) -> Json:
        """`movieId` of a history event."""
        return {"movieId": record.media_id, "languages": [ENGLISH]}

    def calendar(
        self, request: web.Request, start: datetime, end: datetime, unmonitored: bool
    ) -> list[Json]:
        """Movies with a cinema, digital or physical release in the window."""
        now = self.now()
        out = []
        for movie in sorted(self.state.movies.values(), key=lambda m: m.id):
            if not unmonitored and not movie.monitored:
                continue
            dates = (movie.in_cinemas, movie.digital_release, movie.physical_release)
            if any(d is not None and start <= d <= end for d in dates):
                out.append(self.movie_json(movie, now))
        return out

    def missing(
        self, request: web.Request
    ) -> tuple[list[Any], Callable[[Any], Json], dict[str, Callable[[Any], Any]]]:
        """Return monitored, available movies without a file."""
        now = self.now()
        monitored = query_bool(request, "monitored", True)
        records = [
            m
            for m in self.state.movies.values()
            if m.file is None
            and m.monitored == monitored
            and self.movie_status(m, now)[1]
        ]
        return (
            records,
            lambda m: self.movie_json(m, now),
            {
                "movieMetadata.sortTitle": lambda m: (sort_title(m.title), m.id),
                "movieMetadata.year": lambda m: (m.year, m.id),
                "movies.added": lambda m: (m.added, m.id),
                "id": lambda m: m.id,
            },
        )

    def tagged(self, tag_id: int) -> list[int]:
        """Movies carrying a tag."""
        return sorted(m.id for m in self.state.movies.values() if tag_id in m.tags)

    def untag(self, tag_id: int) -> None:
        """Remove a tag from every movie."""
        for movie in self.state.movies.values():
            if tag_id in movie.tags:
                movie.tags = [t for t in movie.tags if t != tag_id]

    def exclusion(self, record: Exclusion) -> Json:
        """Return a movie exclusion."""
        return {
            "tmdbId": int(record.foreign_id),
            "movieTitle": record.title,
            "movieYear": record.year,
            "id": record.id,
        }

    # ------------------------------------------------------------------ lookup

    def _world(self) -> list[Entry[Found]]:
        """Return what TMDb can find: this library, other Radarrs', the catalogue."""
        own = self.state
        others = [
            s
            for s in self.ctx.state.services.values()
            if isinstance(s, RadarrState) and s is not own
        ]
        key = (own.version, tuple(s.version for s in others))

        def build() -> list[Entry[Found]]:
            seen: set[int] = set()
            entries: list[Entry[Found]] = []
            for state in (own, *others):
                for movie in state.movies.values():
                    if movie.tmdb_id not in seen:
                        seen.add(movie.tmdb_id)
                        names = (
                            movie.title,
                            movie.original_title,
                            *movie.alternate_titles,
                        )
                        entries.append(
                            Entry(names, movie.year, movie.popularity, movie)
                        )
            entries += [
                Entry(m.names, m.year, m.popularity, m)
                for m in MOVIES
                if m.tmdb_id not in seen
            ]
            return entries

        return self._index.get(key, build)

    def _find(self, tmdb_id: int | None = None, imdb_id: str = "") -> Found | None:
        for entry in self._world():
            item = entry.item
            if (tmdb_id is not None and item.tmdb_id == tmdb_id) or (
                imdb_id and item.imdb_id == imdb_id
            ):
                return item
        return None

    def lookup_json(self, found: Found) -> Json:
        """Return a lookup result: the library movie, or a candidate without an id."""
        if isinstance(found, Movie):
            if self.state.movies.get(found.id) is found:
                # MovieLookupController adds these to every result.
                return {
                    **self.movie_json(found, self.now()),
                    "remotePoster": poster_remote(found.tmdb_id, 1),
                    "folder": found.folder_name,
                }
            found = movie_info(found)
        return self.candidate_json(found)

    def candidate_json(self, info: MovieInfo) -> Json:
        """Return a movie Radarr does not have: no id, artwork through its proxy."""
        now = self.now()
        digital = info.released + timedelta(days=90)
        physical = info.released + timedelta(days=120)
        if digital <= now:
            status = "released"
        elif info.released <= now:
            status = "inCinemas"
        else:
            status = "announced"
        images = [
            {
                "coverType": cover,
                "url": self.proxy_url(poster_remote(info.tmdb_id, salt), cover),
                "remoteUrl": poster_remote(info.tmdb_id, salt),
            }
            for salt, cover in ((1, "poster"), (2, "fanart"))
        ]
        return omit_none(
            {
                "title": info.title,
                "originalTitle": info.original_title,
                "originalLanguage": {
                    "id": info.original_language[0],
                    "name": info.original_language[1],
                },
                "alternateTitles": [
                    {
                        "sourceType": "tmdb",
                        "movieMetadataId": 0,
                        "title": title,
                        "cleanTitle": clean_title(title),
                    }
                    for title in info.alternate_titles
                ],
                "secondaryYearSourceId": 0,
                "sortTitle": sort_title(info.title),
                "sizeOnDisk": 0,
                "status": status,
                "overview": info.overview,
                "inCinemas": arr_date(info.released),
                "physicalRelease": arr_date(physical),
                "digitalRelease": arr_date(digital),
                "releaseDate": arr_date(digital),
                "images": images,
                "website": "",
                "remotePoster": poster_remote(info.tmdb_id, 1),
                "year": info.year,
                "youTubeTrailerId": "",
                "studio": info.studio,
                "qualityProfileId": 0,
                "hasFile": False,
                "movieFileId": 0,
                "monitored": False,
                "minimumAvailability": "tba",
                "isAvailable": True,
                "runtime": info.runtime,
                "cleanTitle": clean_title(info.title),
                "imdbId": info.imdb_id or None,
                "tmdbId": info.tmdb_id,
                "titleSlug": str(info.tmdb_id),
                "folder": movie_folder(info.title, info.year),
                "certification": info.certification,
                "genres": list(info.genres),
                "keywords": [],
                "tags": [],
                "added": NO_DATE,
                "ratings": {
                    "tmdb": {"votes": info.votes, "value": info.rating, "type": "user"}
                },
                "collection": {
                    "title": info.collection[0],
                    "tmdbId": info.collection[1],
                }
                if info.collection
                else None,
                "popularity": info.popularity,
            }
        )

    async def get_lookup(self, request: web.Request) -> web.StreamResponse:
        """`/movie/lookup?term=`: TMDb's answer, library movies as they are stored."""
        term = parse_movie_term(query_value(request, "term") or "", self.now().year)
        found: list[Found]
        if isinstance(term, IdTerm):
            if term.value is None:
                found = []
            else:
                item = (
                    self._find(tmdb_id=term.value)
                    if term.kind == "tmdb" and isinstance(term.value, int)
                    else self._find(imdb_id=str(term.value))
                )
                found = [item] if item is not None else []
        else:
            found = search(self._world(), term, year_filters=True)
        return json_response([self.lookup_json(f) for f in found])

    def _not_on_tmdb(self, what: str) -> web.Response:
        """Radarr lets MovieNotFoundException through: a 500 with its message."""
        message = (
            f"Movie with {what} was not found, it may have been removed from TMDb."
        )
        return json_response(
            {
                "message": message,
                "description": f"NzbDrone.Core.Exceptions.MovieNotFoundException: {message}",
            },
            status=500,
        )

    async def get_lookup_tmdb(self, request: web.Request) -> web.StreamResponse:
        """`/movie/lookup/tmdb?tmdbId=`: one movie, always as a candidate."""
        tmdb_id = query_int(request, "tmdbId") or 0
        found = self._find(tmdb_id=tmdb_id) if tmdb_id > 0 else None
        if found is None:
            return self._not_on_tmdb(f"tmdbId {tmdb_id}")
        info = movie_info(found) if isinstance(found, Movie) else found
        return json_response(self.candidate_json(info))

    async def get_lookup_imdb(self, request: web.Request) -> web.StreamResponse:
        """`/movie/lookup/imdb?imdbId=`: one movie, always as a candidate."""
        imdb_id = (query_value(request, "imdbId") or "").strip().lower()
        found = self._find(imdb_id=imdb_id) if imdb_id else None
        if found is None:
            return self._not_on_tmdb(f"IMDBId {imdb_id}")
        info = movie_info(found) if isinstance(found, Movie) else found
        return json_response(self.candidate_json(info))

    # ------------------------------------------------------------------ movies

    async def get_movies(self, request: web.Request) -> web.StreamResponse:
        """`/movie` (optionally `?tmdbId=`): the whole library."""
        tmdb_id = query_int(request, "tmdbId")

        now = self.now()
        # Ids grow with insertion, so the dict order is the id order.
        movies = list(self.state.movies.values())
        if tmdb_id is not None:
            movies = [m for m in movies if m.tmdb_id == tmdb_id]
        return await self.cached(
            ("movies", tmdb_id), lambda: [self.movie_json(m, now) for m in movies]
        )

    async def get_movie(self, request: web.Request) -> web.StreamResponse:
        """`/movie/{id}`."""
        movie = self.state.movies.get(int(request.match_info["id"]))
        if movie is None:
            return not_found("Movie does not exist")
        return json_response(self.movie_json(movie, self.now()))

    def _movie_errors(self, body: Json) -> list[Failure]:
        """Check the fields of `PUT /movie/{id}` that LCARS may change."""
        errors: list[Failure] = []
        if "qualityProfileId" in body:
            errors += profile_failures(
                "QualityProfileId",
                body.get("qualityProfileId"),
                VIDEO_PROFILES,
                "Quality Profile does not exist",
                "QualityProfileExistsValidator",
            )
        availability = body.get("minimumAvailability")
        if availability is not None and availability not in AVAILABILITY:
            errors.append(
                ("MinimumAvailability", "Invalid minimum availability", availability)
            )
        return errors

    def _add_failures(self, body: Json) -> list[Failure]:
        """Check `POST /movie` as MovieController's validators do."""
        errors: list[Failure] = []
        path, root = body.get("path"), body.get("rootFolderPath")
        has_path = isinstance(path, str) and bool(path.strip())
        has_root = isinstance(root, str) and bool(root.strip())
        others = [m.path for m in self.state.movies.values()]
        if has_path:
            errors += path_failures(str(path), self.state.root_folders, others, "movie")
        elif not has_root:
            errors.append(("Path", "'Path' must not be empty.", path))
            errors.append(
                ("RootFolderPath", "'Root Folder Path' must not be empty.", root)
            )
        else:
            errors += root_folder_failures(str(root), self.state.root_folders)
        errors += profile_failures(
            "QualityProfileId",
            body.get("qualityProfileId"),
            VIDEO_PROFILES,
            "Quality Profile does not exist",
            "QualityProfileExistsValidator",
        )
        tmdb_id = body.get("tmdbId")
        if not isinstance(tmdb_id, int) or isinstance(tmdb_id, bool) or tmdb_id <= 0:
            if not body.get("title"):
                errors.append(
                    ("Title", "'Title' must not be empty.", body.get("title"))
                )
            errors.append(("TmdbId", "'Tmdb Id' must not be empty.", tmdb_id))
        elif any(m.tmdb_id == tmdb_id for m in self.state.movies.values()):
            errors.append(
                (
                    "TmdbId",
                    "This movie has already been added",
                    tmdb_id,
                    "MovieExistsValidator",
                )
            )
        availability = body.get("minimumAvailability")
        if availability is not None and availability not in AVAILABILITY:
            errors.append(
                ("MinimumAvailability", "Invalid minimum availability", availability)
            )
        return errors

    async def post_movie(self, request: web.Request) -> web.StreamResponse:
        """`POST /movie`: add a movie (201 with it); nothing is stored on a 400.

        As AddMovieService does, the metadata comes from TMDb when it knows
        the id (the body's fields otherwise), and the folder is the root
        folder plus `{Movie Title} ({Release Year})`, checked once built.
        """
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Movie", "A movie object is required", None)])
        errors = self._add_failures(body)
        if errors:
            return validation_failed(errors)
        now = self.now()
        tmdb_id: int = body["tmdbId"]
        known = self._find(tmdb_id=tmdb_id)
        info = movie_info(known) if isinstance(known, Movie) else known
        if info is None:
            given_year = body.get("year")
            info = MovieInfo(
                tmdb_id=tmdb_id,
                imdb_id=str(body.get("imdbId") or ""),
                title=str(body.get("title") or f"TMDb {tmdb_id}"),
                year=given_year if isinstance(given_year, int) else now.year,
                original_title=str(
                    body.get("originalTitle") or body.get("title") or ""
                ),
                alternate_titles=(),
                overview=str(body.get("overview") or ""),
                runtime=int(body.get("runtime") or 0),
                genres=tuple(str(g) for g in body.get("genres") or ()),
                studio=str(body.get("studio") or ""),
                certification=str(body.get("certification") or ""),
                original_language=(1, "English"),
                released=now + timedelta(days=365),
                rating=_tmdb_rating(body.get("ratings")),
                votes=0,
                popularity=0.0,
            )
            released: datetime | None = None
        else:
            released = info.released
        path = body.get("path")
        if isinstance(path, str) and path.strip():
            root = self.state.root_folder_for(path)
            parent, folder = split_path(path)
            root_path = root.path if root else parent
        else:
            given = str(body["rootFolderPath"])
            root = self.state.root_folder_for(given)
            root_path = root.path if root else given.rstrip("/\\") or "/"
            folder = movie_folder(info.title, info.year)
            built = join_path(root_path, folder)
            errors = path_failures(
                built,
                self.state.root_folders,
                [m.path for m in self.state.movies.values()],
                "movie",
            )
            if errors:
                return validation_failed(errors)
        movie = Movie(
            id=0,
            tmdb_id=tmdb_id,
            imdb_id=info.imdb_id,
            title=info.title,
            original_title=info.original_title or info.title,
            year=info.year,
            overview=info.overview,
            studio=info.studio,
            certification=info.certification,
            genres=list(info.genres),
            keywords=[],
            runtime=info.runtime,
            status="tba",
            in_cinemas=released,
            physical_release=released + timedelta(days=120) if released else None,
            digital_release=released + timedelta(days=90) if released else None,
            added=now.replace(microsecond=0),
            monitored=bool(body.get("monitored", True)),
            minimum_availability=str(body.get("minimumAvailability") or "released"),
            quality_profile_id=int(body["qualityProfileId"]),
            root_folder_path=root_path,
            folder_name=folder,
            tags=sorted(set(int_list(body.get("tags")))),
            rating_imdb=info.rating,
            votes_imdb=info.votes,
            rating_tmdb=info.rating,
            votes_tmdb=info.votes,
            rating_metacritic=0,
            rating_rotten=0,
            popularity=info.popularity,
            alternate_titles=list(info.alternate_titles),
            collection=info.collection,
            youtube_trailer_id="",
            website="",
            original_language=info.original_language,
        )
        self.state.add_movie(movie)
        options = body.get("addOptions")
        if isinstance(options, dict) and options.get("searchForMovie"):
            self.state.add_command("MoviesSearch", {"movieIds": [movie.id]})
        return json_response(self.movie_json(movie, now), status=201)

    def _apply_movie(self, movie: Movie, body: Json) -> None:
        if "monitored" in body:
            movie.monitored = bool(body["monitored"])
        if isinstance(body.get("qualityProfileId"), int):
            movie.quality_profile_id = body["qualityProfileId"]
        if isinstance(body.get("minimumAvailability"), str):
            movie.minimum_availability = body["minimumAvailability"]
        if isinstance(body.get("tags"), list):
            movie.tags = sorted(set(int_list(body["tags"])))
        path = body.get("path")
        if isinstance(path, str) and path and path != movie.path:
            root = self.state.root_folder_for(path)
            parent, movie.folder_name = split_path(path)
            movie.root_folder_path = root.path if root else parent

    async def put_movie(self, request: web.Request) -> web.StreamResponse:
        """`PUT /movie/{id}`: 202 with the updated movie."""
        movie = self.state.movies.get(int(request.match_info["id"]))
        if movie is None:
            return not_found("Movie does not exist")
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed([("Movie", "A movie object is required", None)])
        errors = self._movie_errors(body)
        if errors:
            return validation_failed(errors)
        self._apply_movie(movie, body)
        self.state.touch()
        return json_response(self.movie_json(movie, self.now()), status=202)

    async def delete_movie(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /movie/{id}?deleteFiles=&addImportExclusion=`."""
        movie_id = int(request.match_info["id"])
        deleted = self.state.delete_movie(
            movie_id,
            delete_files=query_bool(request, "deleteFiles"),
            add_exclusion=query_bool(request, "addImportExclusion"),
        )
        if not deleted:
            return not_found("Movie does not exist")
        return empty()

    async def put_editor(self, request: web.Request) -> web.StreamResponse:
        """`PUT /movie/editor`: change several movies; 202 with them."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("MovieIds", "'Movie Ids' must not be empty.", None)]
            )
        movies = [
            self.state.movies[i]
            for i in int_list(body.get("movieIds"))
            if i in self.state.movies
        ]
        if (
            body.get("qualityProfileId") is not None
            and body["qualityProfileId"] not in VIDEO_PROFILES
        ):
            return validation_failed(
                [
                    (
                        "QualityProfileId",
                        "Quality Profile does not exist",
                        body["qualityProfileId"],
                    )
                ]
            )
        for movie in movies:
            if isinstance(body.get("monitored"), bool):
                movie.monitored = body["monitored"]
            if isinstance(body.get("qualityProfileId"), int):
                movie.quality_profile_id = body["qualityProfileId"]
            if isinstance(body.get("minimumAvailability"), str):
                movie.minimum_availability = body["minimumAvailability"]
            if isinstance(body.get("rootFolderPath"), str) and body["rootFolderPath"]:
                root = self.state.root_folder_for(body["rootFolderPath"])
                movie.root_folder_path = (
                    root.path if root else body["rootFolderPath"].rstrip("/\\")
                )
            if isinstance(body.get("tags"), list):
                movie.tags = apply_tags(
                    movie.tags,
                    int_list(body["tags"]),
                    str(body.get("applyTags", "add")),
                )
        self.state.touch()
        now = self.now()
        return json_response([self.movie_json(m, now) for m in movies], status=202)

    async def delete_editor(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /movie/editor`: delete several movies."""
        body = await read_json(request)
        if not isinstance(body, dict):
            return validation_failed(
                [("MovieIds", "'Movie Ids' must not be empty.", None)]
            )
        for movie_id in int_list(body.get("movieIds")):
            self.state.delete_movie(
                movie_id,
                delete_files=bool(body.get("deleteFiles")),
                add_exclusion=bool(body.get("addImportExclusion")),
            )
        return empty()

    # ------------------------------------------------------------------ files

    async def get_movie_files(self, request: web.Request) -> web.StreamResponse:
        """`/moviefile?movieId=` or `?movieFileIds=`."""
        movie_ids = query_ints(request, "movieId")
        file_ids = set(query_ints(request, "movieFileIds"))
        if not movie_ids and not file_ids:
            return bad_request("movieId or movieFileIds must be provided")
        out = []
        for movie in sorted(self.state.movies.values(), key=lambda m: m.id):
            file = self.movie_file(movie)
            if file is None:
                continue
            if movie.id in movie_ids or file["id"] in file_ids:
                out.append(file)
        return json_response(out)

    async def get_movie_file(self, request: web.Request) -> web.StreamResponse:
        """`/moviefile/{id}`."""
        movie = self.state.movie_by_file(int(request.match_info["id"]))
        file = self.movie_file(movie) if movie else None
        if file is None:
            return not_found("Movie file does not exist")
        return json_response(file)

    async def delete_movie_file(self, request: web.Request) -> web.StreamResponse:
        """`DELETE /moviefile/{id}`: the file goes, the movie stays."""
        movie = self.state.movie_by_file(int(request.match_info["id"]))
        if movie is None:
            return not_found("Movie file does not exist")
        self.state.delete_movie_file(movie)
        return empty()
