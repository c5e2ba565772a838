"""The city's clock: when tickets arrive and when places fill up.

A command centre reads patterns, not noise: the hotline peaks mid-morning
and mid-afternoon and sleeps at night, patrols report in working hours and
less at weekends, 110 calls lean to the evening; shopping streets fill in
the evening and on holidays, scenic spots in the afternoon, stations on the
eve of a holiday. The generator and the live feed both draw from these
curves, so history and the live feed look alike.
"""
from __future__ import annotations

import numpy as np

from data_access.contract import TICKET_SOURCES

# Public holidays (放假), approximate: first and last day. Years not listed
# still get the fixed-date ones below.
HOLIDAY_RANGES = (
    ("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"),
    ("2024-06-08", "2024-06-10"), ("2024-09-15", "2024-09-17"),
    ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"), ("2025-05-31", "2025-06-02"),
    ("2025-10-01", "2025-10-08"),
    ("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
    ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
    ("2027-01-01", "2027-01-03"), ("2027-02-05", "2027-02-13"), ("2027-04-03", "2027-04-05"),
    ("2027-06-09", "2027-06-11"), ("2027-09-15", "2027-09-17"),
)
# New Year's Day, Labour Day week, National Day week: (month, first day, last day).
FIXED_HOLIDAYS = ((1, 1, 1), (5, 1, 5), (10, 1, 7))

WORKDAY, WEEKEND, HOLIDAY, HOLIDAY_EVE = range(4)

# Share of a day's tickets by source (sums to 1).
SOURCE_SHARES = {
    "hotline_12345": 0.38,
    "city_mgmt": 0.20,
    "police_110": 0.07,
    "online_forum": 0.05,
    "grid_patrol": 0.20,
    "iot_alert": 0.10,
}

# Relative ticket arrivals by hour of day, per source (normalised below).
SOURCE_HOURLY = {
    "hotline_12345": (0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.3, 0.8, 1.5, 2.0, 2.1, 1.8,
                      1.2, 1.3, 1.8, 1.9, 1.7, 1.4, 1.1, 1.0, 0.9, 0.7, 0.45, 0.25),
    "city_mgmt": (0.05, 0.02, 0.02, 0.02, 0.02, 0.1, 0.5, 1.2, 2.2, 2.5, 2.4, 1.8,
                  0.8, 1.2, 2.1, 2.3, 2.0, 1.3, 0.6, 0.3, 0.2, 0.1, 0.08, 0.06),
    "police_110": (0.9, 0.7, 0.5, 0.4, 0.3, 0.3, 0.5, 0.8, 1.0, 1.0, 1.0, 1.1,
                   1.1, 1.0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.6, 1.4, 1.2),
    "online_forum": (0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.4, 1.4, 1.3,
                     1.3, 1.2, 1.3, 1.3, 1.2, 1.1, 1.1, 1.3, 1.5, 1.6, 1.3, 0.9),
    "grid_patrol": (0.0, 0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 1.5, 2.8, 3.0, 2.7, 1.8,
                    0.6, 1.2, 2.5, 2.8, 2.4, 1.4, 0.4, 0.2, 0.1, 0.0, 0.0, 0.0),
    "iot_alert": (0.7, 0.6, 0.6, 0.6, 0.6, 0.7, 0.9, 1.1, 1.2, 1.2, 1.2, 1.2,
                  1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.8),
}

# Ticket volume by weekday (Monday first) and on holidays, per source.
SOURCE_WEEKDAY = {
    "hotline_12345": ((1.2, 1.08, 1.03, 1.0, 0.95, 0.72, 0.7), 0.6),
    "city_mgmt": ((1.12, 1.1, 1.1, 1.08, 1.05, 0.8, 0.75), 0.55),
    "police_110": ((0.95, 0.95, 0.95, 0.98, 1.05, 1.1, 1.05), 1.1),
    "online_forum": ((1.1, 1.05, 1.0, 1.0, 0.95, 0.9, 0.95), 0.8),
    "grid_patrol": ((1.15, 1.15, 1.15, 1.15, 1.1, 0.55, 0.5), 0.4),
    "iot_alert": ((1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), 1.0),
}

# Load against capacity by hour of day on an ordinary working day, per kind of place.
# Background cells (no zone) are residential: fuller at night than at noon.
CROWD_PROFILES = {
    "commercial": (0.05, 0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2, 0.3, 0.38,
                   0.42, 0.42, 0.45, 0.48, 0.5, 0.55, 0.62, 0.7, 0.72, 0.62, 0.42, 0.2),
    "scenic": (0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.48, 0.58,
               0.6, 0.62, 0.66, 0.65, 0.55, 0.42, 0.32, 0.34, 0.32, 0.22, 0.1, 0.04),
    "transport": (0.06, 0.03, 0.02, 0.02, 0.04, 0.12, 0.25, 0.45, 0.55, 0.45, 0.4, 0.38,
                  0.38, 0.4, 0.42, 0.45, 0.52, 0.6, 0.65, 0.55, 0.45, 0.35, 0.22, 0.12),
    "background": (0.85, 0.88, 0.9, 0.9, 0.9, 0.88, 0.8, 0.68, 0.55, 0.5, 0.5, 0.52,
                   0.55, 0.53, 0.5, 0.5, 0.52, 0.6, 0.7, 0.76, 0.8, 0.82, 0.84, 0.85),
}
# Multipliers per kind for (working day, weekend, holiday, holiday eve): holiday
# evenings on shopping streets and holiday afternoons at scenic spots go over capacity.
CROWD_DAY_FACTORS = {
    "commercial": (1.0, 1.25, 1.5, 1.1),
    "scenic": (1.0, 1.3, 1.65, 1.05),
    "transport": (1.0, 1.1, 1.3, 1.7),
    "background": (1.0, 1.0, 0.95, 1.0),
}


def holidays(days: np.ndarray) -> np.ndarray:
    """Whether each day (datetime64[D]) is a public holiday."""
    days = np.asarray(days, dtype="datetime64[D]")
    starts = np.array([start for start, _ in HOLIDAY_RANGES], dtype="datetime64[D]")
    ends = np.array([end for _, end in HOLIDAY_RANGES], dtype="datetime64[D]")
    in_range = ((days[:, None] >= starts) & (days[:, None] <= ends)).any(axis=1)
    months = days.astype("datetime64[M]")
    month_number = months.astype(int) % 12 + 1
    day_of_month = (days - months).astype(int) + 1
    fixed = np.zeros(days.shape, dtype=bool)
    for month, first, last in FIXED_HOLIDAYS:
        fixed |= (month_number == month) & (day_of_month >= first) & (day_of_month <= last)
    return in_range | fixed


def weekdays(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype="datetime64[D]").astype(np.int64) + 3) % 7


def day_types(days: np.ndarray) -> np.ndarray:
    """WORKDAY, WEEKEND, HOLIDAY or HOLIDAY_EVE (the day before a holiday starts) for each day."""
    days = np.asarray(days, dtype="datetime64[D]")
    holiday = holidays(days)
    eve = ~holiday & holidays(days + np.timedelta64(1, "D"))
    weekend = weekdays(days) >= 5
    return np.select([holiday, eve, weekend], [HOLIDAY, HOLIDAY_EVE, WEEKEND], WORKDAY)


def ticket_intensity(hours: np.ndarray) -> np.ndarray:
    """Expected share of an average day's tickets arriving in each hour, per source.

    `hours` are hour starts (datetime64[h]); the result has one row per hour
    and one column per source in TICKET_SOURCES order. Over a typical week
    the rows sum to about one per day, so `daily_rate * intensity` is the
    expected count.
    """
    hours = np.asarray(hours, dtype="datetime64[h]")
    hour_of_day = (hours - hours.astype("datetime64[D]")).astype(int)
    days = hours.astype("datetime64[D]")
    weekday = weekdays(days)
    holiday = holidays(days)
    columns = []
    for source in TICKET_SOURCES:
        hourly = np.asarray(SOURCE_HOURLY[source])
        by_weekday, on_holiday = SOURCE_WEEKDAY[source]
        by_weekday = np.asarray(by_weekday)
        day_factor = np.where(holiday, on_holiday, by_weekday[weekday]) / by_weekday.mean()
        columns.append(SOURCE_SHARES[source] * hourly[hour_of_day] / hourly.sum() * day_factor)
    return np.column_stack(columns)


def crowd_load(kinds: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Expected load (people / capacity) of each kind of place at each time: shape (times, kinds).

    The hourly curve is interpolated, so 5-minute snapshots rise and fall
    smoothly instead of stepping on the hour.
    """
    times = np.asarray(times, dtype="datetime64[s]")
    days = times.astype("datetime64[D]")
    hour = (times - days).astype(np.int64) / 3600.0
    day_type = day_types(days)
    loads = {}
    for kind in np.unique(kinds):
        profile = np.asarray(CROWD_PROFILES[kind])
        # Close the loop at midnight so 23:30 interpolates towards 00:00.
        daily = np.interp(hour, np.arange(25), np.append(profile, profile[0]))
        loads[kind] = daily * np.asarray(CROWD_DAY_FACTORS[kind])[day_type]
    return np.column_stack([loads[kind] for kind in kinds])
