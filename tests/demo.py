"""`make demo`: bake a sample project, migrate it, seed it and serve it until Ctrl-C.

    python -m tests.demo [DIR]      (default build/demo; the project lands in DIR/demo_api)

The database is MySQL/MariaDB when DATABASE_URL, TEST_DATABASE_URL or root@127.0.0.1:3306
answers: the demo connects with that URL's user (root by default, acceptable for a local demo)
and recreates its own database DEMO_DATABASE (default demo_api) there. Otherwise, or when
DATABASE_URL is a SQLite URL, the demo runs on SQLite in DIR/demo_api/demo.db.
DEMO_PORT (default 8000) picks the port of http://127.0.0.1:PORT/docs.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from cookiecutter.main import cookiecutter
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

TEMPLATE = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PROJECT = "demo_api"
LOCAL_MYSQL = "mysql+mysqldb://root:@127.0.0.1:3306/"
HOST = "127.0.0.1"
READY_TIMEOUT = 120.0


class DemoError(RuntimeError):
    """A step failed; the message says which and what to do."""


def step(message: str) -> None:
    print(f"==> {message}")


def check_port_free(port: int) -> None:
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            raise DemoError(
                f"port {port} on {HOST} is in use (another demo or server?). Stop it, "
                f"or pick another port: DEMO_PORT={port + 1} make demo"
            ) from None


def bake(target: Path) -> Path:
    step(f"baking the template with default answers into {target / PROJECT}")
    project = target / PROJECT
    if project.exists():
        subprocess.run(["rm", "-rf", str(project)], check=True)
    target.mkdir(parents=True, exist_ok=True)
    cookiecutter(
        str(TEMPLATE), no_input=True, output_dir=str(target), extra_context={"project": PROJECT}
    )
    return project


def mysql_server() -> URL | None:
    """The first MySQL/MariaDB server that answers, or None (with the reasons printed)."""
    candidates = [
        (name, os.environ[name])
        for name in ("DATABASE_URL", "TEST_DATABASE_URL")
        if os.environ.get(name)
    ] + [("default", LOCAL_MYSQL)]
    for source, raw in candidates:
        url = make_url(raw)
        if url.get_backend_name() not in {"mysql", "mariadb"}:
            print(f"    {source} is a {url.get_backend_name()} URL, not MySQL")
            return None
        engine = create_engine(url.set(database=None))
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            print(
                f"    {source}: MySQL at {url.host}:{url.port or 3306} not reachable ({error.orig})"
            )
            continue
        finally:
            engine.dispose()
        print(f"    {source}: MySQL at {url.host}:{url.port or 3306} answers as {url.username}")
        return url.set(database=None)
    return None


def prepare_database(project: Path) -> URL:
    step("choosing the database")
    server = mysql_server()
    if server is None:
        url = make_url(f"sqlite:///{project / 'demo.db'}")
        print(f"    using SQLite at {url.database}")
        return url
    name = os.environ.get("DEMO_DATABASE", PROJECT)
    where = f"{server.host}:{server.port or 3306}"
    step(f"recreating the demo's own database {name!r} on {where} as {server.username}")
    print("    (an admin account is fine for a local demo; a generated project has its own user)")
    engine = create_engine(server)
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        connection.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    engine.dispose()
    return server.set(database=name, query=dict(server.query) | {"charset": "utf8mb4"})


def project_env(url: URL, port: int) -> dict[str, str]:
    """The shell a user would have in the project: our venv on PATH, the demo database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DATABASE_URL"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    env.pop("VIRTUAL_ENV", None)
    env.update(
        DATABASE_URL=url.render_as_string(hide_password=False), API_HOST=HOST, API_PORT=str(port)
    )
    return env


def make(project: Path, env: dict[str, str], *args: str) -> None:
    step(f"make {' '.join(args)}   (in {project})")
    result = subprocess.run(["make", *args], cwd=project, env=env)
    if result.returncode != 0:
        raise DemoError(f"make {' '.join(args)} failed with exit code {result.returncode}")


def wait_until_healthy(server: subprocess.Popen, port: int) -> bool:
    """True once /health answers 200; False if the server exited first (e.g. on Ctrl-C)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise DemoError(f"the server did not answer /health within {READY_TIMEOUT:g}s")
        time.sleep(0.3)
    return False


def serve(project: Path, env: dict[str, str], port: int) -> int:
    """Run the container's entrypoint on the host; Ctrl-C stops the server gracefully."""
    check_port_free(port)
    step("starting the server the way the container does: sh scripts/entrypoint.sh")
    # Its own process group: Ctrl-C reaches the demo alone, which forwards one SIGINT, so the
    # server shuts down gracefully instead of being hit twice (a second SIGINT forces exit).
    server = subprocess.Popen(
        ["sh", "scripts/entrypoint.sh"], cwd=project, env=env, process_group=0
    )
    stop_requested = False

    def forward(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True
        if server.poll() is None:
            server.send_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        if wait_until_healthy(server, port):
            step(f"ready: http://{HOST}:{port}/docs (Swagger UI); press Ctrl-C to stop")
        code = server.wait()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    # uvicorn re-raises the signal it stopped on, so a graceful stop reads as -SIGINT.
    if stop_requested and code in (0, -signal.SIGINT):
        step("server stopped cleanly")
        return 0
    raise DemoError(f"the server exited with code {code}")


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(line_buffering=True)  # steps interleave with the commands' output
    target = Path(argv[0] if argv else "build/demo").resolve()
    port = int(os.environ.get("DEMO_PORT", "8000"))
    try:
        check_port_free(port)
        project = bake(target)
        env = project_env(prepare_database(project), port)
        make(project, env, "migrate", "RUN=")
        make(project, env, "seed", "RUN=")
        return serve(project, env, port)
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
