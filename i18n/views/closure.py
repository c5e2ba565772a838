"""Labels of the closure view (结案): keys start with "closure."."""

LABELS: dict[str, dict[str, str]] = {
}
