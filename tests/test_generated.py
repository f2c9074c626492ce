"""The baked project works on this machine: its own tests, and its container start-up sequence."""

import os
import signal
import subprocess
import time

import httpx
import pytest

from .conftest import AppDatabase, Baked, free_port, mysql_server_url


def test_generated_project_tests_pass_on_sqlite_and_mysql(baked: Baked) -> None:
    server = mysql_server_url()
    result = baked.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        TEST_DATABASE_URL=server.render_as_string(hide_password=False),
        REQUIRE_MYSQL="1",
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert " skipped" not in result.stdout.splitlines()[-1]


def start_entrypoint(baked: Baked, db: AppDatabase, port: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "scripts/entrypoint.sh"],
        cwd=baked.path,
        env=baked.env(**db.env(), API_PORT=str(port), API_HOST="127.0.0.1", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_entrypoint_waits_migrates_and_serves(baked: Baked, app_database: AppDatabase) -> None:
    port = free_port()
    server = start_entrypoint(baked, app_database, port, SEED_ON_START="false")
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not answer within 90s"
                time.sleep(0.3)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        # exec handed the shell's PID to uvicorn, so SIGTERM reaches the server itself.
        # uvicorn shuts down gracefully, then re-raises the signal as its exit status.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) in (0, -signal.SIGTERM)
        output = server.stdout.read()
        assert "database is ready" in output
        assert "Finished server process" in output
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_entrypoint_wrong_password_fails_within_timeout(
    baked: Baked, app_database: AppDatabase
) -> None:
    app_database.password = "definitely-wrong-password"
    started = time.monotonic()
    server = start_entrypoint(baked, app_database, free_port(), DB_WAIT_TIMEOUT="3")
    try:
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 1
    assert time.monotonic() - started < 20
    assert "not reachable after 3s" in output
    assert "Access denied" in output
    assert "definitely-wrong-password" not in output


@pytest.mark.skipif(os.name != "posix", reason="make and sh are POSIX tools")
def test_make_targets_run_on_the_host(baked: Baked, app_database: AppDatabase) -> None:
    env = app_database.env()
    for target in ("migrate", "current", "history", "sql"):
        result = baked.run("make", target, "RUN=", **env)
        assert result.returncode == 0, f"make {target}: {result.stdout}{result.stderr}"
