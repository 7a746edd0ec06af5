"""Report sections computed in-process: content, sentences, missing tables, escaping."""

from __future__ import annotations

import html
import math
import textwrap

import pandas as pd
import pytest
from IPython.display import HTML

import analytics_kit as ak
from analytics_kit.datasets import simulate_client, write_client
from analytics_kit.reporting.notebook import WarningLog
from analytics_kit.reporting.sections import Fact, build_report, change_sentence
from analytics_kit.reporting.sections.headline import ORDER
from analytics_kit.reporting.sections.retention import two_proportion_significant
from analytics_kit.reporting.sections.value import holdout_split

KEYS = [
    "headline",
    "activity",
    "data_quality",
    "acquisition",
    "value",
    "retention",
    "drivers",
    "nps",
    "engagement",
    "appendix",
]


def _build(client):
    log = WarningLog()
    sections = build_report(
        client,
        horizon_months=12.0,
        annual_discount_rate=0.1,
        fast=True,
        log=log,
        parameters={"client_id": client.id},
    )
    return sections, log


def _html(section) -> str:
    return "\n".join(i.data for i in section.items if isinstance(i, HTML))


@pytest.fixture(scope="module")
def northwind(demo_config):
    return _build(ak.load_client("northwind-retail", config=demo_config))


def test_every_section_is_built_in_display_order(northwind):
    sections, _ = northwind
    assert list(sections) == KEYS
    kpis = {k: v for s in sections.values() for k, v in s.kpis.items()}
    for key in (
        "customers",
        "revenue",
        "cac_blended",
        "clv_expected",
        "nps",
        "engagement_rate",
        "churn_inactive_share",
        "ltv_to_cac",
    ):
        assert key in kpis and kpis[key] is not None and math.isfinite(kpis[key]), key
    assert kpis["customers"] == 3000


def test_headline_has_a_card_and_a_sentence_per_kpi(northwind):
    sections, _ = northwind
    text = _html(sections["headline"])
    assert text.count('class="ak-card"') == len(ORDER)
    assert "Quarterly NPS rose from" in text or "Quarterly NPS fell from" in text
    assert "margin of error" in text


def test_value_section_shows_the_holdout_scorecard(northwind):
    sections, _ = northwind
    text = _html(sections["value"])
    assert "Holdout scorecard" in text and "2023-01-01" in text
    assert "CLV segments" in text


def test_cdnow_sections_without_tables_say_which_table_is_missing(demo_config):
    client = ak.load_client("cdnow", config=demo_config)
    sections, _ = _build(client)
    for key, table in [
        ("acquisition", "marketing_spend"),
        ("nps", "nps_responses"),
        ("engagement", "engagement"),
    ]:
        text = html.unescape(_html(sections[key]))
        assert f"needs the {table} table" in text and f"tables.{table}.path" in text
    assert "1997-09-30" in _html(sections["value"])  # the FHL (2005) split


def test_subscription_client_uses_saas_ltv_and_survival(demo_config):
    sections, _ = _build(ak.load_client("brightstream", config=demo_config))
    value = _html(sections["value"])
    assert "subscription client" in value and "ARPA" in value
    retention = _html(sections["retention"])
    assert "Median lifetime in days" in retention and "Log-rank" in retention
    assert sections["retention"].kpis["churn_last_month"] > 0


def test_hostile_text_from_data_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    sim = simulate_client(n_customers=400, seed=3)
    sim.customers["segment"] = sim.customers["segment"].replace("north", evil)
    sim.nps_responses["comment"] = evil
    sim.nps_responses["segment"] = sim.nps_responses["segment"].replace("north", evil)
    sim.marketing_spend["channel"] = sim.marketing_spend["channel"].replace(
        "search", f"search {evil}"
    )
    write_client(sim, tmp_path / "evil")
    (tmp_path / "clients.yml").write_text(
        textwrap.dedent(f"""
        clients:
          - id: evil
            name: "Evil {evil} Co"
            as_of: "2023-12-31"
            tables:
              transactions: {{path: evil/transactions.csv}}
              customers: {{path: evil/customers.csv}}
              marketing_spend: {{path: evil/marketing_spend.csv}}
              nps_responses: {{path: evil/nps_responses.csv}}
    """)
    )
    client = ak.load_client("evil", config=tmp_path / "clients.yml")
    sections, _ = _build(client)
    everything = "\n".join(_html(s) for s in sections.values())
    assert "<script>" not in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in everything


def test_a_model_that_cannot_be_estimated_leaves_a_note_and_the_rest(tmp_path):
    # Every customer bought once: no BG/NBD model can be identified.
    rows = [f"c{i},2023-0{1 + i % 9}-1{i % 10},{10 + i}" for i in range(60)]
    (tmp_path / "tx.csv").write_text("customer_id,timestamp,amount\n" + "\n".join(rows))
    (tmp_path / "clients.yml").write_text(
        "clients:\n  - {id: once, name: Once, as_of: '2023-12-31', "
        "tables: {transactions: {path: tx.csv}}}\n"
    )
    sections, _ = _build(ak.load_client("once", config=tmp_path / "clients.yml"))
    value = html.unescape(_html(sections["value"]))
    assert "Probabilistic CLV is not shown" in value
    assert "Historical CLV" in value
    assert sections["activity"].kpis["customers"] == 60
    drivers = html.unescape(_html(sections["drivers"]))
    assert "could not be computed" in drivers and "window_days" in drivers


def test_change_sentences_are_written_from_the_numbers():
    assert change_sentence(Fact("NPS", 33.0, "33", 41.0, "41", significant=False)) == (
        "NPS fell from 41 to 33; the change is within the margin of error."
    )
    assert change_sentence(Fact("NPS", 50.0, "50", 30.0, "30", significant=True)) == (
        "NPS rose from 30 to 50; the change is larger than the margin of error."
    )
    assert change_sentence(
        Fact("CAC", 110.0, "110", 100.0, "100", context="in 2024")
    ) == ("CAC rose from 100 to 110 (+10.0%), in 2024.")
    assert (
        change_sentence(Fact("CAC", float("nan"), "—")) == "CAC could not be computed."
    )
    assert change_sentence(Fact("X", 5.0, "5", 5.0, "5")) == "X is unchanged at 5."


def test_two_proportion_test_by_hand():
    # pooled p = 30/200 = 0.15; se = sqrt(0.15 * 0.85 * (1/100 + 1/100)) = 0.050498
    # z = (0.20 - 0.10) / 0.050498 = 1.980 > 1.96; z = 0.08 / 0.050498 = 1.584 < 1.96
    assert two_proportion_significant(10, 100, 20, 100) is True
    assert two_proportion_significant(10, 100, 18, 100) is False
    assert two_proportion_significant(0, 100, 0, 100) is None
    assert two_proportion_significant(1, 0, 1, 10) is None


def test_holdout_split_reproduces_the_cdnow_calibration_period():
    # 546 days of data; the holdout is half of it (273 days), at most 52 weeks.
    assert holdout_split(pd.Timestamp("1997-01-01"), pd.Timestamp("1998-06-30")) == (
        pd.Timestamp("1997-09-30")
    )
    assert holdout_split(pd.Timestamp("2020-01-01"), pd.Timestamp("2023-12-31")) == (
        pd.Timestamp("2023-12-31") - pd.Timedelta(weeks=52)
    )


def _simulated_client(tmp_path, edit):
    sim = simulate_client(n_customers=600, seed=21)
    edit(sim)
    write_client(sim, tmp_path / "c")
    (tmp_path / "clients.yml").write_text(
        textwrap.dedent("""
        clients:
          - id: c
            name: C
            as_of: "2023-12-31"
            tables:
              transactions: {path: c/transactions.csv}
              customers: {path: c/customers.csv}
              marketing_spend: {path: c/marketing_spend.csv}
              nps_responses: {path: c/nps_responses.csv}
              engagement: {path: c/engagement.csv}
    """)
    )
    return _build(ak.load_client("c", config=tmp_path / "clients.yml"))


def _december_only(sim):
    sim.transactions = sim.transactions[sim.transactions["timestamp"] >= "2023-12-01"]
    sim.customers = sim.customers[sim.customers["acquisition_date"] >= "2023-12-01"]
    sim.nps_responses = sim.nps_responses[sim.nps_responses["date"] >= "2023-12-01"]


def _spend_stops_early(sim):
    sim.marketing_spend = sim.marketing_spend[
        sim.marketing_spend["date"] < "2022-06-01"
    ]


def test_one_month_of_data_renders_every_section_without_defects(tmp_path):
    sections, log = _simulated_client(tmp_path, _december_only)
    everything = html.unescape("\n".join(_html(s) for s in sections.values()))
    assert "unexpected error" not in everything
    assert not [m for m in log.messages if " in section " in m]
    assert "Dec 2023 to Dec 2023" in _html(sections["headline"])  # not a 12-month label


def test_cac_is_not_shown_as_zero_when_spend_stops_before_the_window(tmp_path):
    sections, _ = _simulated_client(tmp_path, _spend_stops_early)
    text = html.unescape(_html(sections["acquisition"]))
    assert "ends on 2022-05-01" in text and "not shown rather than shown as 0" in text
    assert "cac_blended" not in sections["acquisition"].kpis


def test_demo_sections_have_no_unexpected_errors(northwind):
    _, log = northwind
    assert not [m for m in log.messages if " in section " in m]
