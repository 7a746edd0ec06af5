"""The demo simulator: reproducible by seed, and its tables carry the known truth."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandas.testing as pdt

from analytics_kit.datasets import (
    DEMO_SIMULATIONS,
    simulate_bgnbd_transactions,
    simulate_client,
    write_demo_data,
)


def test_same_seed_same_tables_other_seed_other_tables():
    a = simulate_client(n_customers=300, seed=7)
    b = simulate_client(n_customers=300, seed=7)
    c = simulate_client(n_customers=300, seed=8)
    for name in (
        "transactions",
        "customers",
        "marketing_spend",
        "nps_responses",
        "engagement",
        "activity",
    ):
        pdt.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert not a.transactions.equals(c.transactions)


def test_committed_demo_files_match_a_fresh_simulation(tmp_path, project_root):
    write_demo_data(tmp_path)
    for client_id in DEMO_SIMULATIONS:
        for path in sorted((tmp_path / client_id).iterdir()):
            committed = project_root / "data" / client_id / path.name
            assert committed.read_bytes() == path.read_bytes(), committed


def test_demo_data_stays_small(project_root):
    total = sum(
        p.stat().st_size
        for cid in DEMO_SIMULATIONS
        for p in (project_root / "data" / cid).iterdir()
    )
    assert total < 5 * 1024 * 1024


def test_bgnbd_first_purchases_and_horizon():
    tx = simulate_bgnbd_transactions(
        2000,
        r=0.25,
        alpha=4.0,
        a=0.8,
        b=2.5,
        start="2022-01-01",
        end="2022-12-31",
        acquisition_days=30,
        seed=1,
    )
    first = tx.groupby("customer_id")["timestamp"].min()
    assert len(first) == 2000
    assert first.max() < pd.Timestamp("2022-01-31")
    assert tx["timestamp"].max() < pd.Timestamp("2023-01-01")
    assert (tx["amount"] > 0).all()


def test_bgnbd_repeat_rate_matches_the_model_mean():
    # Without drop-out (a tiny a/(a+b) drop probability) the repeat count of a
    # customer over t weeks is NBD: E[X(t)] = r t / alpha = 0.5 * 20 / 5 = 2.
    tx = simulate_bgnbd_transactions(
        20000,
        r=0.5,
        alpha=5.0,
        a=1e-4,
        b=1e4,
        start="2022-01-01",
        end="2022-05-20",
        acquisition_days=1e-9,
        seed=2,
    )
    repeats = tx.groupby("customer_id").size() - 1
    weeks = (pd.Timestamp("2022-05-21") - pd.Timestamp("2022-01-01")).days / 7
    expected = 0.5 * weeks / 5.0
    assert abs(repeats.mean() - expected) / expected < 0.03


def test_gamma_gamma_spend_mean_matches_the_model():
    # E[z] = p * gamma / (q - 1) = 6 * 15 / 3 = 30 per transaction.
    tx = simulate_bgnbd_transactions(
        20000, r=0.25, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0, seed=3
    )
    assert abs(tx["amount"].mean() - 30.0) / 30.0 < 0.05


def test_truth_recovers_cac_and_nps_from_the_tables():
    sim = simulate_client(n_customers=6000, seed=11)
    truth = sim.truth
    cac = {c["name"]: c["cac"] for c in truth["channels"]}
    spend = sim.marketing_spend.groupby("channel")["spend"].sum()
    new = sim.customers.groupby("acquisition_channel").size()
    for channel, true_cac in cac.items():
        if true_cac > 0:
            assert abs(spend[channel] / new[channel] - true_cac) / true_cac < 0.03
    scores = sim.nps_responses["score"]
    nps = 100 * ((scores >= 9).mean() - (scores <= 6).mean())
    assert abs(nps - truth["true_nps"]) < 5  # 1,500 responses: s.e. about 2 points
    json.dumps(truth)  # the truth is serialisable as written to truth.json


def test_subscription_client_has_cancellations_and_monthly_charges():
    sim = simulate_client(n_customers=500, seed=5, contractual=True)
    cust = sim.customers
    assert cust["cancellation_date"].notna().any()
    assert (cust["cancellation_date"].dropna() <= pd.Timestamp("2023-12-31")).all()
    assert np.allclose(sim.transactions["amount"], sim.truth["params"]["monthly_price"])
