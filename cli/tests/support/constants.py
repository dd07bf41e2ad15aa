"""Values shared by fixtures and tests."""

from datetime import date

AS_OF = date(2026, 11, 25)
