"""Labels of the wall view (大屏): keys start with "wall."."""

LABELS: dict[str, dict[str, str]] = {
}
