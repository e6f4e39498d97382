"""File layouts of the releases: the same rows, printed as ml-100k, ml-1m or ml-latest.

Rows are turned into text by pyarrow's CSV writer, always tab-separated and unquoted (it
refuses values that would need quoting, which guards the layouts), and the tab is then
replaced by the release's delimiter (``|``, ``::`` or ``,``). For CSV, values that contain a
comma or a quote are quoted beforehand, as MovieLens does, rather than every string.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from cinerec.data.synthetic._catalogue import Catalogue
from cinerec.data.synthetic._population import Population
from cinerec.data.synthetic._release import ReleaseStyle
from cinerec.data.vocabulary import AGE_BAND_FROM_ML1M_CODE, AGE_BANDS, GENDERS, OCCUPATION_FROM_ML100K, OCCUPATIONS

#: Genre names as ml-100k and ml-1m spell them (the CSV releases drop the apostrophe).
OLD_GENRE_SPELLING = {"Children": "Children's"}
NO_GENRES_CSV = "(no genres listed)"
HALF_STAR_LABELS = pa.array([f"{0.5 * k:.1f}" for k in range(11)])  # index = stars * 2
_QUOTE = "\x02"  # stands for '"' until the text is written
_TAB_OPTIONS = pa_csv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")


def rows_text(columns: list[pa.Array | list], delimiter: str, encoding: str = "utf-8") -> bytes:
    """Encode rows given as columns, one line per row, fields joined by ``delimiter``."""
    arrays = [c if isinstance(c, pa.Array | pa.ChunkedArray) else pa.array(c) for c in columns]
    if delimiter == ",":
        arrays = [_csv_quoted(a) if pa.types.is_string(a.type) else a for a in arrays]
    sink = io.BytesIO()
    pa_csv.write_csv(pa.table(arrays, names=[str(i) for i in range(len(arrays))]), sink, _TAB_OPTIONS)
    text = sink.getvalue()
    if delimiter == ",":
        text = text.replace(_QUOTE.encode(), b'"')
    if delimiter != "\t":
        text = text.replace(b"\t", delimiter.encode())
    return text if encoding == "utf-8" or text.isascii() else text.decode("utf-8").encode(encoding)


def _csv_quoted(values: pa.Array) -> pa.Array:
    """Quote (RFC 4180) only the values that need it, as MovieLens's CSV files do. The quote
    is written as ``_QUOTE`` (pyarrow refuses real quotes unquoted) and restored afterwards."""
    escaped = pc.replace_substring(values, '"', _QUOTE * 2)
    quoted = pc.binary_join_element_wise(_QUOTE, escaped, _QUOTE, "")
    return pc.if_else(pc.match_substring_regex(values, '[,"]'), quoted, values)


class ReleaseWriter:
    """Writes one release into a directory: the catalogue and users at once, then ratings
    and tags block by block (appended, so memory stays bounded). Use as a context manager."""

    style: ReleaseStyle
    ratings_file: str
    ratings_header = b""
    delimiter = "\t"
    encoding = "utf-8"

    def __init__(self, directory: Path, style: ReleaseStyle):
        self.directory = directory
        self.style = style
        self.files: list[str] = []
        self._ratings = self._open(self.ratings_file, self.ratings_header)

    def _open(self, name: str, header: bytes) -> io.BufferedWriter:
        self.files.append(name)
        handle = open(self.directory / name, "wb")  # noqa: SIM115 - closed in __exit__
        handle.write(header)
        return handle

    def _write(self, name: str, text: bytes) -> None:
        with self._open(name, b"") as handle:
            handle.write(text)

    def __enter__(self) -> ReleaseWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._ratings.close()

    def write_catalogue(self, catalogue: Catalogue, population: Population) -> None:
        raise NotImplementedError

    def _star_column(self, stars: np.ndarray) -> pa.Array:
        return pa.array(stars.astype(np.int8))

    def append_ratings(self, users: np.ndarray, movies: np.ndarray, stars: np.ndarray, timestamps: np.ndarray) -> None:
        """Append rating rows (user ids, movie ids, stars, epoch seconds)."""
        self._ratings.write(rows_text([pa.array(users), pa.array(movies), self._star_column(stars),
                                       pa.array(timestamps)], self.delimiter))

    def append_tags(self, users: np.ndarray, movies: np.ndarray, tags: np.ndarray, timestamps: np.ndarray) -> None:
        raise NotImplementedError(f"{self.style.name} has no tags")

    def genre_names(self, catalogue: Catalogue) -> list[list[str]]:
        """Each movie's genres, spelled as this release spells them."""
        names = [OLD_GENRE_SPELLING.get(g, g) if self.style.name != "ml-latest" else g for g in self.style.genres]
        return [[names[g] for g in row if g >= 0] for row in catalogue.genres.tolist()]


class Ml100kWriter(ReleaseWriter):
    ratings_file = "u.data"
    encoding = "latin-1"

    def write_catalogue(self, catalogue: Catalogue, population: Population) -> None:
        genre_header = ["unknown", *(OLD_GENRE_SPELLING.get(g, g) for g in self.style.genres)]
        flags = np.zeros((len(catalogue), len(genre_header)), dtype=np.int8)
        for row, names in enumerate(self.genre_names(catalogue)):
            flags[row, [genre_header.index(n) for n in names] or [0]] = 1
        titles = list(catalogue.titles)
        urls = ["http://us.imdb.com/M/title-exact?" + quote(t, safe="(),'", encoding="latin-1") for t in titles]
        no_video_dates = [""] * len(titles)
        self._write("u.item", rows_text([catalogue.movie_ids, titles, list(catalogue.release_dates), no_video_dates,
                                         urls, *flags.T], "|", self.encoding))
        users = np.arange(1, len(population) + 1, dtype=np.int32)
        words = _ml100k_occupation_words()
        occupations = [words[OCCUPATIONS[o]][u % len(words[OCCUPATIONS[o]])]
                       for u, o in enumerate(population.occupation.tolist())]
        genders = np.asarray(GENDERS)[population.gender].tolist()
        self._write("u.user", rows_text([users, population.age, genders, occupations, list(population.zips)], "|"))
        self._write("u.genre", "".join(f"{g}|{i}\n" for i, g in enumerate(genre_header)).encode() + b"\n")
        self._write("u.occupation", "".join(f"{w}\n" for w in sorted(OCCUPATION_FROM_ML100K)).encode())
        info = f"{len(population)} users\n{len(catalogue)} items\n{population.n_ratings.sum()} ratings\n"
        self._write("u.info", info.encode())


class Ml1mWriter(ReleaseWriter):
    ratings_file = "ratings.dat"
    delimiter = "::"
    encoding = "latin-1"

    def write_catalogue(self, catalogue: Catalogue, population: Population) -> None:
        genres = ["|".join(names) for names in self.genre_names(catalogue)]
        self._write("movies.dat", rows_text([catalogue.movie_ids, list(catalogue.titles), genres], "::", self.encoding))
        age_code = {band: code for code, band in AGE_BAND_FROM_ML1M_CODE.items()}
        ages = np.array([age_code[band] for band in AGE_BANDS], dtype=np.int8)[population.age_band]
        genders = np.asarray(GENDERS)[population.gender].tolist()
        users = np.arange(1, len(population) + 1, dtype=np.int32)
        self._write("users.dat", rows_text([users, genders, ages, population.occupation, list(population.zips)], "::"))


class MlLatestWriter(ReleaseWriter):
    ratings_file = "ratings.csv"
    ratings_header = b"userId,movieId,rating,timestamp\n"
    delimiter = ","

    def __init__(self, directory: Path, style: ReleaseStyle):
        super().__init__(directory, style)
        self._tags = self._open("tags.csv", b"userId,movieId,tag,timestamp\n")

    def close(self) -> None:
        super().close()
        self._tags.close()

    def _star_column(self, stars: np.ndarray) -> pa.Array:
        return HALF_STAR_LABELS.take(pa.array(np.rint(stars * 2).astype(np.int8)))

    def write_catalogue(self, catalogue: Catalogue, population: Population) -> None:
        genres = ["|".join(names) or NO_GENRES_CSV for names in self.genre_names(catalogue)]
        movies = rows_text([catalogue.movie_ids, list(catalogue.titles), genres], ",")
        self._write("movies.csv", b"movieId,title,genres\n" + movies)
        ids = catalogue.movie_ids.astype(np.int64)
        imdb = [f"{(i * 7919 + 100_000) % 9_000_000:07d}" for i in ids.tolist()]
        tmdb = pa.array(ids * 13 % 500_000 + 2, mask=ids % 97 == 0)  # a few movies TMDb lacks
        self._write("links.csv", b"movieId,imdbId,tmdbId\n" + rows_text([catalogue.movie_ids, imdb, tmdb], ","))
        described = np.flatnonzero(population.described)
        if described.size:
            self._write("users.csv", b"userId,gender,age_band,occupation,zip\n" + rows_text([
                described + 1, np.asarray(GENDERS)[population.gender[described]].tolist(),
                np.asarray(AGE_BANDS)[population.age_band[described]].tolist(),
                np.asarray(OCCUPATIONS)[population.occupation[described]].tolist(),
                [population.zips[i] for i in described.tolist()]], ","))

    def append_tags(self, users: np.ndarray, movies: np.ndarray, tags: np.ndarray, timestamps: np.ndarray) -> None:
        self._tags.write(rows_text([pa.array(users), pa.array(movies), pa.array(tags, type=pa.string()),
                                    pa.array(timestamps)], ","))


WRITERS: dict[str, type[ReleaseWriter]] = {"ml-100k": Ml100kWriter, "ml-1m": Ml1mWriter, "ml-latest": MlLatestWriter}


def _ml100k_occupation_words() -> dict[str, list[str]]:
    """Canonical occupation → the ml-100k words for it ("student" covers both kinds)."""
    words: dict[str, list[str]] = {"K-12 student": ["student"]}
    for word, canonical in sorted(OCCUPATION_FROM_ML100K.items()):
        words.setdefault(canonical, []).append(word)
    return words

