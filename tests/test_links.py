"""Links to a movie's pages: read from a release's links.csv, kept in the model, offered
only where the release names them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cinerec.catalogue import movie_links
from cinerec.data.readers import load_dataset
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.build import fit_engine
from cinerec.errors import DataError


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release") / "ml-latest-small"
    generate(SynthConfig(users=60, movies=120, ratings=2_000, format="ml-latest", seed=3), folder)
    return folder


def test_links_csv_gives_every_movie_its_pages(release: Path) -> None:
    dataset = load_dataset(release, use_cache=False)
    links = (release / "links.csv").read_text().splitlines()[1:]
    first_id, imdb, tmdb = links[0].split(",")
    row = dataset.movies.set_index("movie_id").loc[int(first_id)]
    assert row["imdb_id"] == int(imdb) and row["tmdb_id"] == int(tmdb)
    blank_tmdb = [line.split(",")[0] for line in links if line.endswith(",")]  # TMDB lacks a few movies
    assert blank_tmdb and pd.isna(dataset.movies.set_index("movie_id").loc[int(blank_tmdb[0]), "tmdb_id"])
    engine = fit_engine(dataset)
    pages = engine.links(int(first_id))
    assert pages["IMDb"] == f"https://www.imdb.com/title/tt{int(imdb):07d}/"
    assert pages["MovieLens"] == f"https://movielens.org/movies/{first_id}"
    assert set(engine.links(int(blank_tmdb[0]))) == {"MovieLens", "IMDb"}


def test_without_links_csv_no_page_is_guessed(release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ml-latest-small"
    copy.mkdir()
    for path in release.iterdir():
        if path.name != "links.csv":
            (copy / path.name).write_bytes(path.read_bytes())
    engine = fit_engine(load_dataset(copy, use_cache=False))
    assert engine.links(int(engine.movie_ids[0])) == {}
    assert movie_links(1, None, 5) == {}


def test_a_bad_links_row_names_its_line(release: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ml-latest-small"
    copy.mkdir()
    for path in release.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    lines = (copy / "links.csv").read_text().splitlines()
    lines[3] = "abc,1,2"
    (copy / "links.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"links\.csv:4"):
        load_dataset(copy, use_cache=False)
