"""Figures over groups of scored records: satisfaction index with a 95 % interval, net sentiment, dimension
mix, risk; key drivers; trend by month or week; customers at risk. Pure Python, order-independent."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .labels import DIMENSIONS, SENTIMENTS
from .scoring import Weights, customer_risk, risk_level, satisfaction

# Two-sided 97.5 % quantiles of Student's t for 1-30 degrees of freedom; 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y", "%d. %m. %Y",
                 "%d.%m.%Y %H:%M", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y年%m月%d日")


@dataclass(frozen=True)
class GroupSummary:
    group: str
    n: int
    satisfaction: float
    ci_low: float
    ci_high: float
    net_sentiment: float  # % positive minus % negative
    sentiment: Mapping[str, float]  # % of texts per sentiment
    dimensions: Mapping[str, Mapping[str, float]]  # dimension -> share of texts, and % of its mentions per sentiment
    risk_mean: float
    high_risk: int


@dataclass(frozen=True)
class Driver:
    dimension: str
    impact: float  # points the overall index would gain if this dimension's negative mentions were neutral
    negative_mentions: int


@dataclass(frozen=True)
class Period:
    period: str
    n: int
    satisfaction: float
    risk_mean: float
    satisfaction_change: float | None
    risk_change: float | None


@dataclass(frozen=True)
class CustomerRisk:
    customer: str
    n: int
    loyalty_risk: float
    risk_level: str
    complaints: int
    last_date: str | None
    reasons: tuple[str, ...] = field(default_factory=tuple)


def parse_date(value: Any) -> date | None:
    """ISO, Czech/Slovak (31.12.2024), French (31/12/2024) and Chinese (2024年12月31日) dates; None if not a date."""
    text = str(value or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def field_value(record: Mapping[str, Any], column: str) -> Any:
    """A column of the input (under "fields") or of the record itself (lang, sentiment, intent ...)."""
    fields = record.get("fields") or {}
    if column in fields:
        return fields[column]
    return record.get(column)


def mean_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, low, high) with a 95 % t interval, clipped to 0-100; one value gives the whole range."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, 0.0, 100.0
    t = _T975[len(values) - 2] if len(values) - 1 <= len(_T975) else 1.96
    half = t * statistics.stdev(values) / math.sqrt(len(values))
    return mean, max(0.0, mean - half), min(100.0, mean + half)


def summarize(records: Sequence[Mapping[str, Any]], by: str | None = None, date_column: str | None = None) -> list[GroupSummary]:
    """One summary per group (all records when `by` is None), groups sorted by name. `by` may be any input
    column, `lang`, `sentiment`, `intent`, `dimension` (a text counts in each of its dimensions) or `month`
    / `week` (of `date_column`)."""
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        for key in _group_keys(record, by, date_column):
            groups[key].append(record)
    return [_summary(key, groups[key]) for key in sorted(groups)]


def _group_keys(record: Mapping[str, Any], by: str | None, date_column: str | None) -> list[str]:
    if by is None:
        return ["all"]
    if by == "dimension":
        return [d["dimension"] for d in record["dimensions"]]
    if by in ("month", "week") and date_column:
        day = parse_date(field_value(record, date_column))
        return [_period(day, by) if day else "no date"]
    value = field_value(record, by)
    return [str(value) if value not in (None, "") else "(empty)"]


def _period(day: date, unit: str) -> str:
    if unit == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _summary(key: str, records: Sequence[Mapping[str, Any]]) -> GroupSummary:
    n = len(records)
    mean, low, high = mean_interval([r["satisfaction"] for r in records])
    positive = sum(r["sentiment"] == "positive" for r in records)
    negative = sum(r["sentiment"] == "negative" for r in records)
    dimensions: dict[str, dict[str, float]] = {}
    for d in DIMENSIONS:
        mentions = [x["sentiment"] for r in records for x in r["dimensions"] if x["dimension"] == d]
        if mentions:
            dimensions[d] = {"share": round(100 * len(mentions) / n, 1)}
            dimensions[d].update({s: round(100 * mentions.count(s) / len(mentions), 1) for s in SENTIMENTS})
    return GroupSummary(
        group=key,
        n=n,
        satisfaction=round(mean, 1),
        ci_low=round(low, 1),
        ci_high=round(high, 1),
        net_sentiment=round(100 * (positive - negative) / n, 1),
        sentiment={s: round(100 * sum(r["sentiment"] == s for r in records) / n, 1) for s in SENTIMENTS},
        dimensions=dimensions,
        risk_mean=round(statistics.fmean(r["loyalty_risk"] for r in records), 4),
        high_risk=sum(r["risk_level"] == "high" for r in records),
    )


def key_drivers(records: Sequence[Mapping[str, Any]], weights: Weights = Weights()) -> list[Driver]:
    """Dimensions ranked by how many points the overall index would gain if their negative mentions were neutral."""
    if not records:
        return []
    base = statistics.fmean(satisfaction(r, weights)[0] for r in records)
    drivers = []
    for d in DIMENSIONS:
        negatives = sum(x["dimension"] == d and x["sentiment"] == "negative" for r in records for x in r["dimensions"])
        if not negatives:
            continue
        lifted = statistics.fmean(satisfaction(_neutralised(r, d), weights)[0] for r in records)
        drivers.append(Driver(d, round(lifted - base, 2), negatives))
    return sorted(drivers, key=lambda x: (-x.impact, x.dimension))


def _neutralised(record: Mapping[str, Any], dimension: str) -> Mapping[str, Any]:
    dims = [
        {**x, "sentiment": "neutral"} if x["dimension"] == dimension and x["sentiment"] == "negative" else x
        for x in record["dimensions"]
    ]
    return {**record, "dimensions": dims}


def trend(records: Sequence[Mapping[str, Any]], date_column: str, unit: str = "month") -> list[Period]:
    """Satisfaction index and mean risk per month (or ISO week), with the change from the previous period."""
    by_period: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        day = parse_date(field_value(record, date_column))
        if day:
            by_period[_period(day, unit)].append(record)
    periods: list[Period] = []
    for key in sorted(by_period):
        items = by_period[key]
        sat = round(statistics.fmean(r["satisfaction"] for r in items), 1)
        risk = round(statistics.fmean(r["loyalty_risk"] for r in items), 4)
        before = periods[-1] if periods else None
        periods.append(Period(
            key, len(items), sat, risk,
            None if before is None else round(sat - before.satisfaction, 1),
            None if before is None else round(risk - before.risk_mean, 4),
        ))
    return periods


def customers_at_risk(
    records: Iterable[Mapping[str, Any]],
    customer_column: str,
    date_column: str | None = None,
    weights: Weights = Weights(),
) -> list[CustomerRisk]:
    """Every customer's risk over their history (recent texts weigh more), highest first, with reasons."""
    history: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        customer = field_value(record, customer_column)
        if customer not in (None, ""):
            history[str(customer)].append(record)
    dated = [parse_date(field_value(r, date_column)) for items in history.values() for r in items] if date_column else []
    latest = max((d for d in dated if d), default=None)
    results = []
    for customer, items in history.items():
        days = [parse_date(field_value(r, date_column)) if date_column else None for r in items]
        ages = [float((latest - d).days) if latest and d else 0.0 for d in days]
        risk = customer_risk([r["loyalty_risk"] for r in items], ages, weights)
        complaints = sum(r["sentiment"] == "negative" for r in items)
        reasons = []
        if complaints > 1:
            reasons.append(f"{complaints} complaints")
        leaves = [r for r in items if r["intent"] == "leave"]
        if leaves:
            reasons.append(f"said they would leave ({len(leaves)}x)")
        worst = max(items, key=lambda r: r["loyalty_risk"])
        reasons.extend(r for r in worst.get("reasons", [])[:3] if r not in reasons)
        last = max((d for d in days if d), default=None)
        results.append(CustomerRisk(customer, len(items), risk, risk_level(risk), complaints,
                                    last.isoformat() if last else None, tuple(reasons)))
    return sorted(results, key=lambda c: (-c.loyalty_risk, c.customer))


@dataclass(frozen=True)
class ScoreReport:
    """Everything `feedback score` prints and `feedback report` draws."""

    overall: GroupSummary
    groups: list[GroupSummary]
    by_language: list[GroupSummary]
    by_dimension: list[GroupSummary]
    drivers: list[Driver]
    trend: list[Period]
    customers: list[CustomerRisk]
    risks: list[float]


def build_report(
    records: Sequence[Mapping[str, Any]],
    by: str | None = None,
    customer_column: str | None = None,
    date_column: str | None = None,
    period: str = "month",
    weights: Weights = Weights(),
) -> ScoreReport:
    """All group figures of scored records (the output of `scored_records`)."""
    if not records:
        raise ValueError("no records to score")
    return ScoreReport(
        overall=summarize(records)[0],
        groups=summarize(records, by, date_column) if by else [],
        by_language=summarize(records, "lang"),
        by_dimension=summarize(records, "dimension"),
        drivers=key_drivers(records, weights),
        trend=trend(records, date_column, period) if date_column else [],
        customers=customers_at_risk(records, customer_column, date_column, weights) if customer_column else [],
        risks=sorted(r["loyalty_risk"] for r in records),
    )
