"""A figure beside its floor (paired samples, medians, the ratio, the goal) or beside a limit of its own
(percentiles against a number of milliseconds), and how noisy the samples were."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

# A goal missed is a failed run, told apart from a crash (1): make help lists the exit codes.
EXIT_GOAL_MISSED = 2


def goals(missed: Sequence[str]) -> str:
    """The verdict line, with the names of the figures that missed their goal."""
    return "goals: " + ("all met" if not missed else "NOT MET: " + "; ".join(missed))


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


@dataclass
class WithinLimit:
    """Samples beside an absolute limit (a caller's timeout): each percentile is met when it is within it."""

    name: str
    limit: float | None  # seconds; None: shown for information
    percentiles: tuple[int, ...] = (50, 99)
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds)

    def percentile(self, p: int) -> float:
        if len(self.samples) < 2:  # quantiles needs two; one sample is every percentile of itself
            return self.samples[0]
        # "inclusive" interpolates between samples; the default extrapolates past the slowest when they are few.
        return statistics.quantiles(self.samples, n=100, method="inclusive")[p - 1]

    @property
    def met(self) -> bool:
        return self.limit is None or all(self.percentile(p) <= self.limit for p in self.percentiles)

    def lines(self) -> list[str]:
        found = []
        for p in self.percentiles:
            seconds = self.percentile(p)
            if self.limit is None:
                verdict = "for information"
            else:
                verdict = f"limit {ms(self.limit)}  {'met' if seconds <= self.limit else 'NOT MET'}"
            # The noise and the count once per figure, on its first line.
            first = p == self.percentiles[0]
            spread = f"{noise(self.samples):>6}  {len(self.samples):<7}" if first else " " * 15
            found.append(f"  {self.name:<34} p{p:<3} {ms(seconds):>9} {spread}   {verdict}")
        return found


LIMIT_HEADER = f"  {'figure':<34} {'':4} {'value':>9} {'noise':>6}  {'samples':<7}   against"
