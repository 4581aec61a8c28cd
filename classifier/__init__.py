"""Multilingual service-feedback classifier: SERVQUAL dimension, sentiment and loyalty intent of cs/sk/fr/zh text."""

__version__ = "0.1.0"

from .errors import FeedbackError, InputError, ModelError
from .labels import DIMENSIONS, INTENTS, LANGUAGES, SENTIMENTS
from .model import Model, classify, load_model
from .records import Aspect, DimensionScore, Example, Prediction
from .training import train

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
