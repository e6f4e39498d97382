"""The web service's JSON API, through FastAPI's test client, on a small synthetic model.

The model is built once per session from a synthetic ml-100k-format release in which
the most-rated movie is renamed to a title that is HTML (``<script>…``), so every test
that shows titles also shows that one. The other service test modules share it through
:func:`session_service_model`.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from cinerec.build import BuildOptions, build_from_dataset, fit_engine
from cinerec.data.dataset import Dataset
from cinerec.data.readers import load_dataset
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.engine import Engine
from cinerec.service import app as service_app
from cinerec.service.app import RequestBodyLimits, create_app
from cinerec.service.schemas import MAX_MOVIES_PER_REQUEST
from cinerec.service.security import SECURITY_HEADERS
from cinerec.service.store import SQLiteProfileStore, StoreError

#: A title that would run as script if a page inserted it as HTML.
HOSTILE_TITLE = "<script>window.__cinerec_xss = 1</script><img src=x onerror=\"window.__cinerec_xss = 2\"> Heist"
SECTION_KEYS = ["similar", "also_liked", "people_like_you", "for_you"]


def build_service_model(directory: Path) -> tuple[Path, int]:
    """Build the service tests' model under ``directory``: ``(model dir, id of the hostile title)``."""
    data = directory / "data"
    generate(SynthConfig(format="ml-100k", users=300, movies=400, ratings=20000, seed=1), data)
    dataset = load_dataset(data, use_cache=False)
    hostile_id = int(dataset.ratings["movie_id"].value_counts().idxmax())
    movies = dataset.movies.copy()
    movies.loc[movies["movie_id"] == hostile_id, "title"] = HOSTILE_TITLE
    dataset = Dataset.from_frames(movies, dataset.users, dataset.ratings, dataset.tags, releases=dataset.releases)
    model = directory / "model"
    build_from_dataset(dataset, model, BuildOptions(report=False))
    (directory / "hostile_id").write_text(str(hostile_id))
    return model, hostile_id


def session_service_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The model, built by whichever service test module asks first and reused by the rest
    of the session (a model directory appears complete or not at all, so its manifest
    says it is ready)."""
    directory = tmp_path_factory.getbasetemp() / "cinerec-service-model"
    if not (directory / "hostile_id").exists():
        return build_service_model(directory)
    return directory / "model", int((directory / "hostile_id").read_text())


@pytest.fixture(scope="session")
def service_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    return session_service_model(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(service_model: tuple[Path, int]) -> Engine:
    return Engine.load(service_model[0])


@pytest.fixture
def client(service_model: tuple[Path, int], engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(service_model[0], tmp_path / "profiles.sqlite3", engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def hostile_id(service_model: tuple[Path, int]) -> int:
    return service_model[1]


def some_movies(engine: Engine, count: int) -> list[int]:
    """The ``count`` most-rated movies' ids (they have neighbours in every model)."""
    order = engine.movies.sort_values("n_ratings", ascending=False, kind="stable")
    return order["movie_id"].head(count).astype(int).tolist()


def section(payload: dict, key: str) -> dict:
    return next(s for s in payload["sections"] if s["key"] == key)


# ------------------------------------------------------------------- service
def test_health_and_readiness_describe_the_model(client: TestClient, engine: Engine) -> None:
    assert client.get("/api/health").json() == {"status": "ok"}
    ready = client.get("/api/ready").json()
    assert ready["status"] == "ready"
    assert ready["model"]["movies"] == engine.movie_ids.size == 400
    assert ready["model"]["datasets"][0]["releases"] == ["ml-100k"]
    assert ready["model"]["components"]["content"] == "ContentSimilarity"


def test_openapi_docs_and_page_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/recommendations" in schema["paths"]
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and 'role="combobox"' in page.text
    assert client.get("/static/app.js").status_code == 200


def test_model_is_loaded_once_not_per_request(service_model: tuple[Path, int], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    loads = []
    real_load = Engine.load

    def counting_load(path: Path) -> Engine:
        loads.append(path)
        return real_load(path)

    monkeypatch.setattr(service_app.Engine, "load", counting_load)
    with TestClient(create_app(service_model[0], tmp_path / "db.sqlite3")) as test_client:
        for _ in range(3):
            assert test_client.post("/api/recommendations", json={}).status_code == 200
            assert test_client.get("/api/movies/search", params={"q": "the"}).status_code == 200
    assert loads == [service_model[0]]


# -------------------------------------------------------------------- search
def test_search_finds_a_title_from_its_first_letters_with_year_and_genres(client: TestClient, engine: Engine) -> None:
    movie_id = some_movies(engine, 1)[0]
    title = engine.catalogue.details(movie_id).title
    typed = title[: max(3, len(title) // 2)].lower()
    results = client.get("/api/movies/search", params={"q": typed}).json()["results"]
    assert movie_id in [r["movie_id"] for r in results]
    found = next(r for r in results if r["movie_id"] == movie_id)
    assert found["year"] == engine.catalogue.details(movie_id).year
    assert found["genres"] == list(engine.catalogue.details(movie_id).genres)


def test_search_respects_limit_and_refuses_overlong_queries(client: TestClient) -> None:
    assert len(client.get("/api/movies/search", params={"q": "the", "limit": 3}).json()["results"]) == 3
    assert client.get("/api/movies/search", params={"q": ""}).json()["results"] == []
    too_long = client.get("/api/movies/search", params={"q": "x" * 101})
    assert too_long.status_code == 422 and "q" in too_long.json()["detail"]
    assert client.get("/api/movies/search", params={"q": "the", "limit": 0}).status_code == 422


def test_repeated_searches_answer_alike_and_each_limit_apart(client: TestClient) -> None:
    """Answers come from a cache of recent ones: a repeat must be the same answer, and the
    same letters with another limit must not be served the first limit's list."""
    first = client.get("/api/movies/search", params={"q": "the", "limit": 3})
    again = client.get("/api/movies/search", params={"q": "the", "limit": 3})
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert first.headers["content-type"] == "application/json"
    wider = client.get("/api/movies/search", params={"q": "the", "limit": 8}).json()["results"]
    assert [m["movie_id"] for m in wider[:3]] == [m["movie_id"] for m in first.json()["results"]]
    assert len(wider) > len(first.json()["results"])


def test_hostile_title_is_returned_as_plain_data(client: TestClient, hostile_id: int) -> None:
    results = client.get("/api/movies/search", params={"q": "script window"}).json()["results"]
    assert results[0]["movie_id"] == hostile_id
    assert results[0]["title"] == HOSTILE_TITLE


def test_page_script_never_inserts_html() -> None:
    script = (service_app.STATIC_DIR / "app.js").read_text()
    assert re.findall(r"\.(?:inner|outer)HTML\s*[+]?=|insertAdjacentHTML|document\.write|\beval\(", script) == []


# ------------------------------------------------------------------- security
def test_every_answer_carries_the_security_headers(client: TestClient, engine: Engine) -> None:
    answers = [client.get("/"), client.get("/static/app.js"), client.get("/static/no-such-file.js"),
               client.get("/api/health"), client.get(f"/api/movies/{some_movies(engine, 1)[0]}"),
               client.get("/api/movies/0"), client.get("/api/movies/999999"), client.delete("/api/health"),
               client.post("/api/recommendations", json={"liekd": [1]}), client.get("/nowhere")]
    for answer in answers:
        for name, value in SECURITY_HEADERS:
            assert answer.headers[name] == value, (answer.url, name)
    assert "frame-ancestors 'none'" in answers[0].headers["content-security-policy"]


def test_the_page_needs_nothing_its_policy_forbids() -> None:
    """No inline script, style or event handler: the policy allows only the service's own files."""
    page = (service_app.STATIC_DIR / "index.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=|javascript:", page) == []
    script = (service_app.STATIC_DIR / "app.js").read_text()
    assert re.findall(r"setAttribute\(\s*[\"'](?:style|on)|new Function|setTimeout\(\s*[\"'`]", script) == []


def test_the_api_documentation_allows_its_own_inline_code_by_hash(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "'sha256-" in policy and "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert docs.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documentation_comes_from_the_service_alone(client: TestClient, path: str) -> None:
    page = client.get(path).text
    assert "https://" not in page and "http://" not in page
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert client.get(url).status_code == 200, url


def test_page_files_are_revalidated_with_etags(client: TestClient) -> None:
    first = client.get("/static/style.css")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/css")
    again = client.get("/static/style.css", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/", headers={"if-none-match": first.headers["etag"]}).status_code == 200


# ------------------------------------------------------------- status codes
def test_a_method_a_path_does_not_answer_is_405_naming_every_method_it_does(client: TestClient) -> None:
    response = client.post("/api/profiles/0123456789abcdef0123456789abcdef/ratings/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, PUT"


def test_the_schema_documents_each_status_a_route_can_answer(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    rate = paths["/api/profiles/{profile_id}/ratings/{movie_id}"]["put"]["responses"]
    assert {"200", "400", "404", "408", "409", "413", "422", "503"} <= set(rate)
    assert rate["503"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert rate["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert set(paths["/api/health"]["get"]["responses"]) == {"200", "503"}


def test_a_database_that_cannot_save_is_503_with_retry_after(client: TestClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def cannot_save(*args: object) -> None:
        raise StoreError("profiles.sqlite3: could not save (disk is full); try again")

    monkeypatch.setattr(client.app.state.services.store, "create", cannot_save)
    response = client.post("/api/profiles", json={})
    assert response.status_code == 503 and "try again" in response.json()["detail"]
    assert response.headers["retry-after"] == "1"


def test_running_out_of_file_descriptors_is_503_not_500(service_model: tuple[Path, int], engine: Engine,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_descriptor(*args: object) -> None:
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(service_app, "_movie_details", no_descriptor)
    app = create_app(service_model[0], tmp_path / "profiles.sqlite3", engine=engine)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get(f"/api/movies/{some_movies(engine, 1)[0]}")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert "try again" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_that_takes_too_long_to_arrive_is_408_and_closes_the_connection() -> None:
    first_byte = iter([{"type": "http.request", "body": b"{", "more_body": True}])
    sent: list[dict] = []

    async def receive() -> dict:  # the first byte, then nothing more
        message = next(first_byte, None)
        if message is None:
            await anyio.sleep_forever()
        return message

    async def send(message: dict) -> None:
        sent.append(message)

    async def application(scope: dict, receive: object, send: object) -> None:
        raise AssertionError("a request whose body never arrived reached the application")

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"20")]}
    anyio.run(RequestBodyLimits(application, max_bytes=1024, timeout=0.05), scope, receive, send)
    assert sent[0]["status"] == 408 and (b"connection", b"close") in sent[0]["headers"]
    assert b"too long" in sent[1]["body"]


# --------------------------------------------------------------------- movies
def test_movie_details_list_similar_and_also_liked_movies(client: TestClient, engine: Engine) -> None:
    movie_id = some_movies(engine, 1)[0]
    details = client.get(f"/api/movies/{movie_id}", params={"n": 5}).json()
    assert details["movie_id"] == movie_id and details["rating_count"] > 0
    for key in ("similar", "also_liked"):
        ids = [item["movie_id"] for item in details[key]]
        assert 0 < len(ids) <= 5 and movie_id not in ids
        assert all(item["reason"] for item in details[key])


def test_movies_carry_their_pages_where_the_release_names_them(tmp_path: Path) -> None:
    release = tmp_path / "ml-latest-small"
    generate(SynthConfig(users=60, movies=120, ratings=2_000, format="ml-latest", seed=3), release)
    linked = fit_engine(load_dataset(release, use_cache=False))
    movie_id = some_movies(linked, 1)[0]
    assert linked.links(movie_id)  # the release has links.csv
    with TestClient(create_app(tmp_path / "model", tmp_path / "profiles.sqlite3", engine=linked)) as client:
        details = client.get(f"/api/movies/{movie_id}").json()
        sections = client.post("/api/recommendations", json={"liked": [movie_id]}).json()["sections"]
        found = client.get("/api/movies/search", params={"q": linked.catalogue.details(movie_id).title}).json()
    movies = [details, *details["similar"], *details["also_liked"], *found["results"],
              *(item for section in sections for item in section["items"])]
    assert len(movies) > 10
    assert all(movie["links"] == linked.links(movie["movie_id"]) for movie in movies)
    assert "IMDb" in details["links"] and details["links"]["MovieLens"].endswith(f"/movies/{movie_id}")


def test_movies_of_a_release_without_pages_have_no_links(client: TestClient, engine: Engine) -> None:
    details = client.get(f"/api/movies/{some_movies(engine, 1)[0]}").json()
    assert details["links"] == {} and all(item["links"] == {} for item in details["similar"])


def test_unknown_movie_is_404_and_impossible_id_422(client: TestClient) -> None:
    missing = client.get("/api/movies/999999")
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert client.get("/api/movies/0").status_code == 422
    assert client.get("/api/movies/abc").status_code == 422


# ------------------------------------------------------------ recommendations
def test_recommendations_have_four_sections_with_reasons(client: TestClient, engine: Engine) -> None:
    liked = some_movies(engine, 2)
    body = {"liked": liked, "gender": "female", "age": 29, "occupation": "nurse", "zip": "87103", "n": 5}
    payload = client.post("/api/recommendations", json=body).json()
    assert [s["key"] for s in payload["sections"]] == SECTION_KEYS
    for s in payload["sections"]:
        assert 0 < len(s["items"]) <= 5, s["key"]
        assert all(item["reason"] and item["movie_id"] not in liked for item in s["items"])
    labels = {engine.catalogue.label(movie_id) for movie_id in liked}
    assert all(any(label in item["reason"] for label in labels) for item in section(payload, "similar")["items"])
    assert "women 25-34" in section(payload, "people_like_you")["heading"]


def test_disliked_movies_are_not_recommended(client: TestClient, engine: Engine) -> None:
    liked, *disliked = some_movies(engine, 4)
    payload = client.post("/api/recommendations", json={"liked": [liked], "disliked": disliked}).json()
    recommended = {item["movie_id"] for s in payload["sections"] for item in s["items"]}
    assert recommended and not recommended & set(disliked)


def test_empty_profile_gets_popular_movies_and_notes(client: TestClient) -> None:
    payload = client.post("/api/recommendations", json={}).json()
    assert section(payload, "for_you")["items"]
    assert section(payload, "similar")["items"] == [] and "movie you like" in section(payload, "similar")["note"]
    assert "gender" in section(payload, "people_like_you")["note"]


@pytest.mark.parametrize(("body", "expected"), [
    ({"liked": "144"}, "liked"),
    ({"liked": [True]}, "liked"),
    ({"liked": ["144"]}, "liked"),
    ({"age": True}, "age"),
    ({"age": "32"}, "age"),
    ({"age": 32.5}, "age"),
    ({"n": True}, "n"),
    ({"liked": [1.5]}, "liked"),
    ({"age": "old"}, "age"),
    ({"age": 300}, "age"),
    ({"gender": "x"}, "gender must be M or F"),
    ({"gender": 1}, "gender"),
    ({"occupation": "x" * 61}, "occupation"),
    ({"zip": "hello"}, "zip must be a US zip code"),
    ({"occupation": "42"}, "occupation must be words"),
    ({"liked": list(range(1, MAX_MOVIES_PER_REQUEST + 2))}, "at most 200"),
    ({"liekd": [1]}, "liekd"),
    ({"n": 0}, "n"),
    ([1, 2], "object"),
])
def test_bad_requests_are_422_with_a_clear_message(client: TestClient, body: object, expected: str) -> None:
    response = client.post("/api/recommendations", json=body)
    assert response.status_code == 422
    assert expected in response.json()["detail"]


def test_numbers_are_json_numbers_whole_or_not(client: TestClient, engine: Engine) -> None:
    """A JSON integer may be written 32 or 32.0; it is never ``true`` or ``"32"`` (above)."""
    liked = some_movies(engine, 1)[0]
    response = client.post("/api/recommendations", json={"liked": [float(liked)], "age": 32.0, "n": 3.0})
    assert response.status_code == 200
    assert all(len(s["items"]) <= 3 for s in response.json()["sections"])


def test_an_unknown_movie_in_the_body_is_404(client: TestClient, engine: Engine) -> None:
    for body in ({"liked": [999999]}, {"liked": some_movies(engine, 1), "disliked": [999998]}):
        response = client.post("/api/recommendations", json=body)
        assert response.status_code == 404 and str(body.get("disliked", body["liked"])[0]) in response.json()["detail"]


def test_movie_both_liked_and_disliked_is_refused(client: TestClient, engine: Engine) -> None:
    movie_id = some_movies(engine, 1)[0]
    response = client.post("/api/recommendations", json={"liked": [movie_id], "disliked": [movie_id]})
    assert response.status_code == 422 and "both liked and disliked" in response.json()["detail"]


def test_malformed_json_and_oversized_bodies(client: TestClient) -> None:
    broken = client.post("/api/recommendations", content=b'{"liked": [1', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "not valid JSON" in broken.json()["detail"]
    huge = b'{"liked": [' + b"1," * 40_000 + b"1]}"
    too_big = client.post("/api/recommendations", content=huge, headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and "larger than" in too_big.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"liked": ['
        for _ in range(20):
            yield b"1," * 2000
        yield b"1]}"

    streamed = client.post("/api/recommendations", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


# ------------------------------------------------------------ stored profiles
def create_profile(client: TestClient, **demographics: object) -> str:
    response = client.post("/api/profiles", json={"demographics": demographics})
    assert response.status_code == 201, response.text
    return response.json()["profile_id"]


def test_stored_profile_lifecycle(client: TestClient, engine: Engine) -> None:
    first, second, third = some_movies(engine, 3)
    profile_id = create_profile(client, gender="m", age=32, occupation="software engineer")
    stored = client.get(f"/api/profiles/{profile_id}").json()
    assert stored["demographics"] == {"gender": "M", "age": 32, "age_band": "25-34", "occupation": "programmer",
                                      "zip": None}
    for movie_id, rating in ((first, 5), (second, 1), (third, 4), (third, 2.5)):
        assert client.put(f"/api/profiles/{profile_id}/ratings/{movie_id}", json={"rating": rating}).status_code == 200
    assert client.delete(f"/api/profiles/{profile_id}/ratings/{second}").status_code == 200
    stored = client.put(f"/api/profiles/{profile_id}/demographics", json={"zip": "k1a 0b1"}).json()
    assert stored["demographics"]["zip"] == "K1A0B1" and stored["demographics"]["gender"] is None
    assert {r["movie"]["movie_id"]: r["rating"] for r in stored["ratings"]} == {first: 5.0, third: 2.5}
    assert client.get(f"/api/profiles/{profile_id}").json() == stored


def test_stored_ratings_drive_recommendations(client: TestClient, engine: Engine) -> None:
    liked, disliked, neutral = some_movies(engine, 3)
    profile_id = create_profile(client)
    url = f"/api/profiles/{profile_id}"
    client.put(f"{url}/ratings/{neutral}", json={"rating": 3})
    assert section(client.get(f"{url}/recommendations").json(), "similar")["items"] == []  # 3 is neither
    client.put(f"{url}/ratings/{liked}", json={"rating": 4})
    client.put(f"{url}/ratings/{disliked}", json={"rating": 2})
    payload = client.get(f"{url}/recommendations", params={"n": 5}).json()
    similar = section(payload, "similar")["items"]
    assert similar and all(engine.catalogue.label(liked) in item["reason"] for item in similar)
    recommended = {item["movie_id"] for s in payload["sections"] for item in s["items"]}
    assert not recommended & {liked, disliked, neutral}


def test_occupations_offered_are_those_understood(client: TestClient) -> None:
    offered = client.get("/api/occupations").json()["occupations"]
    assert "programmer" in offered and "other" in offered and offered == sorted(offered, key=str.casefold)
    for occupation in offered:
        answer = client.post("/api/profiles", json={"demographics": {"occupation": occupation}}).json()
        assert answer["demographics"]["occupation"] == occupation and answer["notes"] == []


def test_saying_an_occupation_movielens_does_not_know_comes_back_with_a_note(client: TestClient) -> None:
    profile_id = create_profile(client)
    said = client.put(f"/api/profiles/{profile_id}/demographics", json={"occupation": "lighthouse keeper"}).json()
    assert said["demographics"]["occupation"] == "other"
    assert said["notes"] == ["'lighthouse keeper' is not one of MovieLens' occupations; counted as other"]
    assert client.get(f"/api/profiles/{profile_id}").json()["notes"] == []


def test_stored_profile_errors(client: TestClient, engine: Engine) -> None:
    profile_id = create_profile(client)
    movie_id = some_movies(engine, 1)[0]
    unknown = "0" * 32
    assert client.get(f"/api/profiles/{unknown}").status_code == 404
    assert client.get(f"/api/profiles/{unknown}/recommendations").status_code == 404
    assert client.put(f"/api/profiles/{unknown}/ratings/{movie_id}", json={"rating": 5}).status_code == 404
    assert client.get("/api/profiles/not-an-id").status_code == 422
    missing_movie = client.put(f"/api/profiles/{profile_id}/ratings/999999", json={"rating": 5})
    assert missing_movie.status_code == 404 and "999999" in missing_movie.json()["detail"]
    for rating in (0, 6, 4.3, "five", None, True, "4"):
        refused = client.put(f"/api/profiles/{profile_id}/ratings/{movie_id}", json={"rating": rating})
        assert refused.status_code == 422 and "rating" in refused.json()["detail"], rating
    not_rated = client.delete(f"/api/profiles/{profile_id}/ratings/{movie_id}")
    assert not_rated.status_code == 404 and "has not rated" in not_rated.json()["detail"]
    assert client.put(f"/api/profiles/{profile_id}/demographics", json={"gender": "robot"}).status_code == 422
    assert client.get(f"/api/profiles/{profile_id}").json()["ratings"] == []  # nothing half-written


def test_profiles_persist_across_app_restarts(service_model: tuple[Path, int], engine: Engine, tmp_path: Path) -> None:
    db = tmp_path / "profiles.sqlite3"
    movie_id = some_movies(engine, 1)[0]
    with TestClient(create_app(service_model[0], db, engine=engine)) as first:
        profile_id = create_profile(first, gender="F")
        first.put(f"/api/profiles/{profile_id}/ratings/{movie_id}", json={"rating": 5})
    with TestClient(create_app(service_model[0], store=SQLiteProfileStore(db), engine=engine)) as second:
        stored = second.get(f"/api/profiles/{profile_id}").json()
    assert stored["demographics"]["gender"] == "F"
    assert [r["movie"]["movie_id"] for r in stored["ratings"]] == [movie_id]


def test_serve_with_a_missing_model_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cinerec.cli.main import main

    status = main(["serve", "--model", str(tmp_path / "no-model"), "--db", str(tmp_path / "db.sqlite3")])
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("cinerec: error: ") and "no-model" in error and "Traceback" not in error


def test_an_occupation_movielens_does_not_know_counts_as_other_with_a_note(client: TestClient) -> None:
    response = client.post("/api/recommendations", json={"occupation": "astronaut of the deep", "liked": [1]})
    assert response.status_code == 200
    assert "'astronaut of the deep' is not one of MovieLens' occupations; counted as other" in response.json()["notes"]
    plain = client.post("/api/recommendations", json={"occupation": "nurse", "liked": [1]}).json()
    assert plain["notes"] == []
