"""The harness itself (tests/clients.py): a taken port is retried, a hung program is killed
within its time, servers stop, only loopback is reachable, nothing prompts."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import clients
from clients import Device, RadicaleAccount, RadicaleServer, run_program, vcard


def test_radicale_starts_on_another_port_when_the_first_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with socket.socket() as taken:
        taken.bind((clients.LOOPBACK, 0))
        taken.listen()
        ports = iter([taken.getsockname()[1], clients.free_port()])
        monkeypatch.setattr(clients, "free_port", lambda: next(ports))
        server = RadicaleServer(tmp_path / "radicale")
        try:
            server.start()
            assert server.port != taken.getsockname()[1]
            status, _, _ = server.account("ann").request("PROPFIND", "/", Depth="0")
            assert status == 207
            assert "Address already in use" in server.log()
        finally:
            server.stop()
    assert not server.running


def test_a_server_that_cannot_start_fails_at_once_with_its_log(tmp_path: Path):
    server = RadicaleServer(tmp_path / "radicale", server={"no_such_option": "1"})
    with pytest.raises(AssertionError, match=r"(?s)exit 1\)\n.*Invalid option 'no_such_option'"):
        server.start()
    assert not server.running


def test_a_stopped_server_leaves_no_process(radicale_factory):
    server = radicale_factory()
    pid = server.proc.pid
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_program_that_hangs_is_killed_and_fails_the_test(tmp_path: Path):
    with pytest.raises(AssertionError, match="did not finish in 1 s"):
        run_program(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            env=clients.isolated_env(tmp_path),
            cwd=tmp_path,
            timeout=1,
        )


def test_a_failing_program_shows_its_output(tmp_path: Path):
    with pytest.raises(AssertionError, match=r"(?s)exit 3.*to stdout.*to stderr"):
        run_program(
            [
                sys.executable,
                "-c",
                "import sys; print('to stdout'); print('to stderr', file=sys.stderr); sys.exit(3)",
            ],
            env=clients.isolated_env(tmp_path),
            cwd=tmp_path,
        )


def test_programs_run_in_their_own_home(laptop: Device):
    env = laptop.env
    assert env["HOME"] == str(laptop.home)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS"):
        assert Path(env[name]).is_relative_to(laptop.home), name
    assert set(env) & {"MINICRM_DB", "TODOMAN_CONFIG", "http_proxy", "HTTPS_PROXY"} == set()


def test_only_a_loopback_server_can_be_paired(tmp_path: Path, radicale: RadicaleAccount):
    device = Device(tmp_path / "dev", radicale, "dev")
    device.add("contacts", "carddav")
    device.account = SimpleNamespace(url="http://192.0.2.1:5232/", user="ann", password="x")
    with pytest.raises(ValueError, match="only loopback"):
        device.write_vdirsyncer_config()


def test_items_seeded_into_the_storage_are_served(radicale: RadicaleAccount, phone: Device):
    radicale.create_addressbook("contacts")
    radicale.seed("contacts", {f"c{i}.vcf": vcard(f"c{i}", f"Person {i}") for i in range(3)})
    phone.add("contacts", "carddav")
    phone.sync()
    assert sorted(phone.items("contacts")) == ["c0.vcf", "c1.vcf", "c2.vcf"]


def test_discover_creates_the_collections_without_a_prompt(
    radicale: RadicaleAccount, laptop: Device
):
    laptop.add("contacts", "carddav")
    laptop.add("tasks", "caldav")
    ran = laptop.discover()  # stdin is closed: a prompt would fail it
    assert "attempt to create" not in ran.stdout + ran.stderr
    for collection in ("contacts", "tasks"):
        status, _, _ = radicale.request("PROPFIND", radicale.collection_path(collection), Depth="0")
        assert status == 207, collection
