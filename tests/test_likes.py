"""The shared liking rule: one mask per dataset, in the ratings' order, behind the likes matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cinerec.data.dataset import Dataset
from cinerec.models.likes import liked_ratings, likes_matrix


def test_liked_ratings_follow_the_ratings_order_and_make_the_likes_matrix() -> None:
    # Given out of order: person 2 is a harsh rater (mean 2.5), whose 3 is a liking.
    ratings = pd.DataFrame({"user_id": [2, 1, 2, 1, 2], "movie_id": [30, 20, 10, 10, 20],
                            "rating": [3.0, 4.0, 1.0, 3.0, 3.5], "timestamp": np.arange(5)})
    dataset = Dataset.from_frames(pd.DataFrame({"movie_id": [10, 20, 30], "title": ["A", "B", "C"]}),
                                  pd.DataFrame({"user_id": [1, 2]}), ratings)
    mask = liked_ratings(dataset)
    expected = dataset.ratings.groupby("user_id")["rating"].transform("mean")
    assert mask.tolist() == ((dataset.ratings["rating"] >= 4.0) | (dataset.ratings["rating"] >= expected)).tolist()
    assert liked_ratings(dataset) is mask  # computed once per dataset
    likes = likes_matrix(dataset)
    kept = dataset.ratings[mask]
    assert likes.nnz == len(kept)
    rows = dataset.user_vocab.index(kept["user_id"].to_numpy())
    cols = dataset.movie_vocab.index(kept["movie_id"].to_numpy())
    assert (np.asarray(likes[rows, cols]).ravel() == 1.0).all()
