"""Progress on a terminal: nested steps share one live display (rich allows one at a
time), work of one step is a spinner rather than a bar stuck at 0%, and pipes stay quiet."""

from __future__ import annotations

import pytest

from cinerec import progress as progress_module
from cinerec.progress import progress, status


def test_nested_steps_share_one_display_and_one_step_work_is_indeterminate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "interactive", lambda: True)
    seen: list[tuple[str, float | None]] = []
    with status("Building the model"):
        display = progress_module._display[0]
        for _ in progress(range(3), "blocks of movies"):
            seen += [(task.description, task.total) for task in display.tasks]
        for _ in progress(["only"], "one block"):
            seen += [(task.description, task.total) for task in display.tasks if task.description == "one block"]
    assert ("Building the model", None) in seen and ("blocks of movies", 3) in seen
    assert ("one block", None) in seen
    assert progress_module._display == []


def test_nothing_is_drawn_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with status("quiet"):
        assert list(progress(range(4), "quiet too")) == [0, 1, 2, 3]
    assert capsys.readouterr() == ("", "")
