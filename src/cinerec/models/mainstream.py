"""*Mainstream*: how widely liked each movie is, said only to people with a history.

Collaborative models learn from co-occurrence, and blockbusters co-occur with
everything, so their lists lean toward what the person has most likely already heard
of. *For you* corrects for that by giving this component a **negative** weight: among
movies a person's collaborative scores rank about equally, the less obvious one goes
first.

The score is the **square root** of each movie's like count, not the count. *For you*
standardises every component per person, and like counts are heavy-tailed in a way
that grows with the data: the 10th most-liked movie sits 4.7 standard deviations above
the mean on ml-100k but 9.2 on a synthetic release of 6,000 people and 4,000 movies.
Standardised raw counts therefore penalise the few top blockbusters about twice as
hard on the larger set at the same weight, and that over-correction is what made the
default blend fall behind EASE there (NDCG@10 0.2392 against 0.2401). The square root
tames the tail (top-10 z 3.3 and 4.6) while keeping the counts' order, so one weight
means about the same on small and large catalogues. In a 384-setting validation grid over
six datasets (ml-100k and synthetic releases), 35 of the 36 settings that led EASE on all
of them at 20% ml-100k coverage used the square root; the logarithm or the popularity
rank flatten the tail so far that the penalty no longer widens the lists. Even so the
penalty has a cliff (see :func:`cinerec.evaluation.tuning.guard_mainstream`), which is
why its default weight (:data:`~cinerec.models.for_you.DEFAULT_WEIGHTS`) keeps a step
away from it.

The correction must never reach someone we know nothing personal about: for a new
person *For you* is people-like-you plus popularity, and pushing popular movies down
there would recommend them the least-liked ones. So people who rated or named no movie
get a NaN row, which the blend reads as "no opinion" (a zero contribution), while
everyone else gets the same row.
"""

from __future__ import annotations

import numpy as np

from cinerec.models.base import QueryBatch
from cinerec.models.popular import MostPopular


class Mainstream(MostPopular):
    """The square roots of :class:`MostPopular`'s like counts, said only to people with
    a history: NaN rows for people who rated or named no movie (see the module docstring).

    Learned attributes: as :class:`MostPopular` (``scores_``, the like counts themselves,
    and ``movie_ids_``), so the saved model is the same as before.
    """

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: the square-rooted like counts for every person who
        rated or named a movie, NaN for everyone else."""
        self.check_fitted()
        root = np.sqrt(np.asarray(self.scores_, dtype=np.float32))
        scores = np.tile(root, (queries.n_queries, 1))
        scores[np.diff(queries.seen.indptr) == 0] = np.nan
        return scores
