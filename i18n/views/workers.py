"""Labels of the workers view (网格员): keys start with "workers."."""

LABELS: dict[str, dict[str, str]] = {
}
