"""safe_extract: unpack good archives whole, refuse hostile members before writing anything."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from cinerec.data.archive import safe_extract, staged_directory
from cinerec.errors import FetchError

GOOD_MEMBERS = {
    "ml-latest-small/ratings.csv": b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
    "ml-latest-small/movies.csv": b"movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n",
}


def _zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, link_target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, link_target)
    return path


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_extracts_every_member_into_dest(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "good.zip", GOOD_MEMBERS)
    dest = tmp_path / "out" / "ml-latest-small"
    safe_extract(archive, dest)
    for name, data in GOOD_MEMBERS.items():
        assert (dest / name).read_bytes() == data
    assert _leftovers(dest.parent) == []


def test_replaces_an_existing_destination(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    (dest / "stale").mkdir(parents=True)
    (dest / "stale" / "old.csv").write_text("from an earlier, interrupted run")
    safe_extract(_zip(tmp_path / "good.zip", GOOD_MEMBERS), dest)
    assert not (dest / "stale").exists()
    assert (dest / "ml-latest-small" / "ratings.csv").exists()


@pytest.mark.parametrize("evil_name", ["../evil.txt", "ml-latest-small/../../evil.txt", "..\\evil.txt",
                                       "C:/evil.txt"])
def test_refuses_members_climbing_out(tmp_path: Path, evil_name: str) -> None:
    archive = _zip(tmp_path / "evil.zip", {**GOOD_MEMBERS, evil_name: b"pwned"})
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(FetchError, match="outside the target folder"):
        safe_extract(archive, work / "dest")
    assert list(work.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_refuses_absolute_members(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "evil.txt"
    archive = tmp_path / "absolute.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ml-latest-small/ratings.csv", b"userId\n")
        # ZipFile.writestr strips a leading slash from a str name, so build the ZipInfo by hand.
        info = zipfile.ZipInfo("x")
        info.filename = str(outside)
        zf.writestr(info, b"pwned")
    with zipfile.ZipFile(archive) as zf:
        assert str(outside) in zf.namelist()  # the hostile name really is in the archive
    with pytest.raises(FetchError, match="outside the target folder"):
        safe_extract(archive, tmp_path / "dest")
    assert not outside.exists()
    assert not (tmp_path / "dest").exists()
    assert _leftovers(tmp_path) == []


def test_refuses_symlinks(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "link.zip", GOOD_MEMBERS, symlinks={"ml-latest-small/passwd": "/etc/passwd"})
    with pytest.raises(FetchError, match="symlink"):
        safe_extract(archive, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_not_a_zip_is_a_fetch_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"<html>Service Unavailable</html>")
    with pytest.raises(FetchError, match="not a readable zip"):
        safe_extract(bogus, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


def test_staged_directory_leaves_nothing_on_failure(tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("previous good copy")
    with pytest.raises(RuntimeError), staged_directory(dest) as staging:
        (staging / "half.csv").write_text("half")
        raise RuntimeError("interrupted")
    assert (dest / "keep.txt").read_text() == "previous good copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest"]


def test_damaged_member_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "damaged.zip", GOOD_MEMBERS)  # stored: a flipped byte fails the CRC check
    data = bytearray(archive.read_bytes())
    data[data.index(b"964982703")] ^= 0x01
    archive.write_bytes(bytes(data))
    with pytest.raises(FetchError, match=r"damaged\.zip:ml-latest-small/ratings\.csv: damaged data \(Bad CRC-32"):
        safe_extract(archive, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert _leftovers(tmp_path) == []


def test_unwritable_destination_is_a_fetch_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(FetchError, match="cannot unpack it into"):
        safe_extract(_zip(tmp_path / "good.zip", GOOD_MEMBERS), tmp_path / "a-file" / "dest")
