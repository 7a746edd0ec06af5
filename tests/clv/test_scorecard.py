"""Holdout scorecard on CDNOW, and the CLV plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from analytics_kit.clv import (
    HoldoutScorecard,
    clv_segments,
    customer_value,
    fit_spend_model,
    holdout_scorecard,
)
from analytics_kit.plotting import clv as clv_plots


@pytest.fixture(scope="module")
def scorecard(cdnow_transactions: pd.DataFrame) -> HoldoutScorecard:
    return holdout_scorecard(
        cdnow_transactions,
        calibration_end="1997-09-30",
        as_of="1998-06-30",
        keep_zero_spend_days=True,
    )


def test_totals_and_errors(scorecard: HoldoutScorecard) -> None:
    table = scorecard.comparison.set_index("model")
    assert set(table.index) == {"bgnbd", "mbgnbd", "pareto_nbd"}
    # 1,882 repeat transactions in the 39-week holdout (count of the raw data).
    assert (table["actual_total"] == 1882).all()
    summary = scorecard.summary
    for name, row in table.iterrows():
        pred = scorecard.models[name].expected_purchases(summary, t=39.0)
        assert row["predicted_total"] == pytest.approx(pred.sum())
        assert row["pct_error"] == pytest.approx(100 * (pred.sum() - 1882) / 1882)
        err = pred.to_numpy() - summary["frequency_holdout"].to_numpy()
        assert row["mae"] == pytest.approx(np.abs(err).mean())
    assert table.loc["bgnbd", "log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert scorecard.chosen in table.index
    assert scorecard.chosen in scorecard.reason and "MAE" in scorecard.reason
    best = table["mae"].idxmin()
    assert scorecard.chosen in {best, "bgnbd"}


def test_decile_tracking_counts_and_alive_tables(scorecard: HoldoutScorecard) -> None:
    deciles = scorecard.deciles[scorecard.deciles["model"] == "bgnbd"]
    assert deciles["customers"].sum() == 2357 and len(deciles) == 10
    assert deciles["predicted"].is_monotonic_increasing
    # weighted mean of the decile means is the overall mean: 1882 / 2357
    overall = (deciles["actual"] * deciles["customers"]).sum() / 2357
    assert overall == pytest.approx(1882 / 2357)

    track = scorecard.tracking.pivot(
        index="week", columns="series", values="repeat_transactions"
    )
    assert track["actual"].is_monotonic_increasing
    # all repeat occasions of the 78 weeks: 946 buyers' calibration repeats
    # (sum of frequency) plus the 1,882 holdout ones
    total = int(scorecard.summary["frequency"].sum()) + 1882
    assert track["actual"].iloc[-1] <= total
    assert track["actual"].iloc[-1] >= total - 60  # last partial week not shown
    cal_week = track.loc[track.index[track.index <= 38]].iloc[-1]
    assert cal_week["bgnbd"] == pytest.approx(cal_week["actual"], rel=0.1)

    counts = scorecard.period_counts.pivot(
        index="repeat_transactions", columns="series", values="customers"
    )
    assert counts["observed"]["0"] == 1411
    np.testing.assert_allclose(counts.sum(), 2357)

    alive = scorecard.alive_check
    assert alive.groupby("model")["customers"].sum().eq(2357).all()


def test_plots_return_axes(scorecard: HoldoutScorecard) -> None:
    model = scorecard.models["bgnbd"]
    spend = fit_spend_model(scorecard.summary)
    values = customer_value(
        model, spend, scorecard.summary, horizon_months=12, annual_discount_rate=0.1
    )
    segments = clv_segments(values, n_segments=4)
    assert segments["customers"].sum() == 2357
    assert segments["share_of_clv"].sum() == pytest.approx(1.0)
    assert segments["mean_clv"].is_monotonic_decreasing
    drawers = [
        lambda ax: clv_plots.plot_frequency_recency_matrix(model, T=39, ax=ax),
        lambda ax: clv_plots.plot_probability_alive_matrix(model, T=39, ax=ax),
        lambda ax: clv_plots.plot_clv_distribution(values, ax=ax),
        lambda ax: clv_plots.plot_clv_segments(values, ax=ax),
        lambda ax: clv_plots.plot_tracking(scorecard, ax=ax),
        lambda ax: clv_plots.plot_period_counts(scorecard, ax=ax),
        lambda ax: clv_plots.plot_calibration_deciles(scorecard, ax=ax),
    ]
    for draw in drawers:
        fig, ax = plt.subplots()
        assert draw(ax) is ax
        plt.close(fig)
    drawn = clv_plots.plot_clv_distribution(values)
    assert isinstance(drawn, Axes)
    plt.close("all")
