"""RecBole's "atomic files" copy of ml-100k (shipped inside the ``recbole`` wheel).

Tab-separated, UTF-8, with a ``name:type`` header line: ``<name>.inter`` (ratings),
``<name>.item`` (title without the year, ``release_year``, genres separated by spaces
in ``class``) and, optionally, ``<name>.user`` (ml-100k's demographics). Columns are
found by name, so their order does not matter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from cinerec.data.dataset import Dataset
from cinerec.data.formats.delimited import TextTable, header_fields, read_delimited
from cinerec.data.formats.ml100k import users_with_ages_and_words
from cinerec.data.formats.tables import WHOLE_STARS, movies_frame, ratings_frame, users_from_activity
from cinerec.errors import DataError

FORMAT = "recbole"
#: RecBole field name -> (canonical column, type).
FIELDS: dict[str, tuple[str, pa.DataType]] = {
    "user_id": ("user_id", pa.int32()),
    "item_id": ("movie_id", pa.int32()),
    "rating": ("rating", pa.float32()),
    "timestamp": ("timestamp", pa.float64()),
    "movie_title": ("title", pa.string()),
    "release_year": ("release_year", pa.string()),
    "class": ("genres", pa.string()),
    "age": ("age", pa.int16()),
    "gender": ("gender", pa.string()),
    "occupation": ("occupation", pa.string()),
    "zip_code": ("zip", pa.string()),
}
RATING_COLUMNS = ("user_id", "movie_id", "rating", "timestamp")


def interaction_files(folder: Path) -> list[Path]:
    """The ``*.inter`` files in ``folder`` (a RecBole dataset has exactly one)."""
    return sorted(folder.glob("*.inter"))


def read(folder: Path, release: str) -> Dataset:
    """Read a RecBole atomic-file folder into the canonical dataset."""
    inter_files = interaction_files(folder)
    if len(inter_files) != 1:
        found = ", ".join(path.name for path in inter_files) or "none"
        raise DataError(f"a RecBole folder needs exactly one .inter file (found: {found})", folder)
    inter = inter_files[0]
    item = inter.with_suffix(".item")
    if not item.is_file():
        raise DataError(f"recbole folder has no {item.name}", folder)
    movies = _read_movies(item)
    user_file = inter.with_suffix(".user")
    users = users_with_ages_and_words(_read_atomic(user_file, ("user_id", "age", "gender", "occupation", "zip"))) \
        if user_file.is_file() else None
    source = _read_atomic(inter, RATING_COLUMNS)
    known_users = (users["user_id"].to_numpy(), user_file.name) if users is not None else None
    ratings, warnings = ratings_frame(source, RATING_COLUMNS, WHOLE_STARS, movies["movie_id"].to_numpy(),
                                      item.name, known_users=known_users)
    if users is None:
        users = users_from_activity(ratings["user_id"].to_numpy())
    return Dataset.from_frames(movies, users, ratings, releases=(release,), warnings=tuple(warnings))


def _read_atomic(path: Path, needed: tuple[str, ...]) -> TextTable:
    """Parse an atomic file, finding the ``needed`` canonical columns by header name."""
    fields = [field.split(":", 1)[0] for field in header_fields(path, "\t")]
    names = [FIELDS[field][0] if field in FIELDS else field for field in fields]
    if missing := [name for name in needed if name not in names]:
        raise DataError(f"header lacks the {missing[0]} field (found: {', '.join(fields)})", path, 1)
    types = {FIELDS[field][0]: FIELDS[field][1] for field in fields if field in FIELDS and FIELDS[field][0] in needed}
    return read_delimited(path, names, types, delimiter="\t", header_lines=1, quoted=False)


def _read_movies(path: Path) -> pd.DataFrame:
    """The ``.item`` file: the year comes from ``release_year`` unless the title has one
    (RecBole kept ``Land Before Time III (1995)`` and put the ``V`` marker in the year)."""
    source = _read_atomic(path, ("movie_id", "title", "release_year", "genres"))
    years = [int(year) if year.isdigit() and len(year) == 4 else None for year in source.strings("release_year")]
    genres = [names.split() for names in source.strings("genres")]
    return movies_frame(source, source.numbers("movie_id", np.int32), source.strings("title"), genres,
                        fallback_years=years)
