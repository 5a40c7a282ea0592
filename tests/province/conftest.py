from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from benchmarks.postgres import PostgresServer, binaries, start_postgres
from tests.conftest import IN_CI

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """Debian's PostgreSQL, started for this test run in a private folder on a free loopback
    port, and stopped after. Missing under CI is a failure, never a skip."""
    if binaries() is None:
        if IN_CI:
            pytest.fail("PostgreSQL (Debian's postgresql package) is not installed; CI must have every real component")
        pytest.skip("PostgreSQL is not installed")
    server = start_postgres()
    yield server
    server.remove()


@pytest.fixture
def central_url(postgres: PostgresServer) -> str:
    """A fresh, empty database on the test server: one province's central record."""
    if postgres.proc is None or postgres.proc.poll() is not None:
        postgres.start()  # a test that stopped the server and failed before starting it again
    return postgres.create_database(f"province_{next(_names)}")
