"""Values shared by fixtures and tests."""

from datetime import date

from jump.data_platform.sources.as_of import end_of_day

AS_OF = end_of_day(date(2026, 11, 25))  # the whole of that day, Europe/Paris
