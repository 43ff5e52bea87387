"""Shared fixtures. No test can touch a real user's data: MINICRM_DB and MINICRM_CONFIG
always point into a temporary folder."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import minicrm
from minicrm.cli import app

FROZEN = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)

# Radicale, vdirsyncer, khard, todoman and khal, started by the tests (tests/clients.py)
pytest_plugins = ["clients"]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "minicrm.db"
    monkeypatch.setenv("MINICRM_DB", str(db))
    monkeypatch.setenv("MINICRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("MINICRM_DEBUG", raising=False)
    monkeypatch.setattr("minicrm.core.clock.now", lambda: FROZEN)
    return db


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch):
    """Local time is Europe/Berlin (DST on 2026-03-29 and 2026-10-25)."""
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def db_path(isolated: Path) -> Path:
    return isolated


@pytest.fixture
def store(db_path: Path):
    s = minicrm.open_store(db_path)
    yield s
    s.close()


def _build_each_command_tree_once() -> None:
    """typer's CliRunner builds the click command from the app's annotations on every
    invoke (~60 ms for the whole tree, ~40% of the suite's time); build each app's once
    per session. Invoking a built command is what one run of `minicrm` does."""
    import typer.testing

    build = typer.testing._get_command
    built: dict[int, tuple[object, object]] = {}

    def cached(typer_app: object) -> object:
        hit = built.get(id(typer_app))
        if hit is None or hit[0] is not typer_app:
            hit = built[id(typer_app)] = (typer_app, build(typer_app))
        return hit[1]

    typer.testing._get_command = cached  # type: ignore[assignment]


_build_each_command_tree_once()


class Run:
    """Runs the CLI in-process; stdout and stderr are kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):
        result = self.runner.invoke(app, list(args), input=input)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code} != {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}\n{result.exception!r}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture
def run() -> Run:
    return Run()


@pytest.fixture
def contact_factory(run: Run):
    """Adds a contact through the CLI and returns its JSON."""

    def make(name: str, *args: str) -> dict:
        return json.loads(run("add", name, *args, "--json").stdout)

    return make


# -- the reliability suite's long mode ----------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak",
        action="store_true",
        default=False,
        help="tests/reliability at full size (minutes): also MINICRM_SOAK=1",
    )


@pytest.fixture(scope="session")
def soak(request: pytest.FixtureRequest) -> bool:
    """True in the long mode (`pytest --soak` or MINICRM_SOAK=1): the reliability tests
    then run at the sizes docs/reliability.md reports; otherwise at CI sizes."""
    import os

    return bool(request.config.getoption("--soak") or os.environ.get("MINICRM_SOAK"))


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `minicrm` executable in a subprocess, on this
    test's temporary database, without colour, in UTC, and with no pager to wait on in a
    pseudo-terminal (tests of the pager set their own)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("MINICRM_")}
    env.update(
        MINICRM_DB=str(tmp_path / "data" / "minicrm.db"),
        MINICRM_CONFIG=str(tmp_path / "config.toml"),
        NO_COLOR="1",
        MINICRM_PAGER="cat",
        TZ="UTC",
        PYTHONUNBUFFERED="1",
    )
    return env


MINICRM = [sys.executable, "-m", "minicrm"]  # the installed package, whatever PATH holds
