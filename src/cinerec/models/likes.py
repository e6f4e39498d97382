"""What it means that a person *liked* a movie: one definition every model shares.

A rating is a liking when it is at least :data:`LIKE_THRESHOLD` (4 of 5 stars, the
"relevant" cut the evaluation uses too) **or** when it is at least the person's own
mean rating (plus :data:`RELATIVE_MARGIN`, which is 0). The relative half only ever
adds likings, and only for people whose mean is below 4: a harsh rater whose mean is
2.6 and who gives a movie 3.5 is saying "this one I liked". An absolute 4 is never
taken away from a generous rater, because their 4 is still a recommendation to a
stranger.

Why this and not the alternatives (an absolute cut alone, a relative cut alone, margins
above the mean; compared on ml-100k in docs/design.md#likes): the combined form wins on
every seed tried. The harsh raters' above-average ratings are
real signal that the absolute cut throws away, while dropping generous raters' 4s
(the relative-only forms) loses more than it gains.

Likes are binary (1.0): how much above the threshold a rating is says more about a
person's rating habits than about the movie, and binary co-like counts are what the
collaborative similarities and EASE's Gram matrix are defined on.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from cinerec.data.dataset import Dataset
from cinerec.models.aggregates import kept_per_dataset, person_means, row_means

#: Stars at or above which a rating is always a liking.
LIKE_THRESHOLD = 4.0
#: Stars above a person's own mean rating at which a lower rating still counts as a liking.
RELATIVE_MARGIN = 0.0


def likes_matrix(
    source: Dataset | sp.spmatrix,
    *,
    threshold: float = LIKE_THRESHOLD,
    margin: float | None = RELATIVE_MARGIN,
) -> sp.csr_matrix:
    """The binary ``(n_users, n_movies)`` float32 CSR of likings.

    ``source`` is a :class:`Dataset` or its ``rating_matrix()`` (a rating matrix whose
    stored entries are the known ratings). A rating is a liking when it is
    ``>= threshold`` or, unless ``margin`` is ``None``, ``>= margin`` above the row's
    (person's) mean rating. Rows and columns keep the source's order; only likings
    are stored. A dataset's likes are computed once and shared: treat them as read-only.
    """
    if isinstance(source, Dataset):
        return kept_per_dataset(source, ("likes", threshold, margin), lambda: _likes(
            source.rating_matrix(), liked_ratings(source, threshold=threshold, margin=margin)))
    ratings = sp.csr_matrix(source, dtype=np.float32)
    return _likes(ratings, _liked_entries(ratings, threshold, margin))


def liked_ratings(dataset: Dataset, *, threshold: float = LIKE_THRESHOLD,
                  margin: float | None = RELATIVE_MARGIN) -> np.ndarray:
    """Which rows of ``dataset.ratings`` are likings (a boolean mask in their order), for
    callers that work per rating (they need the timestamps); see :func:`likes_matrix`.

    The ratings are sorted by person, then movie, like the stored entries of the
    dataset's ``rating_matrix()``, so one mask serves both, computed once per dataset
    (read-only).
    """
    return kept_per_dataset(dataset, ("liked", threshold, margin), lambda: _liked_entries(
        dataset.rating_matrix(), threshold, margin, person_means(dataset) if margin is not None else None))


def _liked_entries(ratings: sp.csr_matrix, threshold: float, margin: float | None,
                   means: np.ndarray | None = None) -> np.ndarray:
    """Which stored entries of a float32 CSR rating matrix are likings (row = person;
    ``means``: each row's mean rating, when already known)."""
    is_liked = ratings.data >= threshold
    if margin is not None:
        means = row_means(ratings) if means is None else means
        people = np.repeat(np.arange(ratings.shape[0]), np.diff(ratings.indptr))
        is_liked |= ratings.data >= means[people] + margin
    return is_liked


def _likes(ratings: sp.csr_matrix, is_liked: np.ndarray) -> sp.csr_matrix:
    """The likes matrix: ``ratings``' entries where ``is_liked``, as 1.0."""
    # Row pointers from the likings per person: a cumulative sum over every rating's
    # mask would cost ten times as much at 25M ratings.
    people = np.repeat(np.arange(ratings.shape[0]), np.diff(ratings.indptr))
    per_person = np.bincount(people[is_liked], minlength=ratings.shape[0])
    indptr = np.concatenate(([0], np.cumsum(per_person)))
    likes = sp.csr_matrix((np.ones(int(indptr[-1]), dtype=np.float32), ratings.indices[is_liked], indptr),
                          shape=ratings.shape)
    likes.sort_indices()
    return likes
