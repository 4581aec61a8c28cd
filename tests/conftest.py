"""Shared fixtures: a small model trained from a slice of our corpora, and paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from classifier.corpus import find_corpus_files, read_examples
from classifier.model import Model
from classifier.records import Example
from classifier.training import fit

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
EXAMPLE_CSV = ROOT / "examples" / "feedback.csv"


def fresh_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a new interpreter (nothing imported yet); the test fails, with its stderr, if it does."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result


def corpus_split(split: str) -> list[Example]:
    return [e for f in find_corpus_files([CORPORA])[split] for e in read_examples(f)]


@pytest.fixture(scope="session")
def small_training_set() -> list[Example]:
    """Every third training example: enough to learn something, quick to fit."""
    return corpus_split("train")[::3]


@pytest.fixture(scope="session")
def small_model(small_training_set: list[Example]) -> Model:
    return fit(small_training_set, corpus_split("dev")[::3], other_texts=["Hello, the parcel is late again."])


@pytest.fixture(scope="session")
def test_examples() -> list[Example]:
    return corpus_split("test")
