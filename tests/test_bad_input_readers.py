"""Bad input files as a person meets them on the command line: one line naming the file
(and line), exit status 2, no traceback, nothing half-written in the cache — or, where
the data is fine but saved differently (UTF-16, a BOM, CRLF), simply the same dataset."""

from __future__ import annotations

import codecs
import errno
import gzip
import io
import os
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import movielens_files as files
from cinerec.cli.main import main
from cinerec.data.combine import combine
from cinerec.data.readers import read_movielens

Writer = Callable[[Path], Path]
WRITERS: dict[str, Writer] = {"csv": files.write_csv_release, "ml-1m": files.write_ml1m,
                              "ml-100k": files.write_ml100k, "recbole": files.write_recbole}
TEN_MB = 10_000_000


def inspect(capsys: pytest.CaptureFixture[str], path: Path, tmp_path: Path) -> tuple[int, str]:
    """Run ``cinerec data inspect PATH`` and return its exit status and stderr."""
    code = main(["data", "inspect", str(path), "--report", str(tmp_path / "report")])
    return code, capsys.readouterr().err


def assert_one_line_error(code: int, err: str, *fragments: str) -> str:
    """Exit 2 and a single ``cinerec: error:`` line holding every fragment."""
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("cinerec: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def assert_nothing_half_written(cache: Path) -> None:
    """No staging folder or file left anywhere in the cache, and no parsed dataset cached."""
    assert [path for path in cache.rglob("*") if path.name.endswith(".partial")] == []
    parsed = cache / "parsed"
    assert not parsed.exists() or list(parsed.iterdir()) == []


def text_of(path: Path) -> str:
    """A fixture file's text, whichever of UTF-8 or Latin-1 its writer used."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def assert_same_dataset(path: Path, expected: Path) -> None:
    read, reference = read_movielens(path), read_movielens(expected)
    assert read.fingerprint == reference.fingerprint
    assert read.movies["raw_title"].tolist() == reference.movies["raw_title"].tolist()
    assert read.movies["genres"].tolist() == reference.movies["genres"].tolist()
    assert read.tags["tag"].tolist() == reference.tags["tag"].tolist()
    assert read.users.astype(str).to_numpy().tolist() == reference.users.astype(str).to_numpy().tolist()


# ------------------------------------------------------------------ 1. encodings
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "UTF-16 with BOM": lambda text: text.encode("utf-16"),
    "UTF-16 big-endian with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "UTF-16 without BOM": lambda text: text.encode("utf-16-le"),
    "UTF-32 with BOM": lambda text: text.encode("utf-32"),
    "UTF-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}
ENCODED_FILES = [("csv", "movies.csv"), ("csv", "ratings.csv"), ("csv", "tags.csv"), ("ml-1m", "movies.dat"),
                 ("ml-1m", "ratings.dat"), ("ml-100k", "u.item"), ("ml-100k", "u.data"), ("recbole", "ml-100k.item")]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(("release", "name"), ENCODED_FILES)
def test_unicode_text_saved_another_way_reads_the_same(tmp_path: Path, release: str, name: str,
                                                      encoding: str) -> None:
    original = WRITERS[release](tmp_path / "original")
    altered = WRITERS[release](tmp_path / "altered")
    (altered / name).write_bytes(ENCODINGS[encoding](text_of(original / name)))
    assert_same_dataset(altered, original)


def test_broken_utf16_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     isolated_cache: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    encoded = files.CSV_MOVIES.encode("utf-16")
    (folder / "movies.csv").write_bytes(encoded[:-1])  # cut inside the last character, the final newline
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / 'movies.csv'}:7: invalid UTF-16 text", "save the file as UTF-8")
    assert_nothing_half_written(isolated_cache)


# ------------------------------------------------------------- 2. a damaged zip
def test_damaged_zip_member_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     isolated_cache: Path) -> None:
    archive = tmp_path / "ml-latest-small.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml-latest-small/movies.csv", files.CSV_MOVIES)
        zf.writestr("ml-latest-small/ratings.csv", files.CSV_RATINGS * 50)
    with zipfile.ZipFile(archive) as zf:
        member = zf.getinfo("ml-latest-small/ratings.csv")
    data = bytearray(archive.read_bytes())
    start = member.header_offset + 30 + len(member.filename) + len(member.extra)  # the local header's size
    data[start + 20:start + 40] = bytes(byte ^ 0x5A for byte in data[start + 20:start + 40])
    archive.write_bytes(bytes(data))
    code, err = inspect(capsys, archive, tmp_path)
    assert_one_line_error(code, err, f"{archive}:ml-latest-small/ratings.csv: damaged data", "download the archive again")
    assert_nothing_half_written(isolated_cache)
    assert not (isolated_cache / "unzipped").exists() or list((isolated_cache / "unzipped").iterdir()) == []


# -------------------------------------------------- 3. errors inside a zip
@pytest.mark.parametrize(("top", "damage", "where", "fragment"), [
    ("ml-latest-small", "bad rating", "ml-latest-small/ratings.csv:4", "rating 9 is outside"),
    ("", "bad rating", "ratings.csv:4", "rating 9 is outside"),
    ("ml-latest-small", "no movies.csv", "ml-latest-small", "csv folder has no movies.csv"),
    ("ml-latest-small", "binary movies.csv", "ml-latest-small/movies.csv:1", "a PNG image"),
])
def test_errors_inside_a_zip_name_archive_member_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          isolated_cache: Path, top: str, damage: str, where: str,
                                                          fragment: str) -> None:
    folder = files.write_csv_release(tmp_path / "src", genome=False)
    if damage == "bad rating":
        files.replace_line(folder / "ratings.csv", 4, "1,7,9.0,964982224")
    elif damage == "no movies.csv":
        (folder / "movies.csv").unlink()
    else:
        (folder / "movies.csv").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    archive = files.zip_folder(folder, tmp_path / "ml-latest-small.zip", top=top or None)
    code, err = inspect(capsys, archive, tmp_path)
    line = assert_one_line_error(code, err, f"{archive}:{where}: {fragment}")
    assert str(isolated_cache) not in line
    assert_nothing_half_written(isolated_cache)


# ------------------------------------------------------- 4. a line of 10 MB
@pytest.mark.parametrize(("release", "name", "line", "what"), [
    ("csv", "ratings.csv", 4, "row"),
    ("csv", "ratings.csv", 8, "row"),  # after the last newline: the file ends in the 10 MB line
    ("csv", "movies.csv", 1, "header"),
    ("ml-1m", "ratings.dat", 3, "row"),
    ("ml-100k", "u.data", 2, "row"),
])
def test_a_10_mb_line_is_named_with_its_size(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             isolated_cache: Path, release: str, name: str, line: int,
                                             what: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    files.replace_line(folder / name, line, b"7" * TEN_MB)
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}:{line}: this line is 10.0 MB long: not a MovieLens {what}")
    assert_nothing_half_written(isolated_cache)


# ----------------------------------------------------------- 5. huge ids
@pytest.mark.parametrize(("release", "name", "line", "content", "fragment"), [
    ("csv", "ratings.csv", 3, "123456789012345678901234567890,2,4.5,964981247",
     "userId 123456789012345678901234567890 is out of range (at most 2,147,483,647)"),
    ("csv", "ratings.csv", 3, "1,1234567890123456789012345678901234567890,4.5,964981247",
     "movieId 1234567890123456789012345678901234567890 is out of range"),
    ("csv", "ratings.csv", 3, "2147483648,2,4.5,964981247", "userId 2147483648 is out of range"),
    ("csv", "ratings.csv", 3, "1,2,4.5,99999999999999999999999999", "timestamp 99999999999999999999999999 is out of range"),
    ("csv", "movies.csv", 3, "123456789012345678901234567890123,Film (1999),Drama",
     "movieId 123456789012345678901234567890123 is out of range"),
    ("csv", "tags.csv", 2, "-123456789012345678901234567890,2,dark,1445714994",
     "userId -123456789012345678901234567890 is out of range (at least -2,147,483,648)"),
    ("csv", "ratings.csv", 3, "1," + "9" * 5000 + ",4.5,964981247", "movieId 99999999999999999999…9999999999 (5,000 characters) is out of range"),
    ("ml-1m", "ratings.dat", 2, "123456789012345678901234567890123::1::4::881250950", "user_id 1234"),
    ("ml-100k", "u.data", 2, "1\t123456789012345678901234567890123\t4\t881250950", "movie_id 1234"),
    ("ml-100k", "u.item", 2, "123456789012345678901234567890123|Film (1999)|||" + "|0" * 19, "movie_id 1234"),
])
def test_ids_too_large_for_their_column(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path,
                                        release: str, name: str, line: int, content: str, fragment: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    files.replace_line(folder / name, line, content)
    code, err = inspect(capsys, folder, tmp_path)
    message = assert_one_line_error(code, err, f"{folder / name}:{line}: ", fragment)
    assert len(message) < 300 + len(str(folder))
    assert_nothing_half_written(isolated_cache)


def test_huge_ids_users_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    (folder / "users.csv").write_text("userId,gender,age_band,occupation,zip\n"
                                      "1,M,18-24,artist,12345\n123456789012345678901234567890,F,,,\n")
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / 'users.csv'}:3: userId 123456789012345678901234567890 is out of range")
    assert_nothing_half_written(isolated_cache)


def test_largest_int32_ids_cost_no_memory(tmp_path: Path) -> None:
    """Ids up to 2^31 - 1 are valid: looking them up must not build tables as large as the id."""
    folder = files.write_ml100k(tmp_path / "ml-100k")
    flags = "|".join("0" for _ in files.ML100K_GENRES)
    with (folder / "u.item").open("a", encoding="latin-1") as handle:
        handle.write(f"2147483646|Toy Story (1995)|01-Jan-1995|||{flags}\n")  # a double listing, merged into 1
        handle.write(f"2147483647|Far Away (1990)|01-Jan-1990|||{flags}\n")
    with (folder / "u.data").open("a") as handle:
        handle.write("3\t2147483646\t4\t881250960\n3\t2147483647\t5\t881250961\n")
    tracemalloc.start()
    try:
        dataset = read_movielens(folder)
        combined, _ = combine([dataset, read_movielens(files.write_csv_release(tmp_path / "ml-latest"))])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000
    assert dataset.movies["movie_id"].max() == 2147483647 and 2147483646 not in dataset.movies["movie_id"].tolist()
    assert "Far Away" in combined.movies["title"].tolist() and len(combined.ratings) == len(dataset.ratings) + 6


# ------------------------------------------------------------------ 6. others
@pytest.mark.parametrize(("name", "line", "content", "fragment"), [
    ("ratings.csv", 3, "-1,2,4.5,964981247", "user id -1 is not a positive number"),
    ("ratings.csv", 3, "1,-2,4.5,964981247", "movie id -2 is not a positive number"),
    ("movies.csv", 3, '-2,"Matrix, The (1999)",Action', "movie id -2 is not a positive number"),
    ("tags.csv", 2, "1,0,dark,1445714994", "movie id 0 is not a positive number"),
])
def test_negative_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path, name: str,
                      line: int, content: str, fragment: str) -> None:
    folder = files.write_csv_release(tmp_path / "data")
    files.replace_line(folder / name, line, content)
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}:{line}: {fragment}")
    assert_nothing_half_written(isolated_cache)


@pytest.mark.parametrize(("release", "name", "line", "content", "fragment"), [
    ("csv", "ratings.csv", 3, "1,2,nan,964981247", "rating nan is outside 0.5–5"),
    ("csv", "ratings.csv", 3, "1,2,NaN,964981247", "rating nan is outside 0.5–5"),
    ("csv", "ratings.csv", 3, "1,2,inf,964981247", "rating inf is outside 0.5–5"),
    ("csv", "ratings.csv", 3, "1,2,-inf,964981247", "rating -inf is outside 0.5–5"),
    ("csv", "ratings.csv", 3, "1,2,NA,964981247", "rating: 'NA' is not a number"),
    ("csv", "genome-scores.csv", 2, "1,1,nan", "relevance nan is outside 0–1"),
    ("ml-1m", "ratings.dat", 2, "1::1::nan::881250950", "rating nan is outside 1–5"),
    ("recbole", "ml-100k.inter", 2, "2\t1\t5\tnan", "timestamp nan is not a whole number"),
    ("recbole", "ml-100k.inter", 2, "2\t1\t5\tinf", "timestamp inf is not a whole number"),
])
def test_ratings_and_numbers_that_are_nan_or_inf(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 isolated_cache: Path, release: str, name: str, line: int,
                                                 content: str, fragment: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    files.replace_line(folder / name, line, content)
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}:{line}: {fragment}")
    assert_nothing_half_written(isolated_cache)


@pytest.mark.parametrize(("release", "name"), [("csv", "ratings.csv"), ("csv", "movies.csv"),
                                               ("ml-1m", "users.dat"), ("ml-100k", "u.data")])
def test_a_folder_named_like_a_release_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            isolated_cache: Path, release: str, name: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    (folder / name).unlink()
    (folder / name).mkdir()
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}: is a folder, not a file")
    assert_nothing_half_written(isolated_cache)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 14)) + chunk(b"IEND", b"")


BINARY: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "random bytes": (lambda _: np.random.default_rng(7).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
                     "binary data (a NUL byte), not MovieLens text"),
    "a PNG image": (lambda _: _png(), "a PNG image, not MovieLens text"),
    "the file gzipped": (lambda data: gzip.compress(data, mtime=0), "a gzip-compressed file, not MovieLens text"),
    "a zip of the file": (lambda data: _zipped(data), "a zip archive, not MovieLens text"),
}


def _zipped(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ratings.csv", data)
    return buffer.getvalue()


@pytest.mark.parametrize("content", BINARY)
@pytest.mark.parametrize(("release", "name"), [("csv", "ratings.csv"), ("csv", "movies.csv"),
                                               ("ml-1m", "movies.dat"), ("ml-100k", "u.item"), ("ml-100k", "u.data")])
def test_binary_data_in_place_of_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path,
                                      release: str, name: str, content: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    make, fragment = BINARY[content]
    (folder / name).write_bytes(make((folder / name).read_bytes()))
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}:", fragment)
    assert_nothing_half_written(isolated_cache)


@pytest.mark.parametrize(("release", "name", "content", "fragment"), [
    ("csv", "movies.csv", "", "the file is empty"),
    ("csv", "movies.csv", "movieId,title,genres\n", "lists no movies"),
    ("csv", "movies.csv", "movieId,title,genres", "lists no movies"),
    ("csv", "ratings.csv", "", "the file is empty"),
    ("csv", "ratings.csv", "userId,movieId,rating,timestamp\n", "lists no ratings"),
    ("csv", "ratings.csv", "userId,movieId,rating,timestamp\r\n\r\n", "lists no ratings"),
    ("ml-1m", "movies.dat", "", "the file is empty"),
    ("ml-1m", "movies.dat", "\n\n", "lists no movies"),
    ("ml-1m", "ratings.dat", "\n", "lists no ratings"),
    ("ml-100k", "u.item", "", "the file is empty"),
    ("recbole", "ml-100k.item", "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n",
     "lists no movies"),
])
def test_empty_and_header_only_files(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path,
                                     release: str, name: str, content: str, fragment: str) -> None:
    folder = WRITERS[release](tmp_path / "data")
    (folder / name).write_text(content)
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, f"{folder / name}: {fragment}")
    assert_nothing_half_written(isolated_cache)


@pytest.mark.parametrize("release", WRITERS)
def test_crlf_line_endings_read_the_same(tmp_path: Path, release: str) -> None:
    original = WRITERS[release](tmp_path / "original")
    altered = WRITERS[release](tmp_path / "altered")
    for file in altered.iterdir():
        file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    assert_same_dataset(altered, original)


# -------------------------------------------------------- unreadable paths
@pytest.fixture
def deny(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a file or folder unreadable (mode 000). Where privileges ignore file modes
    (root), opening and listing it are refused as the operating system refuses others."""
    denied: list[Path] = []
    real_open, real_listdir = io.open, os.listdir

    def refused(target: object) -> None:
        if isinstance(target, (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(target))
            if any(path == blocked or blocked in path.parents for blocked in denied):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(target))

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        refused(file)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    def guarded_listdir(path: object = ".") -> list[str]:
        refused(path)
        return real_listdir(path)  # type: ignore[arg-type]

    def deny_path(path: Path) -> None:
        path.chmod(0)
        denied.append(path)
        if os.access(path, os.R_OK):
            monkeypatch.setattr(io, "open", guarded_open)
            monkeypatch.setattr(os, "listdir", guarded_listdir)

    yield deny_path
    for path in denied:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("what", ["release folder", "its only subfolder", "ratings.csv", "movies.dat", "zip"])
def test_unreadable_file_or_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_cache: Path,
                                   deny: Callable[[Path], None], what: str) -> None:
    if what == "release folder":
        given = denied = files.write_csv_release(tmp_path / "data")
    elif what == "its only subfolder":
        given = tmp_path / "download"
        denied = files.write_csv_release(given / "ml-latest-small")
    elif what == "zip":
        given = denied = files.zip_folder(files.write_csv_release(tmp_path / "src"), tmp_path / "ml-latest-small.zip")
    else:
        given = WRITERS["ml-1m" if what.endswith(".dat") else "csv"](tmp_path / "data")
        denied = given / what
    deny(denied)
    code, err = inspect(capsys, given, tmp_path)
    assert_one_line_error(code, err, f"{denied}: cannot read (Permission denied)")
    assert_nothing_half_written(isolated_cache)


@pytest.mark.parametrize("release", ["ml-100k", "csv"])
def test_a_nul_byte_past_the_sniffed_start_is_refused_in_a_title(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                  release: str) -> None:
    folder = WRITERS[release](tmp_path / "release")
    movies = folder / ("u.item" if release == "ml-100k" else "movies.csv")
    lines = movies.read_bytes().split(b"\n")
    lines[0 if release == "ml-100k" else 1] = b" " * 5000 + lines[0 if release == "ml-100k" else 1]  # past the sniff
    lines[-2] = lines[-2].replace(b"|" if release == "ml-100k" else b",", b"|\0" if release == "ml-100k" else b",\0", 1)
    movies.write_bytes(b"\n".join(lines))
    code, err = inspect(capsys, folder, tmp_path)
    assert_one_line_error(code, err, movies.name, "NUL byte")
