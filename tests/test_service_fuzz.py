"""Schema-driven fuzzing: schemathesis generates requests from the service's own OpenAPI
document — valid and invalid — and no answer may be a 5xx.

Bounded and deterministic (a fixed number of examples per operation, derandomised
Hypothesis), so it runs in seconds and fails the same way every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from cinerec.service.app import create_app
from test_service_api import session_service_model

EXAMPLES_PER_OPERATION = 40


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return session_service_model(tmp_path_factory)[0]


@pytest.fixture(scope="module")
def api_schema(model: Path, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    app = create_app(model, tmp_path_factory.mktemp("fuzz-db") / "profiles.sqlite3")
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def operations(api_schema: schemathesis.BaseSchema) -> list[schemathesis.APIOperation]:
    return [result.ok() for result in api_schema.get_all_operations()]


def test_schema_lists_every_route(api_schema: schemathesis.BaseSchema) -> None:
    paths = {operation.path for operation in operations(api_schema)}
    assert {"/api/recommendations", "/api/movies/search", "/api/profiles/{profile_id}/ratings/{movie_id}"} <= paths


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_no_request_gets_a_server_error(api_schema: schemathesis.BaseSchema, mode: GenerationMode) -> None:
    """Every operation, with requests that fit the schema (positive) and that break it (negative;
    only operations that take some input can be sent a request that breaks the schema)."""
    for operation in operations(api_schema):
        if mode is GenerationMode.NEGATIVE and not any(operation.iter_parameters()) and not len(operation.body):
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        no_server_error()
