"""The READMEs match the code: every target, setting and prompt they should explain is there."""

import json
import re
import subprocess
from pathlib import Path

from .conftest import TEMPLATE, Baked

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def make_help_targets(path: Path) -> list[str]:
    result = subprocess.run(["make", "help"], cwd=path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = ANSI.sub("", result.stdout).splitlines()
    return [line.split()[0] for line in lines if re.match(r"^\s+[a-z-]+\s{2,}\S", line)]


def test_generated_readme_lists_every_make_target(baked: Baked) -> None:
    readme = (baked.path / "README.md").read_text()
    targets = make_help_targets(baked.path)
    assert len(targets) > 15
    missing = [t for t in targets if not re.search(rf"`make {re.escape(t)}\b", readme)]
    assert not missing, f"targets in `make help` but not in the generated README: {missing}"


def test_generated_readme_documents_every_setting(baked: Baked) -> None:
    readme = (baked.path / "README.md").read_text()
    result = baked.run(
        "python",
        "-c",
        f"from {baked.package}.settings import Settings; print(*Settings.model_fields)",
    )
    assert result.returncode == 0, result.stderr
    fields = [name.upper() for name in result.stdout.split()]
    env_keys = re.findall(
        r"^#?\s*([A-Z][A-Z0-9_]+)=", (baked.path / ".env.example").read_text(), re.M
    )
    missing = [
        key
        for key in dict.fromkeys([*fields, *env_keys])
        if not re.search(rf"\| `{key}` \|", readme)
    ]
    assert not missing, f"settings without a row in the generated README's table: {missing}"


def test_template_readme_explains_every_prompt_and_target() -> None:
    readme = (TEMPLATE / "README.md").read_text()
    prompts = [
        key for key in json.loads((TEMPLATE / "cookiecutter.json").read_text()) if key[0] != "_"
    ]
    missing = [p for p in prompts if f"| `{p}` |" not in readme]
    assert not missing, f"prompts not explained in README.md: {missing}"
    targets = [t for t in make_help_targets(TEMPLATE) if t != "help"]
    missing = [t for t in targets if f"make {t}" not in readme]
    assert not missing, f"template targets not in README.md: {missing}"
    assert (TEMPLATE / "docs" / "swagger-ui.png").exists(), "the README shows docs/swagger-ui.png"
