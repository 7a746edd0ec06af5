"""Text with HTML or script that reaches a report is shown escaped, never executed.

Corpus case (issue 8, "Report runs"): client display name, segment names, NPS
comments and channel names from the hostile client of files/clients.yml go through
the display helpers the report uses, the HTML export and the index page; each
output is parsed and must carry no active content (script, frame or object tags,
event-handler attributes, ``javascript:`` links, images from outside). One full
notebook render with a hostile display name is in tests/reporting/test_report_e2e.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analytics_kit.reporting import display as rd
from analytics_kit.reporting import export_html, write_index
from tests.bad_input._corpus import load

metrics = pytest.importorskip("analytics_kit.metrics")

NAME = "<script>alert('name')</script> & Co"
CHANNEL = "<img src=x onerror=alert('channel')>"
SEGMENT = "<script>alert('segment')</script>"
COMMENT = "</td></tr></table><script>alert('comment')</script>"
LINK = "<a href=\"javascript:alert('link')\">click</a>"


class _Active(HTMLParser):
    """Collects every piece of markup that could run code when the page opens."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed", "frame", "base"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if value.startswith(("javascript:", "vbscript:", "data:text/html")):
                self.found.append(f"{tag} {name}={value}")
            if tag == "img" and name == "src" and not value.startswith("data:image/"):
                self.found.append(f"img src={value}")


def active_content(page: str) -> list[str]:
    parser = _Active()
    parser.feed(page)
    parser.close()
    return parser.found


def assert_inert(page: str, *texts: str) -> None:
    """No active markup, and each hostile text is there, escaped, as text."""
    assert active_content(page) == []
    for text in texts:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # The escaped text is in the page up to quotes (escaped or not).
        head = escaped.split("'")[0].split('"')[0]
        assert head in page, head


def test_the_checker_sees_active_content():
    assert active_content(SEGMENT) == ["<script>"]
    assert sorted(active_content(CHANNEL)) == ["img onerror=", "img src=x"]
    assert active_content(LINK) == ["a href=javascript:alert('link')"]


@pytest.fixture(scope="module")
def hostile():
    """The hostile client: its name, its transactions and its NPS responses."""
    client = load("hostile")
    tx = client.table("transactions").to_pandas()
    responses = client.table("nps_responses").to_pandas()
    return client, tx, responses


def test_hostile_values_are_read_as_plain_text(hostile):
    client, tx, responses = hostile
    assert client.config.name == NAME
    assert tx["channel"].tolist() == [CHANNEL, "web"]  # c's amount is not a number
    assert responses["segment"].tolist() == [SEGMENT, "retail", "retail"]
    assert responses["comment"].tolist() == [COMMENT, LINK, "fine & dandy"]


def _report_outputs(client, tx, responses) -> list[str]:
    """The HTML the report's display helpers make of the hostile client."""
    dq = client.data_quality()
    dq = dq.assign(examples=dq["examples"].map(lambda xs: "; ".join(xs[:2])))
    by_channel = tx.pivot_table(
        index="customer_id", columns="channel", values="amount", aggfunc="sum"
    )
    segments = metrics.nps_by(responses, by="segment")
    return [
        rd.kpi_cards([rd.Card("Client", client.config.name, SEGMENT)]).data,
        rd.table(dq[["table", "summary", "examples"]], caption=NAME).data,
        rd.table(by_channel, index=True, caption="Revenue by channel").data,
        rd.table(segments[["segment", "nps", "n"]]).data,
        rd.table(responses[["segment", "comment"]]).data,
        rd.note(f"segment {SEGMENT} has one response").data,
        rd.paragraph(COMMENT).data,
        rd.missing_table_note(CHANNEL, client.id).data,
    ]


def test_display_helpers_escape_names_segments_comments_and_channels(hostile):
    outputs = _report_outputs(*hostile)
    for html in outputs:
        assert active_content(html) == [], html
    page = "\n".join(outputs)
    assert_inert(page, NAME, CHANNEL, SEGMENT, COMMENT, LINK)
    # The excluded row with a script in its amount is quoted, escaped, as example.
    assert "&lt;script&gt;alert(" in outputs[1] and "line 4: c|2024-01-07|" in page
    # Channels and segments as column labels (pivot) are escaped too.
    assert '<th class="index_name level0" >channel</th>' in outputs[2]
    assert "&lt;img src=x onerror=alert(" in outputs[2]


def _executed_notebook(outputs: list[str]) -> nbformat.NotebookNode:
    """A notebook as papermill leaves it, with the report's outputs in one cell."""
    cell = new_code_cell("display(...)")
    cell.outputs = [
        new_output("display_data", data={"text/html": h, "text/plain": "HTML"})
        for h in outputs
    ]
    # Data pasted into Markdown or raw HTML by a future section: the export's
    # last line of defence escapes the one and shows the other as text.
    cell.outputs += [
        new_output("display_data", data={"text/markdown": f"**{SEGMENT}** {LINK}"}),
        new_output("display_data", data={"text/html": f"<p>{CHANNEL}</p>"}),
        new_output("stream", name="stdout", text=COMMENT),
    ]
    nb = new_notebook(cells=[new_markdown_cell("## Segments"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return nb


def test_exported_report_is_inert(hostile, tmp_path):
    client = hostile[0]
    path = tmp_path / "hostile.ipynb"
    nbformat.write(_executed_notebook(_report_outputs(*hostile)), path)
    html_path = export_html(
        path,
        tmp_path / "hostile.html",
        title=f"Customer analytics report: {client.config.name}",
        client_name=client.config.name,
        as_of=f"{client.as_of:%Y-%m-%d}",
    )
    page = html_path.read_text()
    assert_inert(page, NAME, CHANNEL, SEGMENT, COMMENT, LINK)
    assert "<title>Customer analytics report: &lt;script&gt;" in page
    # Markdown output: the bold is kept, the HTML inside it is text.
    assert "<strong>&lt;script&gt;alert('segment')&lt;/script&gt;</strong>" in page


def test_index_page_escapes_names_errors_and_kpis(tmp_path):
    manifest = {
        "updated": "2024-03-31T00:00:00+00:00",
        "clients": {
            "hostile": {
                "client_id": "hostile",
                "client_name": NAME,
                "status": "failed",
                "as_of": "2024-03-31",
                "started": "2024-03-31T00:00:00+00:00",
                # The index shows known KPIs only; a text value still reaches it.
                "kpis": {"nps": CHANNEL, "revenue": SEGMENT},
                "error": {"cell": 3, "type": "DataValidationError", "message": COMMENT},
                "html": "hostile/hostile.html",
                "failed_notebook": "hostile/hostile.failed.ipynb",
            }
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    page = write_index(tmp_path, ["hostile"]).read_text()
    assert_inert(page, NAME, SEGMENT, CHANNEL, COMMENT)
    assert 'href="hostile/hostile.html">last good report' in page


def test_display_helpers_do_not_modify_the_frame():
    frame = pd.DataFrame({CHANNEL: [1.0]}, index=pd.Index([SEGMENT], name=SEGMENT))
    frame.columns.name = CHANNEL
    before = frame.copy()
    rd.table(frame, index=True)
    pd.testing.assert_frame_equal(frame, before)
    assert frame.index.name == SEGMENT and frame.columns.name == CHANNEL
