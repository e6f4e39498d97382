"""The synthetic MovieLens generator: files like the real releases, MovieLens-like shape,
and planted signals (genre taste, latent taste, demographics) that can be measured."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.cli.main import main
from cinerec.data.dataset import Dataset
from cinerec.data.readers import read_movielens
from cinerec.data.synthetic import TRUTH_FILE, SynthConfig, generate
from cinerec.data.synthetic._population import allocate
from cinerec.data.synthetic._writers import MlLatestWriter
from cinerec.errors import DataError

SIZES = {  # small but large enough for the statistics below to be stable
    "ml-100k": dict(users=500, movies=1_000, ratings=30_000),
    "ml-1m": dict(users=600, movies=1_000, ratings=60_000),
    "ml-latest": dict(users=400, movies=2_000, ratings=40_000),
}
RATINGS_FILE = {"ml-100k": "u.data", "ml-1m": "ratings.dat", "ml-latest": "ratings.csv"}


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One synthetic release per format, shared by the read-only tests below."""
    root = tmp_path_factory.mktemp("synthetic")
    for release, size in SIZES.items():
        generate(SynthConfig(**size, format=release, seed=7), root / release)
    return {release: root / release for release in SIZES}


@pytest.fixture(scope="module")
def datasets(releases: dict[str, Path]) -> dict[str, Dataset]:
    return {release: read_movielens(path) for release, path in releases.items()}


def truth(folder: Path) -> dict:
    return json.loads((folder / TRUTH_FILE).read_text(encoding="utf-8"))


# ------------------------------------------------------------------- determinism
@pytest.mark.parametrize("release", list(SIZES))
def test_same_seed_same_bytes_other_seed_other_data(release: str, tmp_path: Path) -> None:
    config = SynthConfig(users=60, movies=200, ratings=3_000, format=release, seed=11)
    first, second = generate(config, tmp_path / "a"), generate(config, tmp_path / "b")
    assert first.files == second.files and TRUTH_FILE in first.files
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    generate(SynthConfig(users=60, movies=200, ratings=3_000, format=release, seed=12), tmp_path / "c")
    ratings = RATINGS_FILE[release]
    assert (tmp_path / "a" / ratings).read_bytes() != (tmp_path / "c" / ratings).read_bytes()


# ----------------------------------------------------------- files and round trip
@pytest.mark.parametrize("release", list(SIZES))
def test_reader_round_trip_gives_exact_counts(release: str, releases: dict[str, Path],
                                              datasets: dict[str, Dataset]) -> None:
    dataset, size, planted = datasets[release], SIZES[release], truth(releases[release])
    expected_tags = round(0.04 * size["ratings"]) if release == "ml-latest" else 0
    assert dataset.counts()["users"] == size["users"]
    assert dataset.counts()["movies"] == size["movies"]
    assert dataset.counts()["ratings"] == size["ratings"]
    assert dataset.counts()["tags"] == expected_tags == planted["counts"]["tags"]
    assert dataset.warnings == ()
    assert planted["counts"]["ratings"] == size["ratings"]
    assert planted["config"]["format"] == release


@pytest.mark.parametrize("release", list(SIZES))
def test_ratings_are_distinct_sorted_and_in_the_catalogue(release: str, datasets: dict[str, Dataset]) -> None:
    ratings, movies = datasets[release].ratings, datasets[release].movies
    assert not ratings.duplicated(["user_id", "movie_id"]).any()
    assert ratings["movie_id"].isin(movies["movie_id"]).all()
    assert datasets[release].tags["movie_id"].isin(movies["movie_id"]).all()


def test_ratings_files_are_sorted_by_user_then_movie(releases: dict[str, Path]) -> None:
    rows = pd.read_csv(releases["ml-latest"] / "ratings.csv")
    assert list(rows.columns) == ["userId", "movieId", "rating", "timestamp"]
    order = np.lexsort((rows["movieId"], rows["userId"]))
    assert np.array_equal(order, np.arange(len(rows)))


@pytest.mark.parametrize("release", ["ml-100k", "ml-1m"])
def test_whole_stars_and_at_least_twenty_ratings_per_user(release: str, datasets: dict[str, Dataset]) -> None:
    ratings = datasets[release].ratings
    assert set(np.unique(ratings["rating"])) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ratings.groupby("user_id").size().min() >= 20
    assert 3.2 < ratings["rating"].mean() < 3.8


def test_half_stars_are_less_common_than_whole_stars(datasets: dict[str, Dataset]) -> None:
    stars = datasets["ml-latest"].ratings["rating"].to_numpy()
    assert stars.min() >= 0.5 and stars.max() <= 5.0
    assert set(np.unique(stars)) <= {k / 2 for k in range(1, 11)}
    half = (stars % 1) != 0
    assert 0.05 < half.mean() < 0.5
    assert 3.2 < stars.mean() < 3.8


def test_users_match_the_planted_demographics(releases: dict[str, Path], datasets: dict[str, Dataset]) -> None:
    for release in ("ml-100k", "ml-1m"):
        users, planted = datasets[release].users, truth(releases[release])["users"]
        assert users["gender"].astype(str).tolist() == planted["gender"]
        assert users["age_band"].astype(str).tolist() == planted["age_band"]
        assert users["occupation"].astype(str).tolist() == planted["occupation"]
    assert datasets["ml-100k"].users["age"].notna().all()
    assert datasets["ml-latest"].users_with_demographics() == 0


def test_ml100k_files_have_the_release_layout(releases: dict[str, Path]) -> None:
    folder = releases["ml-100k"]
    item = (folder / "u.item").read_bytes().decode("latin-1").splitlines()
    fields = item[0].split("|")
    assert len(fields) == 24 and fields[3] == "" and fields[4].startswith("http://us.imdb.com/M/title-exact?")
    assert re.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4}", fields[2])
    genres = (folder / "u.genre").read_text().split()
    assert genres[0] == "unknown|0" and "Children's|4" in genres and not any("IMAX" in g for g in genres)
    assert (folder / "u.info").read_text() == "500 users\n1000 items\n30000 ratings\n"
    occupations = {line.split("|")[3] for line in (folder / "u.user").read_text().splitlines()}
    assert occupations <= set((folder / "u.occupation").read_text().split())


def test_ml1m_files_use_double_colons_and_codes(releases: dict[str, Path]) -> None:
    folder = releases["ml-1m"]
    user = (folder / "users.dat").read_text().splitlines()[0].split("::")
    assert len(user) == 5 and user[1] in ("M", "F")
    assert int(user[2]) in (1, 18, 25, 35, 45, 50, 56) and 0 <= int(user[3]) <= 20
    movies = (folder / "movies.dat").read_bytes().decode("latin-1")
    assert "Children's" in movies and "IMAX" not in movies
    assert all(len(line.split("::")) == 3 for line in movies.splitlines())


def test_csv_titles_with_commas_are_quoted_and_tags_vary_in_case(releases: dict[str, Path]) -> None:
    folder = releases["ml-latest"]
    movies_text = (folder / "movies.csv").read_text(encoding="utf-8")
    assert re.search(r'^\d+,"[^"\n]*, The \(\d{4}\)",', movies_text, flags=re.M)
    assert re.search(r"^\d+,[^\",\n]+ \(\d{4}\),", movies_text, flags=re.M)  # unquoted when no comma
    tags = pd.read_csv(folder / "tags.csv", keep_default_na=False)["tag"]
    assert tags.str.contains(",").any()
    assert (tags != tags.str.lower()).any() and (tags == tags.str.lower()).any()
    assert set(pd.read_csv(folder / "links.csv").columns) == {"movieId", "imdbId", "tmdbId"}


def test_titles_look_like_movielens(datasets: dict[str, Dataset]) -> None:
    raw = datasets["ml-latest"].movies["raw_title"]
    assert raw.str.contains(r", (?:The|A|An) \(\d{4}\)$").mean() > 0.1
    assert raw.str.contains(r"\(a\.k\.a\. ").any()
    assert raw.str.contains(r" (?:\d|II|III|IV)(?:, The| |, A)").any()  # sequels
    assert not raw.duplicated().any()
    years = datasets["ml-latest"].movies["year"].dropna()
    assert (years > 2009).sum() > ((years > 1999) & (years <= 2009)).sum() > ((years > 1989) & (years <= 1999)).sum()


def test_people_rate_movies_of_their_time(datasets: dict[str, Dataset]) -> None:
    """Nobody rates a movie before its year; people are active for a while, not across
    the whole release; and what they rate leans to what was new then."""
    dataset = datasets["ml-latest"]
    years = dataset.movies.set_index("movie_id")["year"].dropna()
    ratings = dataset.ratings[dataset.ratings["movie_id"].isin(years.index)]
    rated_in = pd.to_datetime(ratings["timestamp"], unit="s").dt.year.to_numpy()
    age = rated_in - years.loc[ratings["movie_id"]].to_numpy()
    assert age.min() >= 0
    active_years = dataset.ratings.groupby("user_id")["timestamp"].agg(np.ptp) / (365.25 * 86_400)
    assert active_years.median() < 3.0 < active_years.max()  # the release spans 25 years
    # The share of ratings on movies at most a year old, against those movies' share of
    # what was out in the year of each rating.
    catalogue = np.sort(years.to_numpy())
    out = np.searchsorted(catalogue, rated_in, side="right")
    new = out - np.searchsorted(catalogue, rated_in - 1, side="left")
    assert np.mean(age <= 1) > 1.5 * np.mean(new / out)


def test_every_movie_has_one_to_three_genres_from_the_vocabulary(datasets: dict[str, Dataset]) -> None:
    genre_counts = datasets["ml-1m"].movies["genres"].map(len)
    assert genre_counts.between(1, 3).all() and genre_counts.nunique() == 3


# ------------------------------------------------------------------ MovieLens shape
@pytest.mark.parametrize("release", list(SIZES))
def test_popularity_and_activity_have_long_tails(release: str, datasets: dict[str, Dataset]) -> None:
    ratings = datasets[release].ratings
    per_movie = np.sort(ratings.groupby("movie_id").size().to_numpy())[::-1]
    top_tenth = per_movie[: SIZES[release]["movies"] // 10].sum()
    assert top_tenth > len(ratings) / 3
    per_user = ratings.groupby("user_id").size()
    assert per_user.max() > 5 * per_user.median()


# ----------------------------------------------------------------- planted signals
def test_users_rate_their_segments_favoured_genres_higher(releases: dict[str, Path],
                                                          datasets: dict[str, Dataset]) -> None:
    planted = truth(releases["ml-1m"])
    favoured = [set(segment["favoured_genres"]) for segment in planted["segments"]]
    segment_of = np.asarray(planted["users"]["segment"])
    movies = datasets["ml-1m"].movies.set_index("movie_id")["genres"]
    ratings = datasets["ml-1m"].ratings
    is_favoured = [bool(set(movies[m]) & favoured[segment_of[u - 1]])
                   for u, m in zip(ratings["user_id"], ratings["movie_id"], strict=True)]
    means = ratings.assign(favoured=is_favoured).groupby(["user_id", "favoured"])["rating"].mean().unstack().dropna()
    assert (means[True] > means[False]).mean() > 0.8
    assert (means[True] - means[False]).mean() > 0.3


def _genre_shares(ratings: pd.DataFrame, movies: pd.DataFrame) -> pd.Series:
    genres = ratings[["movie_id"]].merge(movies[["movie_id", "genres"]], on="movie_id")["genres"].explode()
    return genres.value_counts(normalize=True)


def test_young_and_old_users_watch_different_genres(datasets: dict[str, Dataset]) -> None:
    """Observable demographics (from users.dat, not the truth) separate genre tastes."""
    dataset = datasets["ml-1m"]
    band = dataset.users.set_index("user_id")["age_band"].astype(str)
    band_of_rating = band.reindex(dataset.ratings["user_id"]).to_numpy()
    young = _genre_shares(dataset.ratings[np.isin(band_of_rating, ["under 18", "18-24"])], dataset.movies)
    old = _genre_shares(dataset.ratings[np.isin(band_of_rating, ["45-49", "50-55", "56+"])], dataset.movies)
    kids, classics = ["Animation", "Children", "Action"], ["Drama", "War", "Western"]
    assert young[kids].sum() > 1.1 * old[kids].sum()
    assert old[classics].sum() > 1.1 * young[classics].sum()


def _item_similarity(dataset: Dataset, n_top: int) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted cosine between the ``n_top`` most rated movies, and their row indices."""
    matrix = dataset.rating_matrix().tocsr()
    counts = np.diff(matrix.indptr)
    user_means = np.asarray(matrix.sum(axis=1)).ravel() / np.maximum(counts, 1)
    centred = matrix.copy()
    centred.data -= np.repeat(user_means, counts)
    top = np.argsort(-np.diff(matrix.tocsc().indptr), kind="stable")[:n_top]
    block = sp.csc_matrix(centred)[:, top].toarray()
    norms = np.linalg.norm(block, axis=0)
    return (block.T @ block) / np.outer(norms, norms), top


def test_movies_sharing_genres_are_co_liked(datasets: dict[str, Dataset]) -> None:
    dataset = datasets["ml-1m"]
    similarity, top = _item_similarity(dataset, 200)
    genres = [set(g) for g in dataset.movies["genres"].iloc[top]]
    upper = np.triu_indices(len(top), k=1)
    shared = np.array([bool(genres[i] & genres[j]) for i, j in zip(*upper, strict=True)])
    pairs = similarity[upper]
    assert pairs[shared].mean() > pairs[~shared].mean() + 0.02


def test_latent_topics_predict_co_liking_beyond_genre(releases: dict[str, Path],
                                                      datasets: dict[str, Dataset]) -> None:
    """Among movies with no genre in common, those of one latent topic are liked together."""
    dataset = datasets["ml-1m"]
    planted = truth(releases["ml-1m"])["movies"]
    topic = dict(zip(planted["movie_id"], planted["topic"], strict=True))
    similarity, top = _item_similarity(dataset, 200)
    ids = dataset.movies["movie_id"].to_numpy()[top]
    genres = [set(g) for g in dataset.movies["genres"].iloc[top]]
    upper = np.triu_indices(len(top), k=1)
    disjoint = np.array([not genres[i] & genres[j] for i, j in zip(*upper, strict=True)])
    same_topic = np.array([topic[ids[i]] == topic[ids[j]] for i, j in zip(*upper, strict=True)])
    pairs = similarity[upper]
    assert pairs[disjoint & same_topic].mean() > pairs[disjoint & ~same_topic].mean() + 0.02


def test_tags_use_words_of_the_movies_genres(releases: dict[str, Path], datasets: dict[str, Dataset]) -> None:
    planted = truth(releases["ml-latest"])
    owner = {}
    for genre, words in planted["tag_words"]["genre"].items():
        for word in words:
            owner.setdefault(word, set()).add(genre)
    for words in [*planted["tag_words"]["topic"].values(), planted["tag_words"]["personal"]]:
        for word in words:
            owner.pop(word, None)  # shared with a topic: not evidence of genre
    tags = datasets["ml-latest"].tags
    genres = datasets["ml-latest"].movies.set_index("movie_id")["genres"]
    words = tags["tag"].str.lower()
    genre_tagged = words.isin(owner)
    assert genre_tagged.mean() > 0.3
    fits = [bool(owner[w] & set(genres[m])) for w, m in zip(words[genre_tagged], tags["movie_id"][genre_tagged],
                                                                strict=True)]
    assert np.mean(fits) == 1.0


# ------------------------------------------------------------------ configuration
@pytest.mark.parametrize(("settings", "message"), [
    (dict(users=100, movies=300, ratings=1_000, format="ml-1m"), "at least 20 ratings"),
    (dict(users=10, movies=30, ratings=301), "do not fit"),
    (dict(users=10, movies=30, ratings=200, format="ml-2000"), "unknown format"),
    (dict(users=10, movies=30, ratings=250, format="ml-100k", tags=5), "no tags file"),
    (dict(users=10, movies=30, ratings=250, format="ml-1m", demographics_share=0.5), "describes every user"),
    (dict(users=10, movies=30, ratings=200, demographics_share=1.5), "between 0 and 1"),
    (dict(users=0, movies=30, ratings=200), "at least 1"),
])
def test_impossible_settings_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        SynthConfig(**settings)


def test_defaults_follow_the_release() -> None:
    assert SynthConfig(users=10, movies=200, ratings=1_000).tags == 40
    assert SynthConfig(users=10, movies=200, ratings=1_000).demographics_share == 0.0
    assert SynthConfig(users=10, movies=200, ratings=1_000, format="ml-1m").demographics_share == 1.0
    assert SynthConfig(users=10, movies=200, ratings=1_000, format="ml-100k").tags == 0


def test_demographics_share_writes_users_csv_for_that_share(tmp_path: Path) -> None:
    generate(SynthConfig(users=200, movies=100, ratings=4_000, demographics_share=0.25), tmp_path / "out")
    users = pd.read_csv(tmp_path / "out" / "users.csv")
    assert list(users.columns) == ["userId", "gender", "age_band", "occupation", "zip"]
    assert len(users) == 50 and users["userId"].is_unique


def test_allocate_is_exact_within_bounds(rng: np.random.Generator) -> None:
    weights = rng.lognormal(0, 2, 1_000)
    counts = allocate(123_457, weights, 20, 400)
    assert counts.sum() == 123_457 and counts.min() >= 20 and counts.max() <= 400
    assert np.corrcoef(np.minimum(weights, np.quantile(weights, 0.5)), counts)[0, 1] > 0.5
    with pytest.raises(ValueError):
        allocate(1_000, weights, 20, 400)


# ----------------------------------------------------------- output is never half written
def test_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(DataError, match="holds no synthetic data"):
        generate(SynthConfig(users=5, movies=30, ratings=100), tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_output_folder_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        generate(SynthConfig(users=5, movies=30, ratings=100), tmp_path / "out")
    finally:
        os.umask(umask)
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "ratings.csv").stat().st_mode & 0o777 == 0o644


def test_a_failure_leaves_the_earlier_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(SynthConfig(users=5, movies=30, ratings=100, seed=1), out)
    before = (out / "ratings.csv").read_bytes()

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(MlLatestWriter, "append_ratings", disk_full)
    with pytest.raises(OSError):
        generate(SynthConfig(users=5, movies=30, ratings=100, seed=2), out)
    assert (out / "ratings.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ------------------------------------------------------------------------------ CLI
def test_cli_writes_a_release(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "synth", "--out", str(tmp_path / "ml"), "--format", "ml-1m",
                   "--users", "50", "--movies", "120", "--ratings", "2000", "--seed", "3"])
    assert status == 0
    assert "2,000 ratings" in capsys.readouterr().out
    assert read_movielens(tmp_path / "ml").counts()["ratings"] == 2_000


def test_cli_reports_impossible_settings_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["data", "synth", "--out", str(tmp_path / "ml"), "--format", "ml-100k",
                   "--users", "50", "--movies", "120", "--ratings", "500"])
    error = capsys.readouterr().err
    assert status == 2 and error.startswith("cinerec: error: ") and error.count("\n") == 1
    assert not (tmp_path / "ml").exists()


def test_users_who_rate_every_movie_do_not_break_generation(tmp_path: Path) -> None:
    """30 users × 60 movies with 900 ratings: some users rate the whole catalogue."""
    summary = generate(SynthConfig(users=30, movies=60, ratings=900, tags=20, seed=4), tmp_path / "dense")
    assert summary.ratings == 900
