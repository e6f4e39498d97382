"""Finding movies the way a person types them.

People write "the matrix", "Die Hard 1988", "shawshank redemtion" or "se7en"; the
releases write ``Matrix, The (1999)``, ``Seven (Se7en) (1995)``. :class:`Catalogue`
bridges the two for the command line (:meth:`Catalogue.resolve`: one title → one
movie, saying how sure it is) and for the web service's autocomplete
(:meth:`Catalogue.search`: a few typed letters → the movies they most likely start).

Every name of a movie — its display title and alternate titles (the readers have put
moved articles back in front: "The Matrix") and, for exact look-up only, its raw title
without the year ("matrix the") — is reduced to one *key* by :func:`normalise_title`
(accents, case and punctuation do not matter; a leading English article is optional),
also kept with its numbers in digits (:func:`fold_numbers`: "twelve monkeys" is "12
monkeys"), and the same reduction is applied to what a person types. Resolving tries,
in order: an exact key (filtered by a typed year; a title that is also the main title
of more-rated subtitled films, "lord of the rings", gives way to them, ambiguously),
titles that *start* with what was typed (whole words first), the same with misspelt
words corrected against the catalogue's words, rapidfuzz's ratio against every key,
and finally the exact title that what was typed starts with ("Star Wars: Episode IV"
finds "Star Wars"). All the work that depends on the catalogue is
done once when it is built, so that a query costs a dictionary look-up and two binary
searches in a sorted array of word-start keys; only a query that finds nothing that
way pays for a pass of rapidfuzz's C loop over the keys (~10 ms on 90k titles).

A catalogue is plain arrays (:meth:`Catalogue.to_arrays`), so a model directory can
store it as ``.npy`` without pickle and rebuild it with :meth:`Catalogue.from_arrays`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from cinerec.data.dataset import Dataset
from cinerec.errors import ModelError, QueryError

#: Names of the arrays :meth:`Catalogue.to_arrays` returns (and ``from_arrays`` needs).
ARRAY_NAMES: tuple[str, ...] = (
    "movie_ids", "titles", "years", "genres", "alt_titles", "raw_titles", "rating_counts",
)
#: Separator of the list-valued string arrays (``genres``, ``alt_titles``); MovieLens
#: uses it as a field separator, so no title contains it.
LIST_SEPARATOR = "|"
#: ``years`` value of a movie whose year is unknown.
UNKNOWN_YEAR = 0
#: How many other candidates an ambiguous title's note names.
AMBIGUOUS_LISTED = 5

#: A typo is accepted as the movie it resembles from this rapidfuzz ratio (0–100) on;
#: "die hrad" scores 87.5 against "die hard", "shawshank redemtion" 97.
ACCEPT_SCORE = 85.0
#: Below :data:`ACCEPT_SCORE` but from here on, a title is offered as "did you mean".
SUGGEST_SCORE = 60.0
#: Autocomplete falls back to titles this similar to what was typed.
SEARCH_FUZZY_SCORE = 70.0
#: A misspelt word is replaced by a catalogue word this similar ("shawshenk" → "shawshank": 89).
WORD_FIX_SCORE = 75.0
#: How many near matches an error message suggests.
MAX_SUGGESTIONS = 3
#: Word-start keys are compared on this many UTF-8 bytes; longer queries are checked in full.
PREFIX_BYTES = 32

#: Leading articles that do not matter when a person types a title ("Usual Suspects").
_LEADING_ARTICLES = ("the ", "a ", "an ")
#: Added to a word-start key's rating count when it starts the title, so title starts rank first.
_TITLE_START = 1 << 40
_YEAR = re.compile(r"^(18[89]\d|19\d\d|20\d\d)$")
_TYPED_YEAR = re.compile(r"^(?P<title>.*?\S)(?:\s*\(\s*(?P<paren>\d{4})\s*\)|\s+(?P<bare>\d{4}))\s*$")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: Where a subtitle starts: "Star Wars: Episode IV - A New Hope".
_SUBTITLE = re.compile(r"\s*:|\s+[-\u2013\u2014]+\s")


def normalise_title(text: str) -> str:
    """The key a title is compared by: ASCII-folded, lower case, words of letters and
    digits separated by single spaces ("Amélie!" → "amelie", "Ulee's Gold" → "ulees gold")."""
    if text.isascii():  # most titles: skip the per-character Unicode work
        folded = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    folded = folded.replace("&", " and ").replace("'", "").replace("\u2019", "")
    return _NOT_ALNUM.sub(" ", folded).strip()


_UNITS: dict[str, int] = {word: value for value, word in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"))}
_TENS: dict[str, int] = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                         "eighty": 80, "ninety": 90}
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TENS)


def fold_numbers(key: str) -> str:
    """A key (as :func:`normalise_title` makes them) with numbers written in words put in
    digits, so that "twelve monkeys" and "12 monkeys" are the same key: zero to nineteen,
    the tens, compounds ("twenty one" → 21) and hundreds ("one hundred and one
    dalmatians" → "101 dalmatians"). Only whole words change ("someone" stays)."""
    words = key.split()
    if _NUMBER_WORDS.isdisjoint(words):
        return key
    folded: list[str] = []
    position = 0
    while position < len(words):
        value, used = _number_at(words, position)
        folded.append(str(value) if used else words[position])
        position += used or 1
    return " ".join(folded)


def _number_at(words: list[str], start: int) -> tuple[int, int]:
    """The number spelt out by the words from ``start`` and how many words it takes (0: none)."""
    end, value = start, 0
    if words[end] in _UNITS and _UNITS[words[end]] and end + 1 < len(words) and words[end + 1] == "hundred":
        value, end = 100 * _UNITS[words[end]], end + 2
        if end + 1 < len(words) and words[end] == "and" and words[end + 1] in _NUMBER_WORDS:
            end += 1
    if end < len(words) and words[end] in _TENS:
        value, end = value + _TENS[words[end]], end + 1
        if end < len(words) and 0 < _UNITS.get(words[end], 0) < 10:
            value, end = value + _UNITS[words[end]], end + 1
    elif end < len(words) and words[end] in _UNITS:
        value, end = value + _UNITS[words[end]], end + 1
    return value, end - start


def _with_and_without_article(key: str) -> tuple[str, ...]:
    """A key, and the same key without a leading English article ("the matrix", "matrix")."""
    for article in _LEADING_ARTICLES:
        if key.startswith(article):
            return key, key[len(article):]
    return (key,)


def split_typed_year(text: str) -> tuple[str, int | None]:
    """``"Die Hard 1988"`` / ``"Die Hard (1988)"`` → ``("Die Hard", 1988)``; otherwise ``(text, None)``."""
    found = _TYPED_YEAR.match(text.strip())
    if found is None:
        return text.strip(), None
    year = found["paren"] or found["bare"]
    return (found["title"], int(year)) if _YEAR.match(year) else (text.strip(), None)


#: Where a movie's page is, by site, from its ids (MovieLens's own id, IMDb's, TMDB's).
LINK_PAGES: dict[str, str] = {"MovieLens": "https://movielens.org/movies/{movie_id}",
                              "IMDb": "https://www.imdb.com/title/tt{imdb_id:07d}/",
                              "TMDB": "https://www.themoviedb.org/movie/{tmdb_id}"}


def movie_links(movie_id: int, imdb_id: int | None, tmdb_id: int | None) -> dict[str, str]:
    """A movie's pages on MovieLens, IMDb and TMDB, where its release's ``links.csv`` names
    them. Only releases with that file share movielens.org's ids, so without an IMDb id
    there is no MovieLens link either (ml-100k's own ids point at other films there)."""
    if imdb_id is None:
        return {}
    ids = {"movie_id": movie_id, "imdb_id": imdb_id, "tmdb_id": tmdb_id}
    return {site: page.format(**ids) for site, page in LINK_PAGES.items()
            if site != "TMDB" or tmdb_id is not None}


@dataclass(frozen=True)
class Movie:
    """Everything the catalogue knows about one movie (JSON-friendly)."""

    movie_id: int
    title: str
    year: int | None
    label: str
    genres: tuple[str, ...]
    alt_titles: tuple[str, ...]
    raw_title: str
    rating_count: int


@dataclass(frozen=True)
class Match:
    """How a typed title was understood.

    ``candidates`` are the movies that fit (the chosen one first), each with its
    ``labels`` entry. ``ambiguous``: several movies fit equally well (a remake, a title
    shared by different films) and the most-rated was taken. ``fuzzy``: nothing is
    called exactly that; the movie was found by a typo-tolerant or partial match.
    """

    query: str
    movie_id: int
    label: str
    candidates: tuple[int, ...]
    labels: tuple[str, ...]
    ambiguous: bool
    fuzzy: bool

    def note(self, option: str = "--like") -> str | None:
        """One line telling the person what was assumed, or ``None`` for a clean match."""
        others = [label for label in dict.fromkeys(self.labels) if label != self.label]
        if self.ambiguous and not others:
            return (f"{self.label}: {len(self.candidates)} catalogue entries share this title; "
                    f"using the most-rated one")
        if self.ambiguous:
            alternatives = " or ".join(f"'{label}'" for label in others[:AMBIGUOUS_LISTED])
            return (f"{self.query}: {len(self.candidates)} movies match, using {self.label}; "
                    f"say {option} {alternatives} for another")
        if self.fuzzy:
            return f"'{self.query}' taken to mean {self.label}"
        return None


class Catalogue:
    """The movies of a dataset, findable by what a person types.

    Build with :meth:`from_dataset`, :meth:`from_movies` (a stored movies table) or
    :meth:`from_arrays`; the constructor takes the columns directly, ``titles`` and
    ``alt_titles`` already in display form (see :func:`cinerec.data.titles.parse_title`),
    unknown years as :data:`UNKNOWN_YEAR`. Movie ids are kept as sorted ``int32``;
    ``rating_counts`` decides between equally good matches (most-rated wins).
    """

    def __init__(self, movie_ids: np.ndarray, titles: Iterable[str], years: np.ndarray,
                 genres: Iterable[tuple[str, ...]], alt_titles: Iterable[tuple[str, ...]],
                 raw_titles: Iterable[str], rating_counts: np.ndarray):
        order = np.argsort(np.asarray(movie_ids), kind="stable")
        self.movie_ids = np.asarray(movie_ids, dtype=np.int32)[order]
        self.rating_counts = np.asarray(rating_counts, dtype=np.int64)[order]
        self._years = np.asarray(years, dtype=np.int16)[order]
        self._titles = [str(v) for v in _reorder(titles, order)]
        self._genres = [tuple(v) for v in _reorder(genres, order)]
        self._alt_titles = [tuple(v) for v in _reorder(alt_titles, order)]
        self._raw_titles = [str(v) for v in _reorder(raw_titles, order)]
        self._labels = [_label(title, year) for title, year in zip(self._titles, self._years.tolist())]
        # A dict answers the per-item look-ups of every answer ~100× faster than a binary search from Python.
        self._rows = {movie_id: row for row, movie_id in enumerate(self.movie_ids.tolist())}
        self._build_indexes()

    # ------------------------------------------------------------ construction
    @classmethod
    def from_dataset(cls, dataset: Dataset) -> Catalogue:
        """The catalogue of a :class:`~cinerec.data.Dataset` (rating counts from its ratings)."""
        rows = dataset.movie_vocab.index(dataset.ratings["movie_id"].to_numpy())
        return cls.from_movies(dataset.movies.assign(n_ratings=np.bincount(rows, minlength=dataset.n_movies)))

    @classmethod
    def from_movies(cls, movies: pd.DataFrame) -> Catalogue:
        """A catalogue from a movies table in the :class:`~cinerec.data.Dataset` schema plus
        an ``n_ratings`` column (as a model directory stores it in Parquet; list columns may
        come back as arrays)."""
        years = movies["year"].astype("Int16").fillna(UNKNOWN_YEAR).to_numpy(np.int16)
        return cls(movies["movie_id"].to_numpy(np.int32), movies["title"].tolist(), years,
                   movies["genres"].tolist(), movies["alt_titles"].tolist(), movies["raw_title"].tolist(),
                   movies["n_ratings"].to_numpy(np.int64))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Catalogue:
        """Rebuild a catalogue from :meth:`to_arrays`' output (e.g. ``.npy`` files loaded
        with ``allow_pickle=False``); raises :class:`~cinerec.errors.ModelError` if an array
        is missing or the lengths disagree."""
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise ModelError(f"catalogue arrays lack {', '.join(missing)}")
        lengths = {name: len(arrays[name]) for name in ARRAY_NAMES}
        if len(set(lengths.values())) > 1:
            raise ModelError(f"catalogue arrays have different lengths: {lengths}")
        return cls(arrays["movie_ids"], arrays["titles"].tolist(), arrays["years"],
                   (_split_list(v) for v in arrays["genres"].tolist()),
                   (_split_list(v) for v in arrays["alt_titles"].tolist()),
                   arrays["raw_titles"].tolist(), arrays["rating_counts"])

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The catalogue as numeric and fixed-width unicode arrays (no object arrays),
        list columns ``|``-joined, unknown years :data:`UNKNOWN_YEAR`."""
        return {
            "movie_ids": self.movie_ids.copy(),
            "titles": np.asarray(self._titles, dtype=str),
            "years": self._years.copy(),
            "genres": np.asarray([LIST_SEPARATOR.join(g) for g in self._genres], dtype=str),
            "alt_titles": np.asarray([LIST_SEPARATOR.join(a) for a in self._alt_titles], dtype=str),
            "raw_titles": np.asarray(self._raw_titles, dtype=str),
            "rating_counts": self.rating_counts.copy(),
        }

    # ------------------------------------------------------------------ lookup
    def __len__(self) -> int:
        return int(self.movie_ids.size)

    def __contains__(self, movie_id: object) -> bool:
        try:
            self._row(movie_id)  # type: ignore[arg-type]
        except QueryError:
            return False
        return True

    def label(self, movie_id: int) -> str:
        """``"Die Hard (1988)"``: the title a person recognises."""
        return self._labels[self._row(movie_id)]

    def details(self, movie_id: int) -> Movie:
        row = self._row(movie_id)
        year = int(self._years[row])
        return Movie(int(self.movie_ids[row]), self._titles[row], year if year != UNKNOWN_YEAR else None,
                     self._labels[row], self._genres[row], self._alt_titles[row], self._raw_titles[row],
                     int(self.rating_counts[row]))

    def _row(self, movie_id: int) -> int:
        try:
            return self._rows[movie_id]
        except (KeyError, TypeError):  # TypeError: unhashable
            raise QueryError(f"no movie with id {movie_id} in the catalogue") from None

    # ----------------------------------------------------------------- indexes
    def _build_indexes(self) -> None:
        """Keys → rows for exact and fuzzy look-up, and the sorted word-start keys of the
        display names for prefix search. The raw form ("usual suspects the") is only an
        exact key: as a word start or typo target it would only add noise."""
        exact: dict[str, list[int]] = {}
        fuzzy_keys: dict[str, None] = {}
        suffix_keys: list[bytes] = []
        suffix_rows: list[int] = []
        suffix_starts: list[bool] = []
        for row, raw in enumerate(self._raw_titles):
            display_keys = self._display_keys(row)
            lookups = {variant for key in display_keys for variant in _with_and_without_article(key)}
            fuzzy_keys.update(dict.fromkeys(sorted(lookups)))
            raw_key = normalise_title(split_typed_year(raw)[0])
            lookups |= {raw_key, fold_numbers(raw_key)}
            for key in lookups - {""}:
                exact.setdefault(key, []).append(row)
            for key_bytes, at_start in {start for key in display_keys for start in _word_starts(key)}:
                suffix_keys.append(key_bytes)
                suffix_rows.append(row)
                suffix_starts.append(at_start)
        counts = self.rating_counts
        self._exact = exact
        self._fuzzy_keys = list(fuzzy_keys)
        self._words = sorted({word for key in self._fuzzy_keys for word in key.split()})
        keys = np.asarray(suffix_keys, dtype=f"S{PREFIX_BYTES}")
        order = np.argsort(keys, kind="stable")
        self._suffixes = keys[order]
        self._suffix_rows = np.asarray(suffix_rows, dtype=np.int32)[order]
        self._suffix_priority = np.where(np.asarray(suffix_starts)[order], _TITLE_START, 0) + counts[self._suffix_rows]
        self._max_suffixes_per_movie = int(np.bincount(self._suffix_rows).max()) if self._suffix_rows.size else 0

    def _names_of(self, row: int) -> list[str]:
        """The display names of one movie: its title and alternate titles (the readers split
        them out of the raw title with :func:`cinerec.data.titles.parse_title`)."""
        return [self._titles[row], *self._alt_titles[row]]

    def _display_keys(self, row: int) -> set[str]:
        """The keys of a movie's display names, each also with its numbers in digits
        ("twelve monkeys" and "12 monkeys")."""
        keys = {normalise_title(name) for name in self._names_of(row)} - {""}
        return keys | {fold_numbers(key) for key in keys}

    def _exact_rows(self, key: str) -> list[int]:
        """Rows whose title is exactly ``key``; failing that, ``key`` with its numbers in digits."""
        rows = self._exact.get(key)
        if rows is None and (folded := fold_numbers(key)) != key:
            rows = self._exact.get(folded)
        return rows or []

    # ------------------------------------------------------------------ search
    def search(self, text: str, limit: int = 10) -> list[int]:
        """Movie ids for autocomplete, best first: titles with a word starting with what
        was typed (title starts first, then most-rated); if none, the same with misspelt
        words corrected ("shawshenk red"); if still none, the titles closest to it."""
        key = normalise_title(text)
        if not key or limit <= 0:
            return []
        rows = self._prefix_rows(key, limit)
        if rows.size == 0 and (folded := fold_numbers(key)) != key:
            rows = self._prefix_rows(folded, limit)
        if rows.size == 0 and (corrected := self._corrected(key)) is not None:
            rows = self._prefix_rows(corrected, limit)
        if rows.size == 0:
            rows = np.asarray([row for row, _ in self._fuzzy_rows(key, SEARCH_FUZZY_SCORE, limit)], dtype=np.int32)
        return self.movie_ids[rows[:limit]].tolist()

    def _prefix_rows(self, key: str, limit: int | None = None, *, title_start_only: bool = False) -> np.ndarray:
        """Rows with a word (or, with ``title_start_only``, the title) starting with ``key``,
        title starts first, then by rating count; at most ``limit`` rows."""
        encoded = key.encode()
        probe = encoded[:PREFIX_BYTES - 1]
        lo = int(np.searchsorted(self._suffixes, probe, side="left"))
        hi = int(np.searchsorted(self._suffixes, probe + b"\xff", side="left"))
        priority = self._suffix_priority[lo:hi]
        rows = self._suffix_rows[lo:hi]
        if len(encoded) > len(probe):  # longer than the stored keys: check each candidate in full
            keep = np.fromiter((self._row_has_word_prefix(int(r), key) for r in rows), bool, rows.size)
            priority, rows = priority[keep], rows[keep]
        if title_start_only:
            keep = priority >= _TITLE_START
            priority, rows = priority[keep], rows[keep]
        # Each movie has at most this many entries, so the best ones hold ``limit`` movies.
        enough = None if limit is None else limit * self._max_suffixes_per_movie
        if enough is not None and rows.size > enough:
            top = np.argpartition(-priority, enough)[:enough]
            priority, rows = priority[top], rows[top]
        ranked = rows[np.argsort(-priority, kind="stable")]
        _, first = np.unique(ranked, return_index=True)
        return ranked[np.sort(first)][:limit]

    def _corrected(self, key: str) -> str | None:
        """``key`` with each word that starts no catalogue word replaced by the closest
        catalogue word (cheap: the word list is far shorter than the title list); ``None``
        when nothing needed or could be corrected."""
        words = key.split()
        fixed = [word if self._starts_a_word(word) else self._closest_word(word) for word in words]
        if fixed == words or None in fixed:
            return None
        return " ".join(fixed)  # type: ignore[arg-type]

    def _starts_a_word(self, word: str) -> bool:
        probe = word.encode()[:PREFIX_BYTES - 1]
        return bool(np.searchsorted(self._suffixes, probe + b"\xff") > np.searchsorted(self._suffixes, probe))

    def _closest_word(self, word: str) -> str | None:
        found = process.extractOne(word, self._words, scorer=fuzz.ratio, processor=None, score_cutoff=WORD_FIX_SCORE)
        return None if found is None else found[0]

    def _row_has_word_prefix(self, row: int, key: str) -> bool:
        return any(suffix.startswith(key) for name in self._display_keys(row) for suffix in _word_suffixes(name))

    def _fuzzy_rows(self, key: str, cutoff: float, limit: int) -> list[tuple[int, float]]:
        """``(row, score)`` of the titles most like ``key``, best score then most-rated first."""
        found = process.extract(key, self._fuzzy_keys, scorer=fuzz.ratio, processor=None,
                                limit=limit * 4, score_cutoff=cutoff)
        best: dict[int, float] = {}
        for choice, score, _ in found:
            for row in self._exact[choice]:
                best[row] = max(best.get(row, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], -self.rating_counts[item[0]]))
        return ranked[:limit]

    # ----------------------------------------------------------------- resolve
    def resolve(self, text: str) -> Match:
        """The one movie a typed title means (see :class:`Match` for how sure that is).

        Tried in order: an exact title (any spelling the catalogue knows, with or without
        its year, numbers in words or digits) — unless, typed without a year, it is also
        the main title of more-rated subtitled ones ("lord of the rings"), then the
        most-rated of them all, ambiguous; titles that start with what was typed (whole
        words first), as typed and then with misspelt words corrected; titles within a
        typo of it (rapidfuzz ratio >= :data:`ACCEPT_SCORE`); last, the exact title that
        what was typed starts with, its subtitle or trailing words left off ("Star Wars:
        Episode IV" → "Star Wars").
        Raises :class:`~cinerec.errors.QueryError` suggesting near matches when nothing fits.
        """
        query = " ".join(text.split())
        title, year = split_typed_year(query)
        key = normalise_title(title)
        if not key:
            raise QueryError(f"'{query}' is no movie title: name a movie, e.g. 'Die Hard (1988)'")
        for exact_key, wanted_year in ((normalise_title(query), None), (key, year)):
            rows = self._with_year(self._most_rated_first(self._exact_rows(exact_key)), wanted_year)
            if rows.size and wanted_year is None:
                return self._exact_or_longer(query, exact_key, rows)
            if rows.size:
                return self._match(query, rows, fuzzy=False, ambiguous=rows.size > 1)
        rows = self._whole_words_first(self._with_year(self._title_start_rows(key), year), key)
        if rows.size == 0 and (corrected := self._corrected(key)) is not None:
            rows = self._with_year(self._prefix_rows(corrected, title_start_only=True), year)
        if rows.size:
            return self._match(query, rows, fuzzy=True, ambiguous=rows.size > 1)
        near = self._fuzzy_rows(key, SUGGEST_SCORE, limit=10)
        preferred = [(row, score) for row, score in near if year is None or self._years[row] == year] or near
        accepted = [(row, score) for row, score in preferred if score >= ACCEPT_SCORE]
        if accepted:
            best = accepted[0][1]
            ties = sum(score == best for _, score in accepted)
            return self._match(query, np.asarray([row for row, _ in accepted], np.int32), fuzzy=True, ambiguous=ties > 1)
        rows = self._shortened_rows(title, year)
        if rows.size:
            return self._match(query, rows, fuzzy=True, ambiguous=rows.size > 1)
        raise QueryError(self._unknown_message(query, [row for row, _ in near]))

    def _title_start_rows(self, key: str) -> np.ndarray:
        """Rows whose title starts with ``key`` (as typed, else with its numbers in digits)."""
        rows = self._prefix_rows(key, title_start_only=True)
        if rows.size == 0 and (folded := fold_numbers(key)) != key:
            rows = self._prefix_rows(folded, title_start_only=True)
        return rows

    def _exact_or_longer(self, query: str, key: str, rows: np.ndarray) -> Match:
        """The exact titles ``rows`` (most-rated first), unless ``key`` is also the main
        title of more-rated subtitled titles: "lord of the rings" is a 1978 film rated a
        handful of times and the start of "The Lord of the Rings: The Fellowship of the
        Ring", which everyone rated. Then the most-rated of them all is taken, the exact
        titles next among the candidates, and the match is ambiguous so that its note
        names them. Only a subtitle counts, never a longer title ("Dead Man" is not "Dead
        Man Walking") nor a sequel ("Terminator" stays The Terminator)."""
        subtitled = self._subtitled(key, exclude=rows)
        if subtitled.size == 0 or self.rating_counts[subtitled[0]] <= self.rating_counts[rows[0]]:
            return self._match(query, rows, fuzzy=False, ambiguous=rows.size > 1)
        return self._match(query, np.concatenate([subtitled[:1], rows, subtitled[1:]]), fuzzy=False, ambiguous=True)

    def _subtitled(self, key: str, exclude: np.ndarray) -> np.ndarray:
        """Rows (most-rated first, ``exclude`` left out) with a name whose part before a
        subtitle (``:`` or `` - ``) is ``key`` in whole words: "Star Wars: Episode IV - A
        New Hope" for "star wars"; "Mission: Impossible - Ghost Protocol" for "mission impossible"."""
        typed = dict.fromkeys((key, fold_numbers(key)))
        excluded = set(exclude.tolist())
        starting = (self._prefix_rows(form, title_start_only=True).tolist() for form in typed)
        candidates = dict.fromkeys(row for rows in starting for row in rows if row not in excluded)
        found = [row for row in candidates if not self._main_title_keys(row).isdisjoint(typed)]
        return self._most_rated_first(found)

    def _main_title_keys(self, row: int) -> set[str]:
        """Keys of what comes before each subtitle separator of a movie's names (with and
        without a leading article, numbers also in digits)."""
        keys: set[str] = set()
        for name in self._names_of(row):
            for separator in _SUBTITLE.finditer(name):
                key = normalise_title(name[:separator.start()])
                keys.update(_with_and_without_article(key), _with_and_without_article(fold_numbers(key)))
        return keys - {""}

    def _whole_words_first(self, rows: np.ndarray, key: str) -> np.ndarray:
        """``rows`` (in their order) with the titles that start with the whole words of
        ``key`` before those where it ends inside a word: "her" is "Her …", then "Hercules"."""
        starts = tuple(dict.fromkeys((key + " ", fold_numbers(key) + " ")))
        whole = np.fromiter((any(name.startswith(starts) or name + " " in starts
                                 for name in self._title_start_keys(row)) for row in rows.tolist()), bool, rows.size)
        return np.concatenate([rows[whole], rows[~whole]])

    def _title_start_keys(self, row: int) -> set[str]:
        """A movie's display keys, with and without a leading article: the ways its title can start."""
        return {variant for name in self._display_keys(row) for variant in _with_and_without_article(name)}

    def _shortened_rows(self, title: str, year: int | None) -> np.ndarray:
        """The exact title named by the longest start of ``title``: the part before a typed
        subtitle ("Star Wars: Episode IV" → "Star Wars"), or its first words, at least
        half of them and never a lone article. In ``year`` if any is; empty if none."""
        words = normalise_title(title).split()
        starts = {" ".join(words[:size]) for size in range(len(words) - 1, (len(words) + 1) // 2 - 1, -1)}
        starts |= {normalise_title(title[:separator.start()]) for separator in _SUBTITLE.finditer(title)}
        for start in sorted(starts - {""}, key=lambda start: (-len(start.split()), start)):
            if start + " " in _LEADING_ARTICLES:
                continue
            rows = self._most_rated_first(self._exact_rows(start))
            if rows.size:
                dated = self._with_year(rows, year)
                return dated if dated.size else rows
        return np.zeros(0, dtype=np.int32)

    def _most_rated_first(self, rows: list[int]) -> np.ndarray:
        rows_array = np.asarray(rows, dtype=np.int32)
        return rows_array[np.argsort(-self.rating_counts[rows_array], kind="stable")]

    def _with_year(self, rows: np.ndarray, year: int | None) -> np.ndarray:
        return rows if year is None else rows[self._years[rows] == year]

    def _match(self, query: str, rows: np.ndarray, *, fuzzy: bool, ambiguous: bool) -> Match:
        ids = self.movie_ids[rows].tolist()
        labels = tuple(self._labels[row] for row in rows.tolist())
        return Match(query, ids[0], labels[0], tuple(ids), labels, ambiguous, fuzzy)

    def _unknown_message(self, query: str, near_rows: list[int]) -> str:
        if not near_rows:
            return f"no movie called '{query}' in the catalogue"
        suggestions = ", ".join(self._labels[row] for row in near_rows[:MAX_SUGGESTIONS])
        return f"no movie called '{query}'; did you mean {suggestions}?"


def _label(title: str, year: int) -> str:
    return title if year == UNKNOWN_YEAR else f"{title} ({year})"


def _reorder(values: Iterable[Any], order: np.ndarray) -> list[Any]:
    listed = list(values)
    return [listed[i] for i in order.tolist()]


def _split_list(joined: str) -> tuple[str, ...]:
    return tuple(part for part in joined.split(LIST_SEPARATOR) if part)


def _word_suffixes(key: str) -> list[str]:
    """``"die hard 2"`` → ``["die hard 2", "hard 2", "2"]``."""
    words = key.split(" ")
    return [" ".join(words[i:]) for i in range(len(words))]


def _word_starts(key: str) -> set[tuple[bytes, bool]]:
    """Word-start suffixes of ``key`` as truncated UTF-8, flagged when the suffix is the
    title's start (its first word, or its second after a leading article)."""
    after_article = key.startswith(_LEADING_ARTICLES)
    return {(suffix.encode()[:PREFIX_BYTES], i == 0 or (i == 1 and after_article))
            for i, suffix in enumerate(_word_suffixes(key))}
