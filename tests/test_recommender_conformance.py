"""One contract for every recommender, as LensKit's ``ScorerTests`` and implicit's test
mixin hold theirs: configuration round trip, a clear not-fitted error, scores of the
right shape and type, NaN or exclusion for what a model cannot score, empty and unknown
people answered, save → load → the same answers, impossible settings refused by name.

Each model's own behaviour (what it ranks first, and why) is tested in its own file;
this file is what every model owes the engine that blends them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.data.readers import load_dataset
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.errors import ModelError
from cinerec.evaluation.scorers import ItemKNN
from cinerec.models.also_liked import AlsoLiked
from cinerec.models.base import DEMOGRAPHIC_COLUMNS, NotFittedError, QueryBatch, Recommender
from cinerec.models.content import ContentSimilarity
from cinerec.models.demographic import PeopleLikeYou
from cinerec.models.ease import EASE
from cinerec.models.fans import Fans
from cinerec.models.mainstream import Mainstream
from cinerec.models.popular import MostPopular
from cinerec.models.rising import Rising
from cinerec.models.seed import SeedAlsoLiked, SeedPeopleLikeYou


@dataclass(frozen=True)
class Contract:
    """How to make one recommender, and the settings it must refuse (each a single change
    that makes no sense, named in the error)."""

    make: Callable[..., Recommender]
    impossible: tuple[dict[str, Any], ...] = ()
    #: Whether it ranks by demographics alone.
    demographic: bool = False


CONTRACTS: dict[str, Contract] = {
    "popular": Contract(MostPopular),
    "mainstream": Contract(Mainstream),
    "rising": Contract(Rising, ({"recent_share": 0.0}, {"recent_share": 0.9}, {"prior": -1.0})),
    "content": Contract(ContentSimilarity, ({"k": 0}, {"k": -5})),
    "also_liked": Contract(AlsoLiked, ({"k": 0}, {"alpha": 1.5}, {"shrinkage": -1.0})),
    "item_knn": Contract(ItemKNN, ({"k": 0},)),
    "ease": Contract(EASE, ({"l2": -1.0}, {"l2_scale": 0.0}, {"feedback": "clicks"})),
    "fans": Contract(Fans, ({"max_fans": 0}, {"shrinkage": -1.0}, {"feedback": "clicks"})),
    "people_like_you": Contract(PeopleLikeYou, ({"k": 0}, {"k_range": (5, 2)}), demographic=True),
    "seed_also_liked": Contract(SeedAlsoLiked, ({"k": 0},)),
    "seed_people_like_you": Contract(SeedPeopleLikeYou, ({"n_clusters": 0},), demographic=True),
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    folder = tmp_path_factory.mktemp("release") / "ml-1m"
    generate(SynthConfig(users=150, movies=160, ratings=6_000, format="ml-1m", seed=11), folder)
    return load_dataset(folder, use_cache=False)


@pytest.fixture(scope="module")
def fitted(dataset: Dataset) -> dict[str, Recommender]:
    return {name: contract.make().fit(dataset) for name, contract in CONTRACTS.items()}


def queries(dataset: Dataset) -> QueryBatch:
    """Four people: a known user's history, a newcomer naming two movies (one disliked),
    someone who said only who they are, and someone who said nothing."""
    n_movies = dataset.n_movies
    history = dataset.rating_matrix()[[0]].astype(np.float32)
    likes = sp.vstack([(history >= 4).astype(np.float32),
                       sp.csr_matrix((np.array([1.0, -1.0], np.float32), ([0, 0], [3, 7])), shape=(1, n_movies)),
                       sp.csr_matrix((2, n_movies), dtype=np.float32)]).tocsr()
    ratings = sp.vstack([history, sp.csr_matrix((3, n_movies), dtype=np.float32)]).tocsr()
    seen = ((abs(likes) + ratings) != 0).astype(np.float32).tocsr()
    person = dataset.users.iloc[0]
    described = {column: person[column] for column in DEMOGRAPHIC_COLUMNS}
    demographics = pd.DataFrame([described, {column: None for column in DEMOGRAPHIC_COLUMNS}, described,
                                 {column: None for column in DEMOGRAPHIC_COLUMNS}], dtype=object)
    return QueryBatch(likes=likes, ratings=ratings, demographics=demographics, seen=seen)


def as_saved(params: dict[str, Any]) -> dict[str, Any]:
    """Settings as a model directory keeps them (JSON: a tuple reads back as a list)."""
    return json.loads(json.dumps(params))


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_configuration_round_trips(name: str) -> None:
    model = CONTRACTS[name].make()
    params = model.get_params()
    assert type(model)(**params).get_params() == params
    assert repr(model).startswith(type(model).__name__ + "(")


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_an_unfitted_model_says_so(name: str, dataset: Dataset, tmp_path: Path) -> None:
    model = CONTRACTS[name].make()
    with pytest.raises(NotFittedError, match="not fitted"):
        model.score(queries(dataset))
    with pytest.raises(NotFittedError):
        model.save(tmp_path / name)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_scores_have_one_float32_row_per_person_over_every_movie(name: str, dataset: Dataset,
                                                                  fitted: dict[str, Recommender]) -> None:
    model = fitted[name]
    batch = queries(dataset)
    scores = model.score(batch)
    assert scores.shape == (batch.n_queries, dataset.n_movies) and scores.dtype == np.float32
    assert not np.isinf(scores).any()
    assert np.array_equal(np.asarray(model.movie_ids_), dataset.movie_vocab.ids)  # the engine adds scores up
    if CONTRACTS[name].demographic:  # someone who said who they are is scored
        assert np.isfinite(scores[2]).any()


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_one_person_scores_as_in_a_block(name: str, dataset: Dataset, fitted: dict[str, Recommender]) -> None:
    batch = queries(dataset)
    together = fitted[name].score(batch)
    for row in range(batch.n_queries):
        np.testing.assert_allclose(fitted[name].score(batch.take(np.array([row])))[0], together[row], rtol=1e-5,
                                   atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_save_and_load_answer_alike(name: str, dataset: Dataset, fitted: dict[str, Recommender],
                                    tmp_path: Path) -> None:
    model = fitted[name]
    written = model.save(tmp_path / name)
    assert written and all(path.suffix in (".npy", ".npz", ".json") for path in written)
    for mmap in (True, False):
        loaded = type(model).load(tmp_path / name, mmap=mmap)
        assert as_saved(loaded.get_params()) == as_saved(model.get_params())
        np.testing.assert_array_equal(loaded.score(queries(dataset)), model.score(queries(dataset)))


@pytest.mark.parametrize(("name", "params"), [(name, params) for name, contract in CONTRACTS.items()
                                              for params in contract.impossible])
def test_impossible_settings_are_refused_by_name(name: str, params: dict[str, Any], dataset: Dataset) -> None:
    with pytest.raises(ModelError, match=next(iter(params))):
        CONTRACTS[name].make(**params).fit(dataset)


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_unknown_settings_are_refused(name: str) -> None:
    with pytest.raises(TypeError, match="no_such_setting"):
        CONTRACTS[name].make(no_such_setting=1)
