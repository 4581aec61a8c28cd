"""Labels -> satisfaction (0-100) and loyalty risk (0-1) per text, with the reasons behind each figure.

Pure arithmetic over prediction records (the dicts of `feedback classify`); no scikit-learn, no model.
The formulas and their rationale are written out in README.md, "Indicators".
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

from .errors import InputError
from .labels import DIMENSIONS

#: Importance of each dimension for overall satisfaction, in points. SERVQUAL's five from the importance
#: study quoted in LABELS.md; price, product and general are our defaults (a fair share of the remainder).
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "reliability": 32, "responsiveness": 22, "assurance": 19, "empathy": 16, "tangibles": 11,
    "price": 15, "product": 20, "general": 10,
}
#: How much a negative mention of each dimension adds to the log-odds of leaving: broken promises and
#: slow help drive customers away more than shabby premises.
DEFAULT_FAILURE_RISK: Mapping[str, float] = {
    "reliability": 1.2, "responsiveness": 1.0, "assurance": 0.8, "empathy": 0.7, "tangibles": 0.3,
    "price": 0.6, "product": 0.7, "general": 0.5,
}
SENTIMENT_VALUE = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
#: Risk level cut-offs: below LOW_BELOW is low, from HIGH_FROM on is high, medium between.
LOW_BELOW, HIGH_FROM = 0.3, 0.6


@dataclass(frozen=True)
class Weights:
    """Everything a user may tune, from a TOML file (`--weights`); defaults documented in README."""

    importance: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    failure_risk: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_FAILURE_RISK))
    base_risk: float = -2.5  # log-odds of leaving for a text that says nothing either way (8 %)
    negative_risk: float = 2.0  # per unit of P(negative)
    positive_relief: float = 1.0  # per unit of P(positive)
    leave_risk: float = 4.0  # per unit of P(leave): the strongest signal there is
    stay_relief: float = 2.0  # per unit of P(stay)
    half_life_days: float = 90.0  # a customer's text this old counts half

    @classmethod
    def from_toml(cls, path: str | Path) -> Weights:
        """Read `[importance]`, `[failure_risk]` and `[risk]` tables; unknown keys are refused by name."""
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: no such weights file.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not valid TOML ({exc}).") from None
        weights = cls()
        known_tables = {"importance", "failure_risk", "risk"}
        for table in data:
            if table not in known_tables:
                raise InputError(f"{path}: unknown table [{table}]; use {', '.join(sorted(known_tables))}.")
        for table in ("importance", "failure_risk"):
            values = dict(getattr(weights, table))
            for key, value in data.get(table, {}).items():
                if key not in DIMENSIONS:
                    raise InputError(f"{path}: [{table}] {key} is not a dimension; use one of {', '.join(DIMENSIONS)}.")
                if not isinstance(value, (int, float)) or value < 0:
                    raise InputError(f"{path}: [{table}] {key} = {value!r}; give a number of 0 or more.")
                values[key] = float(value)
            weights = replace(weights, importance=values) if table == "importance" else replace(weights, failure_risk=values)
        risk = data.get("risk", {})
        names = {"base_risk", "negative_risk", "positive_relief", "leave_risk", "stay_relief", "half_life_days"}
        for key, value in risk.items():
            if key not in names:
                raise InputError(f"{path}: [risk] {key} is unknown; use {', '.join(sorted(names))}.")
            if not isinstance(value, (int, float)):
                raise InputError(f"{path}: [risk] {key} = {value!r}; give a number.")
            weights = replace(weights, **cast(dict[str, Any], {key: float(value)}))
        return weights


@dataclass(frozen=True)
class TextScore:
    """Indicators of one text."""

    satisfaction: float
    dimension_satisfaction: Mapping[str, float]
    loyalty_risk: float
    risk_level: str
    reasons: tuple[str, ...]


def risk_level(risk: float) -> str:
    return "low" if risk < LOW_BELOW else "high" if risk >= HIGH_FROM else "medium"


def _dimension_values(record: Mapping[str, Any]) -> dict[str, float]:
    """Each dimension's sentiment value in [-1, 1] (`_dimension_value`); a dimension listed twice counts
    once, with its last entry."""
    overall = _expected_sentiment(record)
    return {d["dimension"]: _dimension_value(d["sentiment"], overall) for d in record["dimensions"]}


def _expected_sentiment(record: Mapping[str, Any]) -> float:
    """The text's expected sentiment value, P(positive) - P(negative)."""
    scores = record["sentiment_scores"]
    value: float = scores["positive"] - scores["negative"]
    return value


def _dimension_value(sentiment: str, overall: float) -> float:
    """A dimension's sentiment value: half its own label (+1, 0, -1), half the text's expected value, so
    that both the dimension's label and the model's confidence count."""
    return 0.5 * SENTIMENT_VALUE[sentiment] + 0.5 * overall


def satisfaction(record: Mapping[str, Any], weights: Weights = Weights()) -> tuple[float, dict[str, float]]:
    """(overall 0-100, per dimension 0-100) of one text: 50 + 50 x the importance- and confidence-weighted
    mean sentiment value of the dimensions it speaks of."""
    return overall_satisfaction(record, weights), _per_dimension_satisfaction(record)


def _per_dimension_satisfaction(record: Mapping[str, Any]) -> dict[str, float]:
    return {d: round(50 + 50 * v, 1) for d, v in _dimension_values(record).items()}


def overall_satisfaction(record: Mapping[str, Any], weights: Weights = Weights()) -> float:
    """The overall figure of `satisfaction`, without the per-dimension ones (what each record carries)."""
    overall = _expected_sentiment(record)
    importance = weights.importance
    total = weighted = 0.0
    # a dimension listed twice counts once, with its last entry, as in `_dimension_values`
    for d in {d["dimension"]: d for d in record["dimensions"]}.values():
        share = importance.get(d["dimension"], 0) * d["score"]
        total += share
        weighted += share * _dimension_value(d["sentiment"], overall)
    if total <= 0:
        return round(50 + 50 * overall, 1)
    mean = weighted / total  # divided first, as `satisfaction` always has: the rounding of ties depends on it
    return round(50 + 50 * mean, 1)


def loyalty_risk(record: Mapping[str, Any], weights: Weights = Weights()) -> tuple[float, list[str]]:
    """(risk 0-1, reasons): the logistic of base + negativity + failures by dimension + leave - stay."""
    sentiment, intent = record["sentiment_scores"], record["intent_scores"]
    z = weights.base_risk
    z += weights.negative_risk * sentiment["negative"] - weights.positive_relief * sentiment["positive"]
    z += weights.leave_risk * intent["leave"] - weights.stay_relief * intent["stay"]
    reasons = []
    if record["intent"] == "leave":
        reasons.append(f"intent: leave ({intent['leave']:.2f})")
    elif record["intent"] == "stay":
        reasons.append(f"intent: stay ({intent['stay']:.2f}) lowers the risk")
    failure = weights.failure_risk
    failures = [(failure.get(d["dimension"], 0) * d["score"], d) for d in record["dimensions"] if d["sentiment"] == "negative"]
    if len(failures) > 1:
        failures.sort(key=lambda f: -f[0])  # the costliest failure first; stable on a tie
    for share, d in failures:
        z += share
        reasons.append(f"{d['dimension']} negative ({d['score']:.2f})")
    if record["sentiment"] != "neutral" or not reasons:
        reasons.append(f"sentiment {record['sentiment']} ({sentiment[record['sentiment']]:.2f})")
    return round(1 / (1 + math.exp(-z)), 4), reasons


def score_text(record: Mapping[str, Any], weights: Weights = Weights()) -> TextScore:
    """Satisfaction, loyalty risk, its level and the reasons, for one prediction record."""
    scored = add_scores(record, weights)
    per_dimension = _per_dimension_satisfaction(record)
    return TextScore(scored["satisfaction"], per_dimension, scored["loyalty_risk"], scored["risk_level"], tuple(scored["reasons"]))


def add_scores(record: Mapping[str, Any], weights: Weights = Weights()) -> dict[str, Any]:
    """The record with `satisfaction`, `loyalty_risk`, `risk_level` and `reasons` added (and `evidence`,
    the words for the reasons, left out)."""
    result = dict(record)
    words = result.pop("evidence", None)
    return scores_into(result, words or (), weights)


def scores_into(record: dict[str, Any], evidence: Sequence[str], weights: Weights = Weights()) -> dict[str, Any]:
    """`add_scores` in place, the evidence words given apart: for records made to be written, not kept."""
    risk, reasons = loyalty_risk(record, weights)
    if evidence:
        reasons.append("words: '" + "', '".join(evidence) + "'")  # 'a', 'b': one join, no f-string per word
    record["satisfaction"] = overall_satisfaction(record, weights)
    record["loyalty_risk"] = risk
    record["risk_level"] = risk_level(risk)
    record["reasons"] = reasons
    return record


def customer_risk(risks: Sequence[float], ages_days: Sequence[float] | None, weights: Weights = Weights()) -> float:
    """Risk over a customer's history: 1 - prod(1 - w_i r_i) with recency weights w_i = 0.5^(age/half-life),
    so repeated complaints escalate and one recent `leave` is enough for high."""
    ages = ages_days if ages_days is not None else [0.0] * len(risks)
    survival = 1.0
    for risk, age in zip(risks, ages):
        survival *= 1 - risk * 0.5 ** (max(age, 0.0) / weights.half_life_days)
    return round(1 - survival, 4)
