"""Report parameters: read what a notebook declares, refuse what it does not.

papermill only warns about a parameter the notebook does not declare and silently
accepts a value of the wrong type; a report run with a misspelt ``horizon_month`` would
quietly use the default. The runner is strict instead: before anything executes, the
parameters are checked against the notebook's ``parameters`` cell.

A parameter is declared in that cell as ``name: type = default  # unit and meaning``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import papermill

from analytics_kit.exceptions import ReportParameterError, format_error

__all__ = ["check_parameters", "declared_parameters"]

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


def declared_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares, by name, with type, default and help.

    Raises
    ------
    ReportParameterError
        When the notebook has no cell tagged ``parameters``.
    """
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    tagged = [
        c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    if not tagged:
        msg = format_error(
            f"notebook {notebook}",
            "no cell tagged 'parameters'",
            "exactly one code cell tagged 'parameters' declaring every parameter",
            "add the tag 'parameters' to the cell that sets the defaults",
        )
        raise ReportParameterError(msg)
    if len(tagged) > 1:
        msg = format_error(
            f"notebook {notebook}",
            f"{len(tagged)} cells tagged 'parameters'",
            "exactly one",
            "merge the parameter cells into one",
        )
        raise ReportParameterError(msg)
    return {
        name: {
            "type": info["inferred_type_name"],
            "default": info["default"],
            "help": info["help"],
        }
        for name, info in papermill.inspect_notebook(str(notebook)).items()
    }


def check_parameters(notebook: str | Path, parameters: dict[str, Any]) -> None:
    """Raise unless `parameters` match the notebook's declared parameters exactly.

    Every declared parameter must be given, no other name may appear, and each value
    must have the declared type (an int is accepted for a float).

    Raises
    ------
    ReportParameterError
        Naming the parameter, what was received and what the notebook declares.
    """
    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        msg = format_error(
            f"report parameter(s) {unknown} for {notebook}",
            "names the notebook does not declare",
            f"the declared parameters {sorted(declared)}",
            "check the spelling, or declare the parameter in the 'parameters' cell",
        )
        raise ReportParameterError(msg)
    missing = sorted(set(declared) - set(parameters))
    if missing:
        msg = format_error(
            f"report parameter(s) {missing} for {notebook}",
            "not given",
            "a value for every declared parameter",
            "pass them explicitly (the runner never relies on notebook defaults)",
        )
        raise ReportParameterError(msg)
    for name, value in parameters.items():
        kind = declared[name]["type"]
        allowed = _TYPES.get(kind)
        if allowed is None:
            continue  # undeclared type: papermill could not infer one
        wrong_bool = isinstance(value, bool) and bool not in allowed
        if not isinstance(value, allowed) or wrong_bool:
            msg = format_error(
                f"report parameter {name!r}",
                f"{value!r} of type {type(value).__name__}",
                f"a value of type {kind} ({declared[name]['help'] or 'see notebook'})",
                f"pass {name} as {kind}",
            )
            raise ReportParameterError(msg)
