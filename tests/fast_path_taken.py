"""An orders screen takes an accelerated path: a fixture for their test modules.

`from tests.fast_path_taken import fast_path_taken  # noqa: F401` in a module makes every test
there assert that the screen was answered by a compiled read (schema.compiled: PostgreSQL,
HTTP) or that the fast path completed selection sets (hits counted by schema.fast_path), and
that no walk fell back to graphql-core. A test that lists nothing (refused input) asks for
`no_list` (in conftest) instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schema import compiled, fast_path


@pytest.fixture(autouse=True)
def fast_path_taken(request: pytest.FixtureRequest) -> Iterator[None]:
    before, compiled_before = fast_path.stats(), compiled.stats().get("compiled", 0)
    yield
    if "no_list" in request.fixturenames:
        return
    after, compiled_after = fast_path.stats(), compiled.stats().get("compiled", 0)
    assert after["hits"] > before["hits"] or compiled_after > compiled_before, (
        "the orders screen took neither a compiled read nor the fast path"
    )
    assert after["fallbacks"] == before["fallbacks"], "a walk fell back to graphql-core"
