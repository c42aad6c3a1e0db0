"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.moto_server import MotoServer, start_moto_server


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """A real moto STS/IAM server over HTTP (``CC_MOTO_URL`` when set), shared by the session."""
    server = start_moto_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto_requests(moto: MotoServer) -> MotoServer:
    """The ``moto`` server with its recording emptied, so ``.requests()`` holds this test's requests only."""
    moto.reset()
    return moto
