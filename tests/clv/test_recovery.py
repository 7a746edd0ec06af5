"""Parameter recovery on 100k customers from the kit's own simulator."""

from __future__ import annotations

import pytest

from analytics_kit.clv import fit_purchase_model, fit_spend_model, rfm_summary
from analytics_kit.datasets.simulate import simulate_bgnbd_transactions

TRUTH = {"r": 0.25, "alpha": 8.0, "a": 0.8, "b": 2.5, "p": 6.0, "q": 4.0, "gamma": 15.0}


@pytest.mark.slow
def test_bgnbd_and_gamma_gamma_recover_the_truth() -> None:
    # 100k customers acquired over 12 weeks from 2021-01-01, observed to
    # 2023-12-31, fixed seed, through rfm_summary (one occasion per day).
    # Standard errors at this size are about 1 % (r, alpha, q), 2-3 % (a, b, p,
    # gamma), so each estimate must be within 5 % of the truth and within 3
    # standard errors. alpha = 8 weeks keeps same-day repeat purchases rare:
    # the simulator draws purchases in continuous time and the day rule merges
    # same-day ones, which at alpha = 4 inflates alpha by about 5 %.
    transactions = simulate_bgnbd_transactions(
        100_000, **TRUTH, start="2021-01-01", end="2023-12-31", seed=2
    )
    summary = rfm_summary(transactions, as_of="2023-12-31", time_unit="week")
    purchase = fit_purchase_model(summary, model="bgnbd")
    spend = fit_spend_model(summary)
    estimates = {**purchase.params, **spend.params}
    errors = {**purchase.standard_errors, **spend.standard_errors}
    for name, truth in TRUTH.items():
        assert estimates[name] == pytest.approx(truth, rel=0.05), name
        assert abs(estimates[name] - truth) < 3 * errors[name], name
    # the population mean spend p gamma / (q - 1) = 30 is pinned down tightly
    assert spend.population_mean_spend == pytest.approx(30.0, rel=0.02)
