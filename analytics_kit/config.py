"""Client configuration: which clients exist, where their tables are, how to read them.

The configuration is one YAML file (``data/clients.yml`` for the demo) loaded with a
safe loader and validated into typed objects. A client looks like::

    clients:
      - id: acme-retail            # lowercase letters, digits, dashes: a folder name
        name: ACME Retail          # display name
        currency: EUR
        as_of: "2024-06-30"        # every time-relative number is computed at this date
        timezone: Europe/Berlin    # days are bucketed in this timezone
        engine: duckdb             # or spark
        tables:
          transactions:
            path: acme/orders.csv  # relative to this file
            date_format: "%d/%m/%Y"
            columns: {Kundennr: customer_id, Datum: timestamp, Betrag: amount}

``columns`` maps the client's column names to the kit's canonical names
(see :mod:`analytics_kit.io.schemas`). Any table may be absent.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from analytics_kit.exceptions import ConfigError, format_error

__all__ = [
    "CLIENT_ID_PATTERN",
    "TABLE_NAMES",
    "ClientConfig",
    "KitConfig",
    "TableConfig",
    "load_config",
]

#: A client id becomes a folder name: lowercase letters, digits and inner dashes.
CLIENT_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: The canonical tables a client may supply.
TABLE_NAMES = (
    "transactions",
    "customers",
    "marketing_spend",
    "nps_responses",
    "engagement",
    "activity",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableConfig(_Strict):
    """Where one table lives and how to read it."""

    path: str = Field(description="File path, relative to the configuration file.")
    format: Literal["csv", "parquet", "whitespace"] | None = Field(
        default=None, description="Defaults from the file extension."
    )
    delimiter: str = ","
    encoding: Literal["utf-8", "latin-1", "utf-16"] = "utf-8"
    date_format: str | None = Field(
        default=None,
        description="strftime format of the date column, e.g. '%d/%m/%Y'; "
        "None means ISO 8601 (with or without a UTC offset).",
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="client column name -> kit column name"
    )
    duplicates: Literal["exclude", "keep"] = Field(
        default="exclude",
        description="Exact duplicate rows are excluded unless 'keep' (for logs "
        "without an order id, where identical lines can be separate orders).",
    )


class ClientTables(_Strict):
    """The tables of one client; each may be absent."""

    transactions: TableConfig | None = None
    customers: TableConfig | None = None
    marketing_spend: TableConfig | None = None
    nps_responses: TableConfig | None = None
    engagement: TableConfig | None = None
    activity: TableConfig | None = None


class ClientConfig(_Strict):
    """One client: identity, reference date, timezone, engine and tables."""

    id: Annotated[str, Field(description="Folder-safe id, e.g. 'acme-retail'.")]
    name: str
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    as_of: dt.date
    timezone: str = "UTC"
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[2]"
    gross_margin: Annotated[float, Field(gt=0, le=1)] = 1.0
    contractual: bool = False
    tables: ClientTables = ClientTables()
    base_dir: Path = Path(".")

    @field_validator("id")
    @classmethod
    def _id_is_folder_safe(cls, value: str) -> str:
        if not CLIENT_ID_PATTERN.fullmatch(value):
            msg = (
                f"found {value!r}; allowed: lowercase letters, digits and inner "
                "dashes (it becomes a folder name); fix: use e.g. 'acme-retail'"
            )
            raise ValueError(msg)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            msg = (
                f"found {value!r}; allowed: an IANA timezone name; "
                "fix: use e.g. 'Europe/Berlin' or 'UTC'"
            )
            raise ValueError(msg) from exc
        return value

    def table_path(self, name: str) -> Path | None:
        """Absolute path of table `name`, or None when the client has no such table."""
        table = getattr(self.tables, name)
        if table is None:
            return None
        return resolve_path(table.path, self.base_dir)


class KitConfig(_Strict):
    """The whole configuration file."""

    clients: list[ClientConfig]
    source: Path = Path(".")

    @model_validator(mode="after")
    def _unique_ids(self) -> KitConfig:
        seen: set[str] = set()
        for i, client in enumerate(self.clients):
            if client.id in seen:
                msg = (
                    f"clients[{i}].id: found {client.id!r} twice; ids must be unique; "
                    "fix: rename one of them"
                )
                raise ValueError(msg)
            seen.add(client.id)
        return self

    def client(self, client_id: str) -> ClientConfig:
        """Return the client with id `client_id`."""
        for client in self.clients:
            if client.id == client_id:
                return client
        msg = format_error(
            f"client {client_id!r} in {self.source}",
            "no client with that id",
            f"one of {[c.id for c in self.clients]}",
            "check the id, or add the client to the configuration",
        )
        raise ConfigError(msg)


def resolve_path(path: str, base_dir: Path) -> Path:
    """Resolve a table path; ``package:NAME/REL`` points inside an installed package."""
    if path.startswith("package:"):
        import importlib.util

        package, _, rel = path.removeprefix("package:").partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            msg = format_error(
                f"path {path!r}",
                f"package {package!r} is not installed",
                "an installed package",
                f"pip install {package}",
            )
            raise ConfigError(msg)
        return Path(spec.origin).parent / rel
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (base_dir / candidate).resolve()


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def load_config(path: str | Path) -> KitConfig:
    """Load and validate the client configuration file.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML file with a top-level ``clients`` list.

    Returns
    -------
    KitConfig
        Typed configuration; table paths are resolved against the file's folder.

    Raises
    ------
    ConfigError
        When the file is missing, is not safe YAML (Python object tags are refused),
        or breaks a rule; the message names the file and the key path, for example
        ``clients[2].tables.nps``.
    """
    path = Path(path)
    if not path.is_file():
        msg = format_error(
            f"configuration {path}",
            "no such file",
            "a YAML file with a 'clients' list",
            "pass --config with the right path (the demo uses data/clients.yml)",
        )
        raise ConfigError(msg)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        msg = format_error(
            f"configuration {path}",
            f"text that is not safe YAML ({str(exc).splitlines()[0]})",
            "plain YAML: mappings, lists, strings, numbers; no Python object tags",
            "remove tags such as !!python/object and fix the syntax at the line shown",
        )
        raise ConfigError(msg) from exc
    if not isinstance(raw, dict) or "clients" not in raw:
        msg = format_error(
            f"configuration {path}",
            f"a document of type {type(raw).__name__} without a 'clients' key",
            "a mapping with a top-level 'clients' list",
            "start the file with 'clients:' followed by one entry per client",
        )
        raise ConfigError(msg)
    base = str(path.resolve().parent)
    clients = raw.get("clients")
    if isinstance(clients, list):
        for entry in clients:
            if isinstance(entry, dict):
                entry.setdefault("base_dir", base)
    try:
        return KitConfig.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = _key_path(tuple(err["loc"]))
            found = err.get("input")
            problems.append(f"{where}: {err['msg']} (found {found!r})")
        shown = "" if len(problems) <= 5 else "; the first 5 are listed"
        msg = format_error(
            f"configuration {path}",
            f"{len(problems)} problem(s){shown}",
            "the keys and values documented in analytics_kit.config",
            "correct the key paths listed (tables may be: "
            + ", ".join(TABLE_NAMES)
            + ")",
            problems,
        )
        raise ConfigError(msg) from None
