"""fit_churn_model: hand-checked odds ratios, Telco reference values, simulated drivers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics_kit.churn import ChurnModelResult, check_churn_data, fit_churn_model
from analytics_kit.datasets.churn_drivers import simulate_churn_drivers
from analytics_kit.exceptions import (
    DataQualityWarning,
    DataValidationError,
    ModelEstimationError,
)

TELCO_FEATURES = 19  # 21 columns - customerID (identifier) - Churn (target)


def _two_by_two() -> pd.DataFrame:
    # plan A: 30 churned of 100; plan B: 10 churned of 100
    plan = ["A"] * 100 + ["B"] * 100
    churn = [1] * 30 + [0] * 70 + [1] * 10 + [0] * 90
    return pd.DataFrame({"plan": plan, "churn": churn})


def test_odds_ratio_matches_the_two_by_two_table() -> None:
    # OR(B vs A) = (10/90) / (30/70) = 0.259259; Woolf SE of log OR =
    # sqrt(1/30 + 1/70 + 1/10 + 1/90) = sqrt(0.158730) = 0.398410;
    # 95 % interval exp(log 0.259259 -+ 1.959964 * 0.398410) = (0.11874, 0.56606)
    result = fit_churn_model(_two_by_two(), target="churn", c=1e8, n_repeats=1)
    row = result.odds_ratios.iloc[0]
    assert row["comparison"] == "B vs A"
    assert row["odds_ratio"] == pytest.approx(0.259259, rel=1e-4)
    assert row["low"] == pytest.approx(0.11874, rel=1e-3)
    assert row["high"] == pytest.approx(0.56606, rel=1e-3)
    z = np.log(0.259259) / 0.398410
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-3)


def test_too_few_churners_or_customers() -> None:
    frame = pd.DataFrame({"x": np.arange(200.0), "churn": [1] * 20 + [0] * 180})
    check = check_churn_data(frame, target="churn")
    assert not check.ok
    assert check.reason.startswith("No churn-driver model: 20 churners (at least 30")
    assert "200 customers, 20 churned" in check.reason
    with pytest.raises(ModelEstimationError, match="20 churners"):
        fit_churn_model(frame, target="churn")
    small = frame.head(60).assign(churn=[1, 0] * 30)
    check = check_churn_data(small, target="churn")
    assert not check.ok and "60 customers (at least 100 needed)" in check.reason
    assert check_churn_data(frame.assign(churn=[1, 0] * 100), target="churn").ok


def test_bad_target_and_model_are_refused() -> None:
    frame = pd.DataFrame({"x": np.arange(4.0), "churn": ["Yes", "No", "maybe", None]})
    with pytest.raises(DataValidationError, match="not a churn flag"):
        fit_churn_model(frame, target="churn")
    with pytest.raises(DataValidationError, match="model"):
        fit_churn_model(frame, target="churn", model="forest")


def test_input_is_not_modified(telco: pd.DataFrame) -> None:
    copy = telco.copy()
    frame = simulate_churn_drivers(400, random_seed=3).frame
    before = frame.copy()
    fit_churn_model(frame, target="churned", n_repeats=1, folds=3)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(telco, copy)


# --- Telco (IBM sample): published counts -------------------------------------


def test_telco_counts_and_blank_total_charges(
    telco: pd.DataFrame, telco_result: ChurnModelResult
) -> None:
    r = telco_result
    assert (r.customers, r.churners) == (7043, 1869)
    assert r.base_rate == pytest.approx(1869 / 7043)  # 26.5 %
    note = r.data_notes.set_index("column").loc["TotalCharges"]
    assert note["rows"] == 11 and "blank" in note["issue"]
    blank = telco["TotalCharges"].str.strip() == ""
    assert blank.sum() == 11 and (telco.loc[blank, "tenure"] == 0).all()
    assert (
        r.data_notes.set_index("column")
        .loc["customerID", "issue"]
        .startswith("identifier")
    )


def test_telco_blank_total_charges_warns(telco: pd.DataFrame) -> None:
    with pytest.warns(DataQualityWarning, match="TotalCharges: 11"):
        fit_churn_model(telco, target="Churn", n_repeats=1, folds=2)


def test_telco_cross_validated_auc(telco_result: ChurnModelResult) -> None:
    r = telco_result
    assert r.cv_auc >= 0.83
    assert len(r.cv_auc_folds) == 5
    assert r.cv_auc == pytest.approx(np.mean(r.cv_auc_folds))
    assert r.cv_auc_low < r.cv_auc < r.cv_auc_high
    assert r.pr_auc > r.base_rate + 0.2  # a random ranking scores the base rate


def test_telco_importances_one_row_per_original_column(
    telco_result: ChurnModelResult,
) -> None:
    imp = telco_result.importances
    assert len(imp) == TELCO_FEATURES
    assert imp["feature"].is_unique and "Contract" in set(imp["feature"])
    assert imp["importance"].is_monotonic_decreasing
    assert (imp["low"] <= imp["importance"]).all() and (
        imp["importance"] <= imp["high"]
    ).all()
    top = set(imp["feature"].head(5))
    assert {"tenure", "Contract"} <= top
    # tenure and TotalCharges (~ tenure x MonthlyCharges) are reported as one group
    groups = telco_result.correlated_groups
    assert any(set(g) == {"tenure", "TotalCharges"} for g in groups["features"])


def test_telco_churn_rate_by_contract(telco_result: ChurnModelResult) -> None:
    # Telco crosstab Contract x Churn: month-to-month 1655/3875, one year 166/1473,
    # two year 48/1695 (sums 7043 and 1869)
    levels = telco_result.churn_by_level
    contract = levels[levels["feature"] == "Contract"].set_index("level")
    assert contract.loc["Month-to-month", ["customers", "churners"]].tolist() == [
        3875,
        1655,
    ]
    assert contract.loc["One year", ["customers", "churners"]].tolist() == [1473, 166]
    assert contract.loc["Two year", ["customers", "churners"]].tolist() == [1695, 48]
    assert contract.loc["Two year", "churn_rate"] == pytest.approx(48 / 1695)
    summary = telco_result.driver_summary().set_index("feature")
    assert summary.loc["Contract", "highest_churn_level"] == "Month-to-month"
    assert summary.loc["Contract", "lowest_churn_level"] == "Two year"
    for f in telco_result.top_drivers:
        assert levels.loc[levels["feature"] == f, "customers"].sum() == 7043


def test_telco_lift_and_calibration(telco_result: ChurnModelResult) -> None:
    lift = telco_result.lift
    assert lift["customers"].sum() == 7043 and lift["churners"].sum() == 1869
    assert lift["lift"].iloc[0] > 2.5
    assert lift["churn_rate"].iloc[0] > lift["churn_rate"].iloc[-1]
    cal = telco_result.calibration
    assert np.abs(cal["mean_predicted"] - cal["observed_rate"]).max() < 0.1
    pd_table = telco_result.partial_dependence
    assert set(pd_table["feature"]) == set(telco_result.top_drivers)
    contract = pd_table[pd_table["feature"] == "Contract"].set_index("value_label")
    assert (
        contract.loc["Month-to-month", "average_probability"]
        > contract.loc["Two year", "average_probability"]
    )


def test_telco_odds_ratios(telco_result: ChurnModelResult) -> None:
    odds = telco_result.odds_ratios.set_index("comparison")
    two_year = odds.loc["Two year vs Month-to-month"]
    assert two_year["high"] < 1.0  # two-year contracts churn less, clearly
    assert odds.loc["per unit"].set_index("feature").loc["tenure", "odds_ratio"] < 1.0


# --- simulated client with known drivers ---------------------------------------


@pytest.mark.parametrize("model", ["logistic", "gradient_boosting"])
def test_simulated_drivers_rank_above_noise(model: str) -> None:
    sim = simulate_churn_drivers(3000, random_seed=0)
    r = fit_churn_model(
        sim.frame,
        target="churned",
        model=model,
        n_repeats=2,
        folds=3,
        gb_params={"max_iter": 60},
    )
    imp = r.importances.set_index("feature")["importance"]
    for driver in ("tenure_months", "contract", "support_calls"):
        assert imp[driver] > imp[sim.noise_feature]
    assert max(imp[c] for c in sim.near_copy) > imp[sim.noise_feature]
    assert r.importances.set_index("feature").loc[sim.noise_feature, "low"] < 0
    groups = r.correlated_groups
    assert len(groups) == 1 and set(groups["features"].iloc[0]) == set(sim.near_copy)
    assert groups["importance"].iloc[0] > imp[sim.noise_feature]
    grouped = r.importances.set_index("feature")["group"]
    assert grouped[sim.near_copy[0]] == grouped[sim.near_copy[1]]


def test_logistic_recovers_simulated_coefficients() -> None:
    # 50,000 customers, nearly unpenalised: estimates within 4 standard errors of truth
    sim = simulate_churn_drivers(50_000, random_seed=0)
    frame = sim.frame.drop(columns=[sim.near_copy[1]])
    r = fit_churn_model(frame, target="churned", c=1e6, folds=2, n_repeats=1)
    odds = r.odds_ratios
    key = odds["feature"] + "|" + odds["comparison"]
    est = dict(zip(key, odds["coefficient"], strict=True))
    se = dict(
        zip(
            key,
            (np.log(odds["high"]) - np.log(odds["low"])) / (2 * 1.959964),
            strict=True,
        )
    )
    truth = {
        "tenure_months|per unit": -0.04,
        "monthly_charges|per unit": 0.02,
        "support_calls|per unit": 0.35,
        "contract|one year vs month-to-month": -1.0,
        "contract|two year vs month-to-month": -2.0,
        "noise|per unit": 0.0,
    }
    for name, value in truth.items():
        assert abs(est[name] - value) < 4 * se[name], name
    p = sim.true_probability()
    assert frame["churned"].mean() == pytest.approx(p.mean(), abs=0.01)


def test_results_are_reproducible() -> None:
    frame = simulate_churn_drivers(500, random_seed=5).frame
    with warnings.catch_warnings():
        a = fit_churn_model(
            frame, target="churned", n_repeats=1, folds=3, random_seed=7
        )
        b = fit_churn_model(
            frame, target="churned", n_repeats=1, folds=3, random_seed=7
        )
    assert a.cv_auc_folds == b.cv_auc_folds
    pd.testing.assert_frame_equal(a.importances, b.importances)
