"""`make demo` bakes, migrates, seeds and serves a project, and stops cleanly on Ctrl-C."""

import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

from .conftest import DEFAULT_MYSQL, TEMPLATE, free_port, mysql_server_url

pytestmark = pytest.mark.skipif(os.name != "posix", reason="make and process groups are POSIX")


def drop_database(name: str) -> None:
    server = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_MYSQL))
    engine = create_engine(server)
    try:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    except SQLAlchemyError:  # no server: the demo ran on SQLite inside tmp_path
        pass
    finally:
        engine.dispose()


def wait_until_ready(demo: subprocess.Popen, log: Path, port: int, timeout: float) -> None:
    """Until the demo says it serves (it has seen /health answer), reading its output file."""
    deadline = time.monotonic() + timeout
    while f"==> ready: http://127.0.0.1:{port}/docs" not in log.read_text():
        assert demo.poll() is None, f"make demo exited early:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"not ready within {timeout:g}s:\n{log.read_text()}"
        time.sleep(0.3)


@pytest.mark.parametrize("backend", ["mysql", "sqlite"])
def test_make_demo_serves_health_and_stops_on_ctrl_c(tmp_path: Path, backend: str) -> None:
    port = free_port()
    database = f"tpl_demo_{secrets.token_hex(4)}"
    env = os.environ | {"DEMO_PORT": str(port), "DEMO_DATABASE": database}
    if backend == "sqlite":
        env["DATABASE_URL"] = "sqlite://"
    else:
        mysql_server_url()  # skips (fails under REQUIRE_MYSQL=1) when no server answers
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            ["make", "demo", f"DEMO={tmp_path / 'demo'}"],
            cwd=TEMPLATE,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal gives `make demo`
        )
    try:
        wait_until_ready(demo, log, port, timeout=120)
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        assert response.status_code == 200
        assert response.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5).status_code == 200

        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        demo.wait(timeout=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        drop_database(database)
    output = log.read_text()
    # make re-raises the SIGINT it received once its recipe (the demo, exiting 0) has finished.
    assert demo.returncode in (0, -signal.SIGINT), output
    for step in ("baking the template", "make migrate RUN=", "make seed RUN="):
        assert step in output, output
    assert "server stopped cleanly" in output, output
    on_sqlite = "using SQLite at" in output
    assert on_sqlite == (backend == "sqlite"), output
    assert "Traceback" not in output, output


def test_make_demo_says_so_when_the_port_is_taken(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        result = subprocess.run(
            ["make", "demo", f"DEMO={tmp_path / 'demo'}"],
            cwd=TEMPLATE,
            env=os.environ | {"DEMO_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert f"DEMO_PORT={port + 1} make demo" in result.stderr
    assert not (tmp_path / "demo").exists(), "nothing is baked when the port is taken"
