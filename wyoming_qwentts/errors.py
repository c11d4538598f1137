"""The root of every error the library raises, and the one for settings a model rejects.

They live here, below the catalog and the protocol clients, so that each of those can raise
them and a caller can catch every failure with ``except QwenTtsError``. None of them ever
carries the API key.
"""

from __future__ import annotations


class QwenTtsError(Exception):
    """Base class of every error raised by the library."""


class InvalidParameterError(QwenTtsError, ValueError):
    """A session parameter the model does not accept.

    ``param`` is the wire path (``session.voice``); ``allowed`` lists the valid values when
    there is a short list of them.
    """

    def __init__(self, param: str, message: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.param = param
        self.message = message
        self.allowed = allowed
