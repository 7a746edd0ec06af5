"""Turn an executed notebook into one self-contained HTML file without code.

Export is a separate step from execution: nbconvert ignores tag-based removal when it
executes and exports in one call. Inputs and prompts are removed, stderr streams
(warnings, progress bars) are dropped, and images are embedded as data URIs, so the
file opens from an email attachment with no other files and no network.

Data reaches a report as text (client and segment names, comments, channels). The
display helpers escape it; as a last line of defence the export also escapes raw
HTML in Markdown outputs of code cells (``display(Markdown(f"{segment}"))``) and
shows as plain text any HTML output that carries active content (a script, an event
handler attribute, a ``javascript:`` link, a frame or an embedded object). Markdown
cells written in the template are left as they are.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor

__all__ = ["export_html"]


#: HTML that runs code when the page opens: never legitimate in a report output.
_ACTIVE_HTML = re.compile(
    r"<\s*(script|iframe|object|embed|frame|base|meta|link)\b"
    r"|<[^>]*[\s/\"']on[a-z]+\s*="
    r"|<[^>]*(javascript|vbscript)\s*:"
    r"|<[^>]*data\s*:\s*text/html",
    re.IGNORECASE,
)


def _neutralise(output: dict) -> None:
    """Escape raw HTML in Markdown outputs; show active HTML outputs as text."""
    data = output.get("data")
    if not data:
        return
    markdown = data.get("text/markdown")
    if markdown is not None:
        text = "".join(markdown) if isinstance(markdown, list) else markdown
        data["text/markdown"] = html.escape(text, quote=False)
    markup = data.get("text/html")
    if markup is not None:
        text = "".join(markup) if isinstance(markup, list) else markup
        if _ACTIVE_HTML.search(text):
            data["text/html"] = f"<pre>{html.escape(text)}</pre>"


class _DropNoise(Preprocessor):
    """Drop stderr streams and ``remove_cell`` cells; neutralise active HTML."""

    def preprocess(self, nb, resources):  # type: ignore[no-untyped-def]
        nb.cells = [
            c
            for c in nb.cells
            if "remove_cell" not in c.get("metadata", {}).get("tags", [])
        ]
        for cell in nb.cells:
            if cell.get("cell_type") == "code":
                cell.outputs = [
                    o
                    for o in cell.get("outputs", [])
                    if not (
                        o.get("output_type") == "stream" and o.get("name") == "stderr"
                    )
                ]
                for output in cell.outputs:
                    _neutralise(output)
        return nb, resources


_TEMPLATES = Path(__file__).parent / "templates"


def _toc(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Second-level headings of markdown cells, with nbconvert's anchor ids."""
    entries = []
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("## "):
                text = line[3:].strip()
                entries.append((text.replace(" ", "-"), text))
    return entries


def export_html(
    notebook: str | Path,
    html_path: str | Path,
    *,
    title: str,
    client_name: str = "",
    as_of: str = "",
) -> Path:
    """Write the executed `notebook` as a self-contained HTML report.

    Parameters
    ----------
    notebook : str or pathlib.Path
        An executed notebook (outputs present).
    html_path : str or pathlib.Path
        Where to write the HTML file.
    title : str
        The page title (escaped by the template).
    client_name, as_of : str
        Shown in the page header (escaped).

    Returns
    -------
    pathlib.Path
        `html_path`.
    """
    nb = nbformat.read(str(notebook), as_version=4)
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(_DropNoise, enabled=True)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = {
        "title": title,
        "client_name": client_name,
        "as_of": as_of,
        "generated": generated,
        "toc": _toc(nb),
    }
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": title}, "report": report}
    )
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path
