"""Schemathesis against the baked app's OpenAPI document, served on MariaDB/MySQL with the
example tables from the project's own changesets: no 5xx, and every response matches the
status codes, headers and schemas the document declares."""

import subprocess
import time
from pathlib import Path

import httpx

from .conftest import VENV_BIN, AppDatabase, Baked, free_port

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "use_after_free",
    "ensure_resource_availability",
)


def wait_for_health(server: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the API did not answer within {timeout:g}s"
        time.sleep(0.2)


def test_api_conforms_to_its_openapi_document(
    baked: Baked, app_database: AppDatabase, tmp_path: Path
) -> None:
    env = app_database.env()
    migrated = baked.run("python", "-m", "alembic", "upgrade", "head", **env)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    port = free_port()
    app = f"{baked.package}.main:create_app"
    log = tmp_path / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            ["python", "-m", "uvicorn", "--factory", app, "--port", str(port)],
            cwd=baked.path,
            env=baked.env(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_health(server, port, log)
        paths = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["paths"]
        assert {"/customers", "/customers/{item_id}", "/orders", "/orders/{item_id}"} <= set(paths)
        # One worker: Hypothesis' lambda introspection is not thread-safe (a runtime error).
        result = subprocess.run(
            [
                str(VENV_BIN / "st"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                f"--checks={','.join(CHECKS)}",
                "--max-examples=30",
                "--seed=1",
                "--workers=1",
                "--request-timeout=10",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=170,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:] + log.read_text()
