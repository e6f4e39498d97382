"""The query engine on real ml-100k and on synthetic data: sections, reasons, batches."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from cinerec import sections
from cinerec.batch import recommend_batch
from cinerec.build import fit_engine
from cinerec.data.readers import load_dataset
from cinerec.data.synthetic import SynthConfig, generate
from cinerec.engine import Engine
from cinerec.models.ease import EASE
from cinerec.models.for_you import DEFAULT_WEIGHTS, ForYou, default_weights
from cinerec.profile import Profile

DIE_HARD = 144  # "Die Hard (1988)" in ml-100k


@pytest.fixture(scope="session")
def ml100k_engine(ml100k_model: Path) -> Engine:
    return Engine.load(ml100k_model)


@pytest.fixture(scope="session")
def synthetic_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    data = tmp_path_factory.mktemp("synth") / "ml-1m"
    generate(SynthConfig(format="ml-1m", users=400, movies=300, ratings=30_000, seed=3), data)
    return fit_engine(load_dataset(data, use_cache=False))


def _ids(section) -> list[int]:
    return [item.movie_id for item in section.items]


@pytest.mark.realdata
def test_michael_gets_four_sections_with_reasons(ml100k_engine: Engine) -> None:
    profile = Profile(liked=(DIE_HARD,), gender="M", age_band="25-34", occupation="programmer", zip="87103")
    recs = ml100k_engine.recommend(profile, n=10)
    assert [s.key for s in recs.sections] == ["similar", "also_liked", "people_like_you", "for_you"]
    for section in recs.sections:
        assert len(section.items) == 10, section.key
        assert DIE_HARD not in _ids(section)
        assert all(item.reason and item.year for item in section.items)
    similar_titles = [item.title for item in recs.section("similar").items]
    assert "Die Hard 2" in similar_titles and "Die Hard: With a Vengeance" in similar_titles
    assert all("Die Hard (1988)" in item.reason for item in recs.section("similar").items)
    assert "Die Hard (1988)" in recs.section("also_liked").heading
    assert "men 25-34" in recs.section("people_like_you").heading


@pytest.mark.realdata
def test_demographics_alone_and_likes_alone(ml100k_engine: Engine) -> None:
    only_people = ml100k_engine.recommend(Profile(gender="F", age_band="18-24"), n=5)
    assert not only_people.section("similar").items and only_people.section("similar").note
    assert not only_people.section("also_liked").items
    assert len(only_people.section("people_like_you").items) == 5
    assert len(only_people.section("for_you").items) == 5
    only_movies = ml100k_engine.recommend(Profile(liked=(DIE_HARD,)), n=5)
    assert not only_movies.section("people_like_you").items and only_movies.section("people_like_you").note
    for key in ("similar", "also_liked", "for_you"):
        assert len(only_movies.section(key).items) == 5


@pytest.mark.realdata
def test_different_people_get_different_lists(ml100k_engine: Engine) -> None:
    young = ml100k_engine.recommend(Profile(gender="F", age_band="18-24", occupation="college/grad student"), n=10)
    old = ml100k_engine.recommend(Profile(gender="M", age_band="56+", occupation="retired"), n=10)
    overlap = set(_ids(young.section("people_like_you"))) & set(_ids(old.section("people_like_you")))
    assert len(overlap) < 8


@pytest.mark.realdata
def test_disliked_movies_push_their_neighbours_down_and_are_never_recommended(ml100k_engine: Engine) -> None:
    star_wars, empire = 50, 172
    liked = ml100k_engine.recommend(Profile(liked=(DIE_HARD,)), n=30)
    disliked = ml100k_engine.recommend(Profile(liked=(DIE_HARD,), disliked=(star_wars,)), n=30)
    assert star_wars not in _ids(disliked.section("for_you"))
    rank = {key: _ids(r.section("also_liked")) for key, r in (("liked", liked), ("disliked", disliked))}
    if empire in rank["liked"]:
        assert empire not in rank["disliked"] or rank["disliked"].index(empire) > rank["liked"].index(empire)


@pytest.mark.realdata
def test_known_user_never_gets_a_movie_they_rated(ml100k_engine: Engine) -> None:
    user = 1
    rated = set(ml100k_engine.movie_ids[ml100k_engine.history[ml100k_engine.user_index([user])[0]].indices])
    recs = ml100k_engine.recommend(Profile(user_id=user), n=20)
    assert not rated & set(_ids(recs.section("for_you")))
    assert recs.section("people_like_you").items  # demographics come from the training data


@pytest.mark.realdata
def test_batch_for_every_ml100k_user(ml100k_engine: Engine) -> None:
    profiles = [Profile(user_id=int(u)) for u in ml100k_engine.users["user_id"]]
    recs = recommend_batch(ml100k_engine, profiles, n=10, kind="for-you")
    assert len(recs) == 943 * 10
    assert recs.groupby("user_id")["rank"].apply(list).map(lambda r: r == list(range(1, 11))).all()
    rows = ml100k_engine.user_index(recs["user_id"].to_numpy())
    cols = ml100k_engine.movie_index(recs["movie_id"].to_numpy())
    assert np.asarray(ml100k_engine.history[rows, cols]).ravel().max() == 0  # never a rated movie
    single = ml100k_engine.recommend(Profile(user_id=7), n=10).section("for_you")
    assert recs[recs["user_id"] == 7]["movie_id"].tolist() == _ids(single)


def test_batch_kinds_and_in_memory_engine_on_synthetic_data(synthetic_engine: Engine) -> None:
    profiles = [Profile(user_id=int(u)) for u in synthetic_engine.users["user_id"][:50]]
    for kind in ("for-you", "similar", "also-liked", "people-like-you"):
        recs = recommend_batch(synthetic_engine, profiles, n=5, kind=kind)
        assert set(recs["user_id"]) == {p.user_id for p in profiles}, kind
        assert recs["rank"].between(1, 5).all()


def test_similar_never_returns_the_movie_itself(synthetic_engine: Engine) -> None:
    movie = int(synthetic_engine.movie_ids[0])
    items = synthetic_engine.similar(movie, n=10)
    assert items and movie not in [i.movie_id for i in items]
    assert all(items[i].score >= items[i + 1].score for i in range(len(items) - 1))


def _reference_query(engine: Engine, profiles: list[Profile]):
    """The queries as plain sparse arithmetic would build them (the definition
    :meth:`Engine.query_batch`'s index-array version must reproduce)."""
    import scipy.sparse as sp

    from cinerec.models.likes import likes_matrix

    rows = engine.user_index([p.user_id if p.user_id is not None else -1 for p in profiles])
    known = rows >= 0
    selector = sp.csr_matrix((np.ones(int(known.sum()), np.float32), (np.flatnonzero(known), rows[known])),
                             shape=(len(profiles), engine.history.shape[0]))
    ratings = (selector @ engine.history).tocsr()
    named = sp.lil_matrix((len(profiles), engine.movie_ids.size), dtype=np.float32)
    for i, profile in enumerate(profiles):
        for ids, value in ((profile.liked, 1.0), (profile.disliked, -1.0)):
            for column in engine.movie_index(ids) if ids else []:
                named[i, column] += value
    named = named.tocsr()
    named.eliminate_zeros()
    history_likes = likes_matrix(ratings)
    likes = (history_likes - history_likes.multiply(named != 0) + named).tocsr()
    likes.eliminate_zeros()
    seen = ((abs(ratings) + abs(named)) > 0).astype(np.float32).tocsr()
    return ratings, likes, seen


def test_query_batch_equals_the_sparse_arithmetic_it_replaces(synthetic_engine: Engine) -> None:
    movies = synthetic_engine.movie_ids
    users = synthetic_engine.users["user_id"].to_numpy()
    profiles = [Profile(liked=(int(movies[0]), int(movies[3]))),
                Profile(user_id=int(users[0])),
                Profile(user_id=int(users[1]), liked=(int(movies[5]),), disliked=(int(movies[7]), int(movies[2]))),
                Profile(liked=(int(movies[4]),), disliked=(int(movies[4]), int(movies[9]))),
                Profile(gender="F")]
    queries = synthetic_engine.query_batch(profiles)
    for actual, expected in zip((queries.ratings, queries.likes, queries.seen),
                                _reference_query(synthetic_engine, profiles)):
        expected.sort_indices()
        np.testing.assert_array_equal(actual.indptr, expected.indptr)
        np.testing.assert_array_equal(actual.indices, expected.indices)
        np.testing.assert_array_equal(actual.data, expected.data)


@pytest.mark.realdata
def test_warm_up_prepares_what_scoring_derives_and_changes_no_answer(ml100k_model: Path) -> None:
    cold, warmed = Engine.load(ml100k_model), Engine.load(ml100k_model)
    warmed.warm_up()
    derived = {name: [attr for attr in vars(model) if attr.startswith("_")] for name, model in warmed.components.items()}
    assert derived["also_liked"] and derived["content"] and derived["people_like_you"]
    profile = Profile(liked=(DIE_HARD, 50), disliked=(1,), gender="M", age_band="35-44", zip="02139")
    assert warmed.recommend(profile) == cold.recommend(profile)


def test_the_default_blend_follows_the_likings_behind_the_collaborative_model(
        synthetic_engine: Engine, tmp_path: Path) -> None:
    collaborative = synthetic_engine.components["collaborative"]
    arrival = synthetic_engine.components["rising"].arrival_
    assert synthetic_engine.for_you.blend.weights == default_weights(collaborative.mean_likings, arrival)
    assert ForYou.for_components({}).blend.weights == DEFAULT_WEIGHTS
    generate(SynthConfig(format="ml-1m", users=1_500, movies=40, ratings=45_000, seed=4), tmp_path / "ml-1m")
    dense = EASE().fit(load_dataset(tmp_path / "ml-1m", use_cache=False))
    assert dense.mean_likings > 2 * collaborative.mean_likings
    weights = ForYou.for_components({"collaborative": dense}).blend.weights
    assert weights["also_liked"] < DEFAULT_WEIGHTS["also_liked"] and weights["collaborative"] == 1.0


@pytest.mark.realdata
def test_a_newcomer_s_for_you_says_which_liked_movie_or_which_people_put_each_movie_there(
        ml100k_engine: Engine) -> None:
    star_wars = 50
    profile = Profile(liked=(star_wars,), gender="M", age_band="56+", occupation="retired", zip="10001")
    items = ml100k_engine.recommend(profile, n=10).section("for_you").items
    reasons = [item.reason for item in items]
    assert set(reasons) == {"because you liked Star Wars (1977)", "popular with men 56+, retired, zip 100xx"}
    # The fans of Star Wars lead; the group only adds what it likes more than everyone does.
    assert reasons[0] == "because you liked Star Wars (1977)"
    assert reasons.count("because you liked Star Wars (1977)") > reasons.count("popular with men 56+, retired, zip 100xx")
    assert "Return of the Jedi" in [item.title for item in items[:3]]
    # Without demographics nothing is said about a group.
    alone = ml100k_engine.recommend(Profile(liked=(star_wars,)), n=10).section("for_you").items
    assert {item.reason for item in alone} == {"because you liked Star Wars (1977)"}


# ------------------------------------------------------------- people like you, also liked
#: Six very different people: a boy of 8, a teacher of 55, a lawyer of 45, a nurse of 30,
#: a retired man of 70 and a student of 22.
SIX_PEOPLE = (Profile(gender="M", age_band="under 18", occupation="K-12 student"),
              Profile(gender="F", age_band="50-55", occupation="academic/educator"),
              Profile(gender="M", age_band="45-49", occupation="lawyer"),
              Profile(gender="F", age_band="25-34", occupation="doctor/health care"),
              Profile(gender="M", age_band="56+", occupation="retired"),
              Profile(gender="F", age_band="18-24", occupation="college/grad student"))
STAR_WARS = 50
REASON = re.compile(r"^liked by (\d+)% of (.+) \((\d+)% of everyone\)$")


@pytest.mark.realdata
def test_very_different_people_are_shown_what_their_people_like_more_than_everyone(ml100k_engine: Engine) -> None:
    sections = [ml100k_engine.recommend(profile, n=10).section("people_like_you") for profile in SIX_PEOPLE]
    lists = [set(_ids(section)) for section in sections]
    assert all(len(ids) == 10 for ids in lists)
    overlap = np.mean([len(a & b) for a, b in itertools.combinations(lists, 2)])
    assert overlap <= 3.0  # 2.93 measured; the groups' plain popularity shared 5.4 of 10
    assert sum(_ids(section)[0] == STAR_WARS for section in sections) <= 2  # it led five of the six lists
    # Each list leads with a movie its people like more than everyone does.
    for section in sections:
        mine, everyone = (int(v) for v in REASON.match(section.items[0].reason).group(1, 3))
        assert mine > everyone


@pytest.mark.realdata
def test_people_like_you_says_how_many_of_them_and_of_everyone_liked_each_movie(ml100k_engine: Engine) -> None:
    teacher = SIX_PEOPLE[1]
    section = ml100k_engine.recommend(teacher, n=10).section("people_like_you")
    assert section.heading == "Popular with people like you (women 50-55, academic/educator)"
    queries = ml100k_engine.query_batch([teacher])
    people, everyone = ml100k_engine.people_like_you.liked_shares(queries.demographics)
    for item in section.items:
        match = REASON.match(item.reason)
        assert match, item.reason
        column = int(ml100k_engine.movie_index([item.movie_id])[0])
        assert match.group(2) == "women 50-55, academic/educator"
        assert f"{match.group(1)}%" == f"{float(people[0, column]):.0%}"
        assert f"{match.group(3)}%" == f"{float(everyone[column]):.0%}"
    assert not any(word in item.reason for item in section.items for word in ("lift", "cluster", "logit", "group"))


@pytest.mark.realdata
def test_the_also_liked_heading_names_the_liked_movies_its_items_came_from(ml100k_engine: Engine) -> None:
    section = ml100k_engine.recommend(Profile(user_id=1), n=10).section("also_liked")
    sources = [re.fullmatch(r"fans of (.+) also liked it", item.reason).group(1) for item in section.items]
    counts = Counter(sources)
    most = max(counts.values())
    named = re.fullmatch(r"People who liked (.+?)(?: and (\d+) more)? also liked", section.heading)
    assert named, section.heading
    assert any(section.heading.startswith(f"People who liked {label}") for label, n in counts.items() if n == most)
    if len(counts) > 2:
        assert int(named.group(2)) == len(counts) - 2
    # Toy Story is user 1's first rating; the heading names it only if an item came from it.
    assert ("Toy Story (1995)" in section.heading) == ("Toy Story (1995)" in counts)


def test_the_also_liked_heading_counts_what_it_does_not_name(synthetic_engine: Engine) -> None:
    label = synthetic_engine.label
    a, b, c, d = 3, 7, 11, 20
    heading = partial(sections.also_liked_heading, synthetic_engine)
    assert heading(np.array([a, a, -1])) == f"People who liked {label(a)} also liked"
    assert heading(np.array([b, a, a])) == f"People who liked {label(a)} and {label(b)} also liked"
    assert heading(np.array([b, c, a, d, a])) == f"People who liked {label(a)}, {label(b)} and 2 more also liked"
    assert heading(np.array([-1, -1])) == "People who liked what you like also liked"
    # On an answer: every movie a reason names is in the heading or counted in it.
    movies = synthetic_engine.movie_ids
    section = synthetic_engine.recommend(Profile(liked=(int(movies[0]), int(movies[1]), int(movies[2]))),
                                         n=10).section("also_liked")
    sources = {re.fullmatch(r"fans of (.+) also liked it", item.reason).group(1) for item in section.items}
    assert sources
    if len(sources) <= 2:
        assert all(source in section.heading for source in sources)
    else:
        assert section.heading.endswith(f" and {len(sources) - 2} more also liked")


def test_for_you_blends_the_accurate_list_and_the_section_shows_the_contrasted_one(synthetic_engine: Engine) -> None:
    person = Profile(gender="F", age_band="25-34", occupation="writer")
    queries = synthetic_engine.query_batch([person])
    model = synthetic_engine.people_like_you
    recs = synthetic_engine.recommend(person, n=10)
    # Someone known only by demographics: For you ranks by the component's score alone ...
    expected = synthetic_engine.movie_ids[np.argsort(-np.nan_to_num(model.score(queries)[0], nan=-np.inf),
                                                     kind="stable")[:10]]
    assert _ids(recs.section("for_you")) == expected.tolist()
    # ... and the section by the contrasted list.
    contrasted = synthetic_engine.movie_ids[np.argsort(-np.nan_to_num(model.distinctive(queries)[0], nan=-np.inf),
                                                       kind="stable")[:10]]
    assert _ids(recs.section("people_like_you")) == contrasted.tolist()


def test_data_that_describe_nobody_leave_people_like_you_out(tmp_path: Path) -> None:
    data = tmp_path / "ml-latest"
    generate(SynthConfig(format="ml-latest", users=300, movies=200, ratings=15_000, seed=5), data)
    engine = fit_engine(load_dataset(data, use_cache=False))
    assert not engine.people_like_you.describes_anyone
    liked = int(engine.movie_ids[0])
    for profile in (Profile(gender="F", age_band="25-34", occupation="writer", zip="02139", liked=(liked,)),
                    Profile(), Profile(user_id=int(engine.users["user_id"][0]))):
        recs = engine.recommend(profile, n=5)
        section = recs.section("people_like_you")
        assert section.items == () and section.heading == "Popular with people like you"
        assert "no one like you" in section.note and "gender" in section.note
        assert not any("popular with" in item.reason for item in recs.section("for_you").items)

