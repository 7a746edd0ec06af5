"""The real report notebook rendered through the runner, checked as HTML and in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from analytics_kit.reporting import run_reports

HOSTILE = "CDNOW <script>alert('x')</script> & Co"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, project_root):
    """CDNOW under a hostile display name, plus a client whose table is broken."""
    root = tmp_path_factory.mktemp("e2e")
    (root / "broken.csv").write_text("customer_id,timestamp\na,2024-01-01\n")
    config = root / "clients.yml"
    config.write_text(
        textwrap.dedent(f"""
        clients:
          - id: cdnow
            name: "{HOSTILE}"
            as_of: "1998-06-30"
            tables:
              transactions:
                path: package:lifetimes/datasets/CDNOW_master.txt
                format: whitespace
                date_format: "%Y%m%d"
                columns: {{date: timestamp, dollar_value: amount, number_of_cds: quantity}}
                duplicates: keep
          - id: broken
            name: Broken
            as_of: "2024-06-30"
            tables:
              transactions: {{path: broken.csv}}
    """)
    )
    out = root / "reports"
    (out / "broken").mkdir(parents=True)
    (out / "broken" / "broken.html").write_text("<p>previous good report</p>")
    runs = run_reports(config, out_dir=out, jobs=2, fast=True, progress=False)
    return {r.client_id: r for r in runs}, out


def test_good_client_renders_and_broken_client_is_isolated(rendered):
    runs, out = rendered
    assert runs["cdnow"].status == "ok", runs["cdnow"].error
    assert runs["broken"].status == "failed"
    assert "amount" in runs["broken"].error["message"]
    assert (out / "broken" / "broken.html").read_text() == "<p>previous good report</p>"
    assert (out / "broken" / "broken.failed.ipynb").is_file()
    manifest = json.loads((out / "manifest.json").read_text())["clients"]
    assert manifest["cdnow"]["kpis"]["customers"] == 23_570
    assert set(manifest["cdnow"]["input_hashes"]) == {"transactions"}


def test_html_is_self_contained_without_code_and_escapes_data(rendered):
    _, out = rendered
    html = (out / "cdnow" / "cdnow.html").read_text()
    assert "23,570" in html
    assert not re.search(r'class="[^"]*jp-InputArea-editor', html)  # no code input
    assert "import analytics_kit" not in html
    assert "<script>alert" not in html
    assert "CDNOW &lt;script&gt;alert(" in html
    assert re.search(r'<img[^>]+src="data:image/png;base64,', html)
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', html)
    assert "Traceback" not in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # dropped


@pytest.mark.browser
def test_report_and_index_in_headless_chromium(rendered, project_root):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    _, out = rendered
    shots = project_root / "reports" / "screenshots"  # for inspection; not shared
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for page_path, shot in [
            (out / "cdnow" / "cdnow.html", "browser-cdnow.png"),
            (out / "index.html", "browser-index.png"),
        ]:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            outside: list[str] = []

            def route(r, outside=outside):
                if r.request.url.startswith("file://"):
                    return r.continue_()
                outside.append(r.request.url)  # network is off: record and refuse
                return r.abort()

            page.route("**/*", route)
            alerts: list[str] = []
            page.on(
                "dialog",
                lambda d, alerts=alerts: (alerts.append(d.message), d.dismiss()),
            )
            page.goto(Path(page_path).as_uri(), wait_until="load")
            assert page.title()
            assert page.locator(".jp-CodeCell .jp-InputArea").count() == 0
            widths = page.evaluate(
                "Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)"
            )
            assert all(w > 0 for w in widths), widths
            assert outside == [] and alerts == []
            page.screenshot(path=str(shots / shot), full_page=True)
            page.close()
        browser.close()
    assert (shots / "browser-cdnow.png").stat().st_size > 10_000
