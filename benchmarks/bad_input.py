"""How cinerec's command line meets bad input: a corpus of broken files, impossible
arguments, damaged models and hostile batch files, each run as a user would run it.

``python -m benchmarks.bad_input [--out DIR] [--jobs 2] [--only GROUP]``

Every case runs ``cinerec`` in a fresh process on its own copy of the inputs and is
sorted into one outcome:

* **clear error** — exit 2 and one line, ``cinerec: error: …``; or **answered** where the
  input is in fact fine (a UTF-8 byte-order mark, Windows line endings);
* the bad columns: **traceback** (or any other exit status), **unclear error** (exit 2 but
  not one ``cinerec: error:`` line), **accepted** (exit 0 on input that should be
  refused), **refused** (an error on input that is fine), **hang** (no answer within the time limit), **clobbered** (a file that was
  there before changed or vanished), **left behind** (a new file in the user's folders,
  or a half-written file in the cache).

The corpus is generated: small synthetic releases of the three MovieLens layouts (the
real files may not be redistributed), each file broken in every way below, plus every
command's arguments, a model directory damaged and resealed, and batch files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from cinerec.data.synthetic import SynthConfig, generate

#: Seconds a case may take before it counts as a hang (a build of the tiny releases takes a few).
TIME_LIMIT = 120
OUTCOMES = ("clear error", "answered", "traceback", "unclear error", "accepted", "refused", "hang", "clobbered",
            "left behind")
BAD_OUTCOMES = OUTCOMES[2:]
#: Names a half-written file carries while cinerec writes it.
STAGING_MARKS = (".partial", ".building-", ".probe-", ".tmp")

#: The files of each layout, their field separator and their encoding.
LAYOUT_FILES: dict[str, dict[str, tuple[str, str]]] = {
    "ml-100k": {"u.data": ("\t", "latin-1"), "u.item": ("|", "latin-1"), "u.user": ("|", "latin-1")},
    "ml-1m": {"ratings.dat": ("::", "latin-1"), "movies.dat": ("::", "latin-1"), "users.dat": ("::", "latin-1")},
    "ml-latest": {"ratings.csv": (",", "utf-8"), "movies.csv": (",", "utf-8"), "tags.csv": (",", "utf-8")},
}
RATINGS_FILES = ("u.data", "ratings.dat", "ratings.csv")
#: Files a release may lack: reading goes on without them.
OPTIONAL_FILES = ("users.dat", "tags.csv")
SIZES = {"ml-100k": (60, 90, 1_800), "ml-1m": (60, 90, 1_800), "ml-latest": (60, 90, 1_800)}


@dataclass(frozen=True)
class Case:
    """One run of the CLI. ``argv`` may name ``{case}`` (the case's own folder),
    ``{model}`` and ``{release}`` (the shared, never-modified model and ml-latest release);
    ``expect`` is "error", "ok" or "either" (a fine answer or a clear refusal)."""

    group: str
    name: str
    argv: tuple[str, ...]
    prepare: Callable[[Path], None] = lambda folder: None
    expect: str = "error"
    outputs: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    outcome: str
    exit_code: int | None
    message: str = ""
    details: list[str] = field(default_factory=list)


# ----------------------------------------------------------------- file damage
Damage = Callable[[Path, str, str], None]


def _lines(path: Path, encoding: str) -> list[str]:
    return path.read_text(encoding=encoding).splitlines()


def _write_lines(path: Path, lines: list[str], encoding: str, ending: str = "\n") -> None:
    path.write_bytes(ending.join(lines).encode(encoding) + ending.encode(encoding))


def _edit_last_row(change: Callable[[list[str]], list[str]]) -> Damage:
    """Damage that rewrites the fields of the file's last row."""
    def damage(path: Path, sep: str, encoding: str) -> None:
        lines = _lines(path, encoding)
        lines[-1] = sep.join(change(lines[-1].split(sep)))
        _write_lines(path, lines, encoding)
    return damage


def _set_field(index: int, value: str) -> Damage:
    return _edit_last_row(lambda fields: [*fields[:index], value, *fields[index + 1:]])


def _whole_file(make: Callable[[bytes], bytes]) -> Damage:
    def damage(path: Path, sep: str, encoding: str) -> None:
        path.write_bytes(make(path.read_bytes()))
    return damage


def _utf16(path: Path, sep: str, encoding: str) -> None:
    path.write_bytes(path.read_text(encoding=encoding).encode("utf-16"))


def _crlf(path: Path, sep: str, encoding: str) -> None:
    _write_lines(path, _lines(path, encoding), encoding, "\r\n")


def _replace_with_folder(path: Path, sep: str, encoding: str) -> None:
    path.unlink()
    path.mkdir()


def _long_line(path: Path, sep: str, encoding: str) -> None:
    with path.open("ab") as handle:
        handle.write(b"7" * 10_000_000 + b"\n")


FILE_DAMAGE: dict[str, tuple[Damage, str]] = {
    "a row with a field missing": (_edit_last_row(lambda fields: fields[:-1]), "error"),
    "a row with a field too many": (_edit_last_row(lambda fields: [*fields, "7"]), "error"),
    "a word for an id": (_set_field(0, "abc"), "error"),
    "a negative id": (_set_field(0, "-3"), "error"),
    "a 40-digit id": (_set_field(0, "1" * 40), "error"),
    "a blank id": (_set_field(0, ""), "error"),
    "a superscript digit for an id": (_set_field(0, "²"), "error"),
    "random bytes": (_whole_file(lambda data: np.random.default_rng(0).bytes(4096)), "error"),
    "a NUL byte inside": (_whole_file(lambda data: data[: len(data) // 2] + b"\0" + data[len(data) // 2:]), "error"),
    "UTF-16": (_utf16, "either"),
    "a UTF-8 byte-order mark": (_whole_file(lambda data: b"\xef\xbb\xbf" + data), "either"),
    "Windows line endings": (_crlf, "ok"),
    "empty": (_whole_file(lambda data: b""), "error"),
    "cut in the middle of a row": (_whole_file(lambda data: data[: len(data) - 7]), "either"),
    "a 10 MB line": (_long_line, "error"),
    "a folder in its place": (_replace_with_folder, "error"),
    "missing": (lambda path, sep, encoding: path.unlink(), "error"),
}
RATING_DAMAGE: dict[str, tuple[Damage, str]] = {
    "a rating of 7": (_set_field(2, "7"), "error"),
    "a rating of NaN": (_set_field(2, "nan"), "error"),
    "a rating of infinity": (_set_field(2, "inf"), "error"),
    "a word for a time": (_set_field(3, "yesterday"), "error"),
    "times in milliseconds": (_edit_last_row(lambda f: [*f[:3], f[3] + "000", *f[4:]]), "either"),
    "a 30-digit time": (_set_field(3, "9" * 30), "error"),
}


def reader_cases(releases: dict[str, Path]) -> Iterator[Case]:
    """Every file of every layout, broken every way, read by ``data inspect``."""
    for layout, files in LAYOUT_FILES.items():
        for file_name, (sep, encoding) in files.items():
            damages = FILE_DAMAGE | (RATING_DAMAGE if file_name in RATINGS_FILES else {})
            for damage_name, (damage, expect) in damages.items():
                if file_name in OPTIONAL_FILES and damage_name in ("missing", "a folder in its place"):
                    expect = "either"  # read as a release without them (ml-10m has no users.dat)
                yield Case("reader", f"{layout} {file_name}: {damage_name}", ("data", "inspect", "{case}/data"),
                           _damaged_copy(releases[layout], file_name, damage, sep, encoding), expect)
    yield Case("reader", "ml-latest movies.csv with a header only",
               ("data", "inspect", "{case}/data"),
               _damaged_copy(releases["ml-latest"], "movies.csv",
                             _whole_file(lambda data: data.split(b"\n", 1)[0] + b"\n"), ",", "utf-8"))
    yield Case("reader", "ml-latest ratings.csv with its columns renamed", ("data", "inspect", "{case}/data"),
               _damaged_copy(releases["ml-latest"], "ratings.csv",
                             _whole_file(lambda data: b"a,b,c,d" + data[data.index(b"\n"):]), ",", "utf-8"))
    yield from _zip_cases(releases["ml-latest"])
    yield from _path_cases()


def _damaged_copy(release: Path, file_name: str, damage: Damage, sep: str, encoding: str) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        shutil.copytree(release, folder / "data")
        damage(folder / "data" / file_name, sep, encoding)
    return prepare


def _zip_cases(release: Path) -> Iterator[Case]:
    def zipped(edit: Callable[[Path], None] | None = None, corrupt: bool = False) -> Callable[[Path], None]:
        def prepare(folder: Path) -> None:
            copy = folder / "ml-latest-small"
            shutil.copytree(release, copy)
            if edit:
                edit(copy)
            archive = folder / "ml-latest-small.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
                for path in sorted(copy.iterdir()):
                    handle.write(path, f"ml-latest-small/{path.name}")
            shutil.rmtree(copy)
            if corrupt:
                data = bytearray(archive.read_bytes())
                start = data.index(b"ratings.csv") + 200
                data[start: start + 64] = bytes(64)
                archive.write_bytes(bytes(data))
        return prepare

    argv = ("data", "inspect", "{case}/ml-latest-small.zip")
    yield Case("zip", "a zip with damaged compressed data", argv, zipped(corrupt=True))
    yield Case("zip", "a zip whose ratings.csv has a bad row", argv,
               zipped(lambda copy: _set_field(2, "7")(copy / "ratings.csv", ",", "utf-8")))
    yield Case("zip", "a zip that is not a zip", argv,
               lambda folder: (folder / "ml-latest-small.zip").write_bytes(b"PK\x03\x04 not really"))
    yield Case("zip", "an empty zip", argv,
               lambda folder: zipfile.ZipFile(folder / "ml-latest-small.zip", "w").close())

    def escaping(folder: Path) -> None:
        with zipfile.ZipFile(folder / "ml-latest-small.zip", "w") as handle:
            handle.writestr("../../escaped.txt", "gotcha")
            handle.writestr("ml-latest-small/ratings.csv", "userId,movieId,rating,timestamp\n")
    yield Case("zip", "a zip with a member outside its folder", argv, escaping)


def _path_cases() -> Iterator[Case]:
    yield Case("reader", "a data path that does not exist", ("data", "inspect", "{case}/nowhere"))
    yield Case("reader", "a data path that is a plain file", ("data", "inspect", "{case}/notes.txt"),
               lambda folder: (folder / "notes.txt").write_text("hello"))
    yield Case("reader", "an empty folder", ("data", "inspect", "{case}/empty"),
               lambda folder: (folder / "empty").mkdir())


# ----------------------------------------------------------------- arguments
def argument_cases() -> Iterator[Case]:
    """Impossible arguments to every command, and outputs that are someone else's."""
    recommend = ("recommend", "--model", "{model}")
    for flag, value in (("-n", "0"), ("-n", "-3"), ("-n", "ten"), ("--age", "-5"), ("--age", "abc"),
                        ("--age", "1000"), ("--gender", "X"), ("--zip", "9" * 40), ("--zip", "!!!"),
                        ("--occupation", " ".join(["astronaut"] * 3_000)), ("--like", "zzqx\x1b]0;owned\x07"),
                        ("--like", ""), ("--user-id", "0"), ("--user-id", "-1"), ("--user-id", "1" * 40),
                        ("--user-id", "abc"), ("--dislike", "no such film at all")):
        yield Case("argument", f"recommend {flag} {value[:24]!r}", (*recommend, flag, value))
    yield Case("argument", "recommend -n 1000000000", (*recommend, "--gender", "F", "-n", "1000000000"), expect="ok")
    yield Case("argument", "similar to an unknown title", ("similar", "--model", "{model}", "zzqx no film"))
    for args in (("--similar-k", "0"), ("--similar-k", "-1"), ("--similar-k", "abc"), ("--clusters", "0")):
        yield Case("argument", f"build {' '.join(args)}", ("build", "{release}", "--out", "{case}/model", *args))
    for args in (("--given-likes", "-1"), ("--given-likes", "abc"), ("--models", "nonsense"),
                 ("--protocol", "future"), ("--k", "0"), ("--given-likes", "3")):
        yield Case("argument", f"evaluate {' '.join(args)}", ("evaluate", "{release}", "--no-tune", *args))
    for port in ("-1", "abc", "99999"):
        yield Case("argument", f"serve --port {port}", ("serve", "--model", "{model}", "--port", port))
    yield Case("argument", "serve a model that does not exist", ("serve", "--model", "{case}/none"))
    for args in (("--users", "0"), ("--users", "9" * 30), ("--seed", "-1"), ("--demographics-share", "nan")):
        yield Case("argument", f"data synth {' '.join(args)}", ("data", "synth", "--out", "{case}/synth", *args))
    for command in (("build", "{release}", "--out", "{case}/model"), ("evaluate", "{release}")):
        yield Case("argument", f"{command[0]} --seed of 40 digits", (*command, "--seed", "1" * 40))
    for argv in (("bogus",), ("recommend",), ("data", "inspect"), ("evaluate", "{release}", "--unknown-flag")):
        yield Case("argument", f"usage: cinerec {' '.join(argv)}", argv)
    yield Case("argument", "data fetch an unknown release", ("data", "fetch", "ml-2099"))
    yield from _output_cases()


def _output_cases() -> Iterator[Case]:
    thesis = _files({"thesis/thesis.txt": "four years of work"})
    yield Case("output", "build --out a folder of someone's files",
               ("build", "{release}", "--out", "{case}/thesis", "--no-report"), thesis)
    yield Case("output", "build --out an existing file",
               ("build", "{release}", "--out", "{case}/notes.txt"), _files({"notes.txt": "keep"}))
    yield Case("output", "build --out a path under a file",
               ("build", "{release}", "--out", "{case}/notes.txt/model"), _files({"notes.txt": "keep"}))
    yield Case("output", "build --out under /proc", ("build", "{release}", "--out", "/proc/cinerec-model"))
    yield Case("output", "data inspect --report over someone's page",
               ("data", "inspect", "{release}", "--report", "{case}/site"), _files({"site/index.html": "<h1>me</h1>"}))
    yield Case("output", "data inspect --report on a file",
               ("data", "inspect", "{release}", "--report", "{case}/notes.txt"), _files({"notes.txt": "keep"}))
    yield Case("output", "evaluate --out over someone's page",
               ("evaluate", "{release}", "--no-tune", "--out", "{case}/site"), _files({"site/index.html": "<p>x</p>"}))
    yield Case("output", "data synth --out a folder of someone's files",
               ("data", "synth", "--out", "{case}/thesis", "--users", "20", "--movies", "30", "--ratings", "300"),
               thesis)
    yield Case("output", "build into a new folder", ("build", "{release}", "--out", "{case}/model", "--no-report"),
               expect="ok", outputs=("model",))


def _files(contents: dict[str, str]) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        for relative, text in contents.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
    return prepare


# ----------------------------------------------------------------- models
def model_cases() -> Iterator[Case]:
    """The shared model damaged (then resealed, so the checksums agree) or replaced."""
    def damaged(change: Callable[[Path], None], resealed: bool = True) -> Callable[[Path], None]:
        def prepare(folder: Path) -> None:
            shutil.copytree(MODEL_SOURCE[0], folder / "model")
            change(folder / "model")
            if resealed:
                reseal(folder / "model")
        return prepare

    argv = ("recommend", "--model", "{case}/model", "--gender", "F", "--age", "30")
    for relative in ("popular/scores_.npy", "also_liked/neighbors_.npy", "collaborative/weights_.npy",
                     "people_like_you/centers_.npy", "fans/movie_people_.npy", "content/similarities_.npy",
                     "history_indptr.npy", "history_indices.npy", "rising/scores_.npy", "mainstream/scores_.npy"):
        yield Case("model", f"{relative} cut short, manifest resealed", argv, damaged(_halve(relative)))
    for relative in ("catalogue.parquet", "users.parquet"):
        yield Case("model", f"{relative} corrupt, manifest resealed", argv,
                   damaged(lambda model, r=relative: (model / r).write_bytes(b"PAR1" + bytes(64))))
    for relative in ("content/state.json", "fans/state.json"):
        yield Case("model", f"{relative} not a state, manifest resealed", argv,
                   damaged(lambda model, r=relative: (model / r).write_text("[1, 2]")))
        yield Case("model", f"{relative} broken JSON, manifest resealed", argv,
                   damaged(lambda model, r=relative: (model / r).write_text('{"params": ')))
    yield Case("model", "an array altered, manifest not resealed", argv, damaged(_halve("popular/scores_.npy"), False))
    for name, text in (("a list", "[]"), ("broken JSON", "{"), ("files outside the model",
                       None), ("another format version", None)):
        yield Case("model", f"a manifest that is {name}", argv, damaged(_manifest_edit(name, text), False))
    yield Case("model", "a model folder that is empty", argv, lambda folder: (folder / "model").mkdir())
    yield Case("model", "a model path that is a file", argv, lambda folder: (folder / "model").write_text("x"))
    yield Case("model", "a model path that does not exist", argv)


def _halve(relative: str) -> Callable[[Path], None]:
    return lambda model: halve(model / relative)


def halve(path: Path) -> None:
    """Cut a saved array to its first half (a damaged file)."""
    array = np.load(path)
    np.save(path, array[: len(array) // 2])


def _manifest_edit(name: str, text: str | None) -> Callable[[Path], None]:
    def change(model: Path) -> None:
        path = model / "manifest.json"
        if text is not None:
            path.write_text(text)
            return
        manifest = json.loads(path.read_text())
        if name == "files outside the model":
            manifest["files"]["../../etc/passwd"] = {"bytes": 1, "sha256": "0"}
        else:
            manifest["format_version"] = -1
        path.write_text(json.dumps(manifest))
    return change


def reseal(model: Path) -> None:
    """Rewrite a model's manifest to match its files as they now are (damage the checksums cannot see)."""
    manifest = json.loads((model / "manifest.json").read_text())
    for relative in manifest["files"]:
        content = (model / relative).read_bytes()
        manifest["files"][relative] = {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    (model / "manifest.json").write_text(json.dumps(manifest))


# ----------------------------------------------------------------- batch
def batch_cases() -> Iterator[Case]:
    """``recommend-batch`` with broken profile files and outputs that are someone else's."""
    def batch(profiles: str | bytes | None, out: str = "{case}/recs.csv") -> tuple[tuple[str, ...], Callable]:
        def prepare(folder: Path) -> None:
            if isinstance(profiles, bytes):
                (folder / "profiles.csv").write_bytes(profiles)
            elif profiles is not None:
                (folder / "profiles.csv").write_text(profiles)
        return ("recommend-batch", "--model", "{model}", "--input", "{case}/profiles.csv", "--out", out), prepare

    header = "user_id,gender,age,occupation,zip,likes\n"
    rows = {
        "an empty file": "", "no user_id column": "gender\nF\n",
        "an unknown column": "user_id,shoe_size\n1,42\n", "a word for a user id": header + "abc,F,,,,\n",
        "a 40-digit user id": header + "1" * 40 + ",F,,,,\n", "a superscript like": header + "9999,F,,,,²\n",
        "a 40-digit liked movie": header + "9999,F,,,," + "1" * 40 + "\n",
        "an unknown liked movie": header + "9999,F,,,,2147483000\n", "a gender of X": header + "9999,X,,,,\n",
        "a word for an age": header + "9999,F,old,,,\n", "an age of 1000": header + "9999,F,1000,,,\n",
        "a stranger with nothing said": header + "987654,,,,,\n", "an unclosed quote": header + '9999,"F,,,,\n',
        "an occupation of 3,000 words": header + "9999,F,30," + " ".join(["astronaut"] * 3_000) + ",,\n",
    }
    for name, text in rows.items():
        argv, prepare = batch(text)
        yield Case("batch", f"profiles with {name}", argv, prepare)
    argv, prepare = batch(header)
    yield Case("batch", "profiles with a header and nobody", argv, prepare, expect="either", outputs=("recs.csv",))
    for name, data in (("random bytes", np.random.default_rng(1).bytes(4096)),
                       ("UTF-16", (header + "1,F,30,,,\n").encode("utf-16"))):
        argv, prepare = batch(data)
        yield Case("batch", f"profiles in {name}", argv, prepare, expect="either" if name == "UTF-16" else "error")
    argv, prepare = batch(None)
    yield Case("batch", "a profiles file that does not exist", argv, prepare)
    argv, prepare = batch(header + "1,F,30,,,\n", out="{case}/budget.csv")
    yield Case("batch", "--out over someone's spreadsheet", argv, _both(prepare, _files({"budget.csv": "a,b\n1,2\n"})))
    argv, prepare = batch(header + "1,F,30,,,\n", out="{case}")
    yield Case("batch", "--out a folder", argv, prepare)
    argv, prepare = batch(header + "1,F,30,,,\n", out="{case}/notes.txt/recs.csv")
    yield Case("batch", "--out under a file", argv, _both(prepare, _files({"notes.txt": "keep"})))
    argv = ("recommend-batch", "--model", "{model}", "--input", "{case}", "--out", "{case}/recs.csv")
    yield Case("batch", "--input a folder", argv)
    argv, prepare = batch(header + "1,F,30,,,\n")
    yield Case("batch", "a fine file", argv, prepare, expect="ok", outputs=("recs.csv",))


def _both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def prepare(folder: Path) -> None:
        for step in steps:
            step(folder)
    return prepare


GROUPS: dict[str, Callable[..., Iterator[Case]]] = {
    "reader": reader_cases, "argument": argument_cases, "model": model_cases, "batch": batch_cases}
#: The shared model's folder, set once it is built (model cases copy it).
MODEL_SOURCE: list[Path] = []


# ----------------------------------------------------------------- running
def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` with a digest of its content (folders as themselves)."""
    state = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")] if folder.exists() else []:
            if path.is_file():
                state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                state[str(path)] = "folder"
    return state


def run_case(index: int, case: Case, root: Path, shared: dict[str, Path]) -> Outcome:
    folder = root / "cases" / f"{index:03d}"
    cache = root / "caches" / f"{index:03d}"
    folder.mkdir(parents=True)
    cache.mkdir(parents=True)
    case.prepare(folder)
    argv = [arg.format(case=folder, **shared) for arg in case.argv]
    watched = (folder, *shared.values())
    before = snapshot(*watched)
    env = {**os.environ, "CINEREC_CACHE_DIR": str(cache), "COLUMNS": "120"}
    try:
        done = subprocess.run([sys.executable, "-m", "cinerec.cli.main", *argv], capture_output=True, text=True,
                              errors="replace", env=env, timeout=TIME_LIMIT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Outcome(case, "hang", None)
    return _judge(case, done, before, snapshot(*watched), folder, cache)


def _judge(case: Case, done: subprocess.CompletedProcess, before: dict[str, str], after: dict[str, str],
           folder: Path, cache: Path) -> Outcome:
    message = done.stderr.strip()
    changed = [path for path, digest in before.items() if after.get(path) != digest]
    allowed = tuple(str(folder / name) for name in case.outputs) if done.returncode == 0 else ()
    new = [path for path in after if path not in before and not path.startswith(allowed)]
    half = [str(p) for p in cache.rglob("*") if any(mark in p.name for mark in STAGING_MARKS)]
    outcome = Outcome(case, "", done.returncode, message.splitlines()[-1] if message else "")
    if "Traceback" in message or done.returncode not in (0, 2):
        outcome.outcome = "traceback"
    elif changed:
        outcome.outcome, outcome.details = "clobbered", changed
    elif new or half:
        outcome.outcome, outcome.details = "left behind", new + half
    elif done.returncode == 2:
        one_line = len(message.splitlines()) == 1 and message.startswith("cinerec: error: ")
        outcome.outcome = "unclear error" if not one_line else "refused" if case.expect == "ok" else "clear error"
    else:
        outcome.outcome = "accepted" if case.expect == "error" else "answered"
    return outcome


def prepare_shared(root: Path) -> dict[str, Path]:
    """The tiny releases the reader cases break, an ml-latest release and a model built from it."""
    releases = {}
    for layout, (users, movies, ratings) in SIZES.items():
        releases[layout] = root / "releases" / layout
        generate(SynthConfig(users=users, movies=movies, ratings=ratings, format=layout, seed=5), releases[layout])
    model = root / "shared" / "model"
    subprocess.run([sys.executable, "-m", "cinerec.cli.main", "build", str(releases["ml-1m"]), "--out", str(model),
                    "--no-report"], check=True, capture_output=True, env={**os.environ,
                                                                          "CINEREC_CACHE_DIR": str(root / "cache")})
    MODEL_SOURCE.append(model)
    return {"model": model, "release": releases["ml-1m"], **{f"layout:{k}": v for k, v in releases.items()}}


def corpus(shared: dict[str, Path], groups: Sequence[str]) -> list[Case]:
    releases = {key.split(":", 1)[1]: path for key, path in shared.items() if key.startswith("layout:")}
    cases: list[Case] = []
    for group in groups:
        cases += list(GROUPS[group](releases) if group == "reader" else GROUPS[group]())
    return cases


def table(outcomes: Sequence[Outcome]) -> str:
    groups = sorted({o.case.group for o in outcomes}, key=[c.group for c in (o.case for o in outcomes)].index)
    header = "| cases | " + " | ".join(OUTCOMES) + " |"
    lines = [header, "|---|" + "---:|" * len(OUTCOMES)]
    for group in [*groups, "all"]:
        counts = Counter(o.outcome for o in outcomes if group in ("all", o.case.group))
        total = sum(counts.values())
        lines.append(f"| {group} ({total}) | " + " | ".join(str(counts[name]) for name in OUTCOMES) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bad_input", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--only", choices=list(GROUPS), action="append", help="run one group (repeatable)")
    parser.add_argument("--out", type=Path, default=None, help="also write outcomes.json and table.md here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cinerec-bad-input-") as work:
        root = Path(work)
        shared = prepare_shared(root)
        cases = corpus(shared, args.only or list(GROUPS))
        print(f"{len(cases)} cases, {args.jobs} at a time…", file=sys.stderr)
        shared_inputs = {"model": shared["model"], "release": shared["release"]}
        with ThreadPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(lambda item: run_case(item[0], item[1], root, shared_inputs), enumerate(cases)))
    print(table(outcomes))
    bad = [o for o in outcomes if o.outcome in BAD_OUTCOMES]
    for o in bad:
        print(f"- {o.outcome}: [{o.case.group}] {o.case.name} → {o.message[:200]} {o.details[:3] or ''}")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "table.md").write_text(table(outcomes) + "\n")
        (args.out / "outcomes.json").write_text(json.dumps(
            [{"group": o.case.group, "case": o.case.name, "outcome": o.outcome, "exit": o.exit_code,
              "message": o.message, "details": o.details} for o in outcomes], indent=2, ensure_ascii=False))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
