"""Rising: the recent share of each movie's likings at each person's time, for people
with a history, and a blend component that only re-orders the contenders whatever its
weight's sign."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch
from cinerec.models.for_you import Blend, standardise_rows
from cinerec.models.rising import PERIODS, Rising

#: (person, movie, stars, day): movie 0 liked only lately, movie 1 only long ago, movie 2
#: both, movie 3 only rated badly. Ten people rate on days 0..9, so "recent" is day 9.
RATINGS = [(p, 1, 5.0, 0) for p in range(6)] + [(p, 2, 4.0, 1) for p in range(3)] + \
          [(p, 2, 5.0, 9) for p in range(3, 6)] + [(p, 0, 5.0, 9) for p in range(6, 10)] + \
          [(p, 3, 1.0, d) for p, d in zip(range(6, 10), (2, 3, 4, 5), strict=True)] + \
          [(p, 1, 1.0, d) for p, d in zip(range(6, 10), (6, 7, 8, 8), strict=True)]


def _dataset(same_time: bool = False) -> Dataset:
    people, movies, stars, days = (np.asarray(column) for column in zip(*RATINGS, strict=True))
    ratings = pd.DataFrame({"user_id": people + 1, "movie_id": movies + 1, "rating": stars.astype(np.float32),
                            "timestamp": np.zeros(people.size, np.int64) if same_time else days * 86_400})
    catalogue = pd.DataFrame({"movie_id": np.arange(1, 5), "title": [f"Movie {i}" for i in range(4)]})
    return Dataset.from_frames(catalogue, pd.DataFrame({"user_id": np.arange(1, 11)}), ratings)


def _queries(seen_rows: list[list[int]], n_movies: int = 4, *, rated: bool = False) -> QueryBatch:
    """People who named (or, with ``rated``, rated) the movies of each row."""
    rows = [r for r, movies in enumerate(seen_rows) for _ in movies]
    cols = [m for movies in seen_rows for m in movies]
    seen = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(len(seen_rows), n_movies))
    ratings = seen if rated else sp.csr_matrix(seen.shape, dtype=np.float32)
    return QueryBatch(seen, ratings, pd.DataFrame(index=range(len(seen_rows))), seen)


def test_recent_likings_rise_and_old_ones_sink() -> None:
    model = Rising(recent_share=0.2, prior=1.0).fit(_dataset())
    # Now, recent = the latest fifth of the ratings by time: day 9.
    present = model.scores_[-1]
    np.testing.assert_allclose(present[:3], np.log([(4 + 1) / (4 + 1), (0 + 1) / (6 + 1), (3 + 1) / (6 + 1)]),
                               rtol=1e-6)
    assert present[3] < present[:3].min()  # rated, never liked: lowest
    scores = model.score(_queries([[3], []]))
    assert scores[0, 0] > scores[0, 2] > scores[0, 1]
    assert np.isnan(scores[1]).all()  # nobody to speak of: no opinion


def test_a_person_is_scored_at_their_own_time() -> None:
    model = Rising(recent_share=0.2, prior=1.0).fit(_dataset())
    # Rated movie 1 only (first rated on day 0), rated movies 1 and 2 (2 first rated on
    # day 1), named movie 1 (asking now).
    queries = _queries([[1], [1, 2]], rated=True)
    day_0, day_1 = model.periods(queries)
    assert day_0 < day_1 < PERIODS - 1
    assert list(model.periods(_queries([[1]]))) == [PERIODS - 1]
    (on_day_0, on_day_1), now = model.score(queries), model.score(_queries([[1]]))[0]
    # Movie 0 (first rated on day 9) ranks lowest on days 0 and 1, first now; movie 2
    # had been liked by day 1, not by day 0.
    assert on_day_0[1] > on_day_0[0] == on_day_0[2] == on_day_0.min()
    assert on_day_1[2] > on_day_1[0] == on_day_1.min()
    assert now[0] == now.max()


def test_arrival_is_the_share_of_recent_likings_on_newly_arrived_movies() -> None:
    # Movie 0, first rated on day 9 (within the latest fifth of the ratings), holds 4 of
    # the 7 recent likings; movie 2, rated since day 1, the other 3.
    assert Rising(recent_share=0.2).fit(_dataset()).arrival_ == pytest.approx(4 / 7)
    assert Rising().fit(_dataset(same_time=True)).arrival_ == 0.0


def test_the_prior_keeps_a_few_recent_likings_from_outranking_everything() -> None:
    strong = Rising(recent_share=0.2, prior=50.0).fit(_dataset())
    weak = Rising(recent_share=0.2, prior=1.0).fit(_dataset())
    assert strong.scores_[-1, 0] < weak.scores_[-1, 0]
    assert strong.scores_[-1, 0] > strong.scores_[-1, 1]


def test_data_without_a_present_have_no_opinion() -> None:
    assert np.isnan(Rising().fit(_dataset(same_time=True)).scores_).all()


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ModelError, match="recent_share"):
        Rising(recent_share=0.6).fit(_dataset())
    with pytest.raises(ModelError, match="prior"):
        Rising(prior=0.0).fit(_dataset())


def test_the_blend_lets_rising_reorder_only_the_contenders() -> None:
    personal = np.array([[5.0, 4.0, 3.0, 2.0, 1.0, 0.0]], np.float32)
    rising = np.array([[0.0, 0.0, 0.0, 0.0, 0.0, 9.0]], np.float32)
    scores = {"personal": personal, "rising": rising}
    blend = Blend({"personal": 1.0, "rising": 5.0}, pool=3)
    assert blend.affinity_weights() == {"personal": 1.0}
    assert blend.pooled(blend.standardise(scores)) == ["rising"]
    blended = blend.combine(scores)
    # The movie rising most is last by taste: outside the three contenders, it stays last.
    assert blended[0].argmax() == 0 and blended[0, 5] == standardise_rows(personal)[0][0, 5]
    assert blend.strongest(blend.standardise(scores), 0, np.arange(3)) == ["personal"] * 3
