"""Several MovieLens releases as one dataset.

Movie ids are MovieLens database ids, the same movie in every release, so catalogues
are joined by id — except ml-100k's (and RecBole's copy of it): its ids are its own
numbering (id 2 is GoldenEye there, Jumanji in every later release). Such a release is
matched onto the others by title and year instead (display and alternate titles;
case, accents, punctuation, articles and numbers in words or digits do not matter),
its unmatched movies get new ids far above every MovieLens id, and its ratings follow.
Two releases joined by id whose shared ids mostly name different films are refused: a
release renamed, or data that is not MovieLens', would otherwise be joined silently.

User ids are per release (user 1 of ml-1m is not user 1 of ml-25m), so users stay
distinct: each release's ids are shifted past the previous release's, and ``release``
/ ``release_user_id`` say where each user came from. The classic pairing is ml-1m
(demographics) with ml-25m (tags, genome, recent movies).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cinerec.catalogue import fold_numbers, normalise_title
from cinerec.data.dataset import Dataset, Genome
from cinerec.data.formats.csv_release import RELEASE_NAMES as CSV_RELEASE_NAMES
from cinerec.data.formats.tables import counted, latest_per_pair, mapped_ids
from cinerec.data.titles import ARTICLES
from cinerec.errors import DataError

#: How many title disagreements :meth:`CombineSummary.lines` lists before summarising.
LISTED_DISAGREEMENTS = 10
#: Releases whose movie ids are their own numbering, not MovieLens database ids: ml-100k,
#: and the "recbole" format, which cinerec reads as RecBole's copy of ml-100k.
OWN_ID_RELEASES = frozenset({"ml-100k", "recbole"})
#: The first id given to a movie of such a release that no other release has: far above
#: every MovieLens id (ml-32m's largest is below 300,000), so that combining the result
#: again with a later release by id cannot join it to another film.
FIRST_NEW_ID = 1_000_001
#: Where a subtitle starts: "Star Wars: Episode IV - A New Hope".
_SUBTITLE = re.compile(r"\s*:\s*|\s+[-\u2013\u2014]+\s+")
#: Articles a title may start or end with, as :func:`normalise_title` leaves them.
_ARTICLE_WORDS = frozenset(normalise_title(article) for article in ARTICLES)


@dataclass(frozen=True)
class TitleMatching:
    """How a release with its own movie ids was matched onto the others: how many of its
    movies were found by title and year, and the new ids (first, last) of the others."""

    matched: int
    unmatched: int
    new_ids: tuple[int, int] = (0, -1)


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
    #: The releases with their own movie ids, matched by title and year (label → how).
    matched_by_title: dict[str, TitleMatching] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short human summary, one sentence per line."""
        how = "across releases" if self.matched_by_title else "by MovieLens id"
        lines = [f"Combined {' + '.join(self.releases)}: {counted(self.matched_movies, 'movie')} matched {how}."]
        for label, matching in self.matched_by_title.items():
            line = (f"{label} numbers its movies its own way, so they were matched by title and year: "
                    f"{matching.matched:,} of {matching.matched + matching.unmatched:,} matched")
            first, last = matching.new_ids
            if matching.unmatched:
                line += f", {matching.unmatched:,} unmatched got new ids {first:,}–{last:,}"
            lines.append(line + ".")
        lines.append("Only in " + "; only in ".join(f"{label}: {counted(count, 'movie')}"
                                                   for label, count in self.only_in.items()) + ".")
        ranges = [f"{label} users are {first:,}–{last:,}" for label, (first, last) in self.user_ids.items()
                  if last >= first]
        lines.append("Users stay separate: " + ", ".join(ranges) + ".")
        if self.title_disagreements:
            lines.append(f"{counted(len(self.title_disagreements), 'shared movie')} "
                         f"{'is' if len(self.title_disagreements) == 1 else 'are'} titled differently "
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

    A release whose ids are its own (:data:`OWN_ID_RELEASES`) is first matched onto the
    others by title and year (see :func:`_match_by_title`). Releases joined by id are
    refused with a :class:`DataError` when more than half of the ids they share name
    different films.
    """
    if not datasets:
        raise DataError("nothing to combine")
    labels = _labels(datasets)
    own = [index for index, dataset in enumerate(datasets) if _has_own_ids(dataset)]
    by_id = [index for index in range(len(datasets)) if index not in own] or [own.pop(0)]
    _refuse_different_catalogues(datasets, labels, by_id)
    datasets, matched_by_title = _match_by_title(datasets, labels, by_id, own)
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
    return combined, CombineSummary(releases=tuple(labels), user_ids=user_ids, matched_by_title=matched_by_title,
                                    **summary_movies)


def _has_own_ids(dataset: Dataset) -> bool:
    """Whether every release in ``dataset`` numbers movies its own way (a combination
    that includes ml-100k has already been put in MovieLens ids)."""
    return bool(dataset.releases) and all(release in OWN_ID_RELEASES for release in dataset.releases)


def _refuse_different_catalogues(datasets: Sequence[Dataset], labels: Sequence[str], by_id: Sequence[int]) -> None:
    """Raise when two releases to be joined by id name different films under most of the
    ids they share (titles compared as :func:`_comparable` does: spelling aside, with the year)."""
    comparable: dict[int, dict[int, tuple[str, object]]] = {}
    for position, first in enumerate(by_id):
        for second in by_id[position + 1:]:
            shared = np.intersect1d(datasets[first].movies["movie_id"].to_numpy(),
                                    datasets[second].movies["movie_id"].to_numpy())
            if shared.size == 0:
                continue
            names = [comparable.setdefault(index, _comparable_titles(datasets[index])) for index in (first, second)]
            different = sum(names[0][movie_id] != names[1][movie_id] for movie_id in shared.tolist())
            if 2 * different > shared.size:
                raise DataError(f"{labels[first]} and {labels[second]} share {shared.size:,} movie ids but "
                                f"{different:,} of them name different films: their ids are not the same catalogue")


def _comparable_titles(dataset: Dataset) -> dict[int, tuple[str, object]]:
    movies = dataset.movies
    return {movie_id: _comparable(title, year) for movie_id, title, year in
            zip(movies["movie_id"].tolist(), movies["title"].tolist(), movies["year"].tolist())}


def _match_by_title(datasets: Sequence[Dataset], labels: Sequence[str], by_id: Sequence[int],
                    own: Sequence[int]) -> tuple[list[Dataset], dict[str, TitleMatching]]:
    """The datasets, those of ``own`` renumbered onto the movie ids of those of ``by_id``
    (see :class:`_TitleIndex` for what matches); unmatched movies get new ids from
    :data:`FIRST_NEW_ID` (or past every id in use)."""
    if not own:
        return list(datasets), {}
    index = _TitleIndex([datasets[position].movies for position in by_id])
    next_id = max(FIRST_NEW_ID, 1 + max(int(dataset.movies["movie_id"].max()) if dataset.n_movies else 0
                                        for dataset in datasets))
    renumbered = list(datasets)
    matchings: dict[str, TitleMatching] = {}
    for position in own:
        movies = datasets[position].movies
        new_ids, matched = [], 0
        for title, alternates, year in zip(movies["title"].tolist(), movies["alt_titles"].tolist(),
                                           movies["year"].tolist()):
            found = None if pd.isna(year) else index.find([title, *alternates], int(year))
            matched += found is not None
            if found is None:
                found, next_id = next_id, next_id + 1
            new_ids.append(found)
        unmatched = len(new_ids) - matched
        matchings[labels[position]] = TitleMatching(matched, unmatched, (next_id - unmatched, next_id - 1))
        renumbered[position] = _renumbered(datasets[position], movies["movie_id"].to_numpy(), np.asarray(new_ids))
    return renumbered, matchings


class _TitleIndex:
    """The movies of the releases joined by id, findable by title and year.

    :meth:`find` tries, in order: any display or alternate title of the movie against
    any of theirs (as :func:`_title_key` reduces them) in the same year, then a year
    before or after (the lowest id when several movies qualify); then, only where one
    movie qualifies and in the same year, the part of a title before or after its
    subtitle against a title or its parts ("Star Wars" and "Star Wars: Episode IV - A
    New Hope", "Children of the Corn: The Gathering" and "Children of the Corn IV: The
    Gathering"); and last whole titles with spaces ignored ("Alien 3" and "Alien³").
    """

    def __init__(self, catalogues: Sequence[pd.DataFrame]):
        self.whole: dict[tuple[str, int], int] = {}
        self.parts: dict[tuple[str, int], set[int]] = {}
        self.compact: dict[tuple[str, int], set[int]] = {}
        for movies in catalogues:
            for movie_id, title, alternates, year in zip(movies["movie_id"].tolist(), movies["title"].tolist(),
                                                         movies["alt_titles"].tolist(), movies["year"].tolist()):
                if pd.isna(year):
                    continue
                names = [title, *alternates]
                for key in _keys(names):
                    self.whole[(key, int(year))] = min(self.whole.get((key, int(year)), movie_id), movie_id)
                    self.compact.setdefault((key.replace(" ", ""), int(year)), set()).add(movie_id)
                for key in _subtitle_keys(names):
                    self.parts.setdefault((key, int(year)), set()).add(movie_id)

    def find(self, names: Sequence[str], year: int) -> int | None:
        """The id of the movie called one of ``names`` in ``year``, or None."""
        keys = _keys(names)
        for candidate_year in (year, year - 1, year + 1):
            found = [self.whole[(key, candidate_year)] for key in keys if (key, candidate_year) in self.whole]
            if found:
                return found[0]
        parts = _subtitle_keys(names)
        by_part = set().union(*(self.parts.get((key, year), set()) for key in [*keys, *parts]),
                              *({self.whole[(key, year)]} if (key, year) in self.whole else set() for key in parts))
        if len(by_part) == 1:
            return by_part.pop()
        compact = set().union(*(self.compact.get((key.replace(" ", ""), year), set()) for key in keys))
        return compact.pop() if len(compact) == 1 else None


def _keys(names: Sequence[str]) -> list[str]:
    """The distinct title keys of ``names``, in order."""
    return [key for key in dict.fromkeys(map(_title_key, names)) if key]


def _subtitle_keys(names: Sequence[str]) -> list[str]:
    """Title keys of what comes before the first and after the last subtitle separator of ``names``."""
    parts = []
    for name in names:
        separators = list(_SUBTITLE.finditer(name))
        if separators:
            parts += [name[:separators[0].start()], name[separators[-1].end():]]
    return [key for key in _keys(parts) if len(key) > 1]


def _title_key(title: str) -> str:
    """What two spellings of one title share: :func:`~cinerec.catalogue.normalise_title`
    (case, accents, punctuation), numbers in digits, and no leading or trailing article
    ("The Matrix", "Matrix, The" and "matrix" are one key)."""
    words = fold_numbers(normalise_title(title)).split()
    if len(words) > 1 and words[0] in _ARTICLE_WORDS:
        words = words[1:]
    if len(words) > 1 and words[-1] in _ARTICLE_WORDS:
        words = words[:-1]
    return " ".join(words)


def _renumbered(dataset: Dataset, old_ids: np.ndarray, new_ids: np.ndarray) -> Dataset:
    """``dataset`` with movie ``old_ids[i]`` renamed ``new_ids[i]`` everywhere. Movies that
    land on one id become one (the first listed kept), and a person's ratings of them
    collapse to their latest, counted in a warning."""
    movies = dataset.movies.assign(movie_id=new_ids.astype(np.int32)).drop_duplicates("movie_id", keep="first")
    ratings = dataset.ratings.assign(movie_id=mapped_ids(dataset.ratings["movie_id"].to_numpy(), old_ids, new_ids))
    keep, collapsed = latest_per_pair(ratings["user_id"].to_numpy(), ratings["movie_id"].to_numpy(),
                                       ratings["timestamp"].to_numpy())
    warnings = list(dataset.warnings)
    if keep is not None:
        ratings = ratings.iloc[keep].reset_index(drop=True)
    if collapsed:
        warnings.append(f"{counted(collapsed, 'rating')} of movies matched to the same film by title "
                        "collapsed to each person's latest")
    tags = dataset.tags.assign(movie_id=mapped_ids(dataset.tags["movie_id"].to_numpy(), old_ids, new_ids))
    genome = dataset.genome
    if genome is not None:
        ids = mapped_ids(genome.movie_ids, old_ids, new_ids)
        order = np.unique(ids, return_index=True)[1]
        genome = Genome(ids[order].astype(np.int32), genome.tags, genome.relevance[order])
    return Dataset.from_frames(movies, dataset.users, ratings, tags, genome=genome, releases=dataset.releases,
                               warnings=tuple(warnings))


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
