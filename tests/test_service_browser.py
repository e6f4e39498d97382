"""The web page in a real browser: Debian's chromium driven by Playwright.

A person types a few letters of a title, picks the movie from the autocomplete with the
keyboard, and recommendations appear; a title that is HTML shows as text and never
runs. Uses the system's ``/usr/bin/chromium`` (never a browser download) and skips,
saying why, where it is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def page(browser, server: tuple[ServerProcess, Engine]) -> Iterator[object]:
    context = browser.new_context()  # fresh localStorage: a new stored profile per test
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(server[0].url + "/")
    yield opened
    context.close()
    assert errors == [], f"the page raised JavaScript errors: {errors}"


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
    sync_api.expect(page.locator("#liked-movies")).to_contain_text("👎")
    sync_api.expect(page.locator(f'#sections li[data-movie-id="{movie_id}"]')).to_have_count(0)


def test_demographics_form_fills_people_like_you(page) -> None:
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


def test_a_title_that_is_html_shows_as_text_and_never_runs(page) -> None:
    search = page.get_by_role("combobox", name="Add a movie you like")
    search.press_sequentially("script", delay=30)
    option = page.get_by_role("option").first
    sync_api.expect(option).to_contain_text(HOSTILE_TITLE)
    option.click()
    sync_api.expect(page.locator("#liked-movies")).to_contain_text(HOSTILE_TITLE)
    assert page.evaluate("window.__cinerec_xss") is None
    assert page.locator("#liked-movies img, #movie-options img, #sections img, #sections script").count() == 0
