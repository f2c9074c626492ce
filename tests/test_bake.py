"""Bake every answer of every choice prompt and check every generated file."""

import itertools
import json
import re
import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from .conftest import TEMPLATE, VENV_BIN, Baked, bake

CHOICES = json.loads((TEMPLATE / "cookiecutter.json").read_text())
MATRIX = [
    {"python_version": py, "database": db, "seed_on_start": seed}
    for py, db, seed in itertools.product(
        CHOICES["python_version"], CHOICES["database"], [True, False]
    )
]
LEFTOVER = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")


def text_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            try:
                path.read_text()
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


@pytest.fixture(scope="module", params=MATRIX, ids=lambda c: "-".join(map(str, c.values())))
def matrix_bake(request, cookies_session) -> Baked:
    return bake(cookies_session, **request.param)


def test_no_template_leftovers(matrix_bake: Baked) -> None:
    files = text_files(matrix_bake.path)
    assert len(files) > 20
    for path in files:
        found = LEFTOVER.search(path.read_text())
        assert found is None, f"{path.relative_to(matrix_bake.path)}: {found.group()!r}"


def test_ruff_clean(matrix_bake: Baked) -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        result = matrix_bake.run(str(VENV_BIN / "ruff"), *args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_is_valid(matrix_bake: Baked) -> None:
    result = matrix_bake.run(str(VENV_BIN / "docker-compose"), "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    db, api = config["services"]["db"], config["services"]["api"]
    flavour = CHOICES["database"][0] if "mysql:" in db["image"] else "mariadb"
    assert db["image"] == {"mysql": "mysql:8.4", "mariadb": "mariadb:11.4"}[flavour]
    assert "SELECT 1" in " ".join(db["healthcheck"]["test"])
    assert "--protocol=TCP" in " ".join(db["healthcheck"]["test"])
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "DB_ROOT_PASSWORD" not in json.dumps(api)
    assert api["environment"]["DB_HOST"] == "db"
    dockerfile = (matrix_bake.path / "Dockerfile").read_text()
    assert f"ARG PYTHON_VERSION={api['build']['args']['PYTHON_VERSION']}\n" in dockerfile
    assert "/health" in " ".join(api["healthcheck"]["test"])


def test_dockerfile_lints_clean(matrix_bake: Baked) -> None:
    result = matrix_bake.run(
        str(VENV_BIN / "hadolint"), "--failure-threshold", "info", "Dockerfile"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    dockerfile = (matrix_bake.path / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2
    assert "\nUSER 10001:10001\n" in dockerfile


def test_settings_default_follows_seed_answer(matrix_bake: Baked, request) -> None:
    seed = "true" if "True" in request.node.callspec.id else "false"
    env_example = (matrix_bake.path / ".env.example").read_text()
    assert f"SEED_ON_START={seed}" in env_example


def test_env_has_fresh_secrets_and_is_gitignored(cookies) -> None:
    first, second = bake(cookies, project="one"), bake(cookies, project="two")
    example = (first.path / ".env.example").read_text()

    def secrets_of(project: Baked) -> dict[str, str]:
        lines = (project.path / ".env").read_text().splitlines()
        pairs = (line.split("=", 1) for line in lines if "=" in line)
        return {k: v for k, v in pairs if k in ("DB_PASSWORD", "DB_ROOT_PASSWORD")}

    one, two = secrets_of(first), secrets_of(second)
    assert set(one) == {"DB_PASSWORD", "DB_ROOT_PASSWORD"}
    for key, value in one.items():
        assert len(value) >= 24
        assert value != two[key]
        assert value not in example
    assert one["DB_PASSWORD"] != one["DB_ROOT_PASSWORD"]
    subprocess.run(["git", "init", "-q"], cwd=first.path, check=True)
    ignored = subprocess.run(["git", "check-ignore", ".env"], cwd=first.path)
    assert ignored.returncode == 0, ".env must be gitignored"
    assert (first.path / ".env").stat().st_mode & 0o077 == 0


def test_pins_match_the_tested_environment(baked: Baked) -> None:
    """Generated projects are tested in this venv, so their pins must be what it holds."""
    project = tomllib.loads((baked.path / "pyproject.toml").read_text())["project"]
    pins = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert any(pin == "fastapi-crudrouter==0.8.6" for pin in pins)
    for pin in pins:
        name, _, wanted = pin.partition("==")
        assert wanted, f"{pin} is not pinned"
        assert version(name) == wanted, f"{name}: project pins {wanted}, tests run {version(name)}"


def test_makefile_lists_every_target(baked: Baked) -> None:
    result = baked.run("make", "help")
    assert result.returncode == 0, result.stderr
    targets = "up down logs ps build migration migrate downgrade history current sql seed test"
    for target in [*targets.split(), "lint", "fmt", "db-shell", "shell", "run", "reset"]:
        assert re.search(rf"^\s+\S*{target}\S*\s", result.stdout, re.M), target


def test_migration_without_name_fails_clearly(baked: Baked) -> None:
    result = baked.run("make", "migration", "RUN=")
    assert result.returncode != 0
    assert 'name is required, e.g. make migration name="add products"' in result.stderr


def test_template_test_database_compose_file_is_valid() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "docker-compose"), "--profile", "mysql", "config", "-q"],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_quotes_and_backslashes_in_free_text_answers(cookies) -> None:
    """Names and descriptions land in Python and TOML strings: they must stay literal."""
    text = 'Bob\'s "shop" \\ API'
    project = bake(cookies, project="quoted", project_name=text, description=text)
    assert (
        tomllib.loads((project.path / "pyproject.toml").read_text())["project"]["description"]
        == text
    )
    result = project.run(
        "python", "-c", "from quoted.main import create_app; print(create_app().title)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == text
    lint = project.run(str(VENV_BIN / "ruff"), "check", ".")
    assert lint.returncode == 0, lint.stdout
