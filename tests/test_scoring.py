"""Scoring: exact figures for hand-made records, and the properties every figure must keep."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest

from classifier.aggregate import (
    build_report,
    customers_at_risk,
    key_drivers,
    mean_interval,
    parse_date,
    summarize,
    trend,
)
from classifier.errors import InputError
from classifier.scoring import Weights, add_scores, customer_risk, loyalty_risk, risk_level, satisfaction, scores_into

from .conftest import fresh_python


def record(sentiment: str = "negative", scores: tuple[float, float, float] = (0.1, 0.1, 0.8),
           dims: tuple[tuple[str, float, str], ...] = (("reliability", 0.9, "negative"),),
           intent: str = "none", intent_scores: tuple[float, float, float] = (0.05, 0.05, 0.9), **fields: str) -> dict:
    return {
        "id": None, "text": "x", "lang": "cs", "lang_score": 1.0, "sentiment": sentiment,
        "sentiment_scores": dict(zip(("positive", "neutral", "negative"), scores)),
        "dimensions": [{"dimension": d, "score": s, "sentiment": t} for d, s, t in dims],
        "intent": intent, "intent_scores": dict(zip(("stay", "leave", "none"), intent_scores)), "fields": fields,
    }


def test_satisfaction_single_dimension() -> None:
    # value = 0.5 * label (-1) + 0.5 * (P(pos) - P(neg)) = -0.5 - 0.35 = -0.85; 50 + 50 * -0.85
    assert satisfaction(record()) == (7.5, {"reliability": 7.5})


def test_satisfaction_mixed_dimensions_weighted_by_importance() -> None:
    r = record("positive", (0.8, 0.1, 0.1), (("empathy", 1.0, "positive"), ("price", 1.0, "negative")))
    # empathy 0.5 + 0.35 = 0.85, price -0.5 + 0.35 = -0.15; importance 16 and 15
    expected = round(50 + 50 * (16 * 0.85 + 15 * -0.15) / 31, 1)
    assert satisfaction(r) == (expected, {"empathy": 92.5, "price": 42.5})


def test_a_dimension_listed_twice_counts_once_with_its_last_entry() -> None:
    twice = record(dims=(("reliability", 0.2, "positive"), ("price", 1.0, "negative"), ("reliability", 0.9, "negative")))
    once = record(dims=(("reliability", 0.9, "negative"), ("price", 1.0, "negative")))
    assert satisfaction(twice) == satisfaction(once)


@pytest.mark.parametrize("seed", range(5))
def test_overall_satisfaction_is_the_importance_weighted_mean(seed: int) -> None:
    """Each record's figure, worked out in one pass, is exactly the mean written out the long way."""
    weights = Weights()
    for r in _random_records(50, seed):
        scores = r["sentiment_scores"]
        values = {d["dimension"]: 0.5 * {"positive": 1, "neutral": 0, "negative": -1}[d["sentiment"]]
                  + 0.5 * (scores["positive"] - scores["negative"]) for d in r["dimensions"]}
        share = {d["dimension"]: weights.importance[d["dimension"]] * d["score"] for d in r["dimensions"]}
        total = sum(share.values())
        mean = sum(share[d] * v for d, v in values.items()) / total if total > 0 else scores["positive"] - scores["negative"]
        assert r["satisfaction"] == satisfaction(r)[0] == round(50 + 50 * mean, 1)


def test_scores_into_adds_in_place_what_add_scores_adds() -> None:
    r = record(intent="leave", intent_scores=(0.0, 0.9, 0.1))
    assert scores_into(dict(r), ["pozdě"]) == add_scores({**r, "evidence": ["pozdě"]})


def test_loyalty_risk_exact() -> None:
    risk, reasons = loyalty_risk(record(intent="leave", intent_scores=(0.0, 0.9, 0.1)))
    z = -2.5 + 2.0 * 0.8 - 1.0 * 0.1 + 4.0 * 0.9 + 1.2 * 0.9
    assert risk == round(1 / (1 + math.exp(-z)), 4)
    assert reasons == ["intent: leave (0.90)", "reliability negative (0.90)", "sentiment negative (0.80)"]
    assert risk_level(risk) == "high"


@pytest.mark.parametrize(("risk", "level"), [(0.0, "low"), (0.2999, "low"), (0.3, "medium"), (0.5999, "medium"), (0.6, "high")])
def test_risk_levels(risk: float, level: str) -> None:
    assert risk_level(risk) == level


def _random_records(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    dims = ["reliability", "responsiveness", "assurance", "empathy", "tangibles", "price", "product", "general"]
    out = []
    for i in range(n):
        p = [rng.random() for _ in range(3)]
        q = [rng.random() for _ in range(3)]
        sentiment = ("positive", "neutral", "negative")[p.index(max(p))]
        chosen = rng.sample(dims, rng.randint(1, 3))
        out.append(add_scores(record(
            sentiment, tuple(x / sum(p) for x in p),  # type: ignore[arg-type]
            tuple((d, round(rng.random(), 2), rng.choice(["positive", "neutral", "negative"])) for d in chosen),
            ("stay", "leave", "none")[q.index(max(q))], tuple(x / sum(q) for x in q),  # type: ignore[arg-type]
            customer=f"C{i % 7}", date=f"2026-{1 + i % 6:02d}-1{i % 9}", shop=rng.choice("AB"),
        )))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_leave_never_lowers_risk(seed: int) -> None:
    r = _random_records(1, seed)[0]
    more = dict(r, intent="leave", intent_scores={"stay": r["intent_scores"]["stay"] * 0.5,
                                                  "leave": min(1.0, r["intent_scores"]["leave"] + 0.3), "none": 0.0})
    assert loyalty_risk(more)[0] >= loyalty_risk(r)[0]


@pytest.mark.parametrize("seed", range(20))
def test_making_a_negative_text_positive_never_lowers_satisfaction(seed: int) -> None:
    r = _random_records(1, seed)[0]
    r = dict(r, sentiment="negative", sentiment_scores={"positive": 0.1, "neutral": 0.1, "negative": 0.8},
             dimensions=[dict(d, sentiment="negative") for d in r["dimensions"]])
    positive = dict(r, sentiment="positive", sentiment_scores={"positive": 0.8, "neutral": 0.1, "negative": 0.1},
                    dimensions=[dict(d, sentiment="positive") for d in r["dimensions"]])
    assert satisfaction(positive)[0] >= satisfaction(r)[0]
    assert loyalty_risk(positive)[0] <= loyalty_risk(r)[0]


def test_group_figures_do_not_depend_on_row_order() -> None:
    records = _random_records(60, 1)
    shuffled = records[:]
    random.Random(5).shuffle(shuffled)
    assert build_report(records, "shop", "customer", "date") == build_report(shuffled, "shop", "customer", "date")


def test_interval_narrows_with_more_texts_and_is_wide_for_few() -> None:
    assert mean_interval([40.0]) == (40.0, 0.0, 100.0)
    small = mean_interval([50.0, 60.0, 55.0])
    large = mean_interval([50.0, 60.0, 55.0] * 30)
    assert small[0] == large[0] == 55.0
    assert (large[2] - large[1]) < (small[2] - small[1])
    # t quantile for 2 degrees of freedom: 4.303 * sd(5) / sqrt(3)
    assert small[1] == pytest.approx(55 - 4.303 * 5 / math.sqrt(3))
    assert mean_interval([0.0, 100.0]) == (50.0, 0.0, 100.0)  # clipped to the scale


def test_summary_exact() -> None:
    records = [add_scores(record()), add_scores(record("positive", (0.9, 0.05, 0.05), (("empathy", 0.8, "positive"),)))]
    [summary] = summarize(records)
    assert (summary.n, summary.net_sentiment, summary.high_risk) == (2, 0.0, 0)
    assert summary.dimensions["reliability"] == {"share": 50.0, "positive": 0.0, "neutral": 0.0, "negative": 100.0}


def test_key_drivers_rank_by_impact() -> None:
    records = [add_scores(record()) for _ in range(3)] + [
        add_scores(record(dims=(("tangibles", 0.5, "negative"), ("empathy", 0.9, "positive"))))
    ]
    drivers = key_drivers(records)
    assert [d.dimension for d in drivers] == ["reliability", "tangibles"]
    assert drivers[0].negative_mentions == 3 and drivers[0].impact > drivers[1].impact > 0


def test_trend_changes() -> None:
    records = [add_scores(record(date="2026-01-05")), add_scores(record("positive", (0.9, 0.05, 0.05), date="02.02.2026"))]
    periods = trend(records, "date")
    assert [p.period for p in periods] == ["2026-01", "2026-02"]
    assert periods[0].satisfaction_change is None
    assert periods[1].satisfaction_change == round(periods[1].satisfaction - periods[0].satisfaction, 1)


def test_customer_risk_escalates_and_decays() -> None:
    assert customer_risk([0.4], [0]) == 0.4
    assert customer_risk([0.4, 0.4], [0, 0]) == pytest.approx(0.64)  # repeated complaints escalate
    assert customer_risk([0.4], [90]) == pytest.approx(0.2)  # one half-life old counts half
    leave = add_scores(record(intent="leave", intent_scores=(0.0, 0.87, 0.13), customer="A", date="2026-03-01"))
    calm = add_scores(record("positive", (0.9, 0.05, 0.05), (("general", 0.9, "positive"),), customer="B", date="2026-03-01"))
    ranked = customers_at_risk([calm, leave], "customer", "date")
    assert [(c.customer, c.risk_level) for c in ranked] == [("A", "high"), ("B", "low")]


@pytest.mark.parametrize(("text", "expected"), [("2026-03-01", "2026-03-01"), ("1.3.2026", "2026-03-01"),
                                               ("01/03/2026", "2026-03-01"), ("2026年3月1日", "2026-03-01"), ("soon", None)])
def test_dates(text: str, expected: str | None) -> None:
    day = parse_date(text)
    assert (day.isoformat() if day else None) == expected


def test_weights_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "w.toml"
    path.write_text("[importance]\nprice = 40\n[risk]\nleave_risk = 6\n")
    weights = Weights.from_toml(path)
    assert weights.importance["price"] == 40 and weights.importance["reliability"] == 32 and weights.leave_risk == 6
    path.write_text("[importance]\nspeed = 3\n")
    with pytest.raises(InputError, match="speed is not a dimension"):
        Weights.from_toml(path)


def test_scoring_needs_no_scikit_learn() -> None:
    fresh_python("import sys, classifier.scoring, classifier.aggregate; assert 'sklearn' not in sys.modules")


def test_every_combination_of_labels_scores_in_range() -> None:
    for sentiment, intent in itertools.product(("positive", "neutral", "negative"), ("stay", "leave", "none")):
        scored = add_scores(record(sentiment, intent=intent))
        assert 0 <= scored["satisfaction"] <= 100 and 0 <= scored["loyalty_risk"] <= 1
        assert scored["risk_level"] in ("low", "medium", "high") and scored["reasons"]
