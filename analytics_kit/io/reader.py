"""Read one client table into the engine, parse it, and set aside rows that break a rule.

The file is read by DuckDB as text (CSV and Parquet never pass through pandas), so
parsing is the kit's and every rejected value can be counted. Each row gets at most
one exclusion reason, checked in this order:

1. ``missing customer id`` (tables with a customer id; blank, ``NA``, ``nan`` or
   ``null`` in any case, as for every other column; an optional customer id
   written so becomes NULL)
2. ``missing <date column>``
3. ``after as_of``: the row's local date is later than the client's ``as_of``
4. ``missing <number column>`` (blank or NaN), ``non-numeric <number column>``
   (``"12,50"``, ``"$10"``) and ``non-finite <number column>`` (``inf``, ``1e400``)
5. ``<column> out of range`` / ``<column> not a whole number`` (NPS scores)
6. ``exact duplicate``: identical to an earlier row in every column

Kept + excluded always equals rows read. A file whose every row is excluded gives
an empty table and a :class:`~analytics_kit.exceptions.DataQualityWarning`, so that
the sections that need it say so and the rest of a report still renders. What
cannot be read at all (a missing or empty file, an unknown column, dates that do
not match the configured format) is a
:class:`~analytics_kit.exceptions.DataValidationError` naming the file, the column,
example rows and the fix.

Limitations
-----------
Whitespace-delimited text (the CDNOW log) is parsed by pandas before it reaches the
engine; use CSV or Parquet for large files.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pandera.errors

from analytics_kit.config import TableConfig
from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    format_error,
)
from analytics_kit.io.schemas import TABLE_SPECS, TableSpec

__all__ = ["LoadedTable", "read_table"]

_EXAMPLES = 3


@dataclass(frozen=True)
class LoadedTable:
    """A parsed table in the engine and what was set aside while reading it."""

    name: str
    path: Path
    table: ibis.Table
    rows_read: int
    rows_kept: int
    #: One row per exclusion reason: reason, rows, examples.
    exclusions: pd.DataFrame
    #: Notes that are not exclusions (e.g. duplicates kept by configuration).
    notes: tuple[str, ...] = ()


def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    """Quote an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _fail(what: str, found: str, allowed: str, fix: str, examples=()) -> None:
    raise DataValidationError(format_error(what, found, allowed, fix, examples))


def _load_raw(con: duckdb.DuckDBPyConnection, raw: str, path: Path, cfg: TableConfig):
    fmt = _format(cfg, path)
    if not path.is_file():
        _fail(
            f"file {path}",
            "no such file",
            "an existing CSV or Parquet file",
            "check the table's path in the configuration (relative to the YAML file)",
        )
    size = path.stat().st_size
    if size == 0 or (size <= 4096 and not _has_text(path)):
        _fail(
            f"file {path}",
            "an empty file (0 bytes)" if size == 0 else "a file with only blank lines",
            "a file with a header row and at least one data row",
            "re-export the table from its source system",
        )
    try:
        if fmt == "parquet":
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM "
                f"read_parquet({_lit(str(path))})"
            )
        elif fmt == "whitespace":
            frame = pd.read_csv(path, sep=r"\s+", dtype=str, encoding=cfg.encoding)
            con.register(f"{raw}_df", frame)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {raw}_df")
            con.unregister(f"{raw}_df")
        else:
            encoding = cfg.encoding
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv("
                f"{_lit(str(path))}, all_varchar=true, header=true, "
                f"delim={_lit(cfg.delimiter)}, encoding={_lit(encoding)}, "
                "sample_size=-1, auto_detect=true)"
            )
    except (duckdb.Error, UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0][:300]
        if "unicode" in str(exc).lower() or isinstance(exc, UnicodeDecodeError):
            first = f"bytes that are not valid {cfg.encoding} ({first})"
            fix = (
                "save the file as UTF-8, or set encoding: latin-1 for this table "
                "in the configuration"
            )
        elif fmt == "parquet":
            fix = "re-export the Parquet file; it is truncated or not Parquet"
        else:
            fix = "check the delimiter and quoting (set delimiter: ';' if needed)"
            guess = _guess_delimiter(path, cfg) if fmt == "csv" else None
            if guess is not None:
                first = (
                    f"{first}; the header line is split by {guess!r}, not by "
                    f"the configured delimiter {cfg.delimiter!r}"
                )
                fix = f"set delimiter: {guess!r} for this table in the configuration"
        _fail(
            f"file {path}",
            first
            if first.startswith("bytes")
            else f"a file the {fmt} reader cannot parse ({first})",
            f"a readable {fmt} file with a header row",
            fix,
        )
    return [r[0] for r in con.execute(f"DESCRIBE {raw}").fetchall()]


def _has_text(path: Path) -> bool:
    """Whether a small file holds anything but whitespace and a byte-order mark."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return bool(data.strip())


def _guess_delimiter(path: Path, cfg: TableConfig) -> str | None:
    """The delimiter the header line seems to use, when it is not the configured one."""
    with open(path, "rb") as handle:
        header = handle.readline(65536).decode(cfg.encoding, errors="replace")
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    if counts[best] == 0 or best == cfg.delimiter:
        return None
    return best if counts[best] > counts.get(cfg.delimiter, 0) else None


def _resolve_columns(
    file_cols: list[str], cfg: TableConfig, spec: TableSpec, path: Path
) -> dict[str, str]:
    """Map kit column -> file column, after checking the configured mapping."""
    unknown = [c for c in cfg.columns if c not in file_cols]
    hint, delimiter_fix = _delimiter_hint(file_cols, cfg, path)
    if unknown:
        _fail(
            f"file {path}, column mapping",
            f"column(s) {unknown} that the file does not have; "
            f"the file has {file_cols}{hint}",
            "keys of 'columns' that are column names of the file",
            delimiter_fix
            or "correct the 'columns' mapping of this table in the configuration",
        )
    mapping = {kit: client for client, kit in cfg.columns.items()}
    resolved: dict[str, str] = {}
    for col in file_cols:
        kit = cfg.columns.get(col, col)
        if kit in resolved:
            continue
        if col in mapping.values() or col not in mapping:
            resolved[kit] = col
    missing = [c for c in spec.required if c not in resolved]
    if missing:
        _fail(
            f"file {path}, column(s) {missing}",
            f"missing; the file has {file_cols}{hint}",
            f"a {spec.name} table with columns {list(spec.required)}",
            delimiter_fix
            or "add the column to the file, or map the file's column to "
            f"{missing[0]!r} under 'columns' in the configuration",
        )
    return resolved


def _delimiter_hint(
    file_cols: list[str], cfg: TableConfig, path: Path
) -> tuple[str, str | None]:
    """A note for column errors when the file's delimiter is not the configured one."""
    if _format(cfg, path) != "csv":
        return "", None
    guess = _guess_delimiter(path, cfg)
    if guess is not None:
        return (
            f"; the header line is split by {guess!r}, so the delimiter looks wrong",
            f"set delimiter: {guess!r} for this table in the configuration",
        )
    if len(file_cols) == 1 and any(d in file_cols[0] for d in ";\t|"):
        return "; the file reads as one column, so the delimiter looks wrong", None
    return "", None


def _format(cfg: TableConfig, path: Path) -> str:
    return cfg.format or ("parquet" if path.suffix.lower() == ".parquet" else "csv")


def _date_sql(src: str, cfg: TableConfig, tz: str) -> str:
    text = f"nullif(trim(CAST({_q(src)} AS VARCHAR)), '')"
    if cfg.date_format:
        parsed = f"try_strptime({text}, {_lit(cfg.date_format)})"
        if "%z" in cfg.date_format or "%Z" in cfg.date_format:
            return f"timezone({_lit(tz)}, {parsed})"
        return f"CAST({parsed} AS TIMESTAMP)"
    return f"timezone({_lit(tz)}, TRY_CAST({text} AS TIMESTAMPTZ))"


def _number_sql(src: str) -> str:
    return f"TRY_CAST(nullif(trim(CAST({_q(src)} AS VARCHAR)), '') AS DOUBLE)"


def _blank(src: str) -> str:
    return (
        f"(nullif(trim(CAST({_q(src)} AS VARCHAR)), '') IS NULL "
        f"OR lower(trim(CAST({_q(src)} AS VARCHAR))) IN ('nan', 'na', 'null'))"
    )


def read_table(
    con: ibis.BaseBackend,
    name: str,
    cfg: TableConfig,
    path: Path,
    *,
    as_of: pd.Timestamp,
    timezone: str,
) -> LoadedTable:
    """Read, parse and validate one table of a client.

    Parameters
    ----------
    con : ibis DuckDB backend
        The client's connection; its session timezone is set to `timezone`.
    name : str
        Canonical table name (a key of ``TABLE_SPECS``).
    cfg : TableConfig
        How to read the file (format, delimiter, encoding, date format, mapping).
    path : pathlib.Path
        The file.
    as_of : pandas.Timestamp
        Rows whose local date is after this day are excluded.
    timezone : str
        IANA name; timestamps with a UTC offset are converted to it before the date
        is taken, naive timestamps are taken as already local.

    Returns
    -------
    LoadedTable
        The kept rows as an Ibis table, plus counts and exclusion reasons.
    """
    spec = TABLE_SPECS[name]
    duck = con.con  # the raw DuckDB connection behind the Ibis backend
    duck.execute(f"SET TimeZone = {_lit(timezone)}")
    raw = f"_raw_{name}"
    file_cols = _load_raw(duck, raw, path, cfg)
    cols = _resolve_columns(file_cols, cfg, spec, path)
    rows_read = duck.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
    if rows_read == 0:
        _fail(
            f"file {path}",
            "a header row and no data rows",
            f"at least one {spec.name} row",
            "re-export the table; check that the export filter did not drop every row",
        )

    select = []
    for kit, src in cols.items():
        if kit in spec.dates:
            select.append(f"{_date_sql(src, cfg, timezone)} AS {_q(kit)}")
            select.append(f"CAST({_q(src)} AS VARCHAR) AS {_q('_src_' + kit)}")
        elif kit in spec.numbers:
            select.append(f"{_number_sql(src)} AS {_q(kit)}")
        elif kit == "customer_id":
            # "NA", "nan", "null" are missing here as in every other column, not
            # one customer called "NA": NULL, so excluded where the id is required.
            select.append(
                f"CASE WHEN {_blank(src)} THEN NULL ELSE "
                f"trim(CAST({_q(src)} AS VARCHAR)) END AS {_q(kit)}"
            )
        else:
            select.append(f"nullif(trim(CAST({_q(src)} AS VARCHAR)), '') AS {_q(kit)}")
    raw_text = " || '|' || ".join(
        f"coalesce(CAST({_q(c)} AS VARCHAR), '')" for c in file_cols
    )
    raw_key = ", ".join(f"CAST({_q(c)} AS VARCHAR)" for c in file_cols)
    parsed = f"_parsed_{name}"
    duck.execute(
        f"CREATE OR REPLACE TEMP TABLE {parsed} AS SELECT row_number() OVER () + 1 "
        f"AS _line, {raw_text} AS _raw, list_value({raw_key}) AS _key, "
        f"{', '.join(select)}, "
        + ", ".join(
            f"{_blank(src)} AS {_q('_blank_' + kit)}" for kit, src in cols.items()
        )
        + f" FROM {raw}"
    )
    _check_dates(duck, parsed, spec, cols, cfg, path)

    as_of_day = as_of.strftime("%Y-%m-%d")
    cases = []
    if "customer_id" in spec.required:
        cases.append(("customer_id IS NULL", "missing customer id"))
    for col in spec.dates:
        if col in spec.required:
            cases.append((f"{_q(col)} IS NULL", f"missing {col}"))
    if spec.as_of_column:
        cases.append(
            (
                f"CAST({_q(spec.as_of_column)} AS DATE) > DATE {_lit(as_of_day)}",
                "after as_of",
            )
        )
    for col in spec.numbers:
        if col not in cols:
            continue
        if col in spec.required:
            cases.append(
                (f"{_q('_blank_' + col)} OR isnan({_q(col)})", f"missing {col}")
            )
        cases.append(
            (f"NOT {_q('_blank_' + col)} AND {_q(col)} IS NULL", f"non-numeric {col}")
        )
        cases.append((f"isinf({_q(col)})", f"non-finite {col}"))
    for col, (low, high) in spec.ranges.items():
        cases.append(
            (
                f"{_q(col)} < {low} OR {_q(col)} > {high}",
                f"{col} out of range {low:g}-{high:g}",
            )
        )
    for col in spec.integers:
        cases.append((f"{_q(col)} <> round({_q(col)})", f"{col} not a whole number"))
    case_sql = " ".join(f"WHEN {cond} THEN {_lit(reason)}" for cond, reason in cases)
    dup_rank = "row_number() OVER (PARTITION BY _key ORDER BY _line)"
    duck.execute(
        f"CREATE OR REPLACE TEMP TABLE {parsed}_r AS SELECT *, "
        f"CASE {case_sql} ELSE NULL END AS _reason FROM {parsed}"
    )
    notes: list[str] = []
    dup_sql = f"(_reason IS NULL AND {dup_rank} > 1)"
    if cfg.duplicates == "exclude":
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {parsed}_r AS SELECT * REPLACE ("
            f"CASE WHEN {dup_sql} THEN 'exact duplicate' ELSE _reason END AS _reason) "
            f"FROM {parsed}_r"
        )
    else:
        n_dup = duck.execute(
            f"SELECT count(*) FROM (SELECT {dup_sql} AS d FROM {parsed}_r) WHERE d"
        ).fetchone()[0]
        if n_dup:
            notes.append(
                f"{n_dup} exact duplicate rows kept (duplicates: keep in the "
                "configuration: without an order id, identical lines can be "
                "separate orders)"
            )
    exclusions = duck.execute(
        f"SELECT _reason AS reason, count(*) AS rows, "
        f"list('line ' || _line || ': ' || _raw ORDER BY _line)[1:{_EXAMPLES}] "
        f"AS examples FROM {parsed}_r WHERE _reason IS NOT NULL "
        f"GROUP BY _reason ORDER BY rows DESC, reason"
    ).df()
    keep_cols = ", ".join(_q(c) for c in cols)
    duck.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {keep_cols} FROM {parsed}_r "
        "WHERE _reason IS NULL ORDER BY _line"
    )
    if name == "customers" and "cancellation_date" in cols:
        # A cancellation after as_of was not known at as_of: the customer is active.
        duck.execute(
            f"UPDATE {name} SET cancellation_date = NULL WHERE "
            f"CAST(cancellation_date AS DATE) > DATE {_lit(as_of_day)}"
        )
    for tmp in (raw, parsed, f"{parsed}_r"):
        duck.execute(f"DROP TABLE IF EXISTS {tmp}")
    table = con.table(name)
    rows_kept = int(table.count().to_pyarrow().as_py())
    exclusions["examples"] = exclusions["examples"].map(list)
    if rows_kept:
        _validate_schema(table, spec, path)
    else:
        reasons = "; ".join(
            f"{int(r.rows)} {r.reason} (e.g. {r.examples[0]})"
            for r in exclusions.itertuples(index=False)
        )
        warnings.warn(
            f"file {path}: every one of its {rows_read} rows was excluded ({reasons}); "
            f"the {name} table is empty. Fix the rows or the configuration (as_of, "
            "date_format, column mapping).",
            DataQualityWarning,
            stacklevel=3,
        )
    return LoadedTable(
        name, path, table, int(rows_read), rows_kept, exclusions, tuple(notes)
    )


def _check_dates(
    duck: duckdb.DuckDBPyConnection,
    parsed: str,
    spec: TableSpec,
    cols: dict[str, str],
    cfg: TableConfig,
    path: Path,
) -> None:
    for col in spec.dates:
        if col not in cols:
            continue
        bad = duck.execute(
            f"SELECT _line, {_q('_src_' + col)} FROM {parsed} "
            f"WHERE {_q(col)} IS NULL AND NOT {_q('_blank_' + col)} ORDER BY _line"
        ).fetchall()
        if bad:
            fmt = cfg.date_format or "ISO 8601 (YYYY-MM-DD[ HH:MM:SS][+HH:MM])"
            _fail(
                f"file {path}, column {cols[col]!r} ({col})",
                f"{len(bad)} value(s) that do not match the date format {fmt!r}; "
                "the file may mix date formats",
                f"every non-blank value in format {fmt!r}",
                "set date_format for this table in the configuration (e.g. "
                "'%d/%m/%Y' for day-first dates), or fix the listed rows",
                [f"line {line}: {value!r}" for line, value in bad[:_EXAMPLES]],
            )


def _validate_schema(table: ibis.Table, spec: TableSpec, path: Path) -> None:
    schema = spec.pandera_schema([c for c in table.columns if c in spec.known])
    try:
        schema.validate(table, lazy=True)
    except (pandera.errors.SchemaErrors, pandera.errors.SchemaError) as exc:
        _fail(
            f"file {path} ({spec.name})",
            f"rows that break the table schema after parsing: {str(exc)[:400]}",
            "the canonical schema in analytics_kit.io.schemas",
            "fix the column types in the source file",
        )
