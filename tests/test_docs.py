"""The READMEs match the code: every target, setting and prompt they should explain is there."""

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

from .conftest import TEMPLATE, AppDatabase, Baked, bake
from .test_journey import add_products_migration, make, query, snapshot, table_names

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


def readme_ops() -> list[dict]:
    """The example of each op in the template README's table, in order."""
    readme = (TEMPLATE / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| `(\{.*?\})` ", readme, re.M)
    ops = [json.loads(example) for _, example in rows]
    assert [op["op"] for op in ops] == [name for name, _ in rows]
    return ops


def test_template_readme_shows_every_op(baked: Baked) -> None:
    schema = json.loads((baked.path / "migrations" / "changeset.schema.json").read_text())
    engine_ops = {
        definition["properties"]["op"]["const"]
        for definition in schema["$defs"].values()
        if "op" in definition.get("properties", {})
    }
    shown = [op["op"] for op in readme_ops()]
    assert sorted(shown) == sorted(engine_ops), "one example per op, no more, no less"


def test_template_readme_ops_apply_and_downgrade(cookies, app_database: AppDatabase) -> None:
    project = bake(cookies, project="docs_api")
    make(project, app_database, "migrate")
    add_products_migration(project, app_database)
    make(project, app_database, "migrate")
    before = snapshot(app_database)

    changesets = project.path / "migrations" / "changesets"
    stubs = set(changesets.glob("*.json"))
    make(project, app_database, "migration", "name=every op from the README")
    (changeset,) = set(changesets.glob("*.json")) - stubs
    readme = (TEMPLATE / "README.md").read_text()
    rows_file = re.search(r"\(`products_rows.json` beside the changeset: `(\[.*?\])`\)", readme)
    (changesets / "products_rows.json").write_text(rows_file.group(1))
    changeset.write_text(json.dumps({"description": "README examples", "ops": readme_ops()}))
    make(project, app_database, "migrate")

    products = {r["sku"]: r for r in query(app_database, "SELECT * FROM products")}
    assert set(products) == {"TEE-1", "CAP-1", "PEN-1"}  # MUG-1 was under 10, retired, deleted
    assert (products["CAP-1"]["stock"], str(products["CAP-1"]["price"])) == (10, "11.00")
    assert query(app_database, "SELECT * FROM cheap_products") == [
        {"sku": "PEN-1", "price": Decimal("1.20")}
    ]
    assert not {"reviews", "product_reviews"} & table_names(app_database)

    make(project, app_database, "downgrade")
    assert snapshot(app_database) == before
