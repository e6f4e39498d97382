"""Movie vectors from what MovieLens knows about a movie, for content similarity.

A movie is described by up to five *blocks* of evidence, each turned into a unit
vector on its own:

* ``title``: TF-IDF of the words of the display and alternate titles, plus one
  *franchise* token — the title with subtitles and sequel numbers stripped, so that
  "Die Hard", "Die Hard 2" and "Die Hard: With a Vengeance" all carry "die hard";
* ``genres``: one-hot genres weighted by IDF, so sharing "Film-Noir" says more than
  sharing "Drama";
* ``year``: the decade, smoothed onto the neighbouring decades (1989 and 1991 are close);
* ``tags``: TF-IDF of the tags people applied to the movie (sublinear counts);
* ``genome``: the tag genome's relevance scores, centred per tag (how the movie
  differs from the average movie) and reduced with a truncated SVD.

Each unit block is scaled by the square root of its weight and the blocks are
concatenated, then every row is L2-normalised again. The cosine of two movies is
therefore ``sum_b w_b * cos_b / sqrt(W_1 * W_2)`` where ``W`` sums the weights of the
blocks a movie has: a block's weight is its share of the cosine, and a movie with
no tags or no genome is still compared on the blocks it does have.
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
DEFAULT_WEIGHTS: dict[str, float] = {"title": 1.0, "genres": 1.0, "year": 0.5, "tags": 1.5, "genome": 2.0}

_SUBTITLE = r"\s*(?::|\s[-–]\s).*$"
_SEQUEL_NUMBER = r"(?:\s+(?:part|chapter|episode|vol\.?|volume))?\s+(?:\d+|[ivx]+)$"
_LEADING_ARTICLE = r"^(?:the|a|an)\s+"


class MovieFeaturizer:
    """Turn a dataset's catalogue into L2-normalised movie vectors (see the module doc).

    Default weights, and why. The tag genome scores 1,128 tags for every movie it
    covers, learned from tags *and* ratings, so it is the most faithful description
    of what a movie is like: it gets the largest share (2.0). People's own tags are
    the same kind of evidence but sparse and noisy ("seen it", typos): 1.5. Genres
    are reliable but coarse — thousands of movies are "Action|Thriller" — so they set
    the neighbourhood rather than rank within it: 1.0. Titles are mostly noise except
    for the franchise signal, which is nearly always right when it fires: 1.0.
    The decade is a tie-breaker between otherwise alike movies: 0.5. A weight of 0
    leaves a block out.

    Parameters
    ----------
    title_weight, genre_weight, year_weight, tag_weight, genome_weight:
        Each block's share of the cosine (relative; only ratios matter).
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
        )
        for name, weight, build in builders:
            if weight > 0:
                yield name, weight, build(dataset)

    # ------------------------------------------------------------------ blocks
    def _title_block(self, dataset: Dataset) -> sp.csr_matrix:
        from sklearn.feature_extraction.text import TfidfVectorizer

        movies = dataset.movies
        text = movies["title"].astype(str) + " " + movies["alt_titles"].map(" ".join)
        words = TfidfVectorizer(stop_words="english", strip_accents="unicode", max_features=self.max_title_terms,
                                dtype=np.float32, norm=None).fit_transform(text.tolist())
        franchises = TfidfVectorizer(analyzer=_whole, dtype=np.float32, norm=None).fit_transform(
            franchise_keys(movies["title"]).tolist())
        return normalize(sp.hstack([words, franchises], format="csr"))

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


def normalize(matrix: sp.spmatrix | np.ndarray) -> sp.csr_matrix | np.ndarray:
    """Rows scaled to unit L2 length. scikit-learn is imported here, on use, because
    only fitting needs it: loading a model to answer queries must stay fast."""
    from sklearn.preprocessing import normalize as unit_rows

    return unit_rows(matrix)


def franchise_keys(titles: pd.Series) -> pd.Series:
    """What a title's franchise is called: lower-cased, without subtitle, sequel number
    or leading English article.

    "Die Hard 2", "Die Hard: With a Vengeance" and "Die Hard" all give "die hard";
    "Star Wars: Episode V - The Empire Strikes Back" gives "star wars", "Terminator 2:
    Judgment Day" and "The Terminator" give "terminator". A step that would leave
    nothing ("2001: A Space Odyssey" is not a sequel of anything) is skipped.
    """
    keys = titles.astype(str).str.lower().str.strip()
    for pattern in (_SUBTITLE, _SEQUEL_NUMBER, _LEADING_ARTICLE):
        stripped = keys.str.replace(pattern, "", regex=True).str.strip()
        keys = stripped.where(stripped != "", keys)
    return keys.str.replace(r"[^\w]+", " ", regex=True).str.strip()


def _whole(text: str) -> list[str]:
    """An analyzer that makes a whole string one token (the franchise key)."""
    return [text]


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
