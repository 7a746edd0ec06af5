"""One client's validated tables and data-quality summary: :func:`load_client`."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd

from analytics_kit._validation import require_date
from analytics_kit.config import TABLE_NAMES, ClientConfig, load_config
from analytics_kit.engine import connect, to_backend
from analytics_kit.exceptions import DataValidationError, format_error
from analytics_kit.io.reader import LoadedTable, read_table

__all__ = ["Client", "load_client"]


@dataclass
class Client:
    """A client's configuration, its loaded tables and what was excluded from them.

    Use :func:`load_client` to build one.
    """

    config: ClientConfig
    as_of: pd.Timestamp
    con: ibis.BaseBackend
    tables: dict[str, LoadedTable] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The client id (a folder-safe name)."""
        return self.config.id

    def has(self, name: str) -> bool:
        """Whether the client supplied table `name`."""
        return name in self.tables

    def table(self, name: str) -> ibis.Table:
        """The kept rows of table `name` as an Ibis table (``.to_pandas()`` for pandas).

        Raises
        ------
        DataValidationError
            When the client has no such table; the message says how to supply it.
        """
        if name not in self.tables:
            msg = format_error(
                f"client {self.id!r}, table {name!r}",
                "no such table in the configuration",
                f"one of the tables the client has: {sorted(self.tables)}",
                f"add tables.{name}.path for this client in the configuration",
            )
            raise DataValidationError(msg)
        return self.tables[name].table

    def data_quality(self) -> pd.DataFrame:
        """Rows read, kept and excluded, one row per table and exclusion reason.

        Returns
        -------
        pandas.DataFrame
            Columns ``table``, ``file``, ``reason``, ``rows``, ``summary`` (e.g.
            "5 excluded: after as_of") and ``examples`` (a few offending lines).
            Each table has a ``read`` row and a ``kept`` row; the ``rows`` of its
            exclusion reasons add up to read minus kept.
        """
        records = []
        for name, loaded in self.tables.items():
            base = {"table": name, "file": loaded.path.name}
            records.append(
                {
                    **base,
                    "reason": "read",
                    "rows": loaded.rows_read,
                    "summary": f"{loaded.rows_read:,} rows read",
                    "examples": [],
                }
            )
            for row in loaded.exclusions.itertuples(index=False):
                records.append(
                    {
                        **base,
                        "reason": row.reason,
                        "rows": int(row.rows),
                        "summary": f"{int(row.rows):,} excluded: {row.reason}",
                        "examples": list(row.examples),
                    }
                )
            records.append(
                {
                    **base,
                    "reason": "kept",
                    "rows": loaded.rows_kept,
                    "summary": f"{loaded.rows_kept:,} rows kept",
                    "examples": [],
                }
            )
            for note in loaded.notes:
                records.append(
                    {
                        **base,
                        "reason": "note",
                        "rows": 0,
                        "summary": note,
                        "examples": [],
                    }
                )
        columns = ["table", "file", "reason", "rows", "summary", "examples"]
        return pd.DataFrame.from_records(records, columns=columns)

    def file_hashes(self) -> dict[str, str]:
        """SHA-256 of each input file, for the run manifest."""
        out = {}
        for name, loaded in self.tables.items():
            digest = hashlib.sha256()
            with open(loaded.path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            out[name] = digest.hexdigest()
        return out


def load_client(
    client_id: str,
    *,
    config: str | Path = "data/clients.yml",
    as_of: str | None = None,
    tables: tuple[str, ...] | None = None,
) -> Client:
    """Read and validate every table of one client.

    Parameters
    ----------
    client_id : str
        The client's id in the configuration.
    config : str or pathlib.Path, default="data/clients.yml"
        The configuration file.
    as_of : str, optional
        ISO date overriding the configured ``as_of``; rows after it are excluded.
    tables : tuple of str, optional
        Load only these tables (default: every table the client has).

    Returns
    -------
    Client
        Tables as Ibis tables on the client's engine and the data-quality summary.
        ``client.con`` is that engine's connection.

    Raises
    ------
    ConfigError
        When the configuration or the client id is invalid.
    DataValidationError
        When a file is missing, empty, unreadable or lacks a required column.

    Notes
    -----
    Files are always read, parsed and validated by DuckDB (the exclusion rules
    are DuckDB SQL). With ``engine: spark`` each kept table is then handed to
    Spark through Parquet (:func:`analytics_kit.engine.to_backend`, a temporary
    directory kept for the life of the process), so ``client.table(name)`` runs
    on Spark; the data-quality summary is the one computed while reading. The
    Spark session is created with ``spark_master``, or an existing one in the
    process is reused.

    Examples
    --------
    >>> client = load_client("cdnow", config="data/clients.yml")
    >>> client.table("transactions").to_pandas().shape
    (69659, 4)
    >>> client.data_quality()["summary"].iloc[0]
    '69,659 rows read'
    """
    kit = load_config(config)
    cfg = kit.client(client_id)
    day = require_date(as_of if as_of is not None else cfg.as_of, param="as_of")
    reader = connect("duckdb")
    client = Client(config=cfg, as_of=day, con=reader)
    for name in TABLE_NAMES:
        table_cfg = getattr(cfg.tables, name)
        if table_cfg is None or (tables is not None and name not in tables):
            continue
        path = cfg.table_path(name)
        assert path is not None
        client.tables[name] = read_table(
            reader, name, table_cfg, path, as_of=day, timezone=cfg.timezone
        )
    if cfg.engine == "spark":
        client.con = connect("spark", master=cfg.spark_master)
        folder = tempfile.mkdtemp(prefix=f"analytics_kit_{cfg.id}_")
        for name, loaded in client.tables.items():
            moved = to_backend(loaded.table, client.con, directory=folder)
            client.tables[name] = dataclasses.replace(loaded, table=moved)
    return client
