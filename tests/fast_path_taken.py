"""An orders screen takes the fast path: a fixture for their test modules.

`from tests.fast_path_taken import fast_path_taken  # noqa: F401` in a module makes every test
there assert that the fast path completed selection sets (hits counted by schema.fast_path)
and that none fell back to graphql-core. A test that lists nothing (refused input) asks for
`no_list` (in conftest) instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schema import fast_path


@pytest.fixture(autouse=True)
def fast_path_taken(request: pytest.FixtureRequest) -> Iterator[None]:
    before = fast_path.stats()
    yield
    if "no_list" in request.fixturenames:
        return
    after = fast_path.stats()
    assert after["hits"] > before["hits"], "the orders screen did not take the fast path"
    assert after["fallbacks"] == before["fallbacks"], "a walk fell back to graphql-core"
