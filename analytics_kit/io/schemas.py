"""The kit's canonical tables: their columns, which are required, and their schemas.

A client's column mapping turns its files into these tables. Columns a table has
beyond the canonical ones (segment attributes, comments) are kept as text.

==================  =========================================  =======================
table               required columns                           optional columns
==================  =========================================  =======================
transactions        customer_id, timestamp, amount             order_id, channel,
                                                               quantity
customers           customer_id, acquisition_date,             cancellation_date, any
                    acquisition_channel                        segment attribute
marketing_spend     date, channel, spend
nps_responses       date, score                                customer_id, segment,
                                                               comment
engagement          date, channel                              reach, impressions,
                                                               followers, likes,
                                                               shares, comments,
                                                               clicks, interactions
activity            customer_id, timestamp, event_type
==================  =========================================  =======================

Dates are parsed with the table's ``date_format`` and converted to the client's
timezone; stored timestamps are local wall-clock time without a timezone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis.expr.datatypes as dt
import pandera.ibis as pa

__all__ = ["TABLE_SPECS", "TableSpec"]


@dataclass(frozen=True)
class TableSpec:
    """What the kit expects of one canonical table."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    #: Columns that hold dates or timestamps.
    dates: tuple[str, ...] = ()
    #: Columns that hold numbers.
    numbers: tuple[str, ...] = ()
    #: The date column that is compared with as_of (rows after it are excluded).
    as_of_column: str | None = None
    #: Per-column inclusive value ranges enforced after parsing.
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: Columns whose values must be whole numbers.
    integers: tuple[str, ...] = ()

    @property
    def known(self) -> tuple[str, ...]:
        """Every canonical column of the table."""
        return self.required + self.optional

    def pandera_schema(self, present: list[str]) -> pa.DataFrameSchema:
        """A pandera schema for the parsed, kept rows (columns in `present`)."""
        columns: dict[str, pa.Column] = {}
        for name in present:
            if name in self.dates:
                dtype: dt.DataType = dt.Timestamp(scale=6)
            elif name in self.numbers:
                dtype = dt.Float64()
            else:
                dtype = dt.String()
            checks = []
            if name in self.ranges:
                low, high = self.ranges[name]
                checks.append(pa.Check.in_range(low, high))
            columns[name] = pa.Column(
                dtype, checks=checks, nullable=name not in self.required
            )
        return pa.DataFrameSchema(columns, strict=False)


_INTERACTIONS = ("likes", "shares", "comments", "clicks", "interactions")

TABLE_SPECS: dict[str, TableSpec] = {
    "transactions": TableSpec(
        "transactions",
        required=("customer_id", "timestamp", "amount"),
        optional=("order_id", "channel", "quantity"),
        dates=("timestamp",),
        numbers=("amount", "quantity"),
        as_of_column="timestamp",
    ),
    "customers": TableSpec(
        "customers",
        required=("customer_id", "acquisition_date", "acquisition_channel"),
        optional=("cancellation_date",),
        dates=("acquisition_date", "cancellation_date"),
        as_of_column="acquisition_date",
    ),
    "marketing_spend": TableSpec(
        "marketing_spend",
        required=("date", "channel", "spend"),
        dates=("date",),
        numbers=("spend",),
        as_of_column="date",
    ),
    "nps_responses": TableSpec(
        "nps_responses",
        required=("date", "score"),
        optional=("customer_id", "segment", "comment"),
        dates=("date",),
        numbers=("score",),
        as_of_column="date",
        ranges={"score": (0, 10)},
        integers=("score",),
    ),
    "engagement": TableSpec(
        "engagement",
        required=("date", "channel"),
        optional=("reach", "impressions", "followers", *_INTERACTIONS),
        dates=("date",),
        numbers=("reach", "impressions", "followers", *_INTERACTIONS),
        as_of_column="date",
    ),
    "activity": TableSpec(
        "activity",
        required=("customer_id", "timestamp", "event_type"),
        dates=("timestamp",),
        as_of_column="timestamp",
    ),
}
