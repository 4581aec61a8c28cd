"""Language ID: ours against py3langid restricted to cs, sk, fr, zh, on the test split, as written and without
diacritics. `python -m bench.langid_compare` (bench-only dependency py3langid)."""

from __future__ import annotations

import json
import sys
from typing import Any

from classifier.corpus import find_corpus_files, read_examples
from classifier.langid import strip_diacritics
from classifier.model import load_model

from .workload import ROOT


def accuracy(found: list[str | None], gold: list[str]) -> float:
    return sum(f == g for f, g in zip(found, gold)) / len(gold)


def run() -> dict[str, Any]:
    test = [e for f in find_corpus_files([ROOT / "corpora"])["test"] for e in read_examples(f)]
    ours = load_model().langid
    detectors = {"ours": lambda texts: [lang for lang, _ in ours.detect_many(texts)]}
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # py3langid 0.4 API
        identifier.set_languages(["cs", "sk", "fr", "zh"])
        detectors["py3langid (4 languages)"] = lambda texts: [identifier.classify(t)[0] for t in texts]
    except ImportError:
        pass
    results: dict[str, Any] = {}
    for lang in ("cs", "sk", "fr", "zh"):
        for variant in ("as written", "diacritics stripped"):
            if variant == "diacritics stripped" and lang == "zh":
                continue
            texts = [e.text for e in test if e.lang == lang]
            if variant == "diacritics stripped":
                texts = [strip_diacritics(t) for t in texts]
            key = f"{lang}, {variant}"
            results[key] = {"n": len(texts)}
            for name, detect in detectors.items():
                results[key][name] = round(accuracy(detect(texts), [lang] * len(texts)), 3)
    return results


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2)
    print()
