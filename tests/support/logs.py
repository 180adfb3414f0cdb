"""What a logger writes through the service's JSON formatter, for tests of log contents."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

from syncapp.logs import JsonFormatter


def json_log(emit: Callable[[logging.Logger], object], name: str = "tests.logs") -> str:
    """Run ``emit`` with a private DEBUG logger and return the JSON lines it wrote."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()
