"""The web page in a real browser: Debian's chromium driven by Playwright.

A person types a few letters of a title, picks the movie from the autocomplete with the
keyboard, and recommendations appear; a title that is HTML shows as text and never
runs. The page fits a phone's width and shows the first result on a laptop's screen
without scrolling; it logs no error (no missing file, nothing its security policy
refuses). The API documentation works with every site but the server out of reach.
Uses the system's ``/usr/bin/chromium`` (never a browser download) and skips, saying
why, where it is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cinerec.engine import Engine
from cinerec.service.process import ServerProcess
from test_service_api import HOSTILE_TITLE, session_service_model

pytestmark = [pytest.mark.network, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
# Assertions wait as long as actions do: expect()'s own 5 s default is too short on a busy 2-core machine.
sync_api.expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Engine]]:
    directory = tmp_path_factory.mktemp("browser")
    model, _ = session_service_model(tmp_path_factory)
    with ServerProcess(model, directory / "profiles.sqlite3", directory / "server.log") as running:
        yield running, Engine.load(model)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A page opened in a fresh browser context (fresh localStorage: a new stored profile),
    with every console error it logged and every request it tried to send elsewhere."""

    page: object
    errors: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser, server: tuple[ServerProcess, Engine]) -> Iterator[object]:
    """Opens ``path`` of the server, with the network to anything but the server cut off
    (the page once it has started, so that nothing it fills in at start overwrites a test's typing)."""
    contexts = []

    def open_page(path: str = "/", **context_options: object) -> Visit:
        context = browser.new_context(**context_options)
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(TIMEOUT_MS)
        visited = Visit(opened)
        opened.on("pageerror", lambda error: visited.errors.append(str(error)))
        opened.on("console", lambda message: visited.errors.append(message.text) if message.type == "error" else None)
        context.route(lambda url: not url.startswith(server[0].url), lambda route: (
            visited.elsewhere.append(route.request.url), route.abort()))
        opened.goto(server[0].url + path)
        if path == "/":  # started: the profile loaded and its first recommendations shown
            sync_api.expect(opened.locator("#sections section").first).to_be_visible()
        return visited

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(visit) -> Iterator[object]:
    visited = visit()
    yield visited.page
    assert visited.errors == [], f"the page logged errors: {visited.errors}"
    assert visited.elsewhere == []


def pick_a_movie(page) -> None:
    """Type the first letters of a common word and pick the first movie offered."""
    search = page.get_by_role("combobox", name="Add a movie you like")
    search.press_sequentially("the", delay=30)
    sync_api.expect(page.get_by_role("option").first).to_be_visible()
    search.press("Enter")
    sync_api.expect(page.locator('section[data-key="similar"] li').first).to_be_visible()


def test_pick_a_movie_from_the_autocomplete_and_see_recommendations(page, server: tuple[ServerProcess, Engine]) -> None:
    engine = server[1]
    top = engine.movies.sort_values("n_ratings", ascending=False)["movie_id"].astype(int).tolist()
    movie_id = next(m for m in top if "<" not in engine.catalogue.details(m).title)
    title = engine.catalogue.details(movie_id).title
    search = page.get_by_role("combobox", name="Add a movie you like")
    search.click()
    search.press_sequentially(title[:6].lower(), delay=30)
    option = page.get_by_role("option").filter(has_text=engine.catalogue.label(movie_id))
    sync_api.expect(option).to_be_visible()
    assert search.get_attribute("aria-expanded") == "true"
    # Keyboard only: arrow down to the movie, Enter to pick it.
    options = page.get_by_role("option")
    position = [o.text_content() for o in options.all()].index(option.text_content())
    for _ in range(position + 1):
        search.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == option.get_attribute("id")
    search.press("Enter")
    sync_api.expect(page.locator("#liked-movies")).to_contain_text(engine.catalogue.label(movie_id))
    similar = page.locator('section[data-key="similar"] li')
    sync_api.expect(similar.first).to_be_visible()
    assert f"because you liked {engine.catalogue.label(movie_id)}" in similar.first.text_content()
    sync_api.expect(page.locator('section[data-key="for_you"] li').first).to_be_visible()


def test_thumbs_down_removes_a_movie_from_the_lists(page) -> None:
    first_for_you = page.locator('section[data-key="for_you"] li').first
    sync_api.expect(first_for_you).to_be_visible()
    movie_id = first_for_you.get_attribute("data-movie-id")
    first_for_you.get_by_role("button", name="Not for me").click()
    sync_api.expect(page.locator("#liked-movies li")).to_contain_text("Not for me")
    assert page.locator("#liked-movies li svg").count() == 1
    sync_api.expect(page.locator(f'#sections li[data-movie-id="{movie_id}"]')).to_have_count(0)


def test_demographics_form_fills_people_like_you(visit) -> None:
    visited = visit()
    page = visited.page
    page.get_by_label("Gender").select_option("F")
    page.get_by_label("Age").fill("29")
    page.get_by_label("Occupation").fill("nurse")
    page.get_by_role("button", name="Save").click()
    heading = page.locator('section[data-key="people_like_you"] h2')
    sync_api.expect(heading).to_contain_text("women 25-34, doctor/health care")
    sync_api.expect(page.locator('section[data-key="people_like_you"] li').first).to_be_visible()
    page.get_by_label("Zip code").fill("not a zip")
    page.get_by_role("button", name="Save").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("zip must be")
    # The refused zip is the only error the browser reports.
    assert [error for error in visited.errors if "422" not in error] == [] and len(visited.errors) == 1


def test_a_title_that_is_html_shows_as_text_and_never_runs(page) -> None:
    search = page.get_by_role("combobox", name="Add a movie you like")
    search.press_sequentially("script", delay=30)
    option = page.get_by_role("option").first
    sync_api.expect(option).to_contain_text(HOSTILE_TITLE)
    option.click()
    sync_api.expect(page.locator("#liked-movies")).to_contain_text(HOSTILE_TITLE)
    assert page.evaluate("window.__cinerec_xss") is None
    assert page.locator("#liked-movies img, #movie-options img, #sections img, #sections script").count() == 0


def test_thumbs_are_icons_with_names_for_screen_readers(page) -> None:
    item = page.locator('section[data-key="for_you"] li').first
    sync_api.expect(item).to_be_visible()
    for name in ("I liked", "Not for me"):
        button = item.get_by_role("button", name=name)
        assert button.locator("svg[aria-hidden='true']").count() == 1
        assert button.text_content().strip() == ""  # no emoji; the name is the button's label


def test_the_page_fits_a_phone_screen(visit) -> None:
    visited = visit(viewport={"width": 390, "height": 844})
    pick_a_movie(visited.page)
    widths = visited.page.evaluate("[document.documentElement.scrollWidth, innerWidth, "
                                   "Math.max(...[...document.querySelectorAll('#sections li')]"
                                   ".map((item) => item.getBoundingClientRect().right))]")
    assert widths[0] <= widths[1] == 390 and widths[2] <= 390, widths
    assert visited.errors == []


def test_the_first_result_is_on_a_laptop_screen_without_scrolling(visit) -> None:
    visited = visit(viewport={"width": 1280, "height": 900})
    pick_a_movie(visited.page)
    first = visited.page.locator('section[data-key="similar"] li').first.bounding_box()
    assert visited.page.evaluate("scrollY") == 0
    assert first["y"] >= 0 and first["y"] + first["height"] <= 900, first


def test_updating_shows_while_recommendations_load(page) -> None:
    held = []
    page.route(lambda url: "/recommendations" in url, lambda route: held.append(route))
    page.get_by_role("button", name="Save").click()
    updating = page.get_by_text("Updating…")
    sync_api.expect(updating).to_be_visible()
    sync_api.expect(page.locator("#sections")).to_have_attribute("aria-busy", "true")
    for route in held:
        route.continue_()
    sync_api.expect(updating).to_be_hidden()
    sync_api.expect(page.locator("#sections")).to_have_attribute("aria-busy", "false")


def test_occupations_are_suggested_and_any_other_counts_as_other_with_a_note(page,
                                                                             server: tuple[ServerProcess, Engine]) -> None:
    offered = httpx.get(f"{server[0].url}/api/occupations").json()["occupations"]
    options = page.locator("#occupation-options option")
    sync_api.expect(options).to_have_count(len(offered))
    assert [options.nth(i).get_attribute("value") for i in range(len(offered))] == offered
    note = page.locator("#occupation-note")
    page.get_by_label("Occupation").fill("astronaut")
    page.get_by_role("button", name="Save").click()
    sync_api.expect(note).to_be_visible()
    sync_api.expect(note).to_contain_text("'astronaut' is not one of MovieLens' occupations; counted as other")
    sync_api.expect(page.get_by_label("Occupation")).to_have_value("other")
    page.get_by_label("Occupation").fill("programmer")
    page.get_by_role("button", name="Save").click()
    sync_api.expect(note).to_be_hidden()


def test_the_page_has_an_icon(page, server: tuple[ServerProcess, Engine]) -> None:
    href = page.locator("link[rel='icon']").get_attribute("href")
    icon = httpx.get(server[0].url + href)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")


def test_movie_links_are_shown_when_the_catalogue_has_them(page) -> None:
    """Links come with a movie when its release names its IMDb and TMDB entries (the test
    model's ml-100k-style release does not, so an answer is given some); only https
    addresses become links."""
    links = {"IMDb": "https://www.imdb.com/title/tt0114709/", "TMDB": "https://www.themoviedb.org/movie/862",
             "Elsewhere": "javascript:alert(1)"}

    def with_links(route) -> None:
        answer = route.fetch()
        body = answer.json()
        body["sections"][-1]["items"][0]["links"] = links
        route.fulfill(response=answer, body=json.dumps(body))

    page.route(lambda url: "/recommendations" in url, with_links)
    page.get_by_role("button", name="Save").click()
    first = page.locator('section[data-key="for_you"] li').first
    sync_api.expect(first.get_by_role("link")).to_have_count(2)
    imdb = first.get_by_role("link", name="on IMDb")
    assert imdb.get_attribute("href") == links["IMDb"] and imdb.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("#sections img").count() == 0


def operation_count(server: ServerProcess) -> int:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    return sum(len(methods) for methods in paths.values())


def test_the_api_documentation_works_offline(visit, server: tuple[ServerProcess, Engine]) -> None:
    visited = visit("/docs")
    sync_api.expect(visited.page.locator(".opblock")).to_have_count(operation_count(server[0]))
    sync_api.expect(visited.page.locator(".opblock-summary-path").first).to_contain_text("/api/")
    assert visited.errors == [] and visited.elsewhere == []


def test_the_redoc_documentation_works_offline(visit, server: tuple[ServerProcess, Engine]) -> None:
    """ReDoc's menu shows its maker's logo from their site; the page's policy refuses to
    load it, so nothing leaves the machine."""
    visited = visit("/redoc")
    operations = visited.page.locator("[data-section-id^='operation/']")
    sync_api.expect(operations).to_have_count(operation_count(server[0]))
    assert visited.elsewhere == []
    assert all("cdn.redoc.ly" in error and "Content Security Policy" in error for error in visited.errors), \
        visited.errors
