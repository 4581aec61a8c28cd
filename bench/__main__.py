"""`python -m bench [--rows N] [--big N] [--repeats N]`: measure everything and write docs/benchmarks.md.

Run by hand (it takes about 20 minutes with the defaults), never in the test suite. Needs the bench extra:
`pip install -e '.[bench]'` (fastText).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from classifier.corpus import find_corpus_files, read_examples

from . import baselines, speed
from .workload import ROOT, corpus_texts

DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def training_100k_seconds(n: int) -> float:
    """Seconds to fit on `n` labelled texts: the training split resampled with perturbations."""
    import random

    from classifier.langid import strip_diacritics
    from classifier.records import Example
    from classifier.training import fit

    train = [e for f in find_corpus_files([ROOT / "corpora"])["train"] for e in read_examples(f)]
    rng = random.Random(0)
    examples = []
    for i in range(n):
        e = rng.choice(train)
        text = e.text + rng.choice(["", "", " 😡", " !!!", " 👍", " ..."])
        if e.lang in ("cs", "sk") and rng.random() < 0.3:
            text = strip_diacritics(text)
        examples.append(Example(f"{e.id}-{i}", text, e.lang, e.aspects, e.sentiment, e.intent))
    start = time.perf_counter()
    fit(examples)
    return time.perf_counter() - start


WHY = """The pipeline works on a whole chunk (4,000 rows) at once: the texts are normalised one by one, then
prepared as one string (digits found with numpy over its code points, addresses looked for only in the texts
that may hold one) and scanned in one regular-expression pass that gives each piece as a string; each
distinct piece is looked up once per process, negation scope and clause cuts are numpy over the chunk. The
word features are counted with scipy.sparse. The character n-grams, nine entries in ten, never become a
TF-IDF matrix: what a token's n-grams add to the heads' scores is worked out the first time it is met, a
text adds up its tokens' shares, and only the n-grams it has more than once are put right to the sublinear
count. Records are built straight from the arrays and scored in place. Chinese is cut by rjieba, the Rust
port of jieba's dictionary mode (the same words as jieba; six times faster than jieba's dictionary mode,
itself 2.2 × faster than the default the raw baseline uses), loaded without the default cutter its package
builds. CSV rows are read in one loop over the reader with the cycle collector paused. What is left is spread thin: the piece scan,
Chinese (conversion to simplified, special pieces, the cut), features and the clause pass, evidence words,
and per-record Python (records, scores, reasons, JSON). The raw baseline is one regex or one jieba call per
text and nothing else; two thirds of its speed leaves 1.5 × its time per text for everything, reading and
writing included.

With `--jobs N` the process that reads and writes classifies too, beside N - 1 worker processes, forked
from it on Linux once its model is loaded (loky's pool, started afresh, on macOS and Windows): a chunk goes
to a worker while it has fewer than two waiting or running, otherwise it is done in place, and a worker
leaves its JSON lines in a file instead of the pool's pipe, so that it never waits for the busy main process
to read them, and freezes what survives each chunk, so that no later collection walks its heap again. The
main process never waits for a chunk still queued for a worker: it takes it back and does it itself, and
the last chunk is shared in pieces, so that both processes finish together (the main process sat idle
0.36 s on average at the end of 100,000 rows, now 0.09 s). Two processes still spend more than one: each
builds its own jieba dictionary and learns its own caches of pieces and tokens (a process's first chunk
takes nearly twice as long as its third), the main process alone reads and writes every row, and start-up
and exit are not shared. Nor do two cores give twice one here: the rounds also time two plain `classify`
runs side by side, which share nothing, and their ratio to one run is the most any `--jobs 2` could reach
at that moment; it drifts with the load of the machine's host. The 1M-row ratio is a single run of each,
a minute or more apiece on a machine whose speed drifts over minutes: a rough check that the gain holds on
a big export, not a figure to compare."""


def _listed(values: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def ok(good: bool) -> str:
    return "met" if good else "**missed**"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(s: dict[str, Any], b: dict[str, Any], args: argparse.Namespace, elapsed: float) -> str:
    n, big = s["rows"], args.big
    ratios = s["classify_to_raw"]
    ratio = statistics.median(ratios)
    speedups = s["classify_jobs2_speedups"]
    jobs = statistics.median(speedups)
    start_ratios = s["one_line_to_sklearn"]
    start_ratio = statistics.median(start_ratios)
    rounds = len(ratios)
    rss_small = s[f"peak_rss_mb_{n}"]
    rss_big = s.get(f"peak_rss_mb_{big}")
    speed_rows = [
        ["classify, 1 process (CSV in, JSONL out, start-up included)", f"{s['classify_texts_per_s']:,.0f} texts/s", ""],
        ["raw tokeniser (jieba.lcut for zh, regex split for the rest)", f"{s['raw_tokeniser_texts_per_s']:,.0f} texts/s", ""],
        ["classify / raw tokeniser", f"{ratio:.2f} (median of the {rounds} rounds: {_listed(ratios)})", f"≥ 0.67: {ok(ratio >= 0.67)}"],
        ["classify --jobs 2", f"{s['classify_jobs2_texts_per_s']:,.0f} texts/s", ""],
        ["classify --jobs 2 / --jobs 1", f"{jobs:.2f} × (median of the {rounds} rounds: {_listed(speedups)})", f"≥ 1.6 ×: {ok(jobs >= 1.6)}"],
    ]
    if "side_by_side_speedups" in s:  # what two processes can give here at all, in the same rounds
        side = s["side_by_side_speedups"]
        shares = [j / c for j, c in zip(speedups, side)]
        speed_rows += [
            ["two plain classify runs side by side / one (the machine's own ceiling)", f"{statistics.median(side):.2f} × ({_listed(side)})", ""],
            ["--jobs 2 speed-up / that ceiling", f"{statistics.median(shares):.2f} ({_listed(shares)})", ""],
        ]
    speed_rows += [
        ["classify a one-line Czech file", f"{s['classify_one_line_s']:.2f} s", ""],
        ["python -c 'import sklearn'", f"{s['import_sklearn_s']:.2f} s", ""],
        ["one-line classify / import sklearn", f"{start_ratio:.2f} (median of {len(start_ratios)} pairs: {_listed(start_ratios)})",
         f"≤ 0.5: {ok(start_ratio <= 0.5)}"],
        ["python start-up alone", f"{s['python_startup_s']:.2f} s", ""],
        ["import classifier", f"{s['import_classifier_s']:.2f} s", ""],
        ["load the bundled model", f"{s['load_model_s']:.3f} s", f"≤ 0.2 s: {ok(s['load_model_s'] <= 0.2)}"],
        ["model directory on disk", f"{s['model_size_mb']:.1f} MB", f"≤ 30 MB: {ok(s['model_size_mb'] <= 30)}"],
        ["train on the full corpora (feedback train)", f"{s['training_full_corpora_s']:.1f} s", f"< 60 s: {ok(s['training_full_corpora_s'] < 60)}"],
        [f"peak RSS, {n:,} rows", f"{rss_small:.0f} MB", ""],
    ]
    if rss_big is not None:
        speed_rows.append([f"peak RSS, {big:,} rows", f"{rss_big:.0f} MB ({rss_big / rss_small:.2f} ×)",
                           f"≤ 1.2 × and < 600 MB: {ok(rss_big <= 1.2 * rss_small and rss_big < 600)}"])
    if f"jobs2_speedup_{big}" in s:
        speed_rows.append([f"classify --jobs 2 / --jobs 1, {big:,} rows (one run each)", f"{s[f'jobs2_speedup_{big}']:.2f} ×", ""])
    if "training_100k_s" in s:
        speed_rows.append(["train on 100,000 texts", f"{s['training_100k_s']:.0f} s", f"< 180 s: {ok(s['training_100k_s'] < 180)}"])
    stages = s.get("stage_us_per_text", {})
    stage_rows = [[name, f"{value:,.0f} µs"] for name, value in stages.items()]
    metric_rows = []
    for slice_name, values in b["slices"].items():
        for metric, title in (("sentiment_macro_f1", "sentiment macro-F1"), ("dimension_micro_f1", "dimension micro-F1"),
                              ("intent_macro_f1", "intent macro-F1")):
            metric_rows.append([slice_name, values["n"], title] + [f"{values[system][metric]:.3f}" for system in b["systems"]])
    return f"""# Benchmarks

Produced by `python -m bench --rows {n} --big {big} --repeats {args.repeats}` on {datetime.date.today().isoformat()}
({elapsed / 60:.0f} minutes), from a clean checkout with the bench extra installed (`pip install -e '.[bench]'`).
The per-step breakdown or the accuracy comparison alone can be refreshed with `python -m bench --only stages`
or `--only baselines`.
Machine: {machine()}. Times are medians of {args.repeats} runs unless one run is stated; these machines are
noisy, so compare ratios measured in the same run rather than absolute figures across runs. Each ratio
against a target is taken within a round: the raw tokeniser, `classify` and `classify --jobs 2` one after the
other on the same file, {args.repeats} rounds; the one-line file and `import sklearn` in pairs.

The workload (`bench/workload.py`) is built from our corpora: a quarter of the rows per language, a third of
the Czech and Slovak ones without diacritics, some with a second sentence or an emoji appended.

## Speed and memory

{table(["what", "measured", "target"], speed_rows)}

{"## Where the time goes" + chr(10) + chr(10) + "In one process, per text (`bench/speed.py`, `stage_times`; model loaded first): each step timed on its own over 20,000 mixed rows, the whole of `classify_records` over 20,000 others:" + chr(10) + chr(10) + table(["step", "time per text"], stage_rows) + chr(10) + chr(10) + WHY + chr(10) if stages else ""}
## Accuracy against baselines

Same split for all three (n: test texts in the slice), the same three heads, all fitted on train + dev (ours
and fastText tune their dimension thresholds on dev with a train-only fit first).
Plain scikit-learn is `TfidfVectorizer()` with default tokenisation and `LogisticRegression`; fastText is
`fasttext-wheel` supervised (25 epochs, word bigrams, character 3-5-grams, one binary model per dimension, its
threshold tuned on dev), Chinese pre-segmented with jieba.

{table(["slice", "n", "metric"] + b["systems"], metric_rows)}

Throughput of each system on the test texts, in one process, after loading: {", ".join(f"{k} {v:,.0f} texts/s" for k, v in b["texts_per_s"].items())}.

Raw figures: `docs/benchmarks.json`.
"""


def _baselines() -> dict[str, Any]:
    splits = find_corpus_files([ROOT / "corpora"])
    data = {k: [e for f in splits[k] for e in read_examples(f)] for k in ("train", "dev", "test")}
    return baselines.run(data["train"], data["dev"], data["test"])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="rows for throughput (default 100,000)")
    parser.add_argument("--big", type=int, default=1_000_000, help="rows for the streaming-memory check (0: skip)")
    # five: a round of the throughput ratios takes some 25 s, over which these machines' speed drifts by up to
    # a tenth; the median of five rounds is steadier than of three
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing, rounds per ratio (median; default 5)")
    parser.add_argument("--train-rows", type=int, default=100_000, help="texts for the training-time check (0: skip)")
    parser.add_argument("--only", choices=("stages", "baselines"),
                        help="measure only the per-step breakdown or the accuracy comparison, update "
                        "docs/benchmarks.json and rewrite the doc (after a change that cannot affect the rest)")
    args = parser.parse_args()
    if args.only:
        saved = json.loads((DOC.parent / "benchmarks.json").read_text())
        if args.only == "stages":
            saved["speed"]["stage_us_per_text"] = speed.stage_times()
        else:
            saved["baselines"] = _baselines()
        (DOC.parent / "benchmarks.json").write_text(json.dumps(saved, indent=2) + "\n")
        args.rows, args.big = saved["speed"]["rows"], saved.get("args", {}).get("big", args.big)
        DOC.write_text(render(saved["speed"], saved["baselines"], args, saved.get("elapsed_s", 0.0)), encoding="utf-8")
        return
    started = time.perf_counter()
    corpus_texts()  # fail early without corpora
    with tempfile.TemporaryDirectory() as tmp:
        s = speed.run(args.rows, args.big, args.repeats, Path(tmp))
    if args.train_rows:
        s["training_100k_s"] = training_100k_seconds(args.train_rows)
    s["stage_us_per_text"] = speed.stage_times()
    b = _baselines()
    DOC.parent.mkdir(exist_ok=True)
    elapsed = time.perf_counter() - started
    saved = {"speed": s, "baselines": b, "elapsed_s": elapsed, "args": vars(args)}
    (DOC.parent / "benchmarks.json").write_text(json.dumps(saved, indent=2) + "\n")
    DOC.write_text(render(s, b, args, elapsed), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
