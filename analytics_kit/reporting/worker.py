"""Render one client's report in its own process: execute, then export.

Run by the batch runner as ``python -m analytics_kit.reporting.worker SPEC.json``,
so that a crash, a hang or a kill affects one client only. The spec names the
notebook, the parameters and a staging folder; the worker writes the executed
notebook, the HTML and ``result.json`` (status and, on failure, the failing cell and
message) into that folder and nothing anywhere else.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

__all__ = ["render"]


def render(spec: dict) -> int:
    """Execute and export one report; return the process exit code (0 = success)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from analytics_kit.reporting.export import export_html

    staging = Path(spec["staging"])
    executed = staging / f"{spec['client_id']}.ipynb"
    result: dict = {"status": "failed"}
    try:
        papermill.execute_notebook(
            spec["notebook"],
            str(executed),
            parameters=spec["parameters"],
            kernel_name="python3",
            progress_bar=False,
            cwd=str(Path(spec["notebook"]).parent),
            execution_timeout=spec.get("cell_timeout_s"),
        )
        export_html(
            executed,
            staging / f"{spec['client_id']}.html",
            title=spec["title"],
            client_name=spec["client_name"],
            as_of=spec["as_of"],
        )
        result = {"status": "ok"}
    except PapermillExecutionError as exc:
        result["error"] = {
            "cell": exc.exec_count,
            "type": exc.ename,
            "message": str(exc.evalue)[:2000],
        }
    except Exception as exc:
        result["error"] = {
            "cell": None,
            "type": type(exc).__name__,
            "message": "".join(traceback.format_exception_only(exc))[:2000],
        }
    (staging / "result.json").write_text(json.dumps(result, indent=2))
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(render(json.loads(Path(sys.argv[1]).read_text())))
