"""Tiny MovieLens releases written from scratch, one writer per format.

Every writer lays down the same small world (a few well-known movies, three users,
a dozen ratings) in a release's own files and quirks, so tests can check that every
reader arrives at the same canonical dataset. Nothing here is copied from real
MovieLens files. ``replace_line`` and ``insert_line`` let a test plant a bad line at a
known line number.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

#: (movie id, raw title as the older releases spell it, release date, genres as ml-100k/1m spell them)
MOVIES: tuple[tuple[int, str, str, tuple[str, ...]], ...] = (
    (1, "Toy Story (1995)", "01-Jan-1995", ("Animation", "Children's", "Comedy")),
    (2, "Matrix, The (1999)", "31-Mar-1999", ("Action", "Sci-Fi", "Thriller")),
    (3, "City of Lost Children, The (Cité des enfants perdus, La) (1995)", "15-Dec-1995",
     ("Adventure", "Sci-Fi")),
    (4, "Se7en (1995)", "22-Sep-1995", ("Crime", "Thriller")),
    (5, "Misérables, Les (1995)", "", ("Drama", "Musical")),
    (6, "Unknown Pleasures", "14-Feb-1997", ()),
)
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)
#: (user id, age in years, ml-1m age code, gender, ml-100k occupation word, ml-1m occupation code, zip)
USERS: tuple[tuple[int, int, int, str, str, int, str], ...] = (
    (1, 24, 18, "M", "technician", 17, "85711"),
    (2, 15, 1, "F", "student", 10, "01234"),
    (3, 53, 50, "F", "librarian", 1, "T8H1N"),
)
#: (user id, movie id, whole-star rating, timestamp), deliberately not sorted.
RATINGS: tuple[tuple[int, int, int, int], ...] = (
    (2, 1, 5, 881250949), (1, 1, 4, 881250950), (1, 2, 5, 881250951), (1, 4, 3, 881250952),
    (2, 3, 2, 881250953), (3, 5, 1, 881250954), (3, 2, 4, 881250955), (1, 6, 2, 881250956),
)

#: movies.csv rows as the CSV releases spell them: quoted commas and quotes, "a.k.a.", no year.
CSV_MOVIES = '''movieId,title,genres
1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy
2,"Matrix, The (1999)",Action|Sci-Fi|Thriller
4,Seven (a.k.a. Se7en) (1995),Mystery|Thriller
7,"Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)",Action|Adventure|Western
8,"""Great Performances"" Cats (1998)",Musical
9,Hyena Road,(no genres listed)
'''
#: ratings.csv sorted by user then movie, half stars.
CSV_RATINGS = '''userId,movieId,rating,timestamp
1,1,4.0,964982703
1,2,4.5,964981247
1,7,5.0,964982224
2,4,0.5,964983815
2,8,3.5,964982931
5,9,2.0,964980868
'''
#: tags.csv: free text with quoted commas; user 9 only tags.
CSV_TAGS = '''userId,movieId,tag,timestamp
1,2,"dark, twisted",1445714994
2,7,Sergio Leone,1445714996
9,1,pixar,1445714992
'''
GENOME_TAGS = '''tagId,tag
1,007
2,"dark, gritty"
3,atmospheric
'''
GENOME_MOVIES = (1, 2, 7)


def genome_relevance(movie_id: int, tag_id: int) -> float:
    """The relevance the fixture genome gives ``tag_id`` for ``movie_id`` (exact in float32)."""
    return (movie_id * 4 + tag_id) / 32


def write_ml100k(folder: Path) -> Path:
    """``u.data`` (tabs), ``u.item`` (``|``, Latin-1, genre flags), ``u.user``."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "u.data", [f"{u}\t{m}\t{r}\t{t}" for u, m, r, t in RATINGS])
    items = []
    for movie_id, title, date, genres in MOVIES:
        flags = "|".join("1" if genre in genres else "0" for genre in ML100K_GENRES)
        url = f"http://us.imdb.com/M/title-exact?{movie_id}"
        items.append(f"{movie_id}|{title}|{date}||{url}|{flags}")
    _write(folder / "u.item", items, encoding="latin-1")
    _write(folder / "u.user", [f"{u}|{age}|{g}|{word}|{z}" for u, age, _, g, word, _, z in USERS])
    return folder


def write_ml1m(folder: Path) -> Path:
    """``movies.dat``, ``users.dat`` (codes), ``ratings.dat``: ``::``, Latin-1."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "movies.dat", [f"{m}::{title}::{'|'.join(genres)}" for m, title, _, genres in MOVIES],
           encoding="latin-1")
    _write(folder / "users.dat", [f"{u}::{g}::{code}::{occupation}::{z}" for u, _, code, g, _, occupation, z in USERS])
    _write(folder / "ratings.dat", [f"{u}::{m}::{r}::{t}" for u, m, r, t in RATINGS])
    return folder


def write_ml10m(folder: Path) -> Path:
    """``movies.dat``, ``ratings.dat`` (half stars), ``tags.dat``; no users file."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "movies.dat", [f"{m}::{title}::{'|'.join(genres)}" for m, title, _, genres in MOVIES])
    _write(folder / "ratings.dat", [f"{u}::{m}::{r - 0.5}::{t}" for u, m, r, t in RATINGS])
    _write(folder / "tags.dat", ["1::2::mind-bending::1188263867", "7::1::pixar, classic::1188263880"])
    return folder


def write_csv_release(folder: Path, *, genome: bool = True) -> Path:
    """``movies.csv``, ``ratings.csv``, ``tags.csv``, ``links.csv`` and, by default, the genome."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "movies.csv").write_text(CSV_MOVIES, encoding="utf-8")
    (folder / "ratings.csv").write_text(CSV_RATINGS, encoding="utf-8")
    (folder / "tags.csv").write_text(CSV_TAGS, encoding="utf-8")
    (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n1,0114709,862\n2,0133093,\n", encoding="utf-8")
    if genome:
        (folder / "genome-tags.csv").write_text(GENOME_TAGS, encoding="utf-8")
        scores = [f"{m},{t},{genome_relevance(m, t)}" for m in GENOME_MOVIES for t in (1, 2, 3)]
        _write(folder / "genome-scores.csv", ["movieId,tagId,relevance", *scores])
    return folder


def write_recbole(folder: Path, *, name: str = "ml-100k", with_users: bool = True) -> Path:
    """RecBole atomic files: ``<name>.inter``, ``.item`` (title without year), ``.user``."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / f"{name}.inter", ["user_id:token\titem_id:token\trating:float\ttimestamp:float",
                                      *(f"{u}\t{m}\t{r}\t{t}" for u, m, r, t in RATINGS)])
    items = ["item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq"]
    for movie_id, title, date, genres in MOVIES:
        year = title[-5:-1] if title.endswith(")") else "unkonwn"
        bare = title[:-7] if title.endswith(")") else title
        items.append(f"{movie_id}\t{bare}\t{year}\t{' '.join(genres) or 'unknown'}")
    _write(folder / f"{name}.item", items)
    if with_users:
        _write(folder / f"{name}.user", ["user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token",
                                         *(f"{u}\t{age}\t{g}\t{word}\t{z}" for u, age, _, g, word, _, z in USERS)])
    return folder


def zip_folder(folder: Path, zip_path: Path, *, top: str | None = None) -> Path:
    """Zip ``folder``'s files under a top folder ``top`` (as GroupLens archives do) or flat."""
    with zipfile.ZipFile(zip_path, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{top}/{file.name}" if top else file.name)
    return zip_path


def replace_line(path: Path, line: int, text: str | bytes) -> None:
    """Replace 1-based line ``line`` of ``path`` (bytes are written as given)."""
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = text if isinstance(text, bytes) else text.encode("utf-8")
    path.write_bytes(b"\n".join(lines))


def insert_line(path: Path, line: int, text: str) -> None:
    """Insert ``text`` so that it becomes 1-based line ``line`` of ``path``."""
    lines = path.read_bytes().split(b"\n")
    lines.insert(line - 1, text.encode("utf-8"))
    path.write_bytes(b"\n".join(lines))


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
