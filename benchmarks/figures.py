"""A figure beside its floor: paired samples, medians, the ratio, the goal, and how noisy the samples were."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Pair:
    name: str
    goal: float | None  # the most the ratio may be; None: shown for comparison only
    floor_name: str
    figure: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)

    def add(self, figure: float, floor: float) -> None:
        self.figure.append(figure)
        self.floor.append(floor)

    @property
    def ratio(self) -> float:
        return statistics.median(self.figure) / statistics.median(self.floor)

    @property
    def met(self) -> bool:
        return self.goal is None or self.ratio <= self.goal

    def line(self) -> str:
        goal = "" if self.goal is None else f"  goal <= {self.goal:.2f}x  {'met' if self.met else 'NOT MET'}"
        return (
            f"  {self.name:<34} {ms(statistics.median(self.figure)):>9} {noise(self.figure):>6}"
            f"   {self.floor_name:<28} {ms(statistics.median(self.floor)):>9} {noise(self.floor):>6}"
            f"   {self.ratio:5.2f}x{goal}"
        )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def noise(samples: list[float]) -> str:
    """Half the interquartile range, relative to the median: how far a typical sample strays."""
    if len(samples) < 4:
        return ""
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return f"±{(q3 - q1) / 2 / statistics.median(samples) * 100:.0f}%"


HEADER = (
    f"  {'figure':<34} {'median':>9} {'noise':>6}   {'floor (same run, interleaved)':<28} "
    f"{'median':>9} {'noise':>6}   ratio"
)
