"""The churn-driver simulator: seeded, and drawn from its stated model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics_kit.datasets.churn_drivers import simulate_churn_drivers


def test_same_seed_same_table() -> None:
    a = simulate_churn_drivers(300, random_seed=4).frame
    b = simulate_churn_drivers(300, random_seed=4).frame
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(simulate_churn_drivers(300, random_seed=5).frame)


def test_churn_rate_matches_the_model() -> None:
    sim = simulate_churn_drivers(20_000, random_seed=0)
    p = sim.true_probability()
    # by hand for one customer: tenure 1, charges 20, 0 calls, two-year contract:
    # logit = -0.8 - 0.04 + 0.4 + 0 - 2.0 = -2.44
    probe = pd.DataFrame(
        {
            "tenure_months": [1],
            "monthly_charges": [20.0],
            "support_calls": [0],
            "contract": ["two year"],
        }
    )
    one = sim.__class__(probe, sim.intercept, sim.coefficients).true_probability()
    assert np.isclose(one[0], 1 / (1 + np.exp(2.44)))
    # observed rate within 4 binomial standard errors of the mean probability
    se = np.sqrt(p.mean() * (1 - p.mean()) / len(p))
    assert abs(sim.frame["churned"].mean() - p.mean()) < 4 * se
    assert abs(np.corrcoef(sim.frame["noise"], sim.frame["churned"])[0, 1]) < 0.03
    rho = sim.frame[list(sim.near_copy)].corr(method="spearman").iloc[0, 1]
    assert rho > 0.99
