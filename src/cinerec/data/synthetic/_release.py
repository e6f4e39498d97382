"""What each MovieLens release looks like, as far as the generator must imitate it.

One :class:`ReleaseStyle` per format the generator writes: which genres exist, which years
the catalogue spans, when the ratings were collected, whether half stars exist and how
many ratings every user has at least. The file layouts themselves live in ``_writers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from cinerec.data.synthetic._names import FORMATS
from cinerec.data.vocabulary import GENRES


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())


#: MovieLens offered half stars from this day on; earlier ratings are whole stars.
HALF_STARS_SINCE = _epoch("2003-02-12")
SECONDS_PER_YEAR = 31_556_952


def release_times(years: np.ndarray) -> np.ndarray:
    """When movies of ``years`` came out, in epoch seconds: the year's first day, since the
    catalogue knows only years. Nobody rates a movie before then."""
    return (years.astype(np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[s]").astype(np.int64)


@dataclass(frozen=True)
class ReleaseStyle:
    name: str
    #: Canonical genre names the release knows (ml-100k and ml-1m predate IMAX).
    genres: tuple[str, ...]
    first_year: int
    last_year: int
    #: Mean age of a movie, in years before ``last_year``: recent movies are more numerous.
    recency_years: float
    #: When ratings were collected (epoch seconds, inclusive).
    rating_period: tuple[int, int]
    half_stars: bool
    #: Every user has at least this many ratings (ml-100k, ml-1m: guaranteed by GroupLens).
    min_ratings: int
    #: True when the release guarantees ``min_ratings``; otherwise it is only a target.
    strict_minimum: bool
    #: True when the release has a users file with demographics for everyone.
    describes_users: bool
    #: Default number of tag applications per rating.
    tags_per_rating: float
    #: Share of movies without any genre ("unknown", "(no genres listed)").
    no_genre_share: float
    #: Mean number of ids skipped between consecutive movie ids, at the newest end.
    id_gap: float


STYLES: dict[str, ReleaseStyle] = {
    "ml-100k": ReleaseStyle(
        name="ml-100k", genres=tuple(g for g in GENRES if g != "IMAX"), first_year=1922, last_year=1998,
        recency_years=7.0, rating_period=(_epoch("1997-09-20"), _epoch("1998-04-22")), half_stars=False,
        min_ratings=20, strict_minimum=True, describes_users=True, tags_per_rating=0.0,
        no_genre_share=0.001, id_gap=0.0,
    ),
    "ml-1m": ReleaseStyle(
        name="ml-1m", genres=tuple(g for g in GENRES if g != "IMAX"), first_year=1919, last_year=2000,
        recency_years=11.0, rating_period=(_epoch("2000-04-25"), _epoch("2003-02-28")), half_stars=False,
        min_ratings=20, strict_minimum=True, describes_users=True, tags_per_rating=0.0,
        no_genre_share=0.0, id_gap=0.05,
    ),
    "ml-latest": ReleaseStyle(
        name="ml-latest", genres=GENRES, first_year=1902, last_year=2019,
        recency_years=20.0, rating_period=(_epoch("1995-01-09"), _epoch("2019-11-21")), half_stars=True,
        min_ratings=20, strict_minimum=False, describes_users=False, tags_per_rating=0.04,
        no_genre_share=0.01, id_gap=5.0,
    ),
}

assert tuple(STYLES) == FORMATS, "every layout the generator names has a style"
