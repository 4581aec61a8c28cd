"""`feedback report`: one self-contained HTML page (charts as inline SVG, no network) from a ScoreReport."""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from typing import Any

from .aggregate import GroupSummary, ScoreReport
from .labels import SENTIMENTS
from .scoring import HIGH_FROM, LOW_BELOW

COLOURS = {"positive": "#2e7d32", "neutral": "#9e9e9e", "negative": "#c62828", "bar": "#1565c0"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display; SVG text stays text
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    _pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _bars(rows: int, title: str, xlabel: str) -> tuple[Any, Any]:
    """A figure for horizontal bars, one row per item, the first item on top."""
    figure, axis = _pyplot().subplots(figsize=(7, 0.45 * max(rows, 1) + 1.2))
    axis.invert_yaxis()
    axis.set_title(title)
    axis.set_xlabel(xlabel)
    return figure, axis


def chart_satisfaction(groups: Sequence[GroupSummary], title: str) -> str:
    """Horizontal bars of the satisfaction index with 95 % interval whiskers."""
    figure, axis = _bars(len(groups), title, "satisfaction index (0-100), 95 % interval")
    names = [g.group for g in groups]
    values = [g.satisfaction for g in groups]
    errors = [[g.satisfaction - g.ci_low for g in groups], [g.ci_high - g.satisfaction for g in groups]]
    axis.barh(names, values, xerr=errors, color=COLOURS["bar"], ecolor="#333", capsize=3)
    axis.set_xlim(0, 100)
    return _svg(figure)


def chart_sentiment_mix(groups: Sequence[GroupSummary]) -> str:
    """Stacked bars: share of positive, neutral and negative texts per group."""
    figure, axis = _bars(len(groups), "Sentiment mix per language", "% of texts")
    left = [0.0] * len(groups)
    names = [g.group for g in groups]
    for sentiment in SENTIMENTS:
        shares = [g.sentiment[sentiment] for g in groups]
        axis.barh(names, shares, left=left, color=COLOURS[sentiment], label=sentiment)
        left = [a + b for a, b in zip(left, shares)]
    axis.set_xlim(0, 100)
    axis.legend(loc="lower right", fontsize=8)
    return _svg(figure)


def chart_drivers(report: ScoreReport) -> str:
    drivers = report.drivers or []
    figure, axis = _bars(len(drivers), "Key drivers: what to fix first",
                         "points the overall index would gain if negative mentions were neutral")
    axis.barh([d.dimension for d in drivers], [d.impact for d in drivers], color=COLOURS["negative"])
    return _svg(figure)


def chart_risk(report: ScoreReport) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 2.8))
    axis.hist(report.risks, bins=[i / 20 for i in range(21)], color=COLOURS["bar"])
    for cut in (LOW_BELOW, HIGH_FROM):
        axis.axvline(cut, color="#333", linestyle="--", linewidth=1)
    axis.set_xlabel("loyalty risk (dashed: low / medium / high cut-offs)")
    axis.set_ylabel("texts")
    axis.set_title("Loyalty-risk distribution")
    return _svg(figure)


def chart_trend(report: ScoreReport) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7, 3))
    periods = [p.period for p in report.trend]
    axis.plot(periods, [p.satisfaction for p in report.trend], marker="o", color=COLOURS["bar"], label="satisfaction")
    axis.set_ylim(0, 100)
    axis.set_ylabel("satisfaction index")
    second = axis.twinx()
    second.plot(periods, [p.risk_mean for p in report.trend], marker="s", color=COLOURS["negative"], label="risk")
    second.set_ylim(0, 1)
    second.set_ylabel("mean loyalty risk")
    axis.set_title("Trend")
    figure.autofmt_xdate()
    return _svg(figure)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: ScoreReport, title: str = "Customer feedback report") -> str:
    """The whole page: headline figures, charts as inline SVG, groups and customers at risk."""
    o = report.overall
    sections = [
        f"<p class='headline'>{o.n:,} texts · satisfaction <b>{o.satisfaction}</b> "
        f"(95 % interval {o.ci_low}-{o.ci_high}) · net sentiment {o.net_sentiment:+} · "
        f"{o.high_risk:,} at high loyalty risk</p>",
        "<section id='chart-dimensions' class='chart'>" + chart_satisfaction(report.by_dimension, "Satisfaction by dimension") + "</section>",
        "<section id='chart-languages' class='chart'>" + chart_sentiment_mix(report.by_language) + "</section>",
        "<section id='chart-drivers' class='chart'>" + chart_drivers(report) + "</section>",
        "<section id='chart-risk' class='chart'>" + chart_risk(report) + "</section>",
    ]
    if report.trend:
        sections.append("<section id='chart-trend' class='chart'>" + chart_trend(report) + "</section>")
    if report.groups:
        sections.append("<h2>Groups</h2>" + _table(
            ["group", "n", "satisfaction", "95 % interval", "net sentiment", "mean risk", "high risk"],
            [[g.group, g.n, g.satisfaction, f"{g.ci_low}-{g.ci_high}", g.net_sentiment, g.risk_mean, g.high_risk] for g in report.groups],
        ))
    if report.customers:
        top = [c for c in report.customers if c.risk_level == "high"][:25] or report.customers[:10]
        sections.append("<h2 id='customers'>Customers at risk</h2>" + _table(
            ["customer", "texts", "risk", "level", "last", "reasons"],
            [[c.customer, c.n, c.loyalty_risk, c.risk_level, c.last_date or "", "; ".join(c.reasons)] for c in top],
        ))
    style = (
        "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;width:100%;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}"
        ".chart svg{max-width:100%;height:auto}.headline{font-size:18px}"
    )
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )
