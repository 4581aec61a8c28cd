"""Speed and memory: throughput end to end, raw tokeniser baseline, --jobs, start-up, import, load, training, RSS."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .workload import ROOT, rows, write_csv

PYTHON = sys.executable
_WORD = re.compile(r"\w+")


def median_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _command(args: list[str]) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)

    return run


def _classify_args(path: Path, out: Path, jobs: int) -> list[str]:
    """The command line of `feedback classify FILE -o OUT --jobs N`."""
    return [PYTHON, "-m", "classifier", "classify", str(path), "-o", str(out), "--jobs", str(jobs)]


def _classify(path: Path, out: Path, jobs: int) -> Callable[[], None]:
    """A run of `feedback classify FILE -o OUT --jobs N`."""
    return _command(_classify_args(path, out, jobs))


def raw_tokeniser(n: int) -> Callable[[], object]:
    """One pass of the bare minimum over `n` workload rows: jieba.lcut for Chinese, a regex word split for
    the rest (jieba's dictionary built beforehand)."""
    import jieba

    jieba.setLogLevel(60)
    jieba.lcut("预热")
    data = [(lang, text) for _, lang, text in rows(n)]

    def run() -> None:
        for lang, text in data:
            jieba.lcut(text) if lang == "zh" else _WORD.findall(text.lower())

    return run


def _side_by_side(path: Path, folder: Path, copies: int) -> Callable[[], None]:
    """`copies` independent runs of `feedback classify FILE` started together, each on its own: what that many
    processes can give on this machine at the time, with no work shared and nothing done in series."""
    def run() -> None:
        commands = [_classify_args(path, folder / f"copy{i}.jsonl", 1) for i in range(copies)]
        processes = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT) for c in commands]
        for process, command in zip(processes, commands):
            if process.wait():
                raise subprocess.CalledProcessError(process.returncode, command)

    return run


def throughput_rounds(path: Path, n: int, jobs: int, repeats: int) -> dict[str, list[float]]:
    """Texts/s of the raw tokeniser, `feedback classify`, `classify --jobs N` and N independent `classify` runs
    side by side (texts/s of them all) on the same `n` rows, measured one after the other in each of
    `repeats` rounds, so that a slow spell of the machine hits all of a round rather than one whole series:
    ratios are taken within a round. The runs side by side show what N processes can give here at all: on
    these machines two busy cores each run slower than one alone, and by how much drifts over minutes."""
    raw = raw_tokeniser(n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        one, many, side = _classify(path, out, 1), _classify(path, out, jobs), _side_by_side(path, Path(tmp), jobs)
        rounds = [(median_time(raw, 1), median_time(one, 1), median_time(many, 1), median_time(side, 1)) for _ in range(repeats)]
    return {
        "raw": [n / r[0] for r in rounds],
        "classify": [n / r[1] for r in rounds],
        "jobs": [n / r[2] for r in rounds],
        "side_by_side": [jobs * n / r[3] for r in rounds],
    }


def peak_rss_mb(path: Path) -> float:
    """Peak resident memory (MB) of `feedback classify FILE -o OUT`, read from the child's rusage."""
    with tempfile.TemporaryDirectory() as tmp:
        code = (
            "import resource, subprocess, sys\n"
            f"subprocess.run([{PYTHON!r}, '-m', 'classifier', 'classify', {str(path)!r}, '-o', {str(Path(tmp) / 'o.jsonl')!r}],"
            " check=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        return int(result.stdout.split()[-1]) / 1024


def big_file_speedup(path: Path) -> float:
    """`classify --jobs 2` against `--jobs 1` on a big file, one run each: a rough check that the gain of a
    second process holds on a big export (runs this long drift with the machine)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        return median_time(_classify(path, out, 1), 1) / median_time(_classify(path, out, 2), 1)


def startup_times(repeats: int) -> dict[str, Any]:
    """Seconds: classify a one-line Czech file and `import sklearn` (alternately, in pairs: their ratio is
    taken within a pair); `import classifier`; load the model."""
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text("Objednávka přišla pozdě a nikdo se neozval.\n", encoding="utf-8")
        classify, sklearn = _command([PYTHON, "-m", "classifier", "classify", str(one)]), _command([PYTHON, "-c", "import sklearn"])
        pairs = [(median_time(classify, 1), median_time(sklearn, 1)) for _ in range(repeats)]
        return {
            "classify_one_line_s": statistics.median(p[0] for p in pairs),
            "import_sklearn_s": statistics.median(p[1] for p in pairs),
            "one_line_to_sklearn": [a / b for a, b in pairs],
            "python_startup_s": median_time(_command([PYTHON, "-c", "pass"]), repeats),
            "import_classifier_s": median_time(_command([PYTHON, "-c", "import classifier"]), repeats),
            # the package imports its model code on first use: import it first, time only the loading
            "load_model_s": _in_process("import time; from classifier import load_model; t=time.perf_counter(); "
                                        "load_model(); print(time.perf_counter()-t)", repeats),
        }


def _in_process(code: str, repeats: int) -> float:
    values = []
    for _ in range(repeats):
        result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        values.append(float(result.stdout.split()[-1]))
    return statistics.median(values)


def training_time(repeats: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        run = _command([PYTHON, "-m", "classifier", "train", "corpora/", "--out", str(Path(tmp) / "m")])
        return median_time(run, repeats)


def model_size_mb() -> float:
    from classifier.model import default_model_path

    return sum(f.stat().st_size for f in default_model_path().iterdir()) / 1e6


def run(n: int, big: int, repeats: int, workdir: Path) -> dict[str, object]:
    """All speed figures; `n` rows for throughput, `big` rows for the streaming memory check."""
    small_csv = write_csv(workdir / f"mixed_{n}.csv", n)
    results: dict[str, object] = {"rows": n}
    rounds = throughput_rounds(small_csv, n, 2, repeats)
    results["raw_tokeniser_texts_per_s"] = statistics.median(rounds["raw"])
    results["classify_texts_per_s"] = statistics.median(rounds["classify"])
    results["classify_jobs2_texts_per_s"] = statistics.median(rounds["jobs"])
    results["classify_to_raw"] = [c / r for c, r in zip(rounds["classify"], rounds["raw"])]
    results["classify_jobs2_speedups"] = [j / c for j, c in zip(rounds["jobs"], rounds["classify"])]
    results["side_by_side_speedups"] = [s / c for s, c in zip(rounds["side_by_side"], rounds["classify"])]
    results.update(startup_times(repeats))
    results["training_full_corpora_s"] = training_time(1)
    results["model_size_mb"] = model_size_mb()
    results[f"peak_rss_mb_{n}"] = peak_rss_mb(small_csv)
    if big:
        big_csv = write_csv(workdir / f"mixed_{big}.csv", big)
        results[f"peak_rss_mb_{big}"] = peak_rss_mb(big_csv)
        results[f"jobs2_speedup_{big}"] = big_file_speedup(big_csv)
        os.unlink(big_csv)
    return results


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20000, 0, 1, Path(tempfile.mkdtemp())), indent=2))


def stage_times(n: int = 20_000) -> dict[str, float]:
    """Microseconds per text of each step of classify, in one process on `n` mixed rows (model loaded and
    jieba built beforehand), next to the raw tokeniser; shows where the time goes."""
    import jieba

    from classifier.batch import CHUNK_SIZE
    from classifier.model import load_model
    from classifier.output import json_line
    from classifier.scoring import scores_into

    workload = list(rows(2 * n))
    texts, langs = [text for _, _, text in workload[:n]], [lang for _, lang, _ in workload[:n]]
    others = [text for _, _, text in workload[n:]]  # classify_records runs on other rows, which it has not seen
    model = load_model()
    model.classify_records(texts[:500])
    jieba.setLogLevel(60)
    jieba.lcut("预热")  # build jieba's global dictionary before timing the raw tokeniser
    totals: dict[str, float] = {}

    def timed(name: str, run: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = run()
        totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
        return result

    from classifier.tokenizers import scan_batch, tokenize_scanned

    for begin in range(0, n, CHUNK_SIZE):
        chunk = texts[begin : begin + CHUNK_SIZE]
        batch = timed("prepare and scan the chunk", lambda: scan_batch(chunk))
        items = timed("language ID", lambda: model._identify(chunk, None, batch))
        stream = timed("tokenise (cs, sk, fr, zh)", lambda: tokenize_scanned(batch, [i.lang for i in items]))
        words, char_scores = timed("TF-IDF features", lambda: model._featurizer().features(stream.ids, stream.row, len(chunk)))
        probs = timed("linear heads", lambda: model._probabilities(words, char_scores))
        timed("dimensions (with the clause pass)", lambda: model._dimensions(stream, probs))
        timed("evidence words", lambda: model._evidence(items, batch, words, probs))
        records = timed("everything above, as classify_records", lambda: model.classify_records(others[begin : begin + CHUNK_SIZE]))
        timed("scores and JSON", lambda: [json_line(scores_into(record, evidence)) for record, evidence in records])
    start = time.perf_counter()
    for lang, text in zip(langs, texts):
        jieba.lcut(text) if lang == "zh" else _WORD.findall(text.lower())
    totals["raw tokeniser (for comparison)"] = time.perf_counter() - start
    start = time.perf_counter()
    for lang, text in zip(langs, texts):
        if lang == "zh":
            jieba.lcut(text)
    totals["of which jieba.lcut on the Chinese quarter"] = time.perf_counter() - start
    return {name: 1e6 * seconds / n for name, seconds in totals.items()}
