"""Schema-driven testing: schemathesis generates requests from the service's own OpenAPI
document, valid and invalid, and checks every answer against that same document.

One run of schemathesis' engine over the app, in all its phases (the schema's examples,
boundary coverage, random fuzzing, and stateful sequences that create a profile and then
use it) and with every check: no 5xx; each status, content type, body and header as
documented; invalid data refused; valid data accepted. Bounded and deterministic (a
fixed number of examples per operation, derandomised generation, no example database),
so it runs in seconds and fails the same way every time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder

from cinerec.service.app import create_app
from test_service_api import session_service_model

EXAMPLES_PER_OPERATION = 25
STATEFUL_STEPS = 20
PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass
class Run:
    """What one schemathesis run found."""

    operations: set[str] = field(default_factory=set)
    phases: dict[str, Status] = field(default_factory=dict)
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self, phase: str, recorder: ScenarioRecorder) -> None:
        self.cases[phase] += len(recorder.cases)
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.status is Status.FAILURE:
                    case = recorder.cases[case_id].value
                    self.failures.append(f"{recorder.label}: {check.name} on {case.method} {case.formatted_path} "
                                         f"body={case.body!r}: {check.failure_info.failure.title}")


def no_movie_both_liked_and_disliked(context: schemathesis.HookContext, body: object) -> bool:
    """JSON Schema cannot say that two lists share no item; the service refuses a movie in
    both (a 422 its own tests cover), so valid data must not hold one."""
    if not isinstance(body, dict) or not isinstance(body.get("liked"), list) or not isinstance(body.get("disliked"), list):
        return True
    liked = {movie for movie in body["liked"] if isinstance(movie, int)}
    return not liked.intersection(movie for movie in body["disliked"] if isinstance(movie, int))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    model = session_service_model(tmp_path_factory)[0]
    app = create_app(model, tmp_path_factory.mktemp("fuzz-db") / "profiles.sqlite3")
    config = schemathesis.Config.from_dict({
        "seed": 20261129,
        "workers": 1,
        "generation": {"mode": "all", "max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                       "database": "none"},
        "checks": {"enabled": True},
        "phases": {name: {"enabled": True} for name in PHASES} | {"stateful": {"max-steps": STATEFUL_STEPS}},
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    schema.hook("filter_body")(no_movie_both_liked_and_disliked)
    return schema


@pytest.fixture(scope="module")
def run(api_schema: schemathesis.BaseSchema) -> Run:
    found = Run(operations={result.ok().label for result in api_schema.get_all_operations()})
    for event in from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            found.record(event.phase.value, event.recorder)
        elif isinstance(event, events.PhaseFinished):
            found.phases[event.phase.name.value] = event.status
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            found.errors.append(str(getattr(event, "value", event)))
    return found


def test_schema_lists_every_route(run: Run) -> None:
    assert {"POST /api/recommendations", "GET /api/movies/search",
            "PUT /api/profiles/{profile_id}/ratings/{movie_id}"} <= run.operations


def test_every_phase_ran_and_passed(run: Run) -> None:
    assert run.errors == []
    assert {phase: run.phases.get(phase) for phase in PHASES} == dict.fromkeys(PHASES, Status.SUCCESS)
    assert all(run.cases[phase] > 0 for phase in ("coverage", "fuzzing", "stateful")), run.cases


def test_every_answer_conforms_to_the_schema(run: Run) -> None:
    """Status codes, content types, bodies and headers as documented; invalid data refused
    and valid data accepted."""
    assert run.failures == []


def test_no_request_gets_a_server_error(run: Run) -> None:
    assert run.statuses, "no request was sent"
    assert {status: n for status, n in run.statuses.items() if status >= 500} == {}
    assert {200, 201, 404, 422} <= set(run.statuses)  # successes and refusals were both reached
