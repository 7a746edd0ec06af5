"""The value of a customer acquired today: the LTV that belongs in LTV:CAC.

The mean CLV of the existing base mixes long-lapsed customers with active ones, so it
understates what a newly acquired customer is worth. A new customer makes a first
purchase now (``t = 0``) and repeat purchases afterwards at the population rate: with
no history, the expected number of repeat purchases by ``t`` is the model's
unconditional expectation ``E[X(t)]`` (BG/NBD: Fader, Hardie & Lee 2005a, eq. 7).
"""

from __future__ import annotations

import math

import numpy as np

from analytics_kit.clv import _formulas as F
from analytics_kit.clv.models import PurchaseModel
from analytics_kit.clv.rfm import DAYS_PER_UNIT
from analytics_kit.clv.spend import SpendModel
from analytics_kit.clv.value import horizon_in_units

__all__ = ["new_customer_value"]


def new_customer_value(
    purchase_model: PurchaseModel,
    spend_model: SpendModel,
    *,
    horizon_months: float,
    annual_discount_rate: float,
    gross_margin: float = 1.0,
) -> float:
    """Expected discounted value of a customer acquired at time 0.

    LTV = m x E[Z] x (1 + sum over repeat purchases of exp(-delta t)), where E[Z] =
    p gamma / (q - 1) is the population mean spend (Gamma-Gamma), the first
    purchase is undiscounted, repeat purchases follow the purchase model from an
    empty history (x = t_x = T = 0), and delta = ln(1 + d) x days per unit / 365.25.

    Parameters
    ----------
    purchase_model : PurchaseModel
        Fitted BG/NBD, MBG/NBD or Pareto/NBD.
    spend_model : SpendModel
        Fitted Gamma-Gamma.
    horizon_months : float
        Months (of 365.25 / 12 days) after acquisition.
    annual_discount_rate : float
        d, a fraction per year.
    gross_margin : float, default=1.0
        m, a fraction in (0, 1]; 1.0 gives revenue.

    Returns
    -------
    float
        Currency units per new customer.
    """
    unit = purchase_model.time_unit
    horizon = horizon_in_units(horizon_months, unit)
    rate = math.log1p(annual_discount_rate) * DAYS_PER_UNIT[unit] / 365.25
    empty = np.zeros(1)
    repeats = F.discounted_purchases(
        purchase_model.model, purchase_model.params, empty, empty, empty, horizon, rate
    )
    return float(gross_margin * spend_model.population_mean_spend * (1.0 + repeats[0]))
