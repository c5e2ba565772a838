"""Labels of the tickets view (工单): keys start with "tickets."."""

LABELS: dict[str, dict[str, str]] = {
}
