"""Labels of the crowd view (人流): keys start with "crowd."."""

LABELS: dict[str, dict[str, str]] = {
}
