"""The MovieLens releases cinerec knows how to fetch, with what each one contains.

The figures come from GroupLens' READMEs (one beside each release on
files.grouplens.org; the formats are in docs/design.md#data); ``data list``
shows them so a person can pick a release before downloading hundreds of megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where GroupLens publishes the archives (and ``<name>.zip.md5`` beside each one).
DEFAULT_BASE_URL = "https://files.grouplens.org/datasets/movielens"


@dataclass(frozen=True)
class Release:
    """One downloadable MovieLens archive.

    ``md5`` is ``None`` for releases whose archive GroupLens rebuilds (``ml-latest*``) or
    whose checksum we have not pinned; the published ``<url>.md5`` is read instead.
    ``folder`` is the single top folder inside the zip (``ml-10m`` unpacks to
    ``ml-10M100K``), so the extracted data lives at ``<cache>/<name>/<folder>``.
    """

    name: str
    url: str
    md5: str | None
    zip_bytes: int
    folder: str
    ratings: int
    users: int
    movies: int
    has_demographics: bool
    has_tags: bool
    has_genome: bool


def _release(name: str, md5: str | None, zip_bytes: int, ratings: int, users: int, movies: int, *,
             folder: str | None = None, demographics: bool = False, tags: bool = True,
             genome: bool = False) -> Release:
    return Release(name=name, url=f"{DEFAULT_BASE_URL}/{name}.zip", md5=md5, zip_bytes=zip_bytes,
                   folder=folder or name, ratings=ratings, users=users, movies=movies,
                   has_demographics=demographics, has_tags=tags, has_genome=genome)


#: Every release ``cinerec data fetch`` accepts, smallest first within each family.
RELEASES: dict[str, Release] = {
    release.name: release
    for release in (
        _release("ml-100k", "0e33842e24a9c977be4e0107933c0723", 4_924_029, 100_000, 943, 1_682,
                 demographics=True, tags=False),
        _release("ml-1m", "c4d9eecfca2ab87c1945afe126590906", 5_917_549, 1_000_209, 6_040, 3_883,
                 demographics=True, tags=False),
        _release("ml-10m", "ce571fd55effeba0271552578f2648bd", 65_566_137, 10_000_054, 69_878, 10_681,
                 folder="ml-10M100K"),
        _release("ml-20m", "cd245b17a1ae2cc31bb14903e1204af3", 198_702_078, 20_000_263, 138_493, 27_278,
                 genome=True),
        _release("ml-25m", "6b51fb2759a8657d3bfcbfc42b592ada", 261_978_986, 25_000_095, 162_541, 62_423,
                 genome=True),
        _release("ml-32m", None, 238_950_008, 32_000_204, 200_948, 87_585),
        _release("ml-latest", None, 335_000_000, 33_832_162, 330_975, 86_537, genome=True),
        _release("ml-latest-small", None, 978_202, 100_836, 610, 9_742),
    )
}

#: How a person reads the names of data that are no GroupLens release by name: a folder
#: of MovieLens-style files is named by its layout.
LAYOUT_LABELS: dict[str, str] = {"csv": "MovieLens-style CSV files", "recbole": "RecBole atomic files"}


def release_label(name: str) -> str:
    """A release as a person reads it: "ml-25m", or "MovieLens-style CSV files" for a
    folder the readers know only by its layout."""
    return LAYOUT_LABELS.get(name, name)
