"""Reading client tables: parsing, exclusions with counts, hard errors that name the file."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

import analytics_kit as ak
from analytics_kit.exceptions import DataValidationError


def make_client(
    tmp_path, files: dict[str, str], *, tables: str, as_of="2024-03-31", timezone="UTC"
):
    """Write CSV files and a one-client configuration; return the config path."""
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    config = tmp_path / "clients.yml"
    config.write_text(
        "clients:\n  - id: t\n    name: T\n"
        f"    as_of: '{as_of}'\n    timezone: {timezone}\n    tables:\n"
        + textwrap.indent(textwrap.dedent(tables).strip(), "      ")
        + "\n"
    )
    return config


def quality(client) -> dict[str, int]:
    dq = client.data_quality()
    return dict(zip(dq["reason"], dq["rows"], strict=True))


def test_each_exclusion_rule_is_counted_once(tmp_path):
    config = make_client(
        tmp_path,
        {
            "tx.csv": """
            customer_id,timestamp,amount
            a,2024-01-05,10
            ,2024-01-06,11
            b,,12
            c,2024-04-01,13
            d,2024-01-07,
            e,2024-01-08,NaN
            f,2024-01-09,"12,50"
            g,2024-01-10,$10
            a,2024-01-05,10
            h,2024-01-11,-5
            """
        },
        tables="transactions: {path: tx.csv}",
    )
    client = ak.load_client("t", config=config)
    counts = quality(client)
    assert counts == {
        "read": 10,
        "missing customer id": 1,
        "missing timestamp": 1,
        "after as_of": 1,
        "missing amount": 2,  # blank and NaN
        "non-numeric amount": 2,  # "12,50" and "$10"
        "exact duplicate": 1,
        "kept": 2,  # a on 5 Jan and h's refund (negative amounts are legal rows)
    }
    dq = client.data_quality()
    excluded = dq[~dq["reason"].isin(["read", "kept", "note"])]["rows"].sum()
    assert counts["kept"] + excluded == counts["read"]
    kept = client.table("transactions").to_pandas()
    assert sorted(kept["customer_id"]) == ["a", "h"]
    examples = dq.set_index("reason").loc["non-numeric amount", "examples"]
    assert examples == ["line 8: f|2024-01-09|12,50", "line 9: g|2024-01-10|$10"]


def test_na_tokens_in_customer_id_are_missing_not_one_customer(tmp_path):
    config = make_client(
        tmp_path,
        {
            "tx.csv": """
            customer_id,timestamp,amount
            a,2024-01-05,10
            NA,2024-01-06,11
            nan,2024-01-07,12
            " Null ",2024-01-08,13
            NULL,2024-01-09,14
            na ,2024-01-10,15
            nana,2024-01-11,16
            """
        },
        tables="transactions: {path: tx.csv}",
    )
    client = ak.load_client("t", config=config)
    # the five NA / nan / null spellings (any case, spaces around) are missing
    # ids, as they are missing amounts or dates; "nana" is a real id.
    assert quality(client) == {"read": 7, "missing customer id": 5, "kept": 2}
    kept = client.table("transactions").to_pandas()
    assert sorted(kept["customer_id"]) == ["a", "nana"]
    examples = client.data_quality().set_index("reason").loc["missing customer id"]
    assert examples["examples"][0] == "line 3: NA|2024-01-06|11"


def test_five_rows_after_as_of_appear_in_the_summary(tmp_path):
    rows = "\n".join(f"c{i},2024-04-0{i},5" for i in range(1, 6))
    config = make_client(
        tmp_path,
        {"tx.csv": "customer_id,timestamp,amount\nc0,2024-03-31 23:59:59,5\n" + rows},
        tables="transactions: {path: tx.csv}",
    )
    dq = ak.load_client("t", config=config).data_quality()
    assert "5 excluded: after as_of" in set(dq["summary"])
    assert "1 rows kept" in set(dq["summary"])


def test_day_first_dates_follow_the_configured_format(tmp_path):
    config = make_client(
        tmp_path,
        {
            "tx.csv": """
            customer_id,timestamp,amount
            a,03/04/2024,1
            a,08/03/2024,2
            a,12/01/2024,3
            """
        },
        tables='transactions: {path: tx.csv, date_format: "%d/%m/%Y"}',
        as_of="2024-12-31",
    )
    kept = ak.load_client("t", config=config).table("transactions").to_pandas()
    assert list(kept["timestamp"].dt.strftime("%Y-%m-%d")) == [
        "2024-04-03",  # 3 April, never 4 March
        "2024-03-08",
        "2024-01-12",
    ]


def test_mixed_date_formats_are_an_error_with_examples(tmp_path):
    config = make_client(
        tmp_path,
        {"tx.csv": "customer_id,timestamp,amount\na,03/04/2024,1\nb,2024-04-05,2\n"},
        tables='transactions: {path: tx.csv, date_format: "%d/%m/%Y"}',
    )
    with pytest.raises(DataValidationError) as err:
        ak.load_client("t", config=config)
    message = str(err.value)
    assert "tx.csv" in message and "'timestamp'" in message
    assert "line 3: '2024-04-05'" in message
    assert "date_format" in message  # the fix


def test_utc_timestamps_are_bucketed_in_the_client_timezone(tmp_path):
    # 01:00 UTC on 3 January is 20:00 on 2 January in New York.
    config = make_client(
        tmp_path,
        {
            "tx.csv": "customer_id,timestamp,amount\na,2024-01-03T01:00:00Z,1\n"
            "b,2024-01-03T01:00:00+00:00,1\nc,2024-01-03 01:00:00,1\n"
        },
        tables="transactions: {path: tx.csv}",
        timezone="America/New_York",
    )
    kept = ak.load_client("t", config=config).table("transactions").to_pandas()
    days = dict(
        zip(kept["customer_id"], kept["timestamp"].dt.date.astype(str), strict=True)
    )
    assert days == {"a": "2024-01-02", "b": "2024-01-02", "c": "2024-01-03"}
    assert kept.loc[kept["customer_id"] == "a", "timestamp"].iloc[0] == pd.Timestamp(
        "2024-01-02 20:00"
    )


def test_missing_amount_column_names_file_and_column(tmp_path):
    config = make_client(
        tmp_path,
        {"tx.csv": "customer_id,timestamp\na,2024-01-01\n"},
        tables="transactions: {path: tx.csv}",
    )
    with pytest.raises(DataValidationError) as err:
        ak.load_client("t", config=config)
    message = str(err.value)
    assert "tx.csv" in message and "'amount'" in message
    assert "['customer_id', 'timestamp']" in message  # what the file has
    assert "fix:" in message


def test_wrong_mapping_lists_the_columns_the_file_has(tmp_path):
    config = make_client(
        tmp_path,
        {"tx.csv": "Kunde,Datum,Betrag\na,2024-01-01,1\n"},
        tables="transactions: {path: tx.csv, columns: {Kunde: customer_id, "
        "Date: timestamp, Betrag: amount}}",
    )
    with pytest.raises(DataValidationError, match=r"\['Kunde', 'Datum', 'Betrag'\]"):
        ak.load_client("t", config=config)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty file"),
        ("customer_id,timestamp,amount\n", "no data rows"),
        ("customer_id;timestamp;amount\na;2024-01-01;1\n", "delimiter looks wrong"),
    ],
)
def test_unreadable_files_name_the_file_and_the_fix(tmp_path, content, expected):
    config = make_client(
        tmp_path, {"tx.csv": content}, tables="transactions: {path: tx.csv}"
    )
    with pytest.raises(DataValidationError, match=expected) as err:
        ak.load_client("t", config=config)
    assert "tx.csv" in str(err.value) and "fix:" in str(err.value)


def test_latin1_file_needs_its_encoding(tmp_path):
    (tmp_path / "c.csv").write_bytes(
        "customer_id,acquisition_date,acquisition_channel,name\n"
        "a,2024-01-01,search,Jos\xe9 M\xfcller\n".encode("latin-1")
    )
    config = make_client(tmp_path, {}, tables="customers: {path: c.csv}")
    with pytest.raises(DataValidationError, match="encoding: latin-1"):
        ak.load_client("t", config=config)
    config = make_client(
        tmp_path, {}, tables="customers: {path: c.csv, encoding: latin-1}"
    )
    kept = ak.load_client("t", config=config).table("customers").to_pandas()
    assert kept["name"].iloc[0] == "José Müller"


def test_nps_scores_outside_the_scale_are_excluded_with_reasons(tmp_path):
    config = make_client(
        tmp_path,
        {
            "nps.csv": """
            date,score
            2024-01-01,10
            2024-01-01,11
            2024-01-01,-1
            2024-01-01,7.5
            2024-01-01,#ERROR!
            2024-01-01,
            2024-01-01,0
            """
        },
        tables="nps_responses: {path: nps.csv}",
    )
    counts = quality(ak.load_client("t", config=config))
    assert counts["score out of range 0-10"] == 2
    assert counts["score not a whole number"] == 1
    assert counts["non-numeric score"] == 1
    assert counts["missing score"] == 1  # a blank is not a response
    assert counts["kept"] == 2


def test_parquet_is_read_by_the_engine(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "amount": [1.5, 2.5],
        }
    )
    frame.to_parquet(tmp_path / "tx.parquet")
    config = make_client(tmp_path, {}, tables="transactions: {path: tx.parquet}")
    kept = ak.load_client("t", config=config).table("transactions").to_pandas()
    assert kept["amount"].tolist() == [1.5, 2.5]
    (tmp_path / "empty.parquet").write_bytes(b"")
    config = make_client(tmp_path, {}, tables="transactions: {path: empty.parquet}")
    with pytest.raises(DataValidationError, match=r"empty\.parquet"):
        ak.load_client("t", config=config)


def test_cancellations_after_as_of_are_not_known_yet(tmp_path):
    config = make_client(
        tmp_path,
        {
            "c.csv": """
            customer_id,acquisition_date,acquisition_channel,cancellation_date
            a,2024-01-01,search,2024-02-01
            b,2024-01-01,search,2024-05-01
            c,2024-01-01,search,
            """
        },
        tables="customers: {path: c.csv}",
    )
    kept = ak.load_client("t", config=config).table("customers").to_pandas()
    assert kept["cancellation_date"].notna().tolist() == [True, False, False]


def test_cdnow_counts(demo_config):
    client = ak.load_client("cdnow", config=demo_config)
    tx = client.table("transactions").to_pandas()
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == pd.Timestamp("1998-06-30")
    counts = quality(client)
    assert counts["read"] == counts["kept"] == 69_659


@pytest.mark.parametrize("client_id", ["cdnow", "northwind-retail", "brightstream"])
def test_kept_plus_excluded_equals_read_for_every_demo_client(demo_config, client_id):
    dq = ak.load_client(client_id, config=demo_config).data_quality()
    for _, rows in dq.groupby("table"):
        by = dict(zip(rows["reason"], rows["rows"], strict=False))
        excluded = rows[~rows["reason"].isin(["read", "kept", "note"])]["rows"].sum()
        assert by["kept"] + excluded == by["read"]
