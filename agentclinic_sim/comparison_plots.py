"""Pictures of a comparison (``agentclinic compare --plot DIR``): PNG files drawn by matplotlib off screen.

Figures are made with ``matplotlib.figure.Figure`` and saved through the Agg canvas, without pyplot, so no
display, no global figure state and no backend switch is involved. matplotlib is imported when plotting."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agentclinic_sim.comparison import Comparison, RunResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ACCURACY = "accuracy.png"
COST_ACCURACY = "cost_accuracy.png"
BY_CATEGORY = "accuracy_by_category.png"


def plot_comparison(comparison: Comparison, folder: Path) -> list[Path]:
    """Write the comparison's PNGs into ``folder`` (created if need be); returns the files written. The accuracy
    by disease category is drawn only when some paired episode's diagnosis has a category."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [_accuracy(comparison, folder / ACCURACY), _cost_accuracy(comparison, folder / COST_ACCURACY)]
    if any(run.accuracy_by_category for run in comparison.runs):
        written.append(_by_category(comparison, folder / BY_CATEGORY))
    return written


def _errors(runs: list[RunResult]) -> list[list[float]]:
    """Each run's distance from its accuracy to the ends of its Wilson interval (matplotlib's ``yerr``)."""
    return [
        [run.accuracy - run.accuracy_ci95[0] for run in runs],
        [run.accuracy_ci95[1] - run.accuracy for run in runs],
    ]


def _accuracy(comparison: Comparison, path: Path) -> Path:
    from matplotlib.figure import Figure

    runs = comparison.runs
    figure = Figure(figsize=(max(4.0, 1.4 * len(runs) + 2), 4.0), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(runs))
    axes.bar(positions, [run.accuracy for run in runs], color="#8fb3d9", yerr=_errors(runs), capsize=6)
    axes.set_xticks(list(positions), [run.name for run in runs], rotation=20 if len(runs) > 3 else 0)
    axes.set_ylim(0, 1.1)
    axes.set_ylabel("accuracy")
    axes.set_title(f"Accuracy on {comparison.paired} paired episodes (95% Wilson interval)")
    for position, run in zip(positions, runs, strict=True):
        axes.annotate(f"{run.accuracy:.0%}", (position, run.accuracy), ha="center", va="bottom", fontsize=9)
    figure.savefig(path, dpi=120)
    return path


def _cost_accuracy(comparison: Comparison, path: Path) -> Path:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 4.0), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True)
    _frontier(left, comparison.runs, "tests", "mean tests ordered per episode")
    _frontier(right, comparison.runs, "turns", "mean turns per episode")
    left.set_ylabel("accuracy")
    figure.suptitle(f"Accuracy against cost ({comparison.paired} paired episodes)")
    figure.savefig(path, dpi=120)
    return path


def _frontier(axes: Axes, runs: list[RunResult], metric: str, label: str) -> None:
    """Accuracy (with its interval) against a run's mean cost, each point named by its run (runs at the same
    point share one label), and the frontier: the runs no other run beats on accuracy at a lower cost."""
    costs = [run.means.get(metric, 0.0) for run in runs]
    accuracies = [run.accuracy for run in runs]
    axes.errorbar(costs, accuracies, yerr=_errors(runs), fmt="o", capsize=5, color="#2f6690")
    names: dict[tuple[float, float], list[str]] = {}
    for cost, run in zip(costs, runs, strict=True):
        names.setdefault((round(cost, 6), round(run.accuracy, 6)), []).append(run.name)
    for (cost, accuracy), shared in names.items():
        axes.annotate(", ".join(shared), (cost, accuracy), textcoords="offset points", xytext=(6, 4), fontsize=9)
    frontier = _frontier_points(sorted(names))
    if len(frontier) > 1:
        axes.step(*zip(*frontier, strict=True), where="post", linestyle="--", color="#999999", label="frontier")
    axes.set_xlabel(label)
    right = max(costs) * 1.25 + 1
    axes.set_xlim(left=-0.04 * right, right=right)
    axes.set_ylim(0, 1.1)
    axes.grid(alpha=0.3)


def _frontier_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Of (cost, accuracy) points sorted by cost, those more accurate than every cheaper one."""
    frontier: list[tuple[float, float]] = []
    for cost, accuracy in points:
        if not frontier or accuracy > frontier[-1][1]:
            frontier.append((cost, accuracy))
    return frontier


def _by_category(comparison: Comparison, path: Path) -> Path:
    from matplotlib.figure import Figure

    runs = [run for run in comparison.runs if run.accuracy_by_category]  # a run without them draws no bar at all
    categories = sorted({category for run in runs for category in (run.accuracy_by_category or {})})
    width = 0.8 / len(runs)
    figure = Figure(figsize=(max(7.0, 0.9 * len(categories) + 2), 4.5), layout="constrained")
    axes = figure.add_subplot()
    for index, run in enumerate(runs):
        shown = run.accuracy_by_category or {}
        positions = [slot + (index - (len(runs) - 1) / 2) * width for slot in range(len(categories))]
        heights = [shown.get(category, float("nan")) for category in categories]  # no paired episode of it: no bar
        axes.bar(positions, heights, width, label=run.name)
    axes.set_xticks(list(range(len(categories))), categories, rotation=30, ha="right")
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("accuracy")
    axes.set_title("Accuracy by disease category (paired episodes)")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never over them
    figure.savefig(path, dpi=120)
    return path
