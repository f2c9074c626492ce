"""Swagger UI in headless Chromium, offline: every table's tag, and a Try-it-out POST that works.

Uses Debian's /usr/bin/chromium through Playwright's Python package (no `playwright install`).
The screenshot lands in build/artifacts/swagger-ui.png; docs/swagger-ui.png is a kept copy.
"""

import json
import os
import re
from pathlib import Path

import httpx
import pytest

from .conftest import TEMPLATE, AppDatabase, bake
from .test_journey import add_products_migration, make, query, running_server, table_names

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACT = TEMPLATE / "build" / "artifacts" / "swagger-ui.png"

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="make and sh are POSIX tools"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt chromium)"),
]


def test_try_it_out_creates_a_product(cookies, app_database: AppDatabase, tmp_path: Path) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    project = bake(cookies, project="swagger_api")
    make(project, app_database, "migrate")
    add_products_migration(project, app_database)
    make(project, app_database, "migrate")
    tables = table_names(app_database)
    readme = (project.path / "README.md").read_text()
    new_product = json.loads(re.search(r"`POST /products`.*?send `(\{.*?\})`", readme, re.S)[1])

    with running_server(project, app_database, tmp_path / "server.log") as base:
        openapi = httpx.get(f"{base}/openapi.json").json()
        (success,) = [c for c in openapi["paths"]["/products"]["post"]["responses"] if c[0] == "2"]
        browser_requests: list[str] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: browser_requests.append(request.url))
            page.goto(f"{base}/docs")
            page.locator(".opblock-tag").first.wait_for(timeout=15_000)
            tags = set(
                page.locator(".opblock-tag").evaluate_all("els => els.map(e => e.dataset.tag)")
            )
            api_tables = {t for t in tables if t != "alembic_version" and "journal" not in t}
            assert api_tables <= tags, f"tables without a tag in /docs: {api_tables - tags}"

            post = page.locator('.opblock-post:has(.opblock-summary-path[data-path="/products"])')
            post.locator(".opblock-summary").click()
            post.get_by_role("button", name="Try it out").click()
            post.locator("textarea.body-param__text").fill(json.dumps(new_product, indent=2))
            post.get_by_role("button", name="Execute").click()
            status = post.locator(".live-responses-table .response .response-col_status").first
            status.wait_for(timeout=15_000)
            shown = status.inner_text().strip()
            # The picture for the README: every tag, products' routes, the answered POST.
            for tag in tags - {"products"}:
                page.locator(f'.opblock-tag[data-tag="{tag}"]').click()
            page.add_style_tag(
                content=".curl-command, .request-url { display: none }"
                " .body-param__text { height: 8em !important; min-height: 0 !important }"
            )
            live = post.locator(".live-responses-table").bounding_box()  # relative to the view
            bottom = page.evaluate("window.scrollY") + live["y"] + live["height"] + 8
            ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
            clip = {"x": 0, "y": 0, "width": 1280, "height": bottom}
            page.screenshot(path=str(ARTIFACT), full_page=True, clip=clip)
            browser.close()

    assert shown == success, f"Swagger UI showed {shown}, the API documents {success}"
    rows = query(app_database, "SELECT sku, name, price, stock FROM products")
    created = [{k: str(v) for k, v in r.items()} for r in rows if r["sku"] == new_product["sku"]]
    assert created == [{k: str(v) for k, v in new_product.items()}], "the row is in the database"
    offsite = [url for url in browser_requests if not url.startswith(base)]
    assert offsite == [], f"Swagger UI must work offline; it fetched {offsite}"
