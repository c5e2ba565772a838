"""Labels of the funds view (民生微基金): keys start with "funds."."""

LABELS: dict[str, dict[str, str]] = {
}
