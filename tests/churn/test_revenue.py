"""Revenue at risk, checked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics_kit.churn import revenue_at_risk
from analytics_kit.exceptions import DataValidationError


def test_revenue_at_risk_by_hand() -> None:
    frame = pd.DataFrame(
        {"p": [0.5, 0.2, 0.1], "value": [100.0, 200.0, 50.0], "seg": ["x", "x", "y"]}
    )
    table = revenue_at_risk(
        frame, probability_col="p", value_col="value", segment_col="seg"
    )
    table = table.set_index("segment")
    # x: 0.5*100 + 0.2*200 = 90 of 300; y: 0.1*50 = 5 of 50; total 95 of 350
    assert table.loc["x", "revenue_at_risk"] == pytest.approx(90.0)
    assert table.loc["x", "expected_churners"] == pytest.approx(0.7)
    assert table.loc["x", "share_at_risk"] == pytest.approx(0.3)
    assert table.loc["y", "revenue_at_risk"] == pytest.approx(5.0)
    assert table.loc["Total", "revenue_at_risk"] == pytest.approx(95.0)
    assert table.loc["Total", "value"] == pytest.approx(350.0)
    assert table.loc["x", "share_of_total_risk"] == pytest.approx(90 / 95)
    assert list(table.index) == ["x", "y", "Total"]


def test_revenue_at_risk_rejects_scores() -> None:
    frame = pd.DataFrame({"p": [1.5], "value": [10.0]})
    with pytest.raises(DataValidationError, match="outside"):
        revenue_at_risk(frame, probability_col="p", value_col="value")
