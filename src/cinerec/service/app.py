"""The web service: a JSON API over :class:`~cinerec.engine.Engine` and a profile store,
plus the page in ``static/``.

:func:`create_app` opens the model **once** (so a bad model directory fails before the
server listens, and no request ever pays for loading) and the profile store; the routes
only translate JSON to the library's terms and back. Recommending is CPU-bound numpy and
pandas work, so it runs in worker threads, at most one per core (a
:class:`anyio.CapacityLimiter`): the event loop stays free to accept connections and
answer autocomplete, whose work is a binary search too small to be worth a thread hop.

Every problem a request can have becomes a 4xx with ``{"detail": "<one line>"}``:
422 for a malformed or impossible request, 404 for an unknown movie (in the URL or the
body) or profile, 409 for a full profile, 413 for an oversized body, 408 for a body that
takes too long to arrive. The one deliberate 5xx is a 503 with ``Retry-After`` when the
database cannot be written (disk full, locked too long) or the server has no room for
another connection (:mod:`cinerec.service.connections`); any other 5xx is a bug. The
OpenAPI document lists, for each route, every status it can answer. Every answer
carries the headers of :mod:`cinerec.service.security`.
"""

from __future__ import annotations

import errno
import functools
import gc
import importlib.resources
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cinerec import __version__
from cinerec.engine import Engine
from cinerec.data.vocabulary import OCCUPATIONS
from cinerec.errors import CinerecError, QueryError
from cinerec.paths import cache_dir
from cinerec.profile import Profile, parse_age, parse_gender, parse_zip, understand_occupation
from cinerec.service import schemas
from cinerec.service.assets import Asset, load_assets
from cinerec.service.connections import RETRY_AFTER_SECONDS, TOO_BUSY, TOO_SLOW
from cinerec.service.security import SECURITY_HEADERS, SecurityHeaders, policy_for_inline_code
from cinerec.service.store import (Demographics, ProfileFullError, ProfileNotFoundError, ProfileStore,
                                   RatingNotFoundError, SQLiteProfileStore, StoredProfile, StoreError)

STATIC_DIR = Path(__file__).with_name("static")
#: Swagger UI's and ReDoc's scripts and styles, as the fastapi-offline package ships them.
DOCS_ASSETS_DIR = Path(str(importlib.resources.files("fastapi_offline").joinpath("static")))
#: Autocomplete answers kept (a few kilobytes each).
SEARCH_CACHE_SIZE = 4096
#: Movies whose links are kept at hand (a few hundred bytes each).
LINKS_CACHE_SIZE = 8192
#: Seconds a request's body may take to arrive in full (the largest accepted is 64 KB).
BODY_TIMEOUT = 10.0
#: The statuses of every route that reads a request body, besides its own.
WITH_BODY = (400, 408, 413, 422)
#: A stored rating from here up counts as liked, from :data:`DISLIKED_AT_MOST` down as disliked.
LIKED_AT_LEAST = 4.0
DISLIKED_AT_MOST = 2.0

T = TypeVar("T")


#: Environment variables :func:`app_from_environment` reads (set by ``cinerec serve --workers``).
MODEL_ENV = "CINEREC_SERVE_MODEL"
DB_ENV = "CINEREC_SERVE_DB"
WORKERS_ENV = "CINEREC_SERVE_WORKERS"


def default_db_path() -> Path:
    """Where profiles are kept unless ``--db`` says otherwise."""
    return cache_dir() / "profiles.sqlite3"


@dataclass(frozen=True)
class Services:
    """What every request shares: the model, the profile store, and the limiter that keeps
    CPU-bound engine calls to one thread per core."""

    engine: Engine
    store: ProfileStore
    engine_threads: anyio.CapacityLimiter

    async def compute(self, function: Callable[..., T], *args: Any) -> T:
        """Run an engine call in a worker thread (bounded by :attr:`engine_threads`)."""
        return await anyio.to_thread.run_sync(function, *args, limiter=self.engine_threads)


class UnknownMovieError(CinerecError):
    """A movie id that the catalogue does not know (404)."""


def _one_blas_thread() -> None:
    """Keep BLAS to one thread in a serving process. Each answer holds only small
    products; BLAS's own threads would wake for them and spin between requests, taking
    cores from the requests in the other worker threads and processes."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def create_app(model_dir: str | Path, db_path: str | Path | None = None, *,
               store: ProfileStore | None = None, engine: Engine | None = None) -> FastAPI:
    """The service for the model in ``model_dir``, storing profiles in SQLite at ``db_path``
    (default :func:`default_db_path`) unless another ``store`` is given (its owner closes
    it). ``engine`` lets a caller that has already opened the model (tests, benchmarks)
    share it.

    The model is opened here, once. The SQLite store is opened for each run of the
    application (its lifespan) and closed after it; it is also opened once here, so that
    an unwritable path or a database from a newer cinerec fails before the server listens.
    """
    if engine is None:
        engine = Engine.load(model_dir)
        _one_blas_thread()
        engine.warm_up()
        _freeze_heap()
    sqlite_path = Path(db_path) if db_path is not None else default_db_path()
    if store is None:
        SQLiteProfileStore(sqlite_path).close()
    engine_threads = anyio.CapacityLimiter(engine_threads_per_process(int(os.environ.get(WORKERS_ENV, "1"))))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = store if store is not None else SQLiteProfileStore(sqlite_path)
        app.state.services = Services(engine, opened, engine_threads)
        # The first hop to a worker thread imports anyio's event-loop backend: done now, not
        # in a request that may find no file descriptor free to open the module with.
        await app.state.services.compute(lambda: None)
        try:
            yield
        finally:
            if store is None:
                opened.close()

    app = FastAPI(title="cinerec", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Movie recommendations from MovieLens: similar movies, what fans of a movie also "
                              "liked, what people like you enjoy, and a blend for you.",
                  responses=schemas.problem_responses(503))
    _add_error_handlers(app)
    app.add_middleware(RequestBodyLimits, max_bytes=schemas.MAX_BODY_BYTES, timeout=BODY_TIMEOUT)
    app.add_middleware(SecurityHeaders)
    _add_routes(app, engine)
    _add_page(app)
    _add_docs(app)
    return app


def _freeze_heap() -> None:
    """Move everything alive after start-up (the catalogue's hundreds of thousands of
    strings, tuples and dicts) out of the garbage collector's sight: they live as long as
    the process, and scanning them in every full collection put pauses of milliseconds
    into the slowest answers."""
    gc.collect()
    gc.freeze()


def engine_threads_per_process(workers: int) -> int:
    """Engine calls one process runs at once: its share of the cores. Python code holds
    the GIL, so a second engine thread in a process that already has a core's worth of
    work only trades the GIL back and forth with it and with the event loop, which then
    answers the other requests late."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def app_from_environment() -> FastAPI:
    """The app for ``$CINEREC_SERVE_MODEL`` and ``$CINEREC_SERVE_DB``: the factory each
    worker process calls when uvicorn runs several (an app object cannot be passed to
    child processes; each worker opens the model itself, its arrays memory-mapped and so
    shared through the page cache)."""
    return create_app(os.environ[MODEL_ENV], os.environ[DB_ENV])


async def _services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(_services)]
ProfileId = Annotated[str, PathParam(pattern=schemas.PROFILE_ID_PATTERN, description="id from POST /api/profiles")]
MoviePathId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="a MovieLens movie id")]
Count = Annotated[int, Query(ge=1, le=schemas.MAX_RESULTS, description="how many movies per list")]


# ------------------------------------------------------------------------------ routes
def _add_routes(app: FastAPI, engine: Engine) -> None:
    @functools.lru_cache(maxsize=SEARCH_CACHE_SIZE)
    def search_json(q: str, limit: int) -> bytes:
        results = {"query": q, "results": [_movie(engine, movie_id) for movie_id in engine.catalogue.search(q, limit)]}
        return schemas.SearchResults.model_validate(results).model_dump_json().encode()

    @app.get("/api/health", response_model=schemas.Health, tags=["service"])
    async def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/api/ready", response_model=schemas.Readiness, tags=["service"])
    async def ready(services: ServicesDep) -> dict[str, Any]:
        """The model is loaded; which one it is."""
        return {"status": "ready", "model": model_summary(services.engine)}

    @app.get("/api/movies/search", response_model=schemas.SearchResults, tags=["movies"],
             responses=schemas.problem_responses(422))
    async def search(q: Annotated[str, Query(max_length=schemas.MAX_QUERY_LENGTH, description="what was typed")],
                     limit: Count = 8) -> Response:
        """Autocomplete: the movies ``q`` most likely starts ("die ha" → Die Hard, Die Hard 2, …)."""
        # Answered from a cache of recent answers' JSON (the catalogue never changes while the
        # app runs): this route is hit on every keystroke, and people type the same beginnings
        # of the same titles.
        return Response(search_json(q, limit), media_type="application/json")

    @app.get("/api/movies/{movie_id}", response_model=schemas.MovieDetails, tags=["movies"],
             responses=schemas.problem_responses(404, 422))
    async def movie(services: ServicesDep, movie_id: MoviePathId, n: Count = 10) -> dict[str, Any]:
        """One movie with the movies most like it and those its fans also liked."""
        _require_movies(services.engine, [movie_id])
        return await services.compute(_movie_details, services.engine, movie_id, n)

    @app.post("/api/recommendations", response_model=schemas.Recommendations, tags=["recommendations"],
              responses=schemas.problem_responses(*WITH_BODY, 404))
    async def recommend(services: ServicesDep, request: schemas.RecommendRequest) -> Response:
        """The four sections for a profile given in full (nothing is stored)."""
        _require_movies(services.engine, [*request.liked, *request.disliked])
        profile = _engine_profile(canonical_demographics(request), request.liked, request.disliked)
        return await services.compute(_recommendations, services.engine, profile, request.n,
                                      _occupation_notes(request))

    @app.post("/api/profiles", response_model=schemas.ProfileOut, status_code=201, tags=["profiles"],
              responses=schemas.problem_responses(*WITH_BODY))
    async def create_profile(services: ServicesDep, body: schemas.CreateProfileIn | None = None) -> dict[str, Any]:
        """Start a stored profile; keep its ``profile_id`` to rate movies and get recommendations."""
        given = body.demographics if body is not None else schemas.DemographicsIn()
        stored = await anyio.to_thread.run_sync(services.store.create, canonical_demographics(given))
        return _profile_out(services.engine, stored, _occupation_notes(given))

    @app.get("/api/profiles/{profile_id}", response_model=schemas.ProfileOut, tags=["profiles"],
             responses=schemas.problem_responses(404, 422))
    async def get_profile(services: ServicesDep, profile_id: ProfileId) -> dict[str, Any]:
        return _profile_out(services.engine, await anyio.to_thread.run_sync(services.store.get, profile_id))

    @app.put("/api/profiles/{profile_id}/demographics", response_model=schemas.ProfileOut, tags=["profiles"],
             responses=schemas.problem_responses(*WITH_BODY, 404))
    async def set_demographics(services: ServicesDep, profile_id: ProfileId,
                               body: schemas.DemographicsIn) -> dict[str, Any]:
        """Replace what the profile says about the person (absent fields are cleared)."""
        stored = await anyio.to_thread.run_sync(services.store.set_demographics, profile_id,
                                                canonical_demographics(body))
        return _profile_out(services.engine, stored, _occupation_notes(body))

    @app.get("/api/occupations", response_model=schemas.Occupations, tags=["profiles"])
    async def occupations() -> dict[str, list[str]]:
        """The occupations to offer a person (any other counts as "other", with a note)."""
        return {"occupations": sorted(OCCUPATIONS, key=str.casefold)}

    @app.put("/api/profiles/{profile_id}/ratings/{movie_id}", response_model=schemas.ProfileOut, tags=["profiles"],
             responses=schemas.problem_responses(*WITH_BODY, 404, 409))
    async def rate(services: ServicesDep, profile_id: ProfileId, movie_id: MoviePathId,
                   body: schemas.RatingIn) -> dict[str, Any]:
        """Add or change a rating (≥ 4 counts as liked, ≤ 2 as disliked)."""
        _require_movies(services.engine, [movie_id])
        stored = await anyio.to_thread.run_sync(services.store.set_rating, profile_id, movie_id, body.rating)
        return _profile_out(services.engine, stored)

    @app.delete("/api/profiles/{profile_id}/ratings/{movie_id}", response_model=schemas.ProfileOut, tags=["profiles"],
                responses=schemas.problem_responses(404, 408, 413, 422))
    async def unrate(services: ServicesDep, profile_id: ProfileId, movie_id: MoviePathId) -> dict[str, Any]:
        stored = await anyio.to_thread.run_sync(services.store.remove_rating, profile_id, movie_id)
        return _profile_out(services.engine, stored)

    @app.get("/api/profiles/{profile_id}/recommendations", response_model=schemas.Recommendations,
             tags=["profiles"], responses=schemas.problem_responses(404, 422))
    async def profile_recommendations(services: ServicesDep, profile_id: ProfileId, n: Count = 10) -> Response:
        """The four sections for a stored profile."""
        stored = await anyio.to_thread.run_sync(services.store.get, profile_id)
        return await services.compute(_recommendations, services.engine, stored_to_engine_profile(stored), n)


def _add_page(app: FastAPI) -> None:
    """The page at ``/``, its files under ``/static/`` and the API documentation's under
    ``/docs-assets/``, all from memory (see :mod:`cinerec.service.assets`)."""
    page = load_assets(STATIC_DIR)

    async def index(request: Request) -> Response:
        return page["index.html"].response(request)

    app.add_route("/", index, include_in_schema=False)
    _add_files(app, "/static", page)
    _add_files(app, "/docs-assets", load_assets(DOCS_ASSETS_DIR))


def _add_files(app: FastAPI, prefix: str, assets: dict[str, Asset]) -> None:
    async def file(request: Request) -> Response:
        asset = assets.get(request.path_params["name"])
        if asset is None:
            raise StarletteHTTPException(404, "no such file")
        return asset.response(request)

    app.add_route(prefix + "/{name}", file, include_in_schema=False)


def _add_docs(app: FastAPI) -> None:
    """The API's documentation at ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), served
    with their scripts and styles (no other site is reached), each with the
    Content-Security-Policy its page needs: Swagger UI's inline start-up script allowed by
    its hash; ReDoc's styles, which it writes into the page as it renders, allowed inline,
    and its search worker, which it starts from a ``blob:``."""
    assert app.openapi_url is not None
    title, icon = "cinerec — API", "/static/favicon.svg"
    swagger = get_swagger_ui_html(openapi_url=app.openapi_url, title=title, swagger_favicon_url=icon,
                                  swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                  swagger_css_url="/docs-assets/swagger-ui.css",
                                  swagger_ui_parameters={"validatorUrl": None}).body.decode()
    redoc = get_redoc_html(openapi_url=app.openapi_url, title=title, redoc_favicon_url=icon,
                           redoc_js_url="/docs-assets/redoc.standalone.js", with_google_fonts=False).body.decode()
    pages = {
        "/docs": (swagger, policy_for_inline_code(swagger, images="data:")),
        "/redoc": (redoc, policy_for_inline_code(redoc, styles="'unsafe-inline'", images="data:", workers="blob:")),
    }
    for path, (html, policy) in pages.items():
        app.add_route(path, _fixed_page(html, policy), include_in_schema=False)


def _fixed_page(html: str, policy: str) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html, headers={"content-security-policy": policy})

    return page


# ------------------------------------------------------------------- translations
def canonical_demographics(given: schemas.DemographicsIn) -> Demographics:
    """Everyday words → canonical terms (raises :class:`QueryError` naming the field); an
    occupation MovieLens does not know counts as "other" (see :func:`_occupation_notes`)."""
    return Demographics(
        gender=parse_gender(given.gender) if given.gender else None,
        age=given.age,
        occupation=understand_occupation(given.occupation, _age_band(given))[0] if given.occupation else None,
        zip=parse_zip(given.zip) if given.zip else None,
    )


def _occupation_notes(given: schemas.DemographicsIn) -> tuple[str, ...]:
    """What the person should know about how their occupation was understood."""
    note = understand_occupation(given.occupation, _age_band(given))[1] if given.occupation else None
    return () if note is None else (note,)


def _age_band(given: schemas.DemographicsIn) -> str | None:
    return parse_age(given.age) if given.age is not None else None


def stored_to_engine_profile(stored: StoredProfile) -> Profile:
    """A stored profile as the engine sees it: ratings ≥ 4 liked, ≤ 2 disliked."""
    liked = [m for m, rating in stored.ratings.items() if rating >= LIKED_AT_LEAST]
    disliked = [m for m, rating in stored.ratings.items() if rating <= DISLIKED_AT_MOST]
    return _engine_profile(stored.demographics, liked, disliked)


def _engine_profile(demographics: Demographics, liked: Sequence[int], disliked: Sequence[int]) -> Profile:
    liked_ids, disliked_ids = tuple(dict.fromkeys(liked)), tuple(dict.fromkeys(disliked))
    both = set(liked_ids) & set(disliked_ids)
    if both:
        raise QueryError(f"movie {min(both)} is both liked and disliked; keep it in one list")
    return Profile(liked=liked_ids, disliked=disliked_ids, gender=demographics.gender,
                   age_band=parse_age(demographics.age) if demographics.age is not None else None,
                   occupation=demographics.occupation, zip=demographics.zip)


def _recommendations(engine: Engine, profile: Profile, n: int, notes: Sequence[str] = ()) -> Response:
    """The four sections as JSON (with ``notes`` for the person), serialised here in the
    worker thread: the schema reads the engine's dataclasses directly and writes bytes,
    leaving the event loop nothing to do but send them (the route's ``response_model``
    still documents the shape)."""
    recommendations = engine.recommend(profile, n=n)  # unknown movie ids raise QueryError here
    if notes:
        recommendations = replace(recommendations, notes=(*recommendations.notes, *notes))
    answer = schemas.Recommendations.model_validate(recommendations, from_attributes=True)
    for section in answer.sections:
        for item in section.items:
            item.links = movie_links(engine, item.movie_id)
    return Response(answer.model_dump_json(), media_type="application/json")


def _movie(engine: Engine, movie_id: int) -> dict[str, Any]:
    details = engine.catalogue.details(movie_id)
    return {"movie_id": details.movie_id, "title": details.title, "year": details.year,
            "label": details.label, "genres": list(details.genres), "links": movie_links(engine, movie_id)}


@functools.lru_cache(maxsize=LINKS_CACHE_SIZE)
def movie_links(engine: Engine, movie_id: int) -> dict[str, str]:
    """:meth:`Engine.links`, remembered for the movies shown most recently: a table look-up
    for each of the forty movies of an answer would add most of a millisecond to it.
    (The dictionaries are shared between answers; they are only ever read.)"""
    return engine.links(movie_id)


def _movie_details(engine: Engine, movie_id: int, n: int) -> dict[str, Any]:
    details = engine.catalogue.details(movie_id)
    return {**_movie(engine, movie_id), "alt_titles": list(details.alt_titles), "rating_count": details.rating_count,
            "similar": [_with_links(engine, asdict(item)) for item in engine.similar(movie_id, n)],
            "also_liked": [_with_links(engine, asdict(item)) for item in engine.also_liked_for(movie_id, n)]}


def _with_links(engine: Engine, movie: dict[str, Any]) -> dict[str, Any]:
    return {**movie, "links": movie_links(engine, movie["movie_id"])}


def _require_movies(engine: Engine, movie_ids: Sequence[int]) -> None:
    unknown = next((movie_id for movie_id in movie_ids if movie_id not in engine.catalogue), None)
    if unknown is not None:
        raise UnknownMovieError(f"no movie with id {unknown} in this model's catalogue")


def _profile_out(engine: Engine, stored: StoredProfile, notes: Sequence[str] = ()) -> dict[str, Any]:
    demographics = stored.demographics
    return {
        "profile_id": stored.profile_id,
        "demographics": {**asdict(demographics),
                         "age_band": parse_age(demographics.age) if demographics.age is not None else None},
        "ratings": [{"movie": _movie(engine, movie_id), "rating": rating}
                    for movie_id, rating in stored.ratings.items() if movie_id in engine.catalogue],
        "notes": list(notes),
    }


def model_summary(engine: Engine) -> dict[str, Any]:
    """What a readiness probe or a person checking the deployment wants to know of the model."""
    manifest = engine.manifest
    return {
        "format_version": manifest.get("format_version"),
        "created": manifest.get("created"),
        "movies": int(engine.movie_ids.size),
        "known_users": int(len(engine.users)),
        "datasets": [{"releases": d.get("releases", []), "fingerprint": d.get("fingerprint"),
                      "counts": d.get("counts", {})} for d in manifest.get("datasets", [])],
        "components": {name: spec.get("class") for name, spec in manifest.get("components", {}).items()},
    }


# ------------------------------------------------------------------------- errors
#: Library errors → HTTP status; the message is the library's own one-liner.
ERROR_STATUS: dict[type[CinerecError], int] = {
    UnknownMovieError: 404,
    ProfileNotFoundError: 404,
    RatingNotFoundError: 404,
    ProfileFullError: 409,
    StoreError: 503,
    QueryError: 422,
    CinerecError: 400,
}


#: Sent with every 503: when to try again.
RETRY_AFTER = {"retry-after": str(RETRY_AFTER_SECONDS)}


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CinerecError)
    async def library_error(request: Request, exc: CinerecError) -> JSONResponse:
        status = next(code for cls, code in ERROR_STATUS.items() if isinstance(exc, cls))
        return JSONResponse({"detail": str(exc)}, status_code=status, headers=RETRY_AFTER if status == 503 else None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": describe_validation_errors(exc.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = {"allow": ", ".join(allowed_methods(request))} if exc.status_code == 405 else exc.headers
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        """Out of file descriptors is a 503 (try again in a moment); anything else is a bug.
        Answered outside the other middleware, so the security headers are added here."""
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE):
            return JSONResponse({"detail": TOO_BUSY}, status_code=503, headers={**dict(SECURITY_HEADERS), **RETRY_AFTER})
        return JSONResponse({"detail": "something went wrong on our side; please try again"}, status_code=500,
                            headers=dict(SECURITY_HEADERS))


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this request's path (Starlette's own 405 names
    only those of the first route matching the path, and a path may have several)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """pydantic's error list as one line: ``body.liked: List should have at most 200 items``;
    a text that does not match its pattern as ``zip must be a US zip code …, got 'x'``."""
    parts = []
    for error in errors[:5]:
        if error.get("type") == "json_invalid":
            parts.append(f"the request body is not valid JSON ({error.get('ctx', {}).get('error', 'malformed')} "
                         f"at character {error['loc'][-1]})")
            continue
        meaning = schemas.PATTERN_MEANINGS.get(error.get("ctx", {}).get("pattern"))
        if meaning is not None:
            parts.append(f"{error['loc'][-1]} must be {meaning}, got '{error.get('input')}'")
            continue
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


class RequestBodyLimits:
    """Refuse request bodies over ``max_bytes`` with a 413, whether or not the client sent a
    ``Content-Length``, and bodies that take more than ``timeout`` seconds to arrive with a
    408 that closes the connection (a client trickling its body would otherwise hold the
    connection as long as it liked). The body, small by the first limit, is read here
    first and handed on in one piece."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        try:
            if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
                raise _BodyTooLarge
            with anyio.fail_after(self.timeout):
                body = await self._read(receive)
        except _BodyTooLarge:
            await _reply(scope, send, 413, f"request body is larger than {self.max_bytes // 1024} KB")
        except TimeoutError:
            await _reply(scope, send, 408, TOO_SLOW, {"connection": "close"})
        else:
            if body is not None:
                await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or ``None`` if the client went away before sending it."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                raise _BodyTooLarge
            if not message.get("more_body", False):
                return bytes(body)


class _BodyTooLarge(Exception):
    """The request body is over the limit."""


async def _reply(scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    """Answer without reading the request any further."""
    await JSONResponse({"detail": detail}, status_code=status, headers=headers)(scope, _no_body, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields ``body`` once, then whatever the client sends next (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
