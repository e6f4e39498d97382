"""Several MovieLens releases as one dataset.

Movie ids are MovieLens database ids, the same movie in every release, so catalogues
are joined by id. User ids are per release (user 1 of ml-1m is not user 1 of ml-25m),
so users stay distinct: each release's ids are shifted past the previous release's,
and ``release`` / ``release_user_id`` say where each user came from. The classic
pairing is ml-1m (demographics) with ml-25m (tags, genome, recent movies).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.data.formats.csv_release import RELEASE_NAMES as CSV_RELEASE_NAMES
from cinerec.errors import DataError

#: How many title disagreements :meth:`CombineSummary.lines` lists before summarising.
LISTED_DISAGREEMENTS = 10


@dataclass(frozen=True)
class CombineSummary:
    """What combining found: how the catalogues overlap and where users ended up.

    ``title_disagreements`` holds ``(movie_id, kept title, other title)`` for shared ids
    whose titles differ beyond spelling (titles with years); ``user_ids`` maps each
    release to the first and last combined user id given to its users.
    """

    releases: tuple[str, ...]
    matched_movies: int
    only_in: dict[str, int]
    title_disagreements: list[tuple[int, str, str]]
    user_ids: dict[str, tuple[int, int]]

    def lines(self) -> list[str]:
        """A short human summary, one sentence per line."""
        lines = [f"Combined {' + '.join(self.releases)}: {self.matched_movies:,} movies matched by MovieLens id.",
                 "Only in " + "; only in ".join(f"{label}: {count:,} movies" for label, count in self.only_in.items())
                 + "."]
        ranges = [f"{label} users are {first:,}–{last:,}" for label, (first, last) in self.user_ids.items()
                  if last >= first]
        lines.append("Users stay separate: " + ", ".join(ranges) + ".")
        if self.title_disagreements:
            lines.append(f"{len(self.title_disagreements):,} shared movies are titled differently "
                         "(the first title is kept):")
            lines += [f"  #{movie_id}: {kept} / {other}"
                      for movie_id, kept, other in self.title_disagreements[:LISTED_DISAGREEMENTS]]
            if len(self.title_disagreements) > LISTED_DISAGREEMENTS:
                lines.append(f"  … and {len(self.title_disagreements) - LISTED_DISAGREEMENTS:,} more")
        return lines


def combine(datasets: Sequence[Dataset]) -> tuple[Dataset, CombineSummary]:
    """Join ``datasets`` into one: movies by id, users kept apart, ratings and tags remapped.

    For a movie in several releases, the title, year and genres of the preferred
    release win: a CSV release over the older formats, then the larger catalogue. The
    alternates of all releases are kept, plus the other releases' titles when they
    differ, so a search for either spelling finds the movie. The genome comes from the
    preferred release that has one.
    """
    if not datasets:
        raise DataError("nothing to combine")
    labels = _labels(datasets)
    preference = _preference_order(datasets)
    movies, summary_movies = _combined_movies(datasets, labels, preference)
    offsets = _user_offsets(datasets)
    users = pd.concat([dataset.users.assign(user_id=dataset.users["user_id"] + offset,
                                            release=dataset.users["release"].astype(str))
                       for dataset, offset in zip(datasets, offsets)], ignore_index=True)
    ratings = pd.concat([_shift_users(dataset.ratings, offset) for dataset, offset in zip(datasets, offsets)],
                        ignore_index=True)
    tags = pd.concat([_shift_users(dataset.tags, offset) for dataset, offset in zip(datasets, offsets)],
                     ignore_index=True)
    genome = next((datasets[k].genome for k in preference if datasets[k].genome is not None), None)
    warnings = tuple(warning if len(dataset.releases) != 1 else f"{dataset.releases[0]}: {warning}"
                     for dataset in datasets for warning in dataset.warnings)
    releases = tuple(release for dataset in datasets for release in dataset.releases)
    combined = Dataset.from_frames(movies, users, ratings, tags, genome=genome, releases=releases, warnings=warnings)
    user_ids = {label: (offset + 1, offset + _max_user_id(dataset))
                for label, dataset, offset in zip(labels, datasets, offsets)}
    return combined, CombineSummary(releases=tuple(labels), user_ids=user_ids, **summary_movies)


def _labels(datasets: Sequence[Dataset]) -> list[str]:
    """One name per dataset ("ml-1m", or "ml-1m+ml-25m" for an already combined one)."""
    labels = ["+".join(dataset.releases) or f"dataset {number}" for number, dataset in enumerate(datasets, 1)]
    seen: set[str] = set()
    for dataset in datasets:
        for release in dataset.releases:
            if release in seen:
                raise DataError(f"{release} is given twice; combining it with itself would count its users twice")
            seen.add(release)
    return labels


def _preference_order(datasets: Sequence[Dataset]) -> list[int]:
    """Dataset indices, most preferred first: CSV releases, then larger catalogues."""
    def key(index: int) -> tuple[bool, int, int]:
        dataset = datasets[index]
        is_csv = any(release in CSV_RELEASE_NAMES or release == "csv" for release in dataset.releases)
        return (is_csv, dataset.n_movies, -index)
    return sorted(range(len(datasets)), key=key, reverse=True)


def _combined_movies(datasets: Sequence[Dataset], labels: Sequence[str],
                     preference: Sequence[int]) -> tuple[pd.DataFrame, dict[str, object]]:
    """The union catalogue and the overlap figures of the summary."""
    rank = {index: position for position, index in enumerate(preference)}
    stacked = pd.concat([dataset.movies.assign(_rank=rank[index], _source=index)
                         for index, dataset in enumerate(datasets)], ignore_index=True)
    stacked = stacked.sort_values(["movie_id", "_rank"], kind="stable", ignore_index=True)
    winners = stacked.drop_duplicates("movie_id", keep="first").reset_index(drop=True)
    kept = dict(zip(winners["movie_id"].tolist(), zip(winners["title"].tolist(), winners["year"].tolist())))
    alternates: dict[int, list[str]] = {movie_id: [] for movie_id in kept}
    disagreements: list[tuple[int, str, str]] = []
    is_winner = ~stacked["movie_id"].duplicated(keep="first").to_numpy()
    for row, (movie_id, title, year, alt_titles) in enumerate(
            zip(stacked["movie_id"].tolist(), stacked["title"].tolist(), stacked["year"].tolist(),
                stacked["alt_titles"].tolist())):
        kept_title, kept_year = kept[movie_id]
        names = list(alt_titles) if is_winner[row] else [title, *alt_titles]
        alternates[movie_id] += [name for name in names if name != kept_title and name not in alternates[movie_id]]
        if not is_winner[row] and _comparable(title, year) != _comparable(kept_title, kept_year):
            disagreements.append((movie_id, _with_year(kept_title, kept_year), _with_year(title, year)))
    winners["alt_titles"] = [alternates[movie_id] for movie_id in winners["movie_id"].tolist()]
    releases_per_movie = stacked.groupby("movie_id")["_source"].transform("size").to_numpy()
    single = stacked[releases_per_movie == 1]
    only_in = {label: int((single["_source"] == index).sum()) for index, label in enumerate(labels)}
    summary = {"matched_movies": int(len(winners) - len(single)), "only_in": only_in,
               "title_disagreements": disagreements}
    return winners.drop(columns=["_rank", "_source"]), summary


def _comparable(title: str, year: object) -> tuple[str, object]:
    """A title reduced to what matters for "is this the same name": letters and digits,
    case and accents ignored, with the year."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.split()), None if pd.isna(year) else int(year)


def _with_year(title: str, year: object) -> str:
    return title if pd.isna(year) else f"{title} ({int(year)})"


def _user_offsets(datasets: Sequence[Dataset]) -> list[int]:
    """Per dataset, the number added to its user ids: past every earlier dataset's ids."""
    offsets, next_offset = [], 0
    for dataset in datasets:
        offsets.append(next_offset)
        next_offset += _max_user_id(dataset)
    if next_offset > np.iinfo(np.int32).max:
        raise DataError("too many users to combine into 32-bit user ids")
    return offsets


def _max_user_id(dataset: Dataset) -> int:
    return int(dataset.users["user_id"].max()) if dataset.n_users else 0


def _shift_users(table: pd.DataFrame, offset: int) -> pd.DataFrame:
    return table.assign(user_id=table["user_id"].to_numpy(np.int64) + offset)
