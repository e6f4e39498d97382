"""What is in a dataset: counts, distributions and a report with plots.

:func:`describe` computes everything once, vectorised over the ratings, into a
:class:`DatasetDescription`; the terminal tables, the JSON document and the HTML report
are three views of that one description, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.features import user_features
from cinerec.reports import Report, plots

if TYPE_CHECKING:
    from cinerec.data.combine import CombineSummary

UNKNOWN = "unknown"
NO_GENRE = "(no genre)"
OTHER_ZIP_REGION = "Canada/other"
#: The first digit of a US ZIP code names a group of states.
US_ZIP_REGIONS: dict[str, str] = {
    "0": "0xxxx New England, NJ, PR",
    "1": "1xxxx NY, PA, DE",
    "2": "2xxxx DC, MD, VA, WV, NC, SC",
    "3": "3xxxx FL, GA, AL, TN, MS",
    "4": "4xxxx OH, MI, IN, KY",
    "5": "5xxxx MN, WI, IA, MT, Dakotas",
    "6": "6xxxx IL, MO, KS, NE",
    "7": "7xxxx TX, OK, AR, LA",
    "8": "8xxxx CO, AZ, UT, NV, NM, ID, WY",
    "9": "9xxxx CA, WA, OR, AK, HI",
}
QUANTILES: dict[str, float] = {"p10": 0.10, "p25": 0.25, "median": 0.50, "p75": 0.75, "p90": 0.90, "p99": 0.99}
#: The activity statistics as the report's table names them.
STATISTIC_NAMES: dict[str, str] = {
    "min": "fewest", "p10": "10th percentile", "p25": "25th percentile", "median": "median",
    "p75": "75th percentile", "p90": "90th percentile", "p99": "99th percentile", "max": "most", "mean": "mean",
}
#: Shares of the catalogue, most rated first, whose share of all ratings is reported.
TOP_SHARES = (0.01, 0.1, 0.2, 0.5)
#: Rating times from this many seconds on (the year 5138) can only be milliseconds.
MILLISECONDS_FROM = 10**11
MILLISECONDS_WARNING = ("rating times are milliseconds since 1970, not the seconds MovieLens uses: "
                        "dates here read them as milliseconds")
#: How a date past what a calendar holds is shown.
OUT_OF_RANGE = "(date out of range)"
#: Ratings per month are kept over at most this many months (a century): a longer span
#: means broken rating times, which the first and last dates show.
MAX_MONTHS = 1_200
GENDER_NAMES = {"F": "female", "M": "male"}
TOP_TAGS = 20
TOP_MOVIES = 10
LISTED_DISAGREEMENTS = 50
DEMOGRAPHIC_COLUMNS = ("gender", "age_band", "occupation", "zip")


@dataclass(frozen=True)
class DatasetDescription:
    """Counts and distributions of one dataset; every mapping is ordered for display.

    Category counts keep ``"unknown"`` last when some entities lack the attribute.
    ``ratings_per_month`` counts ratings by calendar month (``"1997-09"``, months
    without ratings included); ``long_tail`` is the share of all ratings on the most
    rated 1%, 10%, 20% and 50% of the movies (``{"10%": 0.58, ...}``).
    ``ratings_per_user`` and ``ratings_per_movie`` hold the raw activity (vocabulary
    order) for the long-tail plots and are not part of the JSON document.
    """

    releases: tuple[str, ...]
    fingerprint: str
    counts: dict[str, int]
    ratings: dict[str, Any]
    rating_values: dict[str, int]
    ratings_per_month: dict[str, int]
    long_tail: dict[str, float]
    ratings_per_user_summary: dict[str, float]
    ratings_per_movie_summary: dict[str, float]
    most_rated_movies: list[dict[str, Any]]
    genres: dict[str, dict[str, int]]
    decades: dict[str, int]
    age_bands: dict[str, int]
    genders: dict[str, int]
    occupations: dict[str, int]
    zip_regions: dict[str, int]
    tagging: dict[str, int]
    top_tags: dict[str, int]
    genome: dict[str, Any] | None
    per_release: list[dict[str, Any]]
    combination: dict[str, Any] | None
    warnings: tuple[str, ...]
    ratings_per_user: np.ndarray = field(repr=False)
    ratings_per_movie: np.ndarray = field(repr=False)

    @property
    def name(self) -> str:
        """The releases as a person names them: ``ml-1m + ml-25m``."""
        from cinerec.data.releases import release_label

        return " + ".join(map(release_label, self.releases)) or "dataset"

    @property
    def has_demographics(self) -> bool:
        return self.counts["users_with_demographics"] > 0

    def combination_overview(self) -> dict[str, int]:
        """How the catalogues overlapped when releases were combined (empty for one release)."""
        if self.combination is None:
            return {}
        return {"movies in several releases": self.combination["matched_movies"],
                **{f"only in {label}": n for label, n in self.combination["only_in"].items()},
                "titled differently": len(self.combination["title_disagreements"])}

    def distributions(self) -> dict[str, Any]:
        """Everything but the headline counts, JSON-ready."""
        return {
            "ratings": self.ratings,
            "rating_values": self.rating_values,
            "ratings_per_month": self.ratings_per_month,
            "long_tail": self.long_tail,
            "ratings_per_user": self.ratings_per_user_summary,
            "ratings_per_movie": self.ratings_per_movie_summary,
            "most_rated_movies": self.most_rated_movies,
            "genres": self.genres,
            "decades": self.decades,
            "age_bands": self.age_bands,
            "genders": self.genders,
            "occupations": self.occupations,
            "zip_regions": self.zip_regions,
            "tagging": self.tagging,
            "top_tags": self.top_tags,
            "genome": self.genome,
            "per_release": self.per_release,
        }

    def to_json(self) -> dict[str, Any]:
        """The machine-readable document: headline counts at the top level, then
        ``releases``, ``fingerprint``, ``distributions``, ``combination`` and ``warnings``."""
        return {
            **self.counts,
            "releases": list(self.releases),
            "fingerprint": self.fingerprint,
            "distributions": self.distributions(),
            "combination": self.combination,
            "warnings": list(self.warnings),
        }

    def report(self) -> Report:
        """An HTML report of the description, with plots; write it with ``.write(directory)``."""
        return _build_report(self)


def describe(dataset: Dataset, combine_summary: CombineSummary | None = None) -> DatasetDescription:
    """Describe ``dataset`` (and, for several releases, how they were combined)."""
    per_user = np.bincount(dataset.user_vocab.index(dataset.ratings["user_id"].to_numpy()),
                           minlength=dataset.n_users)
    movie_rows = dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy())
    per_movie = np.bincount(movie_rows, minlength=dataset.n_movies)
    rating_sums = np.bincount(movie_rows, weights=dataset.ratings["rating"].to_numpy(np.float64),
                              minlength=dataset.n_movies)
    seconds, in_milliseconds = _rating_seconds(dataset.ratings["timestamp"])
    users = dataset.users
    return DatasetDescription(
        releases=dataset.releases,
        fingerprint=dataset.fingerprint,
        counts=dataset.counts(),
        ratings=_rating_overview(dataset, per_user, per_movie, seconds),
        rating_values=_rating_values(dataset.ratings["rating"]),
        ratings_per_month=_ratings_per_month(seconds),
        long_tail=_long_tail(per_movie),
        ratings_per_user_summary=_activity_summary(per_user),
        ratings_per_movie_summary=_activity_summary(per_movie),
        most_rated_movies=_most_rated_movies(dataset.movies, per_movie, rating_sums),
        genres=_genres(dataset.movies, per_movie),
        decades=_decades(dataset.movies["year"]),
        age_bands=_category_counts(users["age_band"], sort=False),
        genders=_category_counts(users["gender"], sort=False),
        occupations=_category_counts(users["occupation"], sort=True),
        zip_regions=zip_regions(users["zip"]),
        tagging=_tagging(dataset.tags),
        top_tags=_top_tags(dataset),
        genome=_genome_coverage(dataset, per_movie),
        per_release=_per_release(users, per_user),
        combination=None if combine_summary is None else _combination(combine_summary),
        warnings=(*dataset.warnings, MILLISECONDS_WARNING) if in_milliseconds else dataset.warnings,
        ratings_per_user=per_user,
        ratings_per_movie=per_movie,
    )


def zip_region(zip_code: object) -> str | None:
    """The named region of one postal code: US codes by their first digit (the same
    rule the demographic model uses), anything else (Canadian codes such as ``T8H1N``)
    is ``Canada/other``."""
    digit = user_features.zip_region(zip_code, 1)  # type: ignore[call-overload]
    if digit is None:
        return None
    return US_ZIP_REGIONS.get(digit, OTHER_ZIP_REGION)


def zip_regions(zips: pd.Series) -> dict[str, int]:
    """Users per ZIP region, regions in numeric order, then ``Canada/other``, then unknown."""
    distinct = zips.dropna().unique()
    region_of = dict(zip(distinct, map(zip_region, distinct), strict=True))
    counts = zips.dropna().map(region_of).value_counts()
    order = [*US_ZIP_REGIONS.values(), OTHER_ZIP_REGION]
    result = {region: int(counts[region]) for region in order if region in counts.index}
    return _with_unknown(result, len(zips) - sum(result.values()))


# --------------------------------------------------------------------- ratings
def _rating_seconds(timestamps: pd.Series) -> tuple[np.ndarray, bool]:
    """Rating times in seconds since 1970, and whether they had to be read as
    milliseconds (times no calendar in seconds could hold: see :data:`MILLISECONDS_FROM`)."""
    values = timestamps.to_numpy(np.int64)
    in_milliseconds = bool(values.size) and int(values.max()) >= MILLISECONDS_FROM
    return (values // 1000 if in_milliseconds else values), in_milliseconds


def _rating_overview(dataset: Dataset, per_user: np.ndarray, per_movie: np.ndarray,
                     seconds: np.ndarray) -> dict[str, Any]:
    ratings = dataset.ratings
    cells = dataset.n_users * dataset.n_movies
    overview: dict[str, Any] = {
        "mean": _rounded(ratings["rating"].mean()) if len(ratings) else None,
        "density": float(len(ratings) / cells) if cells else 0.0,
        "users_without_ratings": int((per_user == 0).sum()),
        "movies_without_ratings": int((per_movie == 0).sum()),
        "first": None,
        "last": None,
    }
    if len(ratings):
        overview["first"] = _date(int(seconds.min()))
        overview["last"] = _date(int(seconds.max()))
    return overview


def _ratings_per_month(seconds: np.ndarray) -> dict[str, int]:
    """Ratings in each calendar month (UTC) from the first rating's to the last's, months
    without ratings included; empty beyond :data:`MAX_MONTHS`."""
    if seconds.size == 0:
        return {}
    months = seconds.astype("datetime64[s]").astype("datetime64[M]")
    first = months.min()
    offsets = (months - first).astype(np.int64)
    if offsets.max() >= MAX_MONTHS:
        return {}
    counts = np.bincount(offsets)
    return {str(first + i): int(n) for i, n in enumerate(counts)}


def _long_tail(per_movie: np.ndarray) -> dict[str, float]:
    """The share of all ratings on the most rated :data:`TOP_SHARES` of the movies (at
    least one movie each), keyed ``"10%"``."""
    total = int(per_movie.sum())
    if not total:
        return {}
    cumulative = np.cumsum(np.sort(per_movie)[::-1])
    return {f"{share:.0%}": _rounded(cumulative[max(1, round(share * per_movie.size)) - 1] / total)
            for share in TOP_SHARES}


def _rating_values(values: pd.Series) -> dict[str, int]:
    counts = values.value_counts().sort_index()
    return {f"{float(value):g}": int(n) for value, n in counts.items()}


def _activity_summary(counts: np.ndarray) -> dict[str, float]:
    """Min, quantiles, max and mean of ratings per user (or per movie)."""
    if counts.size == 0:
        return {}
    quantiles = np.quantile(counts, list(QUANTILES.values()))
    return {
        "min": int(counts.min()),
        **{name: _rounded(q) for name, q in zip(QUANTILES, quantiles, strict=True)},
        "max": int(counts.max()),
        "mean": _rounded(counts.mean()),
    }


def _most_rated_movies(movies: pd.DataFrame, per_movie: np.ndarray, rating_sums: np.ndarray) -> list[dict[str, Any]]:
    top = np.argsort(-per_movie, kind="stable")[:TOP_MOVIES]
    top = top[per_movie[top] > 0]
    return [
        {
            "movie_id": int(movies["movie_id"].iat[i]),
            "title": display_title(movies["title"].iat[i], movies["year"].iat[i]),
            "ratings": int(per_movie[i]),
            "mean_rating": _rounded(rating_sums[i] / per_movie[i]),
        }
        for i in top
    ]


def display_title(title: str, year: object) -> str:
    """``The Matrix (1999)``: how a person recognises a movie."""
    return f"{title} ({year})" if not pd.isna(year) else str(title)


# ---------------------------------------------------------------------- movies
def _genres(movies: pd.DataFrame, per_movie: np.ndarray) -> dict[str, dict[str, int]]:
    """Movies and ratings per genre (a movie counts once in each of its genres)."""
    genre_lists = [g if len(g) else [NO_GENRE] for g in movies["genres"]]
    exploded = pd.DataFrame({"genre": genre_lists, "ratings": per_movie}).explode("genre")
    table = exploded.groupby("genre")["ratings"].agg(movies="size", ratings="sum").reset_index()
    table = table.sort_values(["movies", "ratings", "genre"], ascending=[False, False, True])
    return {str(row.genre): {"movies": int(row.movies), "ratings": int(row.ratings)}
            for row in table.itertuples(index=False)}


def _decades(years: pd.Series) -> dict[str, int]:
    decades = (years.dropna().astype(int) // 10 * 10).value_counts().sort_index()
    result = {f"{decade}s": int(n) for decade, n in decades.items()}
    return _with_unknown(result, int(years.isna().sum()))


# ----------------------------------------------------------------------- users
def _category_counts(values: pd.Series, *, sort: bool) -> dict[str, int]:
    """Counts per category (categorical order, or most frequent first), unknown last.

    Categories nobody is in are left out, except on an ordered scale such as age bands,
    where a gap is itself information.
    """
    counts = values.value_counts(sort=False, dropna=True)
    if sort:
        counts = counts.sort_values(ascending=False, kind="stable")
    ordered = isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered
    result = {str(k): int(n) for k, n in counts.items() if n > 0 or ordered}
    if not any(result.values()):
        result = {}
    return _with_unknown(result, int(values.isna().sum()))


def _per_release(users: pd.DataFrame, per_user: np.ndarray) -> list[dict[str, Any]]:
    """Users, demographics and ratings of each release, side by side."""
    frame = pd.DataFrame({
        "release": users["release"].astype(str).to_numpy(),
        "with_demographics": users[list(DEMOGRAPHIC_COLUMNS)].notna().any(axis=1).to_numpy(),
        "ratings": per_user,
    })
    grouped = frame.groupby("release", sort=True).agg(
        users=("ratings", "size"), users_with_demographics=("with_demographics", "sum"),
        ratings=("ratings", "sum"), median_ratings_per_user=("ratings", "median"))
    return [
        {"release": release or UNKNOWN, "users": int(row["users"]),
         "users_with_demographics": int(row["users_with_demographics"]), "ratings": int(row["ratings"]),
         "median_ratings_per_user": _rounded(row["median_ratings_per_user"])}
        for release, row in grouped.iterrows()
    ]


# ------------------------------------------------------------------------ tags
def _tagging(tags: pd.DataFrame) -> dict[str, int]:
    return {
        "applications": int(len(tags)),
        "distinct_tags": int(tags["tag"].astype(str).str.strip().str.lower().nunique()) if len(tags) else 0,
        "tagged_movies": int(tags["movie_id"].nunique()),
        "taggers": int(tags["user_id"].nunique()),
    }


def _top_tags(dataset: Dataset) -> dict[str, int]:
    """The most applied tags, spelled as :meth:`Dataset.movie_tag_counts` normalises them."""
    per_tag = dataset.movie_tag_counts().groupby("tag")["count"].sum()
    top = per_tag.sort_values(ascending=False, kind="stable").head(TOP_TAGS)
    return {str(tag): int(n) for tag, n in top.items()}


def _genome_coverage(dataset: Dataset, per_movie: np.ndarray) -> dict[str, Any] | None:
    genome = dataset.genome
    if genome is None:
        return None
    covered = dataset.movie_vocab.contains(genome.movie_ids)
    rows = dataset.movie_vocab.index(genome.movie_ids[covered])
    total_ratings = int(per_movie.sum())
    return {
        "movies": int(genome.movie_ids.size),
        "tags": len(genome.tags),
        "catalogue_share": _rounded(covered.sum() / dataset.n_movies) if dataset.n_movies else 0.0,
        "rating_share": _rounded(per_movie[rows].sum() / total_ratings) if total_ratings else 0.0,
    }


# ------------------------------------------------------------------ combining
def _combination(summary: CombineSummary) -> dict[str, Any]:
    """How the releases were joined, as JSON data: catalogue overlap, titles the
    releases disagree on (the kept one first) and the user id range of each release."""
    return {
        "releases": list(summary.releases),
        "matched_movies": int(summary.matched_movies),
        "only_in": {label: int(n) for label, n in summary.only_in.items()},
        "title_disagreements": [{"movie_id": int(movie_id), "kept": kept, "other": other}
                                for movie_id, kept, other in summary.title_disagreements],
        "user_ids": {label: {"first": int(first), "last": int(last)}
                     for label, (first, last) in summary.user_ids.items()},
    }


# --------------------------------------------------------------------- helpers
def _with_unknown(counts: dict[str, int], unknown: int) -> dict[str, int]:
    return {**counts, UNKNOWN: unknown} if unknown else counts


def _rounded(value: float) -> float:
    return round(float(value), 4)


def _date(seconds: int) -> str:
    """The UTC date of a time in seconds since 1970, or :data:`OUT_OF_RANGE`."""
    try:
        return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return OUT_OF_RANGE


# ---------------------------------------------------------------------- report
def _build_report(d: DatasetDescription) -> Report:
    period = f"ratings from {d.ratings['first']} to {d.ratings['last']}" if d.ratings["first"] else "no ratings"
    report = Report(f"MovieLens data: {d.name}", subtitle=f"Fingerprint {d.fingerprint} · {period}")
    _overview_section(report, d)
    _ratings_section(report, d)
    _movies_section(report, d)
    _users_section(report, d)
    _tags_section(report, d)
    if len(d.per_release) > 1 or d.combination is not None:
        _releases_section(report, d)
    return report


def _overview_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Overview")
    report.add_key_values({
        "users": d.counts["users"],
        "movies": d.counts["movies"],
        "ratings": d.counts["ratings"],
        "tag applications": d.counts["tags"],
        "users with demographics": d.counts["users_with_demographics"],
        "movies in the tag genome": d.counts["genome_movies"],
        "mean rating": d.ratings["mean"],
        "user–movie pairs rated": f"{d.ratings['density']:.2%}",
    })
    if d.warnings:
        report.add_paragraph("Problems met while reading, resolved as described:")
        report.add_table([[w] for w in d.warnings], columns=["what was found"])


def _ratings_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Ratings")
    report.add_figure(plots.bar_chart(list(d.rating_values), list(d.rating_values.values()),
                                      title="Rating values", value_label="ratings", category_label="stars",
                                      horizontal=False),
                      caption="How often each rating value was given.",
                      alt="Bar chart of the number of ratings per rating value.")
    _over_time(report, d)
    stats = list(d.ratings_per_user_summary)
    report.add_table(
        [[STATISTIC_NAMES.get(s, s), d.ratings_per_user_summary[s], d.ratings_per_movie_summary.get(s)]
         for s in stats],
        caption="Ratings per user and per movie (movies without ratings included).",
        columns=["", "per user", "per movie"],
    )
    report.add_figure(plots.log_histogram(d.ratings_per_movie, title="Ratings per movie",
                                          value_label="ratings of a movie", count_label="movies"),
                      caption="The long tail: a few movies collect most ratings, most movies get few."
                              + _not_shown(d.ratings["movies_without_ratings"], "movies"),
                      alt="Histogram on log-log axes of the number of ratings per movie.")
    _long_tail_figure(report, d)
    report.add_figure(plots.log_histogram(d.ratings_per_user, title="Ratings per user",
                                          value_label="ratings by a user", count_label="users"),
                      caption="How active users are: many rate a few dozen movies, a few rate hundreds."
                              + _not_shown(d.ratings["users_without_ratings"], "users"),
                      alt="Histogram on log-log axes of the number of ratings per user.")
    if d.most_rated_movies:
        report.add_heading("Most rated movies", level=3)
        report.add_table([{"movie": m["title"], "ratings": m["ratings"], "mean rating": m["mean_rating"]}
                          for m in d.most_rated_movies])


def _over_time(report: Report, d: DatasetDescription) -> None:
    """Ratings per month, or why they are not charted."""
    if d.ratings_per_month:
        months = np.array(list(d.ratings_per_month), dtype="datetime64[M]")
        report.add_figure(plots.area_over_time(months, list(d.ratings_per_month.values()), title="Ratings per month",
                                               value_label="ratings"),
                          caption=f"How many ratings were given each month, from {d.ratings['first']} to "
                                  f"{d.ratings['last']}.",
                          alt="Area chart of the number of ratings given each month.")
    elif d.counts["ratings"]:
        report.add_paragraph(f"The rating times run from {d.ratings['first']} to {d.ratings['last']}, more than "
                             f"{MAX_MONTHS // 12} years: too long a span to chart by month.")


def _long_tail_figure(report: Report, d: DatasetDescription) -> None:
    """The Lorenz-style curve of ratings over movies, with the shares in a sentence."""
    if not d.long_tail:
        return
    top, bottom = d.long_tail["10%"], 1 - d.long_tail["50%"]
    sentence = (f"The top 10% of movies get {top:.0%} of the ratings, the top 1% alone {d.long_tail['1%']:.0%}; "
                f"the less rated half of the catalogue gets {bottom:.0%}.")
    report.add_figure(plots.concentration_curve(d.ratings_per_movie, title="How concentrated the ratings are",
                                                who="movies", what="ratings", marked=(0.1, top)),
                      caption=sentence + " The dotted diagonal is what equal shares would look like.",
                      alt=sentence)


def _not_shown(count: int, what: str) -> str:
    return f" {_counted(count, what)} without ratings cannot be shown on a log scale." if count else ""


def _counted(count: int, what: str) -> str:
    """``"1 movie"``, ``"2 movies"``: ``what`` is the plural."""
    return f"{count:,} {what.removesuffix('s') if count == 1 else what}"


def _movies_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Movies")
    genres = list(d.genres)
    report.add_figure(plots.bar_chart(genres, [d.genres[g]["movies"] for g in genres], title="Movies per genre",
                                      value_label="movies", horizontal=True),
                      caption="A movie counts once in each of its genres.",
                      alt="Horizontal bar chart of the number of movies in each genre.")
    report.add_table([{"genre": g, "movies": c["movies"], "ratings": c["ratings"]} for g, c in d.genres.items()],
                     caption="Movies and ratings per genre.")
    _add_category_figure(report, d.decades, title="Movies per decade", what="movies", label="release decade",
                         horizontal=False)


def _add_category_figure(report: Report, counts: Mapping[str, int], *, title: str, what: str, label: str,
                         horizontal: bool) -> None:
    """A bar per category; the unknown are left out of the bars (they would dwarf the rest
    when one of several releases lacks the attribute) and counted in the caption."""
    known = {category: n for category, n in counts.items() if category != UNKNOWN}
    caption = f"{what.capitalize()} per {label}."
    if unknown := counts.get(UNKNOWN, 0):
        caption += f" Not shown: {_counted(unknown, what)} with no known {label}."
    report.add_figure(plots.bar_chart(list(known), list(known.values()), title=title, value_label=what,
                                      category_label=None if horizontal else label, horizontal=horizontal),
                      caption=caption, alt=f"Bar chart of the number of {what} per {label}.")


def _users_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Users")
    if not d.has_demographics:
        report.add_paragraph(f"{d.name} does not describe its users (no age, gender, occupation or zip code); "
                             "only ml-100k and ml-1m do.")
        return
    genders = {GENDER_NAMES.get(g, g): n for g, n in d.genders.items()}
    for title, counts, label, horizontal in (
        ("Age", d.age_bands, "age band", False),
        ("Gender", genders, "gender", False),
        ("Occupation", d.occupations, "occupation", True),
        ("Zip code region", d.zip_regions, "zip code region", True),
    ):
        _add_category_figure(report, counts, title=title, what="users", label=label, horizontal=horizontal)


def _tags_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Tags")
    if not d.counts["tags"] and d.genome is None:
        report.add_paragraph(f"{d.name} has no tags.")
        return
    report.add_key_values({"tag applications": d.tagging["applications"], "distinct tags": d.tagging["distinct_tags"],
                           "tagged movies": d.tagging["tagged_movies"], "taggers": d.tagging["taggers"]})
    if d.top_tags:
        report.add_figure(plots.bar_chart(list(d.top_tags), list(d.top_tags.values()),
                                          title=f"Top {len(d.top_tags)} tags", value_label="applications",
                                          horizontal=True),
                          caption="Tags as people typed them, lower-cased and trimmed.",
                          alt="Horizontal bar chart of the most applied tags.")
    if d.genome is not None:
        report.add_heading("Tag genome", level=3)
        report.add_key_values({"movies": d.genome["movies"], "genome tags": d.genome["tags"],
                               "of the catalogue": f"{d.genome['catalogue_share']:.1%}",
                               "of the ratings": f"{d.genome['rating_share']:.1%}"})


def _releases_section(report: Report, d: DatasetDescription) -> None:
    report.add_heading("Releases combined")
    if d.combination is not None:
        report.add_paragraph("Movies are matched by their MovieLens id, the same movie in every release. "
                             "Users are never shared between releases, so each keeps its own.")
        report.add_key_values(d.combination_overview())
    report.add_table([{k.replace("_", " "): v for k, v in row.items()} for row in d.per_release],
                     caption="The users of each release, side by side.")
    if d.combination is not None and d.combination["title_disagreements"]:
        disagreements = d.combination["title_disagreements"]
        shown = disagreements[:LISTED_DISAGREEMENTS]
        more = f" (the first {len(shown):,} of {len(disagreements):,})" if len(disagreements) > len(shown) else ""
        report.add_table([{"movie id": row["movie_id"], "title kept": row["kept"], "other title": row["other"]}
                          for row in shown],
                         caption=f"Movies the releases title differently{more}; the first title is used.")
