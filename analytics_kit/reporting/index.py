"""The index page: one row per client with status, as_of, headline KPIs and links.

A client whose last run failed or timed out shows the ``as_of`` and KPIs of the
last good report (the one it links to), labelled as such.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

__all__ = ["write_index"]

_STATUS_STYLE = {"ok": "#1a7f37", "failed": "#b42318", "timeout": "#b54708"}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Client reports</title>
<style>
 body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto;
        padding: 0 1em; color: #222; }}
 table {{ border-collapse: collapse; width: 100%; }}
 th, td {{ border-bottom: 1px solid #ddd; padding: 0.45em 0.7em; text-align: left;
          vertical-align: top; }}
 th {{ background: #f3f4f6; }}
 .err {{ color: #b42318; font-size: 0.85em; white-space: pre-wrap; }}
</style></head>
<body>
<h1>Client reports</h1>
<p>Updated {updated} UTC. Each report is a single self-contained HTML file.</p>
<table>
<thead><tr><th>Client</th><th>Status</th><th>Data as of</th><th>Last run</th>
<th>Headline KPIs</th><th>Files</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


#: Headline KPIs shown on the index, in order: manifest key -> (label, kind).
INDEX_KPIS: dict[str, tuple[str, str]] = {
    "customers": ("Customers", "count"),
    "revenue": ("Revenue", "money"),
    "cac_blended": ("Blended CAC", "money"),
    "clv_expected": ("Expected CLV", "money"),
    "clv_saas": ("LTV per subscriber", "money"),
    "ltv_to_cac": ("LTV:CAC", "ratio"),
    "churn_last_month": ("Monthly churn", "share"),
    "churn_inactive_share": ("Inactive share", "share"),
    "nps": ("NPS (all responses)", "nps"),
    "engagement_rate": ("Engagement rate", "share"),
}


def _format_kpi(value: object, kind: str, currency: str) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "money":
        return f"{value:,.2f} {currency}".strip()
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "nps":
        return f"{value:.1f}"
    return f"{value:.2f}"


def _kpi_lines(record: dict) -> str:
    """The headline KPIs of a manifest record (an entry or its ``last_good``)."""
    kpis = record.get("kpis") or {}
    currency = record.get("currency") or ""
    horizon = (record.get("parameters") or {}).get("horizon_months")
    lines = []
    for key, (label, kind) in INDEX_KPIS.items():
        if kpis.get(key) is None:
            continue
        if key == "clv_expected" and horizon:
            label = f"Expected {horizon:g}-month CLV"
        value = _format_kpi(kpis[key], kind, currency)
        lines.append(f"{html.escape(label)}: {html.escape(value)}")
    return "<br>".join(lines)


def _figures(entry: dict, status: str) -> tuple[str, str]:
    """The "Data as of" and "Headline KPIs" cells.

    A run that did not succeed shows the figures of the last good report it links
    to (``last_good``), labelled as such; never its own figures as if they were the
    report's. Manifests written before ``last_good`` existed may carry a failed
    run's own KPIs: those are labelled as the failed run's.
    """
    e = html.escape
    as_of = e(str(entry.get("as_of", "—")))
    if status == "ok":
        return as_of, _kpi_lines(entry) or "—"
    good = entry.get("last_good")
    if good:
        started = e(str(good.get("started") or "—").replace("T", " ")[:16])
        label = f"<small>last good report (run {started} UTC):</small>"
        as_of_cell = (
            f"{e(str(good.get('as_of', '—')))}<br><small>last good report; "
            f"this {e(status)} run: {as_of}</small>"
        )
        return as_of_cell, f"{label}<br>{_kpi_lines(good) or '—'}"
    own = _kpi_lines(entry)
    if own:
        return (
            as_of,
            f"<small>this {e(status)} run, not the linked report:</small><br>{own}",
        )
    return as_of, "—"


def _row(entry: dict) -> str:
    e = html.escape
    status = entry.get("status", "not run")
    color = _STATUS_STYLE.get(status, "#555")
    as_of_cell, kpi_cell = _figures(entry, status)
    links = []
    if entry.get("html"):
        label = "report" if status == "ok" else "last good report"
        links.append(f'<a href="{e(quote(entry["html"]))}">{label}</a>')
    if entry.get("failed_notebook"):
        links.append(
            f'<a href="{e(quote(entry["failed_notebook"]))}">failed notebook</a>'
        )
    error = entry.get("error")
    error_html = ""
    if error and status != "ok":
        cell = f" (cell {error['cell']})" if error.get("cell") is not None else ""
        error_html = (
            f'<div class="err">{e(str(error.get("type")))}{e(cell)}: '
            f"{e(str(error.get('message', ''))[:300])}</div>"
        )
    return (
        f"<tr><td>{e(entry.get('client_name') or entry.get('client_id', ''))}"
        f"<br><small>{e(entry.get('client_id', ''))}</small></td>"
        f'<td style="color:{color};font-weight:600">{e(status)}{error_html}</td>'
        f"<td>{as_of_cell}</td>"
        f"<td>{e(str(entry.get('started', '—')).replace('T', ' ')[:16])} UTC</td>"
        f"<td>{kpi_cell}</td><td>{' · '.join(links) or '—'}</td></tr>"
    )


def write_index(out_dir: str | Path, client_ids: list[str] | None = None) -> Path:
    """Write ``index.html`` in `out_dir` from its ``manifest.json``.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The reports folder.
    client_ids : list of str, optional
        Clients to list first, in this order (e.g. the configuration's order);
        clients only in the manifest follow.

    Returns
    -------
    pathlib.Path
        The index file.
    """
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    entries = manifest.get("clients", {})
    order = list(client_ids or [])
    order += [cid for cid in entries if cid not in order]
    rows = [
        _row(entries.get(cid, {"client_id": cid, "status": "not run"})) for cid in order
    ]
    page = _PAGE.format(
        updated=html.escape(str(manifest.get("updated", "—")).replace("T", " ")[:16]),
        rows="\n".join(rows),
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
