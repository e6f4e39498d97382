"""The *Similar* probe: do "more like this" lists find a movie's franchise, and only it?

A movie fan judges a *Similar to what you like* list first by whether it knows the obvious:
The Empire Strikes Back beside Star Wars, Die Hard 2 beside Die Hard, The Last Crusade
beside Raiders — and by whether it avoids the silly: *Menace II Society* beside *The
Godfather: Part II* because both titles hold "II". This probe measures both on the real
MovieLens 100K, with franchise groups written down by hand (well-known films whose
siblings ml-100k holds), plus two measures that need no hand-made list:

* **franchise recall@10**: the share of each probe's siblings in its top 10, averaged
  over the probes;
* **title-word false friends**: per list, the neighbours that share a title word with the
  probe (beyond stop words) but are not its siblings;
* **ties broken by id**: neighbours of equal similarity where the less popular one comes
  first (a list ordered by catalogue id instead of evidence);
* **audience fit**: the co-liking of each movie with its top 10, measured on the half of
  the people the model was *not* built from (the cosine of the two movies' likers), so a
  list cannot score by repeating its own training data.

``python -m benchmarks.similar_probe ../shared/datasets/ml-100k`` prints the four figures
for the current build (on a synthetic release, whose generator records its series, the
franchises are its own); the tests assert them (``tests/test_similar_probe.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cinerec.catalogue import normalise_title
from cinerec.data.dataset import Dataset
from cinerec.data.synthetic import TRUTH_FILE
from cinerec.models.likes import likes_matrix

#: Franchise groups of ml-100k, as "Title (year)" in its display form; each member is a
#: probe whose siblings are the rest of its group.
ML100K_FRANCHISES: tuple[tuple[str, ...], ...] = (
    ("Star Wars (1977)", "The Empire Strikes Back (1980)", "Return of the Jedi (1983)"),
    ("Raiders of the Lost Ark (1981)", "Indiana Jones and the Last Crusade (1989)"),
    ("Alien (1979)", "Aliens (1986)", "Alien 3 (1992)", "Alien: Resurrection (1997)"),
    ("The Terminator (1984)", "Terminator 2: Judgment Day (1991)"),
    ("Die Hard (1988)", "Die Hard 2 (1990)", "Die Hard: With a Vengeance (1995)"),
    ("The Godfather (1972)", "The Godfather: Part II (1974)"),
    ("Batman (1989)", "Batman Returns (1992)", "Batman Forever (1995)", "Batman & Robin (1997)"),
    ("Free Willy (1993)", "Free Willy 2: The Adventure Home (1995)", "Free Willy 3: The Rescue (1997)"),
    ("Star Trek: The Motion Picture (1979)", "Star Trek: The Wrath of Khan (1982)",
     "Star Trek III: The Search for Spock (1984)", "Star Trek IV: The Voyage Home (1986)",
     "Star Trek V: The Final Frontier (1989)", "Star Trek VI: The Undiscovered Country (1991)",
     "Star Trek: Generations (1994)", "Star Trek: First Contact (1996)"),
    ("Jurassic Park (1993)", "The Lost World: Jurassic Park (1997)"),
    ("Evil Dead II (1987)", "Army of Darkness (1993)"),
    ("A Nightmare on Elm Street (1984)", "Wes Craven's New Nightmare (1994)"),
    ("Home Alone (1990)", "Home Alone 3 (1997)"),
    ("Ace Ventura: Pet Detective (1994)", "Ace Ventura: When Nature Calls (1995)"),
    ("The Blues Brothers (1980)", "Blues Brothers 2000 (1998)"),
    ("Candyman (1992)", "Candyman: Farewell to the Flesh (1995)"),
    ("The Crow (1994)", "The Crow: City of Angels (1996)"),
    ("Grease (1978)", "Grease 2 (1982)"),
    ("Highlander (1986)", "Highlander III: The Sorcerer (1994)"),
    ("Homeward Bound: The Incredible Journey (1993)", "Homeward Bound II: Lost in San Francisco (1996)"),
    ("Jaws (1975)", "Jaws 2 (1978)", "Jaws 3-D (1983)"),
    ("The Lawnmower Man (1992)", "Lawnmower Man 2: Beyond Cyberspace (1996)"),
    ("Mortal Kombat (1995)", "Mortal Kombat: Annihilation (1997)"),
    ("The Prophecy (1995)", "The Prophecy II (1998)"),
    ("Scream (1996)", "Scream 2 (1997)"),
    ("Speed (1994)", "Speed 2: Cruise Control (1997)"),
    ("Three Colors: Red (1994)", "Three Colors: Blue (1993)", "Three Colors: White (1994)"),
    ("Under Siege (1992)", "Under Siege 2: Dark Territory (1995)"),
    ("Young Guns (1988)", "Young Guns II (1990)"),
    ("The Jungle Book (1994)", "The Second Jungle Book: Mowgli & Baloo (1997)"),
)
#: Title words too common to make two titles look related.
STOP_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "for", "with", "at", "from", "by",
                        "la", "le", "les", "el", "de", "der", "die", "das", "il", "i", "ii", "iii", "iv", "v",
                        "part", "2", "3", "4", "d"})
K = 10


@dataclass(frozen=True)
class ProbeResult:
    """The four figures of the module docstring."""

    franchise_recall: float
    false_friends_per_list: float
    id_ties_per_list: float
    audience_fit: float
    probes: int

    def lines(self) -> list[str]:
        return [f"franchise recall@{K}: {self.franchise_recall:.3f} ({self.probes} probes)",
                f"title-word false friends per list: {self.false_friends_per_list:.3f}",
                f"ties broken against popularity per list: {self.id_ties_per_list:.3f}",
                f"audience fit (held-out co-liking cosine, mean over lists): {self.audience_fit:.4f}"]


def franchise_groups(dataset: Dataset, groups: Sequence[Sequence[str]] = ML100K_FRANCHISES) -> list[np.ndarray]:
    """The groups as column indices of ``dataset``'s movies (titles it lacks are left out;
    groups left with one member are dropped)."""
    years = dataset.movies["year"].astype("Int64")
    labels = {title if pd.isna(year) else f"{title} ({int(year)})": row
              for row, (title, year) in enumerate(zip(dataset.movies["title"], years))}
    found = [np.asarray([labels[name] for name in group if name in labels], dtype=np.int64) for group in groups]
    return [group for group in found if group.size > 1]


def truth_groups(dataset: Dataset, folder: str | Path) -> list[np.ndarray]:
    """The series a synthetic release's generator made (its ``synthetic.json``), as
    column indices of ``dataset``'s movies."""
    truth = json.loads((Path(folder) / TRUTH_FILE).read_text())
    movies = np.asarray(truth["movies"]["movie_id"], dtype=np.int64)
    series = np.asarray([-1 if s is None else s for s in truth["movies"]["series"]], dtype=np.int64)
    in_series = series >= 0
    columns = dataset.movie_vocab.index(movies[in_series])
    return [columns[series[in_series] == original] for original in np.unique(series[in_series])]


def franchise_recall(neighbors: np.ndarray, groups: Sequence[np.ndarray], k: int = K) -> float:
    """Mean share of each probe's siblings among its top ``k``."""
    shares = []
    for group in groups:
        for probe in group:
            siblings = set(group.tolist()) - {int(probe)}
            shares.append(len(siblings & set(np.asarray(neighbors[probe, :k]).tolist())) / min(len(siblings), k))
    return float(np.mean(shares)) if shares else float("nan")


def false_friends(neighbors: np.ndarray, titles: Sequence[str], groups: Sequence[np.ndarray], k: int = K) -> float:
    """Mean number, per probe's list, of neighbours sharing a title word with the probe
    that are not its siblings."""
    words = [set(normalise_title(title).split()) - STOP_WORDS for title in titles]
    counts = []
    for group in groups:
        members = set(group.tolist())
        for probe in group:
            listed = [int(m) for m in np.asarray(neighbors[probe, :k]) if m >= 0]
            counts.append(sum(1 for m in listed if m not in members and words[m] & words[probe]))
    return float(np.mean(counts)) if counts else float("nan")


def ties_against_popularity(neighbors: np.ndarray, similarities: np.ndarray, popularity: np.ndarray,
                            k: int = K) -> float:
    """Mean number, per movie's list (first ``k + 1`` entries), of neighbours listed after an
    equally similar but less popular one."""
    top = np.asarray(neighbors)[:, : k + 1]
    sims = np.asarray(similarities)[:, : k + 1]
    valid = (top[:, 1:] >= 0) & (top[:, :-1] >= 0)
    tied = valid & (sims[:, 1:] == sims[:, :-1])
    pop = np.asarray(popularity)
    against = tied & (pop[np.maximum(top[:, 1:], 0)] > pop[np.maximum(top[:, :-1], 0)])
    return float(against.sum(axis=1).mean())


def audience_fit(neighbors: np.ndarray, held_out_likes: sp.csr_matrix, min_likes: int = 20, k: int = K) -> float:
    """Mean cosine of the likers (in ``held_out_likes``) of each movie and its top ``k``,
    over movies with at least ``min_likes`` held-out likers."""
    columns = sp.csc_matrix(held_out_likes, dtype=np.float64)
    counts = np.diff(columns.indptr)
    movies = np.flatnonzero(counts >= min_likes)
    top = np.asarray(neighbors)[movies, :k]
    rows = np.repeat(movies, k)
    cols = top.ravel()
    valid = cols >= 0
    co = np.asarray((columns[:, rows[valid]].multiply(columns[:, cols[valid]])).sum(axis=0)).ravel()
    cosine = np.zeros(rows.size)
    cosine[valid] = co / np.sqrt(np.maximum(counts[rows[valid]] * counts[cols[valid]], 1))
    return float(cosine.reshape(movies.size, k).mean()) if movies.size else float("nan")


def split_people(dataset: Dataset, seed: int = 0) -> tuple[Dataset, sp.csr_matrix]:
    """Half the people's ratings as a dataset to build from, and the other half's likes."""
    rng = np.random.default_rng(seed)
    people = dataset.users["user_id"].to_numpy()
    built = set(rng.choice(people, size=people.size // 2, replace=False).tolist())
    in_built = dataset.ratings["user_id"].isin(built).to_numpy()
    half = Dataset.from_frames(dataset.movies, dataset.users, dataset.ratings[in_built], dataset.tags,
                               dataset.genome, dataset.releases)
    held = Dataset.from_frames(dataset.movies, dataset.users, dataset.ratings[~in_built], dataset.tags,
                               dataset.genome, dataset.releases)
    return half, likes_matrix(held)


def probe(dataset: Dataset, groups: Sequence[Sequence[str]] | None = ML100K_FRANCHISES, seed: int = 0,
          truth: str | Path | None = None, **params: object) -> ProbeResult:
    """Build *Similar* on half the people of ``dataset`` and measure its lists; the
    franchises are ``groups`` (titles) or those of a synthetic release's ``truth`` folder."""
    from cinerec.models.content import ContentSimilarity

    half, held = split_people(dataset, seed)
    model = ContentSimilarity(**params).fit(half)
    indexed = truth_groups(half, truth) if truth is not None else franchise_groups(half, groups or ())
    popularity = np.bincount(half.rating_matrix().indices, minlength=half.n_movies)
    return ProbeResult(franchise_recall(model.neighbors_, indexed),
                       false_friends(model.neighbors_, half.movies["title"].tolist(), indexed),
                       ties_against_popularity(model.neighbors_, model.similarities_, popularity),
                       audience_fit(model.neighbors_, held), sum(group.size for group in indexed))


def main(argv: Sequence[str] | None = None) -> int:
    from cinerec.data.readers import load_dataset

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="ml-100k (its franchises are listed here) or a synthetic release")
    parser.add_argument("--seed", type=int, default=0, help="which half of the people the lists are built from")
    args = parser.parse_args(argv)
    synthetic = (Path(args.data) / TRUTH_FILE).exists()
    result = probe(load_dataset(args.data), seed=args.seed, truth=args.data if synthetic else None)
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
