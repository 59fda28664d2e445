"""Placeholder until the app's models exist."""

from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Section


def available() -> bool:
    return False


def section(f: ReportFilter) -> Section | None:
    return None
