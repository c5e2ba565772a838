"""Reusable pieces of layout: ids, theme, the app frame, KPI tiles, figure builders. No database access here."""
