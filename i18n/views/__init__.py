"""Each view's own labels, merged into the one catalogue by `i18n` (a key may be defined once only)."""
