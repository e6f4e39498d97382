"""EASE: the strongest collaborative model for catalogues up to some tens of thousands of movies.

Steck's *Embarrassingly Shallow Autoencoder* (WWW 2019) learns one movie × movie
weight matrix ``B`` that reconstructs each person's likes from their other likes,
with a zero diagonal so that no movie may explain itself. Its closed form is::

    P = (XᵀX + λI)⁻¹          B = I − P · diag(1 / diag(P))      (so diag(B) = 0)

where ``X`` is a binary user × movie matrix: by default the likes
(:mod:`cinerec.models.likes`), or with ``feedback="seen"`` every movie the person rated,
whatever the stars. A person's score for a movie is their row of ``X`` times ``B``.
The two see different things: the likes model learns *what people enjoy together*,
the seen model *what people watch together* — a 2-star rating still says the person
chose that kind of movie. *For you* blends both (seen weighs a quarter of likes, see
:data:`~cinerec.models.for_you.DEFAULT_WEIGHTS`, because it adds to the likes model
even beside the other components: docs/design.md#ease). Unlike neighbour lists,
``B`` weighs every liked movie against every other (a movie that everyone who liked
A also liked adds little), which is why it ranks best on MovieLens.

``B`` is dense: ``m²`` float32 for ``m`` modelled movies (11 MB at ml-100k's 1,682),
and inverting the Gram matrix costs ``m³``. So on a large catalogue EASE models only
the ``max_movies`` most-liked movies — on MovieLens the long tail beyond them holds a
small share of all likes — and scores the rest NaN, leaving them to the neighbour
models that *For you* blends with it. Small catalogues are modelled whole.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError
from cinerec.models.base import QueryBatch, Recommender
from cinerec.models.likes import likes_matrix
from cinerec.models.neighbor_search import gram_matrix

#: What EASE can be fitted on: see :class:`EASE`'s ``feedback``.
FEEDBACK: tuple[str, ...] = ("likes", "seen")
#: :class:`EASE`'s default ``l2_scale`` (see there).
DEFAULT_L2_SCALE = 8.0
#: :class:`EASE`'s default ``min_mean_likings`` (see there).
MIN_MEAN_LIKINGS = 32.0
#: :class:`EASE`'s default ``max_movies`` (see there).
MAX_MOVIES = 4_000


class EASE(Recommender):
    """Steck's EASE on the likes (or seen) matrix.

    Parameters
    ----------
    l2:
        A fixed ridge penalty λ added to the Gram matrix's diagonal, or ``None`` (the
        default) for ``l2_scale`` times the mean of that diagonal.
    l2_scale:
        The penalty as a multiple of the mean diagonal of the Gram matrix — the mean
        number of likings (or ratings, for ``"seen"``) per modelled movie — used when
        ``l2`` is ``None``. The best fixed λ grows with the data, while a λ relative to
        the Gram matrix's own scale peaks in about the same place on every dataset tried:
        λ is weighed against the co-occurrence counts it regularises (figures:
        docs/design.md#ease). Steck's denoising view of EASE (EDLAE, NeurIPS 2020)
        likewise scales the penalty with the diagonal. The default 8 (λ≈250 on
        ml-100k's training split, whose movies average 32 likings) is the textbook EASE
        the evaluation compares against; *For you* uses up to twice it inside its blend,
        less on denser data (:func:`~cinerec.models.for_you.blend_l2_scale`), and the
        evaluation's tuning tries 1, 2 and 4 times it.
    min_mean_likings:
        The least mean diagonal that ``l2_scale`` multiplies. On a wide, sparse catalogue
        (ml-latest-small: 9,742 movies, most liked by a handful of people) the modelled
        movies average about 10 likings, so 8× that is λ≈86, well below where EASE alone
        peaks there: the popular movies that drive the scores have far more likings than
        the mean, and a penalty sized by the mean lets the rare movies' noisy
        co-occurrences through (docs/design.md#ease). The default 32 is ml-100k's own
        mean, where the default scale was calibrated, so λ never falls below ≈256 at the
        default scale and nothing changes on denser data.
    max_movies:
        How many of the most-liked (most-seen) movies are modelled; fitting needs about
        ``16 · max_movies²`` bytes and ``max_movies³`` operations.
    feedback:
        ``"likes"`` (people's likings; scored from what a person liked, dislikes
        negatively) or ``"seen"`` (every rated movie; scored from every movie the
        person rated or named).

    Learned attributes: ``l2_`` (the penalty used), ``modelled_`` (int32 column indices of the modelled movies),
    ``weights_`` (float32 ``(m, m)`` over them, zero diagonal), ``movie_ids_`` (int32),
    ``like_counts_`` (int32 likings — or ratings, for ``"seen"`` — per movie; a movie
    with none cannot be scored).
    """

    def __init__(self, l2: float | None = None, l2_scale: float = DEFAULT_L2_SCALE, max_movies: int = MAX_MOVIES,
                 feedback: str = "likes", min_mean_likings: float = MIN_MEAN_LIKINGS):
        self.l2 = l2
        self.l2_scale = l2_scale
        self.max_movies = max_movies
        self.feedback = feedback
        self.min_mean_likings = min_mean_likings

    def fit(self, dataset: Dataset) -> Self:
        if self.l2 is not None and float(self.l2) <= 0.0:
            raise ModelError(f"EASE: l2 must be positive, got {self.l2}")
        if float(self.l2_scale) <= 0.0:
            raise ModelError(f"EASE: l2_scale must be positive, got {self.l2_scale}")
        if int(self.max_movies) < 1:
            raise ModelError(f"EASE: max_movies must be at least 1, got {self.max_movies}")
        if self.feedback not in FEEDBACK:
            raise ModelError(f"EASE: feedback must be one of {', '.join(FEEDBACK)}, got {self.feedback!r}")
        likes = likes_matrix(dataset) if self.feedback == "likes" else seen_matrix(dataset)
        self.like_counts_ = np.bincount(likes.indices, minlength=likes.shape[1]).astype(np.int32)
        self.modelled_ = modelled_movies(self.like_counts_, int(self.max_movies))
        self.l2_ = float(self.l2) if self.l2 is not None else \
            float(self.l2_scale) * max(self.mean_likings, float(self.min_mean_likings))
        self.weights_ = ease_weights(likes[:, self.modelled_].tocsr(), self.l2_)
        self.movie_ids_ = dataset.movie_vocab.ids.astype(np.int32)
        return self

    @property
    def mean_likings(self) -> float:
        """The mean likings (ratings, for ``"seen"``) per modelled movie — how much
        evidence each of ``B``'s columns rests on (see :func:`likings_per_movie`)."""
        self.check_fitted()
        return mean_diagonal(np.asarray(self.like_counts_)[np.asarray(self.modelled_)])

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``likes @ B`` (or ``seen @ B``) for the block; NaN for people with nothing
        among the modelled movies to go on and for movies not modelled."""
        self.check_fitted()
        modelled = np.asarray(self.modelled_)
        source = queries.likes if self.feedback == "likes" else queries.seen
        likes = sp.csr_matrix(source, dtype=np.float32)[:, modelled]
        scores = np.full((likes.shape[0], self.movie_ids_.size), np.nan, dtype=np.float32)
        scores[:, modelled] = likes @ self.weights_
        scores[np.diff(likes.indptr) == 0] = np.nan
        return scores


def modelled_movies(like_counts: np.ndarray, max_movies: int = MAX_MOVIES) -> np.ndarray:
    """Sorted int32 indices of the ``max_movies`` most-liked movies that anyone liked."""
    most_liked = np.argsort(-like_counts, kind="stable")[:max_movies]
    return np.sort(most_liked[like_counts[most_liked] > 0]).astype(np.int32)


def likings_per_movie(like_counts: np.ndarray, max_movies: int = MAX_MOVIES) -> float:
    """The mean likings per movie EASE would model, from each movie's likings (the mean
    diagonal of its Gram matrix, before :class:`EASE`'s ``min_mean_likings`` floor): how
    dense the evidence is, known before fitting (the *For you* defaults depend on it)."""
    return mean_diagonal(like_counts[modelled_movies(like_counts, max_movies)])


def mean_diagonal(counts: np.ndarray) -> float:
    """The mean diagonal of a binary matrix's Gram matrix from its column counts (1 when
    there are none, so that an empty model still gets a positive penalty)."""
    return float(counts.mean()) if counts.size else 1.0


def seen_matrix(dataset: Dataset) -> sp.csr_matrix:
    """The binary ``(n_users, n_movies)`` float32 CSR of every rated movie."""
    ratings = dataset.rating_matrix()
    return sp.csr_matrix((np.ones_like(ratings.data), ratings.indices, ratings.indptr), shape=ratings.shape)


def ease_weights(likes: sp.csr_matrix, l2: float) -> np.ndarray:
    """EASE's closed form for a ``(n_users, n_movies)`` likes matrix: the float32
    ``(n_movies, n_movies)`` weights with a zero diagonal.

    The Gram matrix plus ``l2`` on the diagonal is symmetric positive definite, so it
    is inverted through its Cholesky factor (LAPACK ``potrf``/``potri``: half the work
    of a general inverse, in place). Single precision halves time and memory at 4,000
    movies; ``l2`` keeps the matrix well conditioned, and on ml-100k the weights differ
    from a float64 inversion by 2e-6 of the largest weight.
    """
    gram = gram_matrix(likes)
    gram[np.diag_indices_from(gram)] += np.float32(l2)
    factor, info = scipy.linalg.lapack.spotrf(gram, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = scipy.linalg.lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:  # pragma: no cover - only reachable through numerical breakdown
        raise ModelError(f"EASE: the regularised Gram matrix could not be inverted (LAPACK info {info}); raise l2")
    inverse = np.triu(inverse) + np.triu(inverse, 1).T
    weights = inverse / -np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    return weights.astype(np.float32)
