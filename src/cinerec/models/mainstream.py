"""*Mainstream*: how widely liked each movie is, said only to people with a history.

Collaborative models learn from co-occurrence, and blockbusters co-occur with
everything, so their lists lean toward what the person has most likely already heard
of. *For you* corrects for that by giving this component a **negative** weight: among
movies a person's collaborative scores rank about equally, the less obvious one goes
first.

The score is the **square root** of each movie's like count, not the count: like counts
are heavy-tailed, and the root keeps their order while taming the few blockbusters at
the top, so that the penalty weighs popularity differences among the candidates rather
than the distance of one blockbuster from all the rest. The blend standardises the
penalty among each person's best candidates only (:class:`~cinerec.models.for_you.Blend`):
measured across the whole catalogue, its scale would be set by the catalogue's long tail,
and the same weight that widens ml-100k's lists buries good movies under unknown ones on
a catalogue shaped like ml-latest-small (docs/design.md#popularity-and-mainstream).
Even among the candidates the penalty has a
cliff (see :func:`cinerec.evaluation.tuning.guard_mainstream`), which is why its default
weight (:data:`~cinerec.models.for_you.DEFAULT_WEIGHTS`) keeps a step away from it.

The correction must never reach someone we know nothing personal about: for a new
person *For you* is people-like-you plus popularity, and pushing popular movies down
there would recommend them the least-liked ones. So people who rated or named no movie
get a NaN row, which the blend reads as "no opinion" (a zero contribution), while
everyone else gets the same row.
"""

from __future__ import annotations

import numpy as np

from cinerec.models.base import QueryBatch, history_rows
from cinerec.models.popular import MostPopular


class Mainstream(MostPopular):
    """The square roots of :class:`MostPopular`'s like counts, said only to people with
    a history: NaN rows for people who rated or named no movie (see the module docstring).

    Learned attributes: as :class:`MostPopular` (``scores_``, the like counts themselves,
    and ``movie_ids_``), so the saved model is :class:`MostPopular`'s.
    """

    def score(self, queries: QueryBatch) -> np.ndarray:
        """``(q, n_movies)`` float32: the square-rooted like counts for every person who
        rated or named a movie, NaN for everyone else."""
        self.check_fitted()
        return history_rows(np.sqrt(np.asarray(self.scores_, dtype=np.float32)), queries)
