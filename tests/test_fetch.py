"""fetch / data fetch / data list against a loopback HTTP server (never the internet),
plus one slow end-to-end run of the real ml-100k fallback through pip."""

from __future__ import annotations

import hashlib
import io
import json
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cinerec.cli.main import main
from cinerec.data import fetch as fetch_module
from cinerec.data.fetch import MARKER_FILE, cached_releases, fetch
from cinerec.errors import FetchError

pytestmark = pytest.mark.network


# ------------------------------------------------------------------ test material
def _small_release_zip() -> bytes:
    """A tiny zip in ml-latest-small's layout, big enough to be cut in the middle."""
    ratings = "userId,movieId,rating,timestamp\n" + "".join(
        f"{user},{movie},{(user * movie) % 10 / 2 + 0.5},{964982703 + user * 1000 + movie}\n"
        for user in range(1, 40) for movie in range(1, 30))
    files = {
        "ml-latest-small/ratings.csv": ratings,
        "ml-latest-small/movies.csv": 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n'
                                      '2,"Matrix, The (1999)",Action|Sci-Fi|Thriller\n',
        "ml-latest-small/tags.csv": "userId,movieId,tag,timestamp\n1,2,cyberpunk,1139045764\n",
        "ml-latest-small/links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n2,0133093,603\n",
    }
    return _zip_bytes({name: text.encode() for name, text in files.items()})


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ZIP = _small_release_zip()
ZIP_MD5 = hashlib.md5(ZIP).hexdigest()


@dataclass
class LoopbackServer:
    """What the test server serves and how it misbehaves; ``requests`` logs (path, Range)."""

    url: str
    files: dict[str, bytes]
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    honour_range: bool = True
    cut_after: int | None = None  # send only this many body bytes, once, then hang up


def _handler(state: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            range_header = self.headers.get("Range")
            state.requests.append((self.path, range_header))
            body = state.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            start = int(range_header.removeprefix("bytes=").rstrip("-")) if range_header else 0
            if range_header and state.honour_range and start >= len(body):
                self.send_error(416)
                return
            if range_header and state.honour_range:
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                body = body[start:]
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.cut_after is not None and self.path.endswith(".zip"):
                body, state.cut_after = body[:state.cut_after], None
                self.close_connection = True
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    files = {"/ml-latest-small.zip": ZIP, "/ml-latest-small.zip.md5": f"{ZIP_MD5}  ml-latest-small.zip\n".encode(),
             "/ml-1m.zip": ZIP}
    state = LoopbackServer(url="", files=files)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nobody listens on: "offline" without touching the network."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _zip_requests(server: LoopbackServer) -> list[str | None]:
    return [range_header for path, range_header in server.requests if path.endswith(".zip")]


def _assert_release_extracted(folder: Path) -> None:
    """Every file of the served zip is in place, byte for byte."""
    with zipfile.ZipFile(io.BytesIO(ZIP)) as archive:
        for name in archive.namelist():
            assert (folder.parent / name).read_bytes() == archive.read(name)


# ------------------------------------------------------------------- normal path
def test_fetch_downloads_verifies_extracts_and_marks(server: LoopbackServer, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)

    assert folder == tmp_path / "ml-latest-small" / "ml-latest-small"
    _assert_release_extracted(folder)
    marker = json.loads((tmp_path / "ml-latest-small" / MARKER_FILE).read_text())
    assert marker["md5"] == ZIP_MD5
    assert marker["source"] == f"{server.url}/ml-latest-small.zip"
    assert marker["fetched"][:2] == "20"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-latest-small"]  # no .part, no staging
    assert [path for path, _ in server.requests] == ["/ml-latest-small.zip.md5", "/ml-latest-small.zip"]
    assert cached_releases(tmp_path) == {"ml-latest-small": folder}

    capsys.readouterr()
    assert fetch("ml-latest-small", tmp_path, base_url=server.url) == folder
    assert len(server.requests) == 2  # idempotent: nothing asked of the server again
    assert "already there" in capsys.readouterr().err


def test_cli_fetch_prints_the_folder_and_is_idempotent(server: LoopbackServer, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CINEREC_MOVIELENS_URL", server.url)
    assert main(["data", "fetch", "ml-latest-small", "--dir", str(tmp_path)]) == 0
    first = capsys.readouterr()
    expected = tmp_path / "ml-latest-small" / "ml-latest-small"
    assert first.out.strip() == str(expected)

    assert main(["data", "fetch", "ml-latest-small", "--dir", str(tmp_path)]) == 0
    second = capsys.readouterr()
    assert second.out.strip() == str(expected)
    assert "already there" in second.err
    assert len(_zip_requests(server)) == 1


def test_fetch_defaults_to_the_user_cache(server: LoopbackServer, isolated_cache: Path) -> None:
    folder = fetch("ml-latest-small", base_url=server.url)
    assert folder == isolated_cache / "datasets" / "ml-latest-small" / "ml-latest-small"
    assert cached_releases() == {"ml-latest-small": folder}


def test_a_copy_downloaded_by_hand_is_used(server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "ml-latest-small.zip").write_bytes(ZIP)
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    _assert_release_extracted(folder)
    assert _zip_requests(server) == []  # only the published checksum was read
    assert (tmp_path / "ml-latest-small.zip").exists()  # the person's own file is left alone


# ------------------------------------------------------------------ failure paths
def test_checksum_mismatch_exits_2_and_leaves_nothing(server: LoopbackServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CINEREC_MOVIELENS_URL", server.url)
    # ml-1m has a pinned MD5, which the tiny zip served under its name cannot match.
    assert main(["data", "fetch", "ml-1m", "--dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("cinerec: error: ")
    assert "c4d9eecfca2ab87c1945afe126590906" in error and ZIP_MD5 in error
    assert list(tmp_path.iterdir()) == []
    assert [path for path, _ in server.requests] == ["/ml-1m.zip"]  # pinned: no .md5 request


def test_published_checksum_mismatch_deletes_the_download(server: LoopbackServer, tmp_path: Path) -> None:
    server.files["/ml-latest-small.zip.md5"] = b"0123456789abcdef0123456789abcdef  ml-latest-small.zip\n"
    with pytest.raises(FetchError, match="0123456789abcdef0123456789abcdef"):
        fetch("ml-latest-small", tmp_path, base_url=server.url)
    assert list(tmp_path.iterdir()) == []


def test_http_error_is_a_clear_fetch_error(server: LoopbackServer, tmp_path: Path) -> None:
    del server.files["/ml-latest-small.zip"]
    with pytest.raises(FetchError, match=r"answered HTTP 404 .*ml-latest-small\.zip"):
        fetch("ml-latest-small", tmp_path, base_url=server.url)
    assert cached_releases(tmp_path) == {}


def test_hostile_archive_is_refused(server: LoopbackServer, tmp_path: Path) -> None:
    evil = _zip_bytes({"ml-latest-small/ratings.csv": b"userId\n", "../evil.txt": b"pwned"})
    server.files["/ml-latest-small.zip"] = evil
    server.files["/ml-latest-small.zip.md5"] = hashlib.md5(evil).hexdigest().encode()
    target = tmp_path / "data"
    with pytest.raises(FetchError, match="outside the target folder"):
        fetch("ml-latest-small", target, base_url=server.url)
    assert not (tmp_path / "evil.txt").exists() and not (target / "evil.txt").exists()
    assert not (target / "ml-latest-small").exists()


def test_offline_names_the_host_and_exits_2(closed_port_url: str, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CINEREC_MOVIELENS_URL", closed_port_url)
    assert main(["data", "fetch", "ml-25m", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    host = closed_port_url.removeprefix("http://")
    assert err.startswith(f"cinerec: error: could not reach {host} (") and err.count("\n") == 1
    assert "--dir" in err and "ml-25m.zip" in err
    assert list(tmp_path.iterdir()) == []


def test_unknown_release(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="unknown MovieLens release 'ml-5m'"):
        fetch("ml-5m", tmp_path)


# ----------------------------------------------------------------------- resuming
def test_broken_download_resumes_with_range(server: LoopbackServer, tmp_path: Path) -> None:
    server.cut_after = len(ZIP) // 3
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    _assert_release_extracted(folder)
    assert _zip_requests(server) == [None, f"bytes={len(ZIP) // 3}-"]


def test_a_later_run_resumes_the_kept_part(server: LoopbackServer, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "DOWNLOAD_ATTEMPTS", 1)
    server.cut_after = 1000
    with pytest.raises(FetchError, match="run the same command again to resume"):
        fetch("ml-latest-small", tmp_path, base_url=server.url)
    assert (tmp_path / "ml-latest-small.zip.part").read_bytes() == ZIP[:1000]
    assert cached_releases(tmp_path) == {}

    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    _assert_release_extracted(folder)
    assert _zip_requests(server) == [None, "bytes=1000-"]
    assert not (tmp_path / "ml-latest-small.zip.part").exists()


def test_server_ignoring_range_restarts_cleanly(server: LoopbackServer, tmp_path: Path) -> None:
    server.honour_range = False
    (tmp_path / "ml-latest-small.zip.part").write_bytes(b"garbage from some earlier attempt")
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    _assert_release_extracted(folder)
    assert _zip_requests(server) == ["bytes=33-"]  # asked to resume, got the whole file, started over


def test_a_part_longer_than_the_file_starts_over(server: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "ml-latest-small.zip.part").write_bytes(ZIP + b"trailing junk")
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    _assert_release_extracted(folder)
    assert _zip_requests(server) == [f"bytes={len(ZIP) + 13}-", None]  # refused with 416, then from scratch


# -------------------------------------------------------------- ml-100k fallback
RECBOLE_FILES = {
    "ml-100k.inter": b"user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n",
    "ml-100k.item": b"item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
                    b"1\tToy Story\t1995\tAnimation Children's Comedy\n",
    "ml-100k.user": b"user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
                    b"1\t24\tM\ttechnician\t85711\n",
}


@pytest.fixture
def fake_wheel(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A RecBole-shaped wheel and a fake ``pip download`` that copies it into ``-d DIR``."""
    members = {f"recbole/dataset_example/ml-100k/{name}": data for name, data in RECBOLE_FILES.items()}
    members["recbole/dataset_example/ml-100k/ml-100k.kg"] = b"not wanted"
    members["recbole/__init__.py"] = b"import os\n"
    wheel = tmp_path_factory.mktemp("wheelhouse") / "recbole-1.2.1-py3-none-any.whl"
    wheel.write_bytes(_zip_bytes(members))
    copy_into_last_arg = f"import shutil, sys; shutil.copy({str(wheel)!r}, sys.argv[-1])"
    monkeypatch.setattr(fetch_module, "RECBOLE_DOWNLOAD_ARGS", ("-c", copy_into_last_arg))
    monkeypatch.setattr(fetch_module, "RECBOLE_WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    return wheel


def test_ml100k_falls_back_to_the_verified_recbole_copy(fake_wheel: Path, closed_port_url: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = fetch("ml-100k", tmp_path, base_url=closed_port_url)

    assert folder == tmp_path / "ml-100k" / "ml-100k"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == RECBOLE_FILES
    err = capsys.readouterr().err
    assert "GroupLens was unreachable" in err and "recbole==1.2.1" in err and "Verified" in err
    marker = json.loads((tmp_path / "ml-100k" / MARKER_FILE).read_text())
    assert marker["source"].startswith("recbole==1.2.1")
    assert marker["sha256"] == fetch_module.RECBOLE_WHEEL_SHA256
    assert fetch("ml-100k", tmp_path, base_url=closed_port_url) == folder
    assert "already there" in capsys.readouterr().err


def test_ml100k_fallback_refuses_a_wheel_with_the_wrong_sha256(fake_wheel: Path, closed_port_url: str,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "RECBOLE_WHEEL_SHA256", "0" * 64)
    with pytest.raises(FetchError, match="refusing to use it"):
        fetch("ml-100k", tmp_path, base_url=closed_port_url)
    assert list(tmp_path.iterdir()) == []


def test_ml100k_fallback_reports_a_failing_pip(closed_port_url: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    failing_pip = "import sys; sys.exit('ERROR: No matching distribution found for recbole==1.2.1')"
    monkeypatch.setattr(fetch_module, "RECBOLE_DOWNLOAD_ARGS", ("-c", failing_pip))
    with pytest.raises(FetchError, match="pip could not download.*No matching distribution"):
        fetch("ml-100k", tmp_path, base_url=closed_port_url)
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------------------- data list
def test_data_list_shows_releases_and_what_is_here(server: LoopbackServer, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = fetch("ml-latest-small", tmp_path, base_url=server.url)
    capsys.readouterr()
    assert main(["data", "list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("ml-")}
    assert set(rows) >= {"ml-100k", "ml-1m", "ml-10m", "ml-20m", "ml-25m", "ml-32m", "ml-latest",
                         "ml-latest-small"}
    assert "ages & jobs" in rows["ml-1m"] and "tags + genome" in rows["ml-25m"]
    assert rows["ml-latest-small"].rstrip().endswith("yes") and rows["ml-25m"].rstrip().endswith("–")
    assert f"ml-latest-small: {folder}" in out


# ------------------------------------------------------------ real end-to-end
@pytest.mark.slow
def test_real_ml100k_fallback_through_pip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GroupLens is unreachable here; the real RecBole wheel must come through pip and verify."""
    status = main(["data", "fetch", "ml-100k", "--dir", str(tmp_path)])
    captured = capsys.readouterr()
    if status != 0 and "pip could not download" in captured.err:
        probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                "recbole==1.2.1", "-d", str(tmp_path / "probe")], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"pip cannot reach a package index: {probe.stderr.strip().splitlines()[-1:]}")
    assert status == 0, captured.err
    folder = Path(captured.out.strip())
    assert folder.is_dir()
    if (folder / "u.data").exists():  # GroupLens was reachable after all
        assert len((folder / "u.data").read_text().splitlines()) == 100_000
        return
    assert "RecBole" in captured.err
    assert len((folder / "ml-100k.inter").read_text().splitlines()) == 100_001  # header + 100,000 ratings
    assert len((folder / "ml-100k.user").read_text().splitlines()) == 944
    assert len((folder / "ml-100k.item").read_text(encoding="latin-1").splitlines()) == 1683
