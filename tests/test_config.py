"""Client configuration: safe loading, typed validation, errors with key paths."""

from __future__ import annotations

import textwrap

import pytest

from analytics_kit.config import load_config
from analytics_kit.exceptions import ConfigError


def _write(tmp_path, text: str):
    path = tmp_path / "clients.yml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """
clients:
  - id: acme-retail
    name: ACME
    currency: EUR
    as_of: "2024-06-30"
    timezone: Europe/Berlin
    tables:
      transactions:
        path: acme/tx.csv
        date_format: "%d/%m/%Y"
        columns: {Kunde: customer_id, Datum: timestamp, Betrag: amount}
"""


def test_valid_configuration_is_typed_and_paths_resolve(tmp_path):
    kit = load_config(_write(tmp_path, GOOD))
    client = kit.client("acme-retail")
    assert client.as_of.isoformat() == "2024-06-30"
    assert client.tables.transactions.columns["Betrag"] == "amount"
    assert client.table_path("transactions") == tmp_path / "acme" / "tx.csv"
    assert client.table_path("nps_responses") is None


@pytest.mark.parametrize("bad_id", ["../x", "Acme", "acme retail", "a/b", "-acme", ""])
def test_unsafe_client_ids_are_refused(tmp_path, bad_id):
    path = _write(tmp_path, GOOD.replace("acme-retail", bad_id))
    with pytest.raises(ConfigError, match=r"clients\[0\]\.id") as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_missing_key_names_the_key_path(tmp_path):
    path = _write(tmp_path, GOOD.replace('    as_of: "2024-06-30"\n', ""))
    with pytest.raises(ConfigError, match=r"clients\[0\]\.as_of: Field required"):
        load_config(path)


def test_unknown_table_names_the_key_path_and_the_allowed_tables(tmp_path):
    text = GOOD + "      nps:\n        path: acme/nps.csv\n"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    message = str(err.value)
    assert "clients[0].tables.nps" in message
    assert "nps_responses" in message  # the fix lists the allowed table names


def test_third_client_error_points_at_index_two(tmp_path):
    extra = """
  - id: b
    name: B
    as_of: "2024-01-31"
  - id: c
    name: C
    as_of: "2024-01-31"
    tables:
      nps_responses: {path: 12}
      bogus: {path: x.csv}
"""
    with pytest.raises(ConfigError, match=r"clients\[2\]\.tables\.bogus"):
        load_config(_write(tmp_path, GOOD + extra))


def test_python_object_tags_are_refused_by_the_safe_loader(tmp_path):
    text = GOOD + "evil: !!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(ConfigError, match="not safe YAML"):
        load_config(_write(tmp_path, text))


def test_bad_timezone_and_date(tmp_path):
    with pytest.raises(ConfigError, match=r"clients\[0\]\.timezone"):
        load_config(_write(tmp_path, GOOD.replace("Europe/Berlin", "Mars/Base")))
    with pytest.raises(ConfigError, match=r"clients\[0\]\.as_of"):
        load_config(_write(tmp_path, GOOD.replace("2024-06-30", "2024-13-01")))


def test_duplicate_ids_and_unknown_client(tmp_path):
    text = GOOD + GOOD.split("clients:\n", 1)[1]
    with pytest.raises(ConfigError, match="twice"):
        load_config(_write(tmp_path, text))
    kit = load_config(_write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="no client with that id"):
        kit.client("nope")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.yml")


def test_demo_configuration_is_valid(demo_config):
    kit = load_config(demo_config)
    assert [c.id for c in kit.clients] == ["cdnow", "northwind-retail", "brightstream"]
    for client in kit.clients:
        for name in ("transactions", "customers"):
            path = client.table_path(name)
            assert path is None or path.is_file(), path
