"""Wiring: each module's `register(app, ...)` connects URL and inputs to data_access and to the builders in components/."""
