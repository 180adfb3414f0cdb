"""One benchmark ratio with its raw numbers and goal (shared by report and cost_rows)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

_OPS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Ratio:
    key: str
    name: str
    value: float
    raw: str
    goal: str | None = None  # e.g. ">= 2"
    why: str | None = None  # where the time went, printed when the goal is missed

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        op, _, bound = self.goal.partition(" ")
        return _OPS[op](self.value, float(bound))

    @property
    def missed_by(self) -> float | None:
        """How far past the goal, as a fraction of it (0.25 = 25 % over a ``<=`` bound)."""
        if self.met is not False or self.goal is None:
            return None
        op, _, bound = self.goal.partition(" ")
        b = float(bound)
        if not b:
            return None
        return (self.value - b) / b if op == "<=" else (b - self.value) / b
