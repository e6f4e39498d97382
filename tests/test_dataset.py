"""The canonical dataset's vocabulary: table lookups and the binary-search fallback agree."""

from __future__ import annotations

import numpy as np
import pytest

from cinerec.data import dataset as dataset_module
from cinerec.data.dataset import Vocabulary


@pytest.mark.parametrize("table_limit", [10**9, 0])
def test_vocabulary_index_and_contains(table_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataset_module, "LOOKUP_TABLE_MAX_ID", table_limit)
    vocab = Vocabulary(np.array([3, 7, 8, 200], dtype=np.int32))
    assert vocab.index(np.array([200, 3, 8])).tolist() == [3, 0, 2]
    assert vocab.contains(np.array([3, 4, -1, 200, 201, 10**6])).tolist() == [True, False, False, True, False, False]
    assert 7 in vocab and 9 not in vocab
    with pytest.raises(KeyError, match="5"):
        vocab.index(np.array([3, 5]))


def test_empty_vocabulary_knows_nothing() -> None:
    assert Vocabulary(np.array([], dtype=np.int32)).contains(np.array([1, 2])).tolist() == [False, False]
