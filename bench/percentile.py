"""The nearest-rank percentile the benches report (p50, p95)."""


def percentile(values, fraction: float) -> float:
    """The value ``fraction`` of the way through the sorted values (0.95: the p95)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
