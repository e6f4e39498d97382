"""How long reading MovieLens takes, and what our reader costs over raw CSV parsing.

Four measurements on the same synthetic ml-latest release, side by side:

* ``read_movielens``: cinerec's full parse of ratings.csv, movies.csv and tags.csv with
  every check (what the first ``cinerec build`` on a new release pays);
* ``load_dataset``: the same release through the warm Parquet cache (what every later
  step pays);
* ``pyarrow.csv.read_csv`` and ``pandas.read_csv`` of ratings.csv alone with the
  reader's column types: the floor a reader built on either library can reach.

The functions below run in child processes (see :mod:`benchmarks.harness`); each imports
its libraries inside, and the harness preloads them before the clock starts, so the
runner itself never holds pandas or pyarrow.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.datasets import DataShape, synthetic_release
from benchmarks.harness import BenchmarkError, Measurement, Suite, SuitePlan, run_in_child

_CINEREC_MODULES = ("cinerec.data.readers", "cinerec.data.formats.csv_release")
#: Dataset counts each cinerec read reports, so the table's rows can be seen to agree.
_COUNTS = ("ratings", "movies", "tags", "users")


def prepare(shape: DataShape) -> SuitePlan:
    """Generate (or reuse) the release, fill the Parquet cache, and plan the four reads."""
    folder = synthetic_release(shape)
    run_in_child(Measurement("warm_cache", "fill the Parquet cache", "benchmarks.read_benchmark:warm_cache",
                             (str(folder),), _CINEREC_MODULES))
    ratings_path = folder / "ratings.csv"
    folder_mb = sum(path.stat().st_size for path in folder.glob("*.csv")) / 1e6
    data = (f"Data: a {shape.describe()}; ratings.csv is {ratings_path.stat().st_size / 1e6:,.0f} MB, "
            f"all CSV files {folder_mb:,.0f} MB. A warm-up read precedes the runs, so the files come from "
            "the OS page cache when memory allows.")
    measurements = (
        Measurement("read_movielens", "cinerec `read_movielens` (parse + check ratings, movies, tags)",
                    "benchmarks.read_benchmark:read_with_cinerec", (str(folder),), _CINEREC_MODULES),
        Measurement("load_dataset", "cinerec `load_dataset` (warm Parquet cache)",
                    "benchmarks.read_benchmark:load_from_cache", (str(folder),), _CINEREC_MODULES),
        Measurement("pyarrow_read_csv", "`pyarrow.csv.read_csv` of ratings.csv (baseline)",
                    "benchmarks.read_benchmark:read_with_pyarrow", (str(ratings_path),),
                    ("pyarrow.csv", "cinerec.data.formats.csv_release")),
        Measurement("pandas_read_csv", "`pandas.read_csv` of ratings.csv, C engine (baseline)",
                    "benchmarks.read_benchmark:read_with_pandas", (str(ratings_path),),
                    ("pandas", "cinerec.data.formats.csv_release")),
    )
    notes = ("`load_dataset` reads the Parquet cache that a warm-up call wrote before the runs; "
             "the baselines parse ratings.csv only, with the reader's column types.",)
    return SuitePlan(data, measurements, notes)


SUITE = Suite("read", "Reading MovieLens", prepare)


# --------------------------------------------------------- run in child processes
def read_with_cinerec(folder: str) -> dict[str, int]:
    from cinerec.data.readers import read_movielens

    counts = read_movielens(folder).counts()
    return {name: counts[name] for name in _COUNTS}


def warm_cache(folder: str) -> None:
    from cinerec.data.readers import load_dataset

    load_dataset(folder)


def load_from_cache(folder: str) -> dict[str, int]:
    """``load_dataset`` as later steps call it; refuses to report a run that missed the cache."""
    from cinerec.data.readers import load_dataset
    from cinerec.paths import parsed_dir

    before = _cache_entries(parsed_dir())
    counts = load_dataset(folder).counts()
    if _cache_entries(parsed_dir()) != before:
        raise BenchmarkError(f"load_dataset parsed {folder} instead of reading its Parquet cache "
                             f"in {parsed_dir()}; the warm-up did not fill it")
    return {name: counts[name] for name in _COUNTS}


def _cache_entries(parsed: Path) -> dict[str, int]:
    """Each cached dataset and when it was written: a change means the call parsed and saved."""
    return {entry.name: entry.stat().st_mtime_ns for entry in parsed.glob("*/dataset.json")}


def read_with_pyarrow(ratings_csv: str) -> dict[str, int]:
    import pyarrow.csv as pacsv

    from cinerec.data.formats.csv_release import RATING_COLUMNS, TYPES

    options = pacsv.ConvertOptions(column_types={name: TYPES[name] for name in RATING_COLUMNS})
    return {"ratings": pacsv.read_csv(ratings_csv, convert_options=options).num_rows}


def read_with_pandas(ratings_csv: str) -> dict[str, int]:
    import pandas as pd

    from cinerec.data.formats.csv_release import RATING_COLUMNS, TYPES

    dtypes = {name: TYPES[name].to_pandas_dtype() for name in RATING_COLUMNS}
    return {"ratings": len(pd.read_csv(ratings_csv, engine="c", dtype=dtypes))}
