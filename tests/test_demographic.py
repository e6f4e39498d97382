"""PeopleLikeYou: planted groups get their own movies, unknown people get everyone's,
small groups stay sane; on ml-100k different people get different lists."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, top_n
from cinerec.models.demographic import PeopleLikeYou
from cinerec.models.likes import likes_matrix

N_MOVIES = 12
YOUNG_WOMEN = ("F", "18-24", "college/grad student", "94110")
OLDER_MEN = ("M", "56+", "retired", "10001")
MIDDLE = ("M", "35-44", "programmer", "55455")
NOBODY = (None, None, None, None)
Profile = tuple[str | None, str | None, str | None, str | None]


def _dataset(groups: list[tuple[Profile, int, dict[int, float]]], rng: np.random.Generator) -> Dataset:
    """People in groups: ``(profile, how many, {movie: chance of a 5-star rating})``;
    every movie not given 5 stars is rated 1 with chance 0.3 (so likes are the 5s)."""
    users, ratings = [], []
    for profile, count, loves in groups:
        for _ in range(count):
            user_id = len(users) + 1
            users.append((user_id, *profile))
            for movie in range(N_MOVIES):
                if rng.random() < loves.get(movie, 0.0):
                    ratings.append((user_id, movie + 1, 5.0, 0))
                elif rng.random() < 0.3:
                    ratings.append((user_id, movie + 1, 1.0, 0))
    movies = pd.DataFrame({"movie_id": np.arange(1, N_MOVIES + 1), "title": [f"Movie {i}" for i in range(N_MOVIES)]})
    return Dataset.from_frames(movies, pd.DataFrame(users, columns=["user_id", "gender", "age_band", "occupation", "zip"]),
                               pd.DataFrame(ratings, columns=["user_id", "movie_id", "rating", "timestamp"]))


def _batch(profiles: list[Profile]) -> QueryBatch:
    empty = sp.csr_matrix((len(profiles), N_MOVIES), dtype=np.float32)
    frame = pd.DataFrame(profiles, columns=["gender", "age_band", "occupation", "zip"], dtype=object)
    return QueryBatch(empty, empty, frame, empty)


def _top(scores: np.ndarray, n: int) -> list[set[int]]:
    return [set(row[row >= 0].tolist()) for row in top_n(scores, n)[0]]


#: Everyone likes movie 0 a bit; the young women love 1 and 2, the older men 3 and 4.
PLANTED: list[tuple[Profile, int, dict[int, float]]] = [
    (YOUNG_WOMEN, 30, {0: 0.5, 1: 0.9, 2: 0.8}),
    (OLDER_MEN, 30, {0: 0.5, 3: 0.9, 4: 0.8}),
]


def test_each_planted_group_gets_its_own_movies(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k=2, random_state=0).fit(_dataset(PLANTED, rng))
    women, men = _top(model.distinctive(_batch([YOUNG_WOMEN, OLDER_MEN])), 2)
    assert women == {1, 2} and men == {3, 4}
    assert model.cluster_scores_.shape == (3, N_MOVIES) and model.cluster_scores_.dtype == np.float32
    assert sorted(model.cluster_sizes_.tolist()) == [30, 30]


def test_people_without_demographics_are_not_clustered_and_change_no_group(rng: np.random.Generator) -> None:
    with_strangers = PLANTED + [(NOBODY, 200, {5: 0.9, 6: 0.9})]
    alone = PeopleLikeYou(k_range=(2, 4), random_state=0).fit(_dataset(PLANTED, np.random.default_rng(1)))
    mixed = PeopleLikeYou(k_range=(2, 4), random_state=0).fit(_dataset(with_strangers, np.random.default_rng(1)))
    assert mixed.cluster_sizes_.sum() == 60
    np.testing.assert_allclose(mixed.centers_, alone.centers_)
    np.testing.assert_allclose(mixed.cluster_scores_[:-1], alone.cluster_scores_[:-1], equal_nan=True)
    # ...but they count for the overall list that people without demographics get.
    assert _top(mixed.cluster_scores_[-1:], 2) == [{5, 6}]
    assert _top(mixed.distinctive(_batch([NOBODY])), 2) == [{5, 6}]


def test_a_partial_profile_is_matched_on_the_fields_given(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k=2, random_state=0).fit(_dataset(PLANTED, rng))
    full = model.assign(_batch([YOUNG_WOMEN, OLDER_MEN]).demographics)
    partial = model.assign(_batch([("F", None, None, None), (None, "56+", None, None), (None, None, "retired", None),
                                   (None, "18-24", None, None)]).demographics)
    assert partial.tolist() == [full[0], full[1], full[1], full[0]]


def test_a_person_with_nothing_known_gets_the_overall_ranking(rng: np.random.Generator) -> None:
    dataset = _dataset(PLANTED, rng)
    model = PeopleLikeYou(k=2, random_state=0).fit(dataset)
    assert model.assign(pd.DataFrame(index=range(2))).tolist() == [2, 2]
    scores = model.distinctive(_batch([NOBODY]))[0]
    liked_by = np.asarray(likes_matrix(dataset).sum(axis=0)).ravel()
    assert np.argsort(-np.nan_to_num(scores, nan=-1))[:3].tolist() == np.argsort(-liked_by, kind="stable")[:3].tolist()
    assert np.isnan(scores[liked_by == 0]).all()


def test_a_tiny_group_is_shrunk_toward_the_overall_list(rng: np.random.Generator) -> None:
    # The big groups differ only mildly (a favourite at 0.5 vs 0.4), so the estimated
    # prior is strong; the two kids share two obscure favourites nobody else has.
    common = {0: 0.8, 1: 0.7, 2: 0.6, 3: 0.4, 4: 0.4, 5: 0.4}
    groups = [(YOUNG_WOMEN, 40, {**common, 3: 0.5}), (OLDER_MEN, 40, {**common, 4: 0.5}),
              (MIDDLE, 40, {**common, 5: 0.5}),
              (("F", "under 18", "K-12 student", "T8H1N"), 2, {0: 1.0, 1: 1.0, 10: 1.0, 11: 1.0})]
    dataset = _dataset(groups, rng)
    kids = _batch([groups[-1][0]])
    # The groups' shares alone (no neighbours, no per-field estimate): this is about their shrinkage.
    shrunk = PeopleLikeYou(k=4, random_state=0, neighbors=0, field_share=0.0).fit(dataset)
    raw = PeopleLikeYou(k=4, shrinkage=0.0, random_state=0, neighbors=0, field_share=0.0).fit(dataset)
    assert sorted(shrunk.cluster_sizes_.tolist()) == [2, 40, 40, 40]
    assert shrunk.shrinkage_ > 20  # the estimated prior outweighs the two people
    overall = _top(shrunk.cluster_scores_[-1:], 3)[0]
    assert _top(shrunk.distinctive(kids), 3)[0] == overall
    assert _top(raw.distinctive(kids), 2)[0] == {10, 11}  # without shrinkage: two people's obscurities


def _separated_groups(n_groups: int, rng: np.random.Generator) -> list[tuple[Profile, int, dict[int, float]]]:
    """``n_groups`` distinct gender/age/occupation profiles, 15-25 people each, every
    person from a random one of the ten US regions (so groups are not single points)."""
    bases = [("F", "18-24", "college/grad student"), ("M", "56+", "retired"), ("F", "35-44", "programmer"),
             ("M", "25-34", "artist")][:n_groups]
    return [((*base, f"{rng.integers(0, 10)}{rng.integers(0, 10)}{rng.integers(0, 10)}01"), 1, {g: 0.9})
            for g, base in enumerate(bases) for _ in range(int(rng.integers(15, 25)))]


@pytest.mark.parametrize("planted", [2, 3, 4])
def test_automatic_k_finds_the_planted_number_of_groups(planted: int, rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k_range=(2, 8), random_state=0).fit(_dataset(_separated_groups(planted, rng), rng))
    assert model.n_clusters_ == planted
    assert model.k_values_.tolist() == list(range(2, 9))
    assert model.silhouettes_.shape == model.inertias_.shape == (7,)
    assert np.all(np.diff(model.inertias_) <= 1e-6)
    assert model.centers_.shape[0] == planted


def test_profiles_and_picture_describe_the_groups(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k=2, embedding_sample=25, random_state=0).fit(_dataset(PLANTED, rng))
    profiles = json.loads(json.dumps(model.cluster_profiles_))
    women = profiles[int(model.assign(_batch([YOUNG_WOMEN]).demographics)[0])]
    assert women["size"] == 30
    assert women["gender"] == [["F", 1.0]] and women["age_band"] == [["18-24", 1.0]]
    assert women["occupation"] == [["college/grad student", 1.0]] and women["region"] == [["9", 1.0]]
    assert model.embedding_2d_.shape == (25, 2) and model.embedding_labels_.shape == (25,)
    assert set(model.embedding_labels_.tolist()) <= {0, 1}


def test_a_release_without_demographics_gives_everyone_the_overall_list(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(random_state=0).fit(_dataset([(NOBODY, 50, {7: 0.9, 8: 0.8})], rng))
    assert model.n_clusters_ == 0 and model.cluster_scores_.shape == (1, N_MOVIES)
    assert model.assign(_batch([YOUNG_WOMEN, NOBODY]).demographics).tolist() == [0, 0]
    assert _top(model.distinctive(_batch([YOUNG_WOMEN])), 2) == [{7, 8}]


def test_save_and_load_give_the_same_answers(rng: np.random.Generator, tmp_path: Path) -> None:
    model = PeopleLikeYou(k_range=(2, 4), random_state=0).fit(_dataset(PLANTED, rng))
    model.save(tmp_path / "model")
    loaded = PeopleLikeYou.load(tmp_path / "model")
    queries = _batch([YOUNG_WOMEN, OLDER_MEN, ("F", None, None, None), NOBODY])
    np.testing.assert_array_equal(loaded.distinctive(queries), model.distinctive(queries))
    np.testing.assert_array_equal(loaded.score(queries), model.score(queries))
    np.testing.assert_array_equal(loaded.liked_shares(queries.demographics)[0],
                                  model.liked_shares(queries.demographics)[0])
    assert loaded.cluster_profiles_ == model.cluster_profiles_
    assert loaded.get_params() == model.get_params()  # typed again on load: k_range a tuple


def test_bad_parameters_are_rejected(rng: np.random.Generator) -> None:
    dataset = _dataset(PLANTED, rng)
    for params in ({"k_range": (1, 4)}, {"k_range": (5, 3)}, {"k": 0}, {"shrinkage": -1.0}, {"contrast": -0.5},
                   {"field_share": 1.5}, {"field_weights": {"zip": 1.0}}, {"field_weights": {"gender": -1.0}},
                   {"estimate_bandwidth": 0.0}, {"neighbor_prior": -1.0}):
        with pytest.raises(ModelError, match=next(iter(params))):
            PeopleLikeYou(**params).fit(dataset)


# --------------------------------------------------------------------- real ml-100k
@pytest.fixture(scope="module")
def ml100k(ml100k_path: Path) -> Dataset:
    from cinerec.data.readers import load_dataset

    return load_dataset(ml100k_path, use_cache=False)


def test_different_people_get_different_lists_on_ml100k(ml100k: Dataset) -> None:
    model = PeopleLikeYou(random_state=0).fit(ml100k)
    queries = QueryBatch(*(sp.csr_matrix((2, ml100k.n_movies), dtype=np.float32),) * 2,
                         pd.DataFrame([("F", "18-24", "college/grad student", "94110"), ("M", "56+", "retired", "02139")],
                                      columns=["gender", "age_band", "occupation", "zip"]),
                         sp.csr_matrix((2, ml100k.n_movies), dtype=np.float32))
    student, retiree = _top(model.distinctive(queries), 10)
    assert len(student & retiree) <= 2  # 0 measured with six seeds; popularity would share all 10
    student, retiree = _top(model.score(queries), 10)
    assert len(student & retiree) <= 6  # For you's list: 3 measured
    groups = [model.cluster_profiles_[row] for row in model.assign(queries.demographics)]
    assert [group["age_band"][0][0] for group in groups] == ["18-24", "56+"]
    assert 2 <= model.n_clusters_ <= 16


def _held_out_hit_rates(dataset: Dataset, seed: int) -> tuple[float, float]:
    """Hit rate@10 of PeopleLikeYou and of plain popularity for 20% of the users,
    trained without them and asked with their demographics only."""
    rng = np.random.default_rng(seed)
    users = dataset.users["user_id"].to_numpy()
    held_out = np.isin(users, rng.choice(users, users.size // 5, replace=False))
    train = Dataset.from_frames(dataset.movies, dataset.users[~held_out],
                                dataset.ratings[~np.isin(dataset.ratings["user_id"], users[held_out])])
    model = PeopleLikeYou(random_state=seed).fit(train)
    liked = likes_matrix(dataset)[np.flatnonzero(held_out)].toarray() > 0
    demographics = dataset.users[held_out].reset_index(drop=True)
    ours = model.distinctive(QueryBatch(*(sp.csr_matrix(liked.shape, dtype=np.float32),) * 2, demographics,
                                  sp.csr_matrix(liked.shape, dtype=np.float32)))
    popular = np.tile(model.cluster_scores_[-1], (liked.shape[0], 1))
    has_likes = liked.any(axis=1)
    return tuple(float(np.take_along_axis(liked, top_n(s, 10)[0], axis=1)[has_likes].any(axis=1).mean())
                 for s in (ours, popular))  # type: ignore[return-value]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_held_out_people_are_served_about_as_well_as_by_popularity(ml100k: Dataset, seed: int) -> None:
    ours, popular = _held_out_hit_rates(ml100k, seed)
    assert ours >= popular - 0.05


def test_neighbour_shares_match_a_dense_reference(rng: np.random.Generator) -> None:
    from cinerec.features.user_features import DemographicEncoder

    dataset = _dataset(PLANTED + [(MIDDLE, 10, {5: 0.9})], rng)
    model = PeopleLikeYou(k=2, random_state=0, neighbors=15, bandwidth=0.7).fit(dataset)
    asked = _batch([YOUNG_WOMEN, ("M", None, None, None)]).demographics
    encoder = DemographicEncoder.from_json(model.encoder_)
    members, likes = encoder.encode(dataset.users).astype(np.float64), likes_matrix(dataset).toarray()
    given = encoder.known_columns(asked)
    expected = []
    for person, mask in zip(encoder.encode(asked).astype(np.float64), given, strict=True):
        weights = np.exp(-(((person - members) * mask) ** 2).sum(axis=1) / 0.7)
        weights[weights < np.sort(weights)[::-1][14]] = 0.0  # the 15 nearest, and anyone tied with the 15th
        share = weights @ likes / weights.sum()
        expected.append(np.where(share > 0, share, np.nan))
    np.testing.assert_allclose(model.neighbor_shares(asked), np.array(expected), rtol=1e-5, atol=1e-7)


def test_neighbours_are_blended_in_only_for_people_who_gave_demographics(rng: np.random.Generator,
                                                                         tmp_path: Path) -> None:
    dataset = _dataset(PLANTED, rng)
    blended = PeopleLikeYou(k=2, random_state=0).fit(dataset)
    groups = PeopleLikeYou(k=2, random_state=0, neighbor_weight=0.0).fit(dataset)
    queries = _batch([YOUNG_WOMEN, OLDER_MEN, NOBODY])
    assert _top(blended.distinctive(queries), 2)[:2] == [{1, 2}, {3, 4}]
    np.testing.assert_array_equal(blended.distinctive(queries)[2], groups.distinctive(queries)[2])  # nobody: overall list
    blended.save(tmp_path / "ply")
    np.testing.assert_array_equal(PeopleLikeYou.load(tmp_path / "ply").distinctive(queries), blended.distinctive(queries))


def test_neighbour_likes_equal_the_sparse_product(rng: np.random.Generator) -> None:
    """One person's gathered neighbour sums add in the sparse product's order (bit-identical)."""
    model = PeopleLikeYou(k=2, random_state=0).fit(_dataset(PLANTED, rng))
    n_members = model.member_likes_.shape[0]
    weights = np.where(rng.random((3, n_members)) < 0.2, rng.random((3, n_members)), 0.0)
    expected = (sp.csr_matrix(weights) @ model.member_likes_).toarray()
    assert expected.any()
    for i in range(3):
        np.testing.assert_array_equal(model._weighted_likes(weights[i: i + 1])[0], expected[i])


def test_a_refitted_model_does_not_answer_from_the_earlier_fit(tmp_path) -> None:
    from cinerec.data.readers import load_dataset
    from cinerec.data.synthetic import SynthConfig, generate
    from cinerec.build import fit_engine
    from cinerec.profile import Profile

    first, second = (generate(SynthConfig(format="ml-100k", users=120, movies=80, ratings=4_000, seed=seed),
                              tmp_path / str(seed)).out_dir for seed in (1, 2))
    person = Profile(gender="F", age_band="18-24", occupation="writer", zip="02139")
    model = PeopleLikeYou(random_state=0)
    model.fit(load_dataset(first, use_cache=False))
    engine_data = load_dataset(second, use_cache=False)
    queries = fit_engine(engine_data).query_batch([person])
    model.distinctive(queries)  # fills the per-profile cache with the first fit's list
    refitted = model.fit(engine_data).distinctive(queries)
    fresh = PeopleLikeYou(random_state=0).fit(engine_data).distinctive(queries)
    np.testing.assert_array_equal(refitted, fresh)


def test_the_lift_says_what_a_group_likes_more_than_everyone(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k=2, random_state=0).fit(_dataset(PLANTED, rng))
    lift = model.lift(_batch([YOUNG_WOMEN, OLDER_MEN, NOBODY]))
    assert lift.shape == (3, N_MOVIES) and lift.dtype == np.float32
    assert lift[0, 1] > 0 > lift[0, 3] and lift[1, 3] > 0 > lift[1, 1]
    assert abs(lift[0, 0]) < lift[0, 1]         # liked alike by both groups: little lift
    assert not lift[2].any()                     # no demographics, no lift
    shares = np.asarray(model.group_shares_)
    np.testing.assert_allclose(np.exp(lift[0, :5]), shares[model.assign(_batch([YOUNG_WOMEN]).demographics)[0], :5]
                               / shares[-1, :5], rtol=1e-5)


# ------------------------------------------------------- the section's list and its parts
def _two_groups_one_shared_favourite() -> Dataset:
    """40 young women and 40 older men, likes fixed (no chance): movie 5 is liked by 24
    of each group (60% of everyone), movie 6 by 22 of the women (55%) and 4 of the men."""
    users, ratings = [], []
    for profile, liked_6 in ((YOUNG_WOMEN, 22), (OLDER_MEN, 4)):
        for i in range(40):
            user_id = len(users) + 1
            users.append((user_id, *profile))
            ratings.append((user_id, 1, 1.0, 0))
            if i < 24:
                ratings.append((user_id, 6, 5.0, 0))
            if i < liked_6:
                ratings.append((user_id, 7, 5.0, 0))
    movies = pd.DataFrame({"movie_id": np.arange(1, N_MOVIES + 1), "title": [f"Movie {i}" for i in range(N_MOVIES)]})
    people = pd.DataFrame(users, columns=["user_id", "gender", "age_band", "occupation", "zip"])
    ratings_ = pd.DataFrame(ratings, columns=["user_id", "movie_id", "rating", "timestamp"])
    return Dataset.from_frames(movies, people, ratings_)


def test_the_contrast_leads_with_what_the_group_likes_more_than_everyone() -> None:
    dataset = _two_groups_one_shared_favourite()
    women = _batch([YOUNG_WOMEN])

    def model(contrast: float) -> PeopleLikeYou:
        # The group's raw shares alone, so that the figures are exact.
        return PeopleLikeYou(k=2, shrinkage=0.0, neighbors=0, field_share=0.0, contrast=contrast,
                             random_state=0).fit(dataset)

    people, everyone = model(0.0).liked_shares(women.demographics)
    np.testing.assert_allclose(people[0, [5, 6]], [0.6, 0.55], rtol=1e-5)
    np.testing.assert_allclose(everyone[[5, 6]], [0.6, 0.325], rtol=1e-5)
    order = [int(m) for m in top_n(model(0.0).distinctive(women), 2)[0][0]]
    assert order == [5, 6]  # without contrast: the most liked first
    order = [int(m) for m in top_n(model(0.5).distinctive(women), 2)[0][0]]
    assert order == [6, 5]  # liked by 55% of them against 32.5% of everyone beats 60% against 60%


def test_the_list_is_the_contrasted_share_of_what_it_says_people_liked(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(k=2, random_state=0).fit(_dataset(PLANTED + [(MIDDLE, 10, {5: 0.9})], rng))
    queries = _batch([YOUNG_WOMEN, ("M", None, None, None), NOBODY])
    people, everyone = model.liked_shares(queries.demographics)
    assert people.shape == (3, N_MOVIES) and everyone.shape == (N_MOVIES,)
    assert np.isnan(people[2]).all()  # nothing given, nothing to say about people like them
    np.testing.assert_allclose(everyone, model.group_shares_[-1])
    logit = lambda x: np.log(x / (1 - x))  # noqa: E731
    scored = np.isfinite(people[:2])
    with np.errstate(divide="ignore", invalid="ignore"):
        contrasted = 1 / (1 + np.exp(-((1 + model.contrast) * logit(people[:2]) - model.contrast * logit(everyone))))
    np.testing.assert_allclose(model.distinctive(queries)[:2][scored], contrasted[scored], rtol=1e-4)
    np.testing.assert_array_equal(model.distinctive(queries)[2], model.cluster_scores_[-1])  # nobody: everyone's shares
    assert model.describes_anyone


def test_the_per_field_estimate_matches_a_dense_reference(rng: np.random.Generator) -> None:
    dataset = _dataset(PLANTED + [(MIDDLE, 10, {5: 0.9}), (("F", "35-44", "writer", "60601"), 8, {6: 0.9})], rng)
    prior = 15.0
    model = PeopleLikeYou(k=2, neighbors=0, field_share=1.0, field_prior=prior, contrast=0.0,
                          field_weights={"occupation": 0.5}, random_state=0).fit(dataset)
    asked = [YOUNG_WOMEN, ("F", None, None, None), ("M", "35-44", None, None)]
    people = model.liked_shares(_batch(asked).demographics)[0]
    users, likes = dataset.users.reset_index(drop=True), likes_matrix(dataset).toarray()
    everyone = likes.mean(axis=0)
    logit = lambda x: np.log(x / (1 - x))  # noqa: E731
    for row, person in zip(people, asked, strict=True):
        expected = logit(everyone)
        for field, value, weight in zip(("gender", "age_band", "occupation"), person[:3], (1.0, 1.0, 0.5)):
            if value is None:
                continue
            holders = users[field].to_numpy() == value
            share = (likes[holders].sum(axis=0) + prior * everyone) / (holders.sum() + prior)
            expected = expected + weight * (logit(share) - logit(everyone))
        scored = everyone > 0
        np.testing.assert_allclose(row[scored], 1 / (1 + np.exp(-expected[scored])), rtol=1e-4)


def test_for_you_s_list_is_the_group_list_blended_with_the_neighbours(rng: np.random.Generator) -> None:
    from cinerec.models.for_you import Blend

    dataset = _dataset(PLANTED + [(MIDDLE, 10, {5: 0.9})], rng)
    model = PeopleLikeYou(k=2, random_state=0).fit(dataset)
    queries = _batch([YOUNG_WOMEN, ("M", None, None, None), NOBODY])
    groups = model.assign(queries.demographics)
    expected = Blend({"group": 1.0, "neighbours": 1.0}).combine(
        {"group": np.asarray(model.cluster_scores_[groups[:2]]),
         "neighbours": model.neighbor_shares(queries.demographics[:2])})
    np.testing.assert_array_equal(model.score(queries)[:2], expected)
    np.testing.assert_array_equal(model.score(queries)[2], model.cluster_scores_[-1])
    alone = PeopleLikeYou(k=2, random_state=0, neighbor_weight=0.0).fit(dataset)
    np.testing.assert_array_equal(alone.score(queries), alone.cluster_scores_[groups])


def test_data_that_describe_nobody_say_so(rng: np.random.Generator) -> None:
    model = PeopleLikeYou(random_state=0).fit(_dataset([(NOBODY, 50, {7: 0.9, 8: 0.8})], rng))
    assert not model.describes_anyone
    assert np.isnan(model.liked_shares(_batch([YOUNG_WOMEN]).demographics)[0]).all()
