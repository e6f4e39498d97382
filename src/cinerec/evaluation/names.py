"""The protocols and contenders the evaluation offers, in a module without imports: the
command line reads them on every start to describe ``evaluate``."""

from __future__ import annotations

#: How people's ratings are held out (see :mod:`cinerec.evaluation.splits`).
PROTOCOLS: tuple[str, ...] = ("random", "temporal", "new-users")
#: Every contender name, in table order (see :mod:`cinerec.evaluation.scorers`).
CONTENDERS: tuple[str, ...] = ("random", "popular", "seed-also-liked", "seed-people-like-you", "item-knn",
                               "similar", "also-liked", "people-like-you", "ease", "for-you")
#: The contenders that rank by demographics alone: nothing to fit on data that describe nobody.
DEMOGRAPHIC_CONTENDERS: tuple[str, ...] = ("seed-people-like-you", "people-like-you")
