from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.replay import ReplayServer

DATA = Path(__file__).parent / "data"
REPLAY = DATA / "replay"


@pytest.fixture()
def replay() -> Iterator[ReplayServer]:
    with ReplayServer(REPLAY) as server:
        yield server


def write_config(tmp_path: Path, body: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "monitor.toml"
    path.write_text(body, encoding="utf-8")
    return path
