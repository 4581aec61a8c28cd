"""Multilingual service-feedback classifier: SERVQUAL dimension, sentiment and loyalty intent of cs/sk/fr/zh text."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import FeedbackError, InputError, ModelError
from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .records import Aspect, DimensionScore, Example, Prediction

if TYPE_CHECKING:
    from .model import Model, classify, load_model
    from .training import train

__version__ = "0.1.0"

#: Imported on first use (numpy, scipy): `import classifier` stays quick, and commands that classify
#: nothing (`feedback info`, `feedback score` of classify output) never load them.
_LAZY = {"Model": "model", "classify": "model", "load_model": "model", "train": "training"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value

__all__ = [
    "DIMENSIONS",
    "INTENTS",
    "LANGUAGES",
    "SENTIMENTS",
    "Aspect",
    "DimensionScore",
    "Example",
    "FeedbackError",
    "InputError",
    "Model",
    "ModelError",
    "Prediction",
    "__version__",
    "classify",
    "load_model",
    "train",
]
