"""Paired statistics for comparing runs on the same episodes: McNemar's exact test on the discordant pairs, a
bootstrap interval that resamples whole cases, and Holm's correction for several comparisons.

scipy and statsmodels are imported when a function runs, not with this module, so that commands which never
compare load neither."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from pydantic import BaseModel, Field


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: under "both runs are equally accurate", each discordant pair (right in one
    run, wrong in the other) is a fair coin, so ``only_a`` of ``only_a + only_b`` is a binomial draw with p = 1/2.
    1.0 when there is no discordant pair."""
    if only_a + only_b == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(only_a, only_a + only_b, 0.5, alternative="two-sided").pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of ``p_values`` (family-wise error over all of them), by statsmodels."""
    if not p_values:
        return []
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(p_values), method="holm")[1]]


class PairedDifference(BaseModel):
    """The mean of a metric in two runs over the episodes both have it, and how the second differs."""

    metric: str
    n: int = Field(description="Episodes with the metric in both runs.")
    cases: int = Field(description="Distinct cases among them (the bootstrap resamples these).")
    mean_a: float
    mean_b: float
    difference: float = Field(description="mean_b - mean_a")
    ci95: tuple[float, float] | None = Field(
        None, description="Paired cluster-bootstrap 95% interval of the difference; None with fewer than 2 cases."
    )


def paired_difference(
    metric: str,
    clusters: Sequence[str],
    values_a: Sequence[float],
    values_b: Sequence[float],
    *,
    resamples: int,
    seed: int,
) -> PairedDifference:
    """``mean(values_b) - mean(values_a)`` over paired episodes, with a 95% percentile interval from ``resamples``
    bootstrap samples of the clusters (the cases: all samples of a case are drawn together, so episodes that
    share a case are not counted as independent evidence). The same ``seed`` gives the same interval."""
    if not (len(clusters) == len(values_a) == len(values_b)) or not clusters:
        raise ValueError("paired_difference needs one cluster and two values per episode, and at least one episode")
    import numpy as np

    order = {cluster: index for index, cluster in enumerate(dict.fromkeys(clusters))}
    index = np.fromiter((order[cluster] for cluster in clusters), dtype=np.int64, count=len(clusters))
    a, b = np.asarray(values_a, dtype=float), np.asarray(values_b, dtype=float)
    sums = np.bincount(index, weights=b - a, minlength=len(order))
    counts = np.bincount(index, minlength=len(order)).astype(float)
    result = PairedDifference(
        metric=metric,
        n=len(clusters),
        cases=len(order),
        mean_a=float(a.mean()),
        mean_b=float(b.mean()),
        difference=float(sums.sum() / counts.sum()),
    )
    if len(order) < 2:
        return result
    result.ci95 = _cluster_interval(sums, counts, resamples, seed)
    return result


def _cluster_interval(sums: object, counts: object, resamples: int, seed: int) -> tuple[float, float]:
    """scipy's paired bootstrap over the cases: each resample draws cases with replacement and takes the
    episode-weighted mean difference of the drawn cases (total difference / total episodes)."""
    import numpy as np
    from scipy.stats import bootstrap

    def ratio(total: np.ndarray, episodes: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(total.sum(axis=axis) / episodes.sum(axis=axis))

    with warnings.catch_warnings():  # all differences equal: scipy warns of a degenerate sample, the interval stands
        warnings.simplefilter("ignore")
        found = bootstrap(
            (sums, counts),
            ratio,
            paired=True,
            vectorized=True,
            n_resamples=resamples,
            confidence_level=0.95,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    return (float(found.confidence_interval.low), float(found.confidence_interval.high))
