"""A seeded churn table whose drivers and their strengths are known.

Churn follows a logistic model in four real drivers; a pure-noise column and a
near copy of one driver are added so that a driver analysis can be checked: the
real drivers must outrank the noise, and the copy must be reported together with
its original as one correlated group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ChurnDriverSimulation", "simulate_churn_drivers"]

#: True log-odds effects: per unit for numbers, against "month-to-month" for contract.
TRUE_COEFFICIENTS: dict[str, float] = {
    "tenure_months": -0.04,
    "monthly_charges": 0.02,
    "support_calls": 0.35,
    "contract[one year]": -1.0,
    "contract[two year]": -2.0,
}
CONTRACT_SHARES = {"month-to-month": 0.5, "one year": 0.3, "two year": 0.2}


@dataclass(frozen=True, eq=False)
class ChurnDriverSimulation:
    """A simulated churn table and the truth behind it.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``customer_id``, ``tenure_months`` (1-72), ``monthly_charges`` (20-120),
        ``monthly_charges_copy`` (= monthly_charges + N(0, copy_sd) noise),
        ``support_calls`` (Poisson), ``contract``, ``noise`` (N(0, 1), no
        effect), ``churned`` (bool).
    intercept : float
        True intercept of the log-odds.
    coefficients : dict of str to float
        True log-odds effects (see :data:`TRUE_COEFFICIENTS`).
    drivers : tuple of str
        Columns with an effect on churn.
    noise_feature : str
        The column with no effect.
    near_copy : tuple of str
        (driver, its near copy).
    """

    frame: pd.DataFrame
    intercept: float
    coefficients: dict[str, float] = field(default_factory=dict)
    drivers: tuple[str, ...] = ()
    noise_feature: str = "noise"
    near_copy: tuple[str, str] = ("monthly_charges", "monthly_charges_copy")

    def true_probability(self) -> np.ndarray:
        """The churn probability each customer was drawn with."""
        return _probability(self.frame, self.intercept, self.coefficients)


def _probability(
    frame: pd.DataFrame, intercept: float, coef: dict[str, float]
) -> np.ndarray:
    eta = (
        intercept
        + coef["tenure_months"] * frame["tenure_months"]
        + coef["monthly_charges"] * frame["monthly_charges"]
        + coef["support_calls"] * frame["support_calls"]
        + coef["contract[one year]"] * (frame["contract"] == "one year")
        + coef["contract[two year]"] * (frame["contract"] == "two year")
    )
    return 1.0 / (1.0 + np.exp(-eta.to_numpy(float)))


def simulate_churn_drivers(
    n_customers: int = 4000,
    *,
    random_seed: int = 0,
    intercept: float = -0.8,
    copy_sd: float = 2.0,
) -> ChurnDriverSimulation:
    """Simulate one row per customer with churn from known drivers.

    .. math::

        \\operatorname{logit} P(\\text{churn}) = \\beta_0
        - 0.04\\,\\text{tenure} + 0.02\\,\\text{charges} + 0.35\\,\\text{calls}
        - 1.0\\,[\\text{one year}] - 2.0\\,[\\text{two year}]

    Parameters
    ----------
    n_customers : int, default=4000
        Rows.
    random_seed : int, default=0
        Seed of :func:`numpy.random.default_rng`; equal seeds give equal tables.
    intercept : float, default=-0.8
        ``beta_0``; the default gives a churn rate near 25 %.
    copy_sd : float, default=2.0
        Standard deviation of the noise added to make ``monthly_charges_copy``
        (charges are uniform on 20-120, sd 28.9, so the rank correlation is
        about 0.998).

    Returns
    -------
    ChurnDriverSimulation
    """
    rng = np.random.default_rng(random_seed)
    charges = np.round(rng.uniform(20.0, 120.0, n_customers), 2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"S{i:06d}" for i in range(n_customers)],
            "tenure_months": rng.integers(1, 73, n_customers),
            "monthly_charges": charges,
            "monthly_charges_copy": charges + rng.normal(0.0, copy_sd, n_customers),
            "support_calls": rng.poisson(1.5, n_customers),
            "contract": rng.choice(
                list(CONTRACT_SHARES), n_customers, p=list(CONTRACT_SHARES.values())
            ),
            "noise": rng.normal(0.0, 1.0, n_customers),
        }
    )
    coef = dict(TRUE_COEFFICIENTS)
    p = _probability(frame, intercept, coef)
    frame["churned"] = rng.random(n_customers) < p
    return ChurnDriverSimulation(
        frame=frame,
        intercept=intercept,
        coefficients=coef,
        drivers=("tenure_months", "monthly_charges", "support_calls", "contract"),
    )
