"""Movie vectors from what MovieLens knows about a movie, for content similarity.

A movie is described by up to six *blocks* of evidence, each turned into a unit
vector on its own:

* ``title``: which series the movie belongs to, one token per series — never the
  title's words, which would make *Menace II Society* a neighbour of *The Godfather:
  Part II*. "Die Hard", "Die Hard 2" and "Die Hard: With a Vengeance" share "die hard"
  (:func:`franchise_tokens`); "Batman" and "Batman Returns", "Jurassic Park" and "The
  Lost World: Jurassic Park" share a series only if their audiences confirm it
  (:func:`audience_confirmed_tokens`);
* ``genres``: one-hot genres weighted by IDF, so sharing "Film-Noir" says more than
  sharing "Drama";
* ``year``: the decade, smoothed onto the neighbouring decades (1989 and 1991 are close);
* ``tags``: TF-IDF of the tags people applied to the movie (sublinear counts);
* ``genome``: the tag genome's relevance scores, centred per tag (how the movie
  differs from the average movie) and reduced with a truncated SVD;
* ``audience``: who liked the movie, shrunk for movies liked by few — within a genre,
  the audience decides which of many alike movies is most alike.

Each unit block is scaled by the square root of its weight and the blocks are
concatenated, then every row is L2-normalised again. The cosine of two movies is
therefore ``sum_b w_b * cos_b / sqrt(W_1 * W_2)`` where ``W`` sums the weights of the
blocks a movie has: a block's weight is its share of the cosine, and a movie with
no tags or no genome is still compared on the blocks it does have. The title and
audience blocks are present for every movie (see :func:`_unit_rows_filled`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.data.dataset import Dataset

#: Blocks whose vectors have few columns and are non-zero for most movies, so their
#: products are cheaper as dense matrix products than as sparse ones.
LOW_DIMENSIONAL_BLOCKS: frozenset[str] = frozenset({"genres", "year", "genome"})

#: Each block's default share of the cosine; :class:`MovieFeaturizer` explains the choice.
DEFAULT_WEIGHTS: dict[str, float] = {"title": 2.0, "genres": 1.0, "year": 0.5, "tags": 1.5, "genome": 2.0,
                                     "audience": 2.0}

_SUBTITLE = r"\s*(?::|\s[-–]\s).*$"
#: What follows a title's first subtitle separator (the subtitle itself).
_SUBTITLE_PART = r"(?::|\s[-–]\s)\s*(.*)$"
_SEQUEL_NUMBER = r"(?:\s+(?:part|chapter|episode|vol\.?|volume))?\s+(?:\d+(?:-d)?|[ivx]+)$"
_LEADING_ARTICLE = r"^(?:the|a|an)\s+"


class MovieFeaturizer:
    """Turn a dataset's catalogue into L2-normalised movie vectors (see the module doc).

    Default weights, and why. The tag genome scores 1,128 tags for every movie it
    covers, learned from tags *and* ratings, so it is the most faithful description
    of what a movie is like: it gets the largest share (2.0). People's own tags are
    the same kind of evidence but sparse and noisy ("seen it", typos): 1.5. Genres
    are reliable but coarse — thousands of movies are "Action|Thriller" — so they set
    the neighbourhood rather than rank within it: 1.0. A title says only which series
    a movie belongs to, which is nearly always right when it fires, and a sequel
    need not share its original's tags or audience: 2.0. The decade
    is a tie-breaker between otherwise alike movies: 0.5. The audience orders alike
    movies as their fans do and brings a series' differently titled parts together
    (The Empire Strikes Back to Star Wars): 2.0, which on movies described by genres
    and decade alone (ml-100k) is half the cosine; where tags and the genome describe
    a movie it is a quarter. A weight of 0 leaves a block out; the figures behind
    these are in ``docs/similar.md``.

    Parameters
    ----------
    title_weight, genre_weight, year_weight, tag_weight, genome_weight:
        Each block's share of the cosine (relative; only ratios matter).
    audience_damping:
        A movie liked by ``n`` people keeps ``n / (n + audience_damping)`` of the
        audience block's weight for its likers (the rest on a column of its own).
    decade_smoothing:
        How much of a movie's decade vector spills onto each neighbouring decade
        (0 = decades are unrelated; 0.5 makes adjacent decades' cosine 2/3).
    tag_min_df:
        A tag must be applied to at least this many movies to be used: a tag on a
        single movie cannot link two movies and is mostly a personal note.
    max_tags, max_title_terms:
        Keep at most this many tags / title words, the most widespread first.
    genome_components:
        Dimensions the centred genome is reduced to (kept as is when it has fewer tags).
    random_state:
        Seed of the randomised SVD, so that equal data gives equal vectors.

    Attributes
    ----------
    blocks_: dict[str, tuple[int, int]]
        The ``[start, stop)`` columns of each block present in the last output.
    """

    def __init__(
        self,
        *,
        title_weight: float = DEFAULT_WEIGHTS["title"],
        genre_weight: float = DEFAULT_WEIGHTS["genres"],
        year_weight: float = DEFAULT_WEIGHTS["year"],
        tag_weight: float = DEFAULT_WEIGHTS["tags"],
        genome_weight: float = DEFAULT_WEIGHTS["genome"],
        audience_weight: float = DEFAULT_WEIGHTS["audience"],
        audience_damping: float = 20.0,
        decade_smoothing: float = 0.5,
        tag_min_df: int = 2,
        max_tags: int = 50_000,
        max_title_terms: int = 200_000,
        genome_components: int = 64,
        random_state: int = 0,
    ):
        self.title_weight = title_weight
        self.genre_weight = genre_weight
        self.year_weight = year_weight
        self.tag_weight = tag_weight
        self.genome_weight = genome_weight
        self.audience_weight = audience_weight
        self.audience_damping = audience_damping
        self.decade_smoothing = decade_smoothing
        self.tag_min_df = tag_min_df
        self.max_tags = max_tags
        self.max_title_terms = max_title_terms
        self.genome_components = genome_components
        self.random_state = random_state

    def fit_transform(self, dataset: Dataset) -> sp.csr_matrix:
        """Movie vectors ``(n_movies, d)`` float32 CSR, rows in ``dataset.movie_vocab``
        order and L2-normalised (a movie with no usable evidence keeps a zero row)."""
        blocks = [(name, matrix * np.sqrt(weight)) for name, weight, matrix in self._blocks(dataset)
                  if matrix.shape[1]]
        stops = np.cumsum([matrix.shape[1] for _, matrix in blocks], dtype=np.int64)
        self.blocks_ = {name: (int(stop) - matrix.shape[1], int(stop))
                        for (name, matrix), stop in zip(blocks, stops, strict=True)}
        if not blocks:
            return sp.csr_matrix((dataset.n_movies, 0), dtype=np.float32)
        return normalize(sp.hstack([matrix for _, matrix in blocks], format="csr")).astype(np.float32)

    def _blocks(self, dataset: Dataset) -> Iterator[tuple[str, float, sp.csr_matrix]]:
        """``(name, weight, unit rows)`` of each block with a positive weight, built only
        when used; a movie lacking the block has a zero row."""
        builders: tuple[tuple[str, float, Callable[[Dataset], sp.csr_matrix]], ...] = (
            ("title", self.title_weight, self._title_block),
            ("genres", self.genre_weight, self._genre_block),
            ("year", self.year_weight, self._year_block),
            ("tags", self.tag_weight, self._tag_block),
            ("genome", self.genome_weight, self._genome_block),
            ("audience", self.audience_weight, self._audience_block),
        )
        for name, weight, build in builders:
            if weight > 0:
                yield name, weight, build(dataset)

    # ------------------------------------------------------------------ blocks
    def _title_block(self, dataset: Dataset) -> sp.csr_matrix:
        """One token per franchise the title belongs to (:func:`franchise_tokens`,
        :func:`audience_confirmed_tokens`), IDF-weighted: a title says which series a movie
        is part of, and nothing else — its words would make *Die xue shuang xiong* a
        neighbour of *Die Hard*."""
        from cinerec.models.likes import likes_matrix

        titles = dataset.movies["title"]
        tokens = series_tokens([named + confirmed for named, confirmed in zip(
            franchise_tokens(titles), audience_confirmed_tokens(titles, likes_matrix(dataset)))])
        movies = np.repeat(np.arange(len(tokens)), [len(row) for row in tokens])
        names = np.asarray([token for row in tokens for token in row], dtype=object)
        named = _tfidf(_count_matrix(movies, names, dataset.n_movies), sublinear_tf=False)
        return _unit_rows_filled(named, np.where(np.diff(named.indptr) > 0, 1.0, 0.0))

    def _genre_block(self, dataset: Dataset) -> sp.csr_matrix:
        genres = dataset.movies["genres"].explode().dropna()
        counts = _count_matrix(genres.index.to_numpy(), genres.astype(str).to_numpy(), dataset.n_movies)
        return _tfidf(counts, sublinear_tf=False)

    def _year_block(self, dataset: Dataset) -> sp.csr_matrix:
        years = dataset.movies["year"]
        known = np.flatnonzero(years.notna().to_numpy())
        if known.size == 0:
            return sp.csr_matrix((dataset.n_movies, 0), dtype=np.float32)
        decades = years.iloc[known].to_numpy(np.int64) // 10
        column = decades - decades.min()
        n_decades = int(column.max()) + 1
        dense = np.zeros((dataset.n_movies, n_decades), dtype=np.float32)
        dense[known, column] = 1.0
        for offset in (-1, 1):
            inside = (column + offset >= 0) & (column + offset < n_decades)
            dense[known[inside], column[inside] + offset] = self.decade_smoothing
        return normalize(sp.csr_matrix(dense))

    def _tag_block(self, dataset: Dataset) -> sp.csr_matrix:
        counts = dataset.movie_tag_counts()
        counts = counts[dataset.movie_vocab.contains(counts["movie_id"].to_numpy())]
        movies_per_tag = counts["tag"].value_counts()
        kept = movies_per_tag[movies_per_tag >= self.tag_min_df].index[: self.max_tags]
        counts = counts[counts["tag"].isin(kept)]
        rows = dataset.movie_vocab.index(counts["movie_id"].to_numpy())
        matrix = _count_matrix(rows, counts["tag"].to_numpy(), dataset.n_movies, counts["count"].to_numpy())
        return _tfidf(matrix, sublinear_tf=True)

    def _genome_block(self, dataset: Dataset) -> sp.csr_matrix:
        genome = dataset.genome
        if genome is None:
            return sp.csr_matrix((dataset.n_movies, 0), dtype=np.float32)
        covered = dataset.movie_vocab.contains(genome.movie_ids)
        relevance = np.asarray(genome.relevance, dtype=np.float32)[covered]
        centred = relevance - relevance.mean(axis=0, keepdims=True)
        if self.genome_components < min(centred.shape):
            from sklearn.decomposition import TruncatedSVD

            centred = TruncatedSVD(self.genome_components, random_state=self.random_state).fit_transform(centred)
        dense = np.zeros((dataset.n_movies, centred.shape[1]), dtype=np.float32)
        dense[dataset.movie_vocab.index(genome.movie_ids[covered])] = normalize(centred)
        return sp.csr_matrix(dense)


    def _audience_block(self, dataset: Dataset) -> sp.csr_matrix:
        """Who liked the movie: its column of the likes matrix as a unit row, shrunk for a
        movie liked by few (``n / (n + audience_damping)`` of its weight, so that three
        fans in common cannot outweigh what the movie is). Within a genre, the audience
        decides which of many alike movies come first, as "more like this" lists do."""
        from cinerec.models.likes import likes_matrix

        fans = likes_matrix(dataset).T.tocsr()
        counts = np.diff(fans.indptr).astype(np.float64)
        return _unit_rows_filled(normalize(fans), counts / (counts + float(self.audience_damping)))


def normalize(matrix: sp.spmatrix | np.ndarray) -> sp.csr_matrix | np.ndarray:
    """Rows scaled to unit L2 length. scikit-learn is imported here, on use, because
    only fitting needs it: loading a model to answer queries must stay fast."""
    from sklearn.preprocessing import normalize as unit_rows

    return unit_rows(matrix)


def _unit_rows_filled(unit_rows: sp.csr_matrix, shares: np.ndarray) -> sp.csr_matrix:
    """``unit_rows`` scaled to ``sqrt(share)`` of each row's weight, the rest of it put on a
    column of the movie's own, which no other movie shares — so every movie has the block
    at full weight and the block's share of the cosine is the same for all, while a movie
    with little evidence (no franchise, few fans) is barely like any other through it.
    Were the block simply missing or weaker for such movies, their other blocks would
    weigh more after normalisation and lift them above better-known movies."""
    shares = np.clip(np.asarray(shares, dtype=np.float64), 0.0, 1.0)
    kept = sp.diags(np.sqrt(shares).astype(np.float32)) @ sp.csr_matrix(unit_rows, dtype=np.float32)
    own = sp.diags(np.sqrt(1.0 - shares).astype(np.float32), format="csr")
    return sp.hstack([kept, own], format="csr").astype(np.float32)

def franchise_keys(titles: pd.Series) -> pd.Series:
    """What a title's franchise is called: lower-cased, without subtitle, sequel number
    or leading English article.

    "Die Hard 2", "Die Hard: With a Vengeance" and "Die Hard" all give "die hard";
    "Star Wars: Episode V - The Empire Strikes Back" gives "star wars", "Terminator 2:
    Judgment Day" and "The Terminator" give "terminator". A step that would leave
    nothing ("2001: A Space Odyssey" is not a sequel of anything) is skipped.
    """
    return _key(_stripped(titles.astype(str).str.lower().str.strip(), (_SUBTITLE, _SEQUEL_NUMBER, _LEADING_ARTICLE)))


def franchise_tokens(titles: pd.Series) -> list[tuple[str, ...]]:
    """Per title, its :func:`franchise_keys` where two or more titles share it and at
    least one of them marks itself as part of a series — a sequel number, "Part II", a
    subtitle. So "Die Hard" and "Die Hard 2" share "die hard", while "Heat" and "The
    Heat", two unrelated films, share nothing.
    """
    lower = titles.astype(str).str.lower().str.strip()
    keys = franchise_keys(titles)
    marked = lower.str.contains(_SUBTITLE) | _stripped(lower.str.replace(_SUBTITLE, "", regex=True).str.strip(),
                                                       (_LEADING_ARTICLE,)).str.contains(_SEQUEL_NUMBER)
    by_key = pd.DataFrame({"key": keys.to_numpy(), "marked": marked.to_numpy()}).groupby("key")["marked"]
    series = set(by_key.size()[(by_key.size() >= 2) & by_key.any()].index) - {""}
    return [(key,) if key in series else () for key in keys.tolist()]


def subtitle_keys(titles: pd.Series) -> pd.Series:
    """A title's subtitle as a key like :func:`franchise_keys` ("" without one): "The Lost
    World: Jurassic Park" gives "jurassic park"."""
    subtitle = titles.astype(str).str.lower().str.strip().str.extract(_SUBTITLE_PART, expand=False).fillna("")
    return _key(_stripped(subtitle, (_SEQUEL_NUMBER, _LEADING_ARTICLE))).where(subtitle != "", "")


#: A title that starts another is of its series only if their audiences' cosine (the
#: people who liked both, over the geometric mean of their likers) reaches this; one
#: that another names as its subtitle (a stronger sign) only needs the lower one.
MIN_FAN_COSINE = 0.25
MIN_SUBTITLE_FAN_COSINE = 0.1
MIN_SHARED_FANS = 3
#: A title named by more titles than this is a common word, not a series ("Love").
MAX_NAMING_TITLES = 20


def audience_confirmed_tokens(titles: pd.Series, likes: sp.csr_matrix) -> list[tuple[str, ...]]:
    """Per movie, the series its title shares with titles that start with it ("Batman"
    and "Batman Returns", "Alien" and "Aliens") or name it in their subtitle ("Jurassic
    Park" and "The Lost World: Jurassic Park"), kept only where the two audiences
    confirm it (:data:`MIN_FAN_COSINE`).

    :func:`franchise_tokens` needs a sequel mark and the same name; these titles have
    neither, and by their words alone "Michael" would as well be the series of "Michael
    Collins", "City of Angels" that of "The Crow: City of Angels". Who liked them tells
    them apart. ``likes`` are the people × movies likes; :func:`series_tokens` joins
    what is linked through others.
    """
    words = [key.split() for key in franchise_keys(titles).tolist()]
    named_in: dict[str, list[tuple[int, float]]] = {}  # a name → (movie naming it, cosine it needs)
    for movie, (title_words, subtitle) in enumerate(zip(words, subtitle_keys(titles).tolist())):
        starts = {" ".join(title_words[:j]) for j in range(1, len(title_words))}
        if len(title_words) == 1:
            starts.add(_singular(title_words[0]))
        for name in starts - {subtitle}:
            named_in.setdefault(name, []).append((movie, MIN_FAN_COSINE))
        if subtitle:
            named_in.setdefault(subtitle, []).append((movie, MIN_SUBTITLE_FAN_COSINE))
    pairs = []
    for movie, title_words in enumerate(words):
        key = " ".join(title_words)
        holders = {holder for form in {key, _singular(key)} if len(form) >= 4 for holder in named_in.get(form, [])
                   if holder[0] != movie}
        if 0 < len(holders) <= MAX_NAMING_TITLES:
            pairs += [(movie, other, needed) for other, needed in sorted(holders)]
    tokens: list[list[str]] = [[] for _ in words]
    if not pairs:
        return [tuple(row) for row in tokens]
    first, second = (np.asarray(side, dtype=np.int64) for side in list(zip(*pairs))[:2])
    needed = np.asarray([pair[2] for pair in pairs])
    fans = sp.csc_matrix(likes, dtype=np.float32)
    counts = np.diff(fans.indptr).astype(np.float64)
    shared = np.asarray(fans[:, first].multiply(fans[:, second]).sum(axis=0)).ravel()
    cosine = shared / np.sqrt(np.maximum(counts[first] * counts[second], 1.0))
    confirmed = (shared >= MIN_SHARED_FANS) & (cosine >= needed)
    for a, b in zip(first[confirmed].tolist(), second[confirmed].tolist()):
        token = f"series of {' '.join(words[a])}"
        tokens[a].append(token)
        tokens[b].append(token)
    return [tuple(row) for row in tokens]


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word

def series_tokens(tokens: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """One token per series: movies that share any franchise token are one series (so
    "Aliens", linked to "Alien" by its audience, and "Alien: Resurrection", linked by its
    title, end up in the same one), named by its first token in sorted order."""
    parent = list(range(len(tokens)))

    def root(movie: int) -> int:
        while parent[movie] != movie:
            parent[movie] = parent[parent[movie]]
            movie = parent[movie]
        return movie

    holder: dict[str, int] = {}
    for movie, row in enumerate(tokens):
        for token in row:
            if token in holder:
                parent[root(movie)] = root(holder[token])
            else:
                holder[token] = movie
    names: dict[int, str] = {}
    for token in sorted(holder):
        names.setdefault(root(holder[token]), token)
    return [(names[root(movie)],) if row else () for movie, row in enumerate(tokens)]

def _stripped(keys: pd.Series, patterns: tuple[str, ...]) -> pd.Series:
    """``keys`` with each pattern removed in turn, unless that would leave nothing."""
    for pattern in patterns:
        stripped = keys.str.replace(pattern, "", regex=True).str.strip()
        keys = stripped.where(stripped != "", keys)
    return keys


def _key(keys: pd.Series) -> pd.Series:
    return keys.str.replace(r"[^\w]+", " ", regex=True).str.strip()


def _count_matrix(rows: np.ndarray, terms: np.ndarray, n_rows: int, counts: np.ndarray | None = None) -> sp.csr_matrix:
    """A ``(n_rows, n_terms)`` CSR of counts from parallel arrays of row index and term."""
    codes, _ = pd.factorize(terms, sort=True)
    values = np.ones(len(codes), dtype=np.float32) if counts is None else counts.astype(np.float32)
    return sp.csr_matrix((values, (rows, codes)), shape=(n_rows, int(codes.max(initial=-1)) + 1), dtype=np.float32)


def _tfidf(counts: sp.csr_matrix, *, sublinear_tf: bool) -> sp.csr_matrix:
    """Smoothed-IDF weighting with L2-normalised rows (empty rows stay empty)."""
    if counts.shape[1] == 0:
        return counts
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=sublinear_tf).fit_transform(counts).astype(np.float32)
