"""Errors the library raises; the CLI turns each into one `Error: ...` line and exit code 1."""

from __future__ import annotations


class FeedbackError(Exception):
    """Base class: anything the user can fix by changing input, options or the model."""


class InputError(FeedbackError):
    """An input file or record cannot be read; the message names the file, the row and the fix."""


class ModelError(FeedbackError):
    """A model directory is missing, corrupted, or built by an incompatible version."""


class CorpusError(InputError):
    """A labelled corpus record breaks the schema of LABELS.md."""
