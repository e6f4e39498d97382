"""*Fans*: known shares on tiny data, the weight of shared movies, the cap on fans asked,
explanations, and a save/load round trip."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from tiny_data import dataset_from_stars

from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch
from cinerec.models.fans import Fans
from cinerec.models.likes import likes_matrix


def naming(*rows: list[int], n_movies: int) -> QueryBatch:
    """One newcomer per row, naming the movies (column indices) they like."""
    cells = [(i, movie) for i, movies in enumerate(rows) for movie in movies]
    likes = sp.csr_matrix((np.ones(len(cells), np.float32), tuple(np.array(cells, dtype=np.int64).T.reshape(2, -1))),
                          shape=(len(rows), n_movies))
    return QueryBatch(likes, sp.csr_matrix(likes.shape, dtype=np.float32), pd.DataFrame(index=range(len(rows))),
                      likes)


#: Six people, five movies. Movie 0's fans are people 0-3; of them, 0-2 also rated
#: movie 1 (one of them only two stars: a rating, not a liking), person 1 rated movie 3
#: below their own mean and person 3 liked movie 2.
STARS = np.array([
    [5, 4, 0, 0, 0],
    [4, 5, 0, 3, 0],
    [5, 2, 0, 0, 0],
    [4, 0, 5, 0, 0],
    [0, 0, 0, 4, 5],
    [0, 0, 4, 5, 5],
], np.float32)


def test_one_named_movie_gives_the_share_of_its_fans_who_liked_each_movie() -> None:
    model = Fans(shrinkage=0.0, activity_power=0.0).fit(dataset_from_stars(STARS))
    shares = np.exp(model.score(naming([0], n_movies=5))[0])
    # Movie 1: 2 of movie 0's 4 fans (person 2's two stars are no liking); movie 2: 1 of 4.
    np.testing.assert_allclose(shares[[1, 2]], [2 / 4, 1 / 4], rtol=1e-6)
    assert np.isnan(shares[[3, 4]]).all()  # no fan of movie 0 liked them (person 1's 3 is below their mean)
    # Counting what fans rated instead: person 2's two-star rating says they watched it.
    seen = Fans(shrinkage=0.0, feedback="seen", activity_power=0.0).fit(dataset_from_stars(STARS))
    np.testing.assert_allclose(np.exp(seen.score(naming([0], n_movies=5))[0, 1]), 3 / 4, rtol=1e-6)


def test_people_who_name_nothing_get_no_opinion() -> None:
    model = Fans().fit(dataset_from_stars(STARS))
    scores = model.score(naming([], [2], n_movies=5))
    assert np.isnan(scores[0]).all() and np.isfinite(scores[1]).any()


def test_sharing_several_named_movies_outweighs_sharing_one() -> None:
    # Person 0 rated both named movies (0 and 2) and movie 4; persons 1-3 rated one of
    # them and movie 3. Counted in proportion, movie 3 wins three to one; with the power,
    # the fan who shares both decides.
    stars = np.zeros((4, 5), np.float32)
    stars[0, [0, 2, 4]] = 5
    stars[1, [0, 3]] = 5
    stars[2, [2, 3]] = 5
    stars[3, [0, 3]] = 5
    queries = naming([0, 2], n_movies=5)
    plain = Fans(overlap_power=1.0, rarity_power=0.0, shrinkage=0.0).fit(dataset_from_stars(stars)).score(queries)[0]
    assert plain[3] > plain[4]
    cubed = Fans(overlap_power=3.0, rarity_power=0.0, shrinkage=0.0).fit(dataset_from_stars(stars)).score(queries)[0]
    assert cubed[4] > cubed[3]


def test_shrinkage_pulls_a_share_toward_everyone_else_s() -> None:
    dataset = dataset_from_stars(STARS)
    queries = naming([0], n_movies=5)
    raw = np.nan_to_num(np.exp(Fans(shrinkage=0.0, activity_power=0.0).fit(dataset).score(queries)[0]))
    shrunk = np.exp(Fans(shrinkage=4.0, activity_power=0.0).fit(dataset).score(queries)[0])
    everyone = np.asarray(likes_matrix(dataset).sum(axis=0)).ravel() / STARS.shape[0]
    # Four fans of weight 1 and four pseudo-fans liking as everyone does: halfway.
    np.testing.assert_allclose(shrunk[1:], (raw[1:] + everyone[1:]) / 2, rtol=1e-6)
    assert raw[3] == 0 < shrunk[3]  # liked by no fan, but by others


def test_at_most_max_fans_are_asked_the_same_ones_every_time(rng: np.random.Generator) -> None:
    stars = (rng.random((300, 40)) < 0.3).astype(np.float32) * 4
    stars[:, 0] = 5
    stars[:, 5] = np.where(np.arange(300) % 15 == 0, 4, 0)  # 20 people rated movie 5
    dataset = dataset_from_stars(stars)
    capped = Fans(max_fans=50, activity_power=0.0).fit(dataset)
    people, weights = capped.fans(np.array([0]))
    assert people.size == 50 and np.all(weights == 1.0)
    again, _ = capped.fans(np.array([0]))
    np.testing.assert_array_equal(np.sort(people), np.sort(again))
    # Fans of both named movies weigh more and are never dropped for fans of one.
    two = capped.fans(np.array([0, 5]))[0]
    assert set(np.flatnonzero(stars[:, 5])) <= set(two.tolist())
    everyone = Fans(max_fans=1_000).fit(dataset).fans(np.array([0]))[0]
    assert np.sort(everyone).tolist() == list(range(300))
    # A budget of likes: the first fans asked, none beyond it (but always one).
    likes_of = np.count_nonzero(likes_matrix(dataset).toarray(), axis=1)
    budget = Fans(max_likes=200).fit(dataset).fans(np.array([0]))[0]
    assert likes_of[budget].sum() <= 200 < likes_of[budget].sum() + likes_of.max()
    assert Fans(max_likes=1).fit(dataset).fans(np.array([0]))[0].size == 1


def test_a_fan_who_liked_everything_says_less_about_each_movie() -> None:
    # Both fans of movie 0 liked movie 1; the one who also liked movies 2-9 weighs less.
    stars = np.zeros((2, 10), np.float32)
    stars[:, [0, 1]] = 5
    stars[1, 2:] = 5
    model = Fans(shrinkage=0.0, activity_power=0.5).fit(dataset_from_stars(stars))
    people, weights = model.fans(np.array([0]))
    np.testing.assert_allclose(weights[np.argsort(people)], [1.0, np.sqrt(2 / 10)])
    shares = np.exp(model.score(naming([0], n_movies=10))[0])
    assert shares[1] == pytest.approx(1.0) and shares[2] == pytest.approx(np.sqrt(0.2) / (1 + np.sqrt(0.2)))


def test_explain_names_the_liked_movie_whose_fans_rated_it() -> None:
    model = Fans().fit(dataset_from_stars(STARS))
    queries = naming([0, 4], n_movies=5)
    because = model.explain(queries.likes, np.array([1, 2, 3]))
    # Movie 1 is liked by movie 0's fans only; movie 3 by both of movie 4's fans.
    assert because[0] == 0 and because[2] == 4
    assert model.explain(naming([], n_movies=5).likes, np.array([1])).tolist() == [-1]


@pytest.mark.parametrize("params", [{"overlap_power": 0.0}, {"rarity_power": -1.0}, {"max_fans": 0},
                                    {"shrinkage": -1.0}, {"feedback": "clicks"}, {"activity_power": -0.5}])
def test_bad_parameters_are_refused(params: dict[str, float]) -> None:
    with pytest.raises(ModelError, match=next(iter(params))):
        Fans(**params).fit(dataset_from_stars(STARS))
