"""The exceptions evenhand raises. What someone wrote wrong carries its located diagnostics."""

from typing import Any, Dict, Iterable, List


class Error(Exception):
    """Base of evenhand's own errors."""


class RulesetError(Error):
    """The ruleset could not be loaded: it has errors, or cannot be read.

    ``diagnostics`` lists every problem as a dict: severity, code, message, file, line,
    column, length and, when there is one, hint.
    """

    def __init__(self, message: str, diagnostics: Iterable[Dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.diagnostics: List[Dict[str, Any]] = list(diagnostics)


class ApplicationError(Error, ValueError):
    """The application does not fit its item (codes E40x); ``diagnostics`` says where."""

    def __init__(self, message: str, diagnostics: Iterable[Dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.diagnostics: List[Dict[str, Any]] = list(diagnostics)


class CaseError(Error, ValueError):
    """A supervision case is malformed (codes E5xx); ``diagnostics`` says where."""

    def __init__(self, message: str, diagnostics: Iterable[Dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.diagnostics: List[Dict[str, Any]] = list(diagnostics)


class JournalError(Error):
    """The journal file is damaged (a broken chain or a torn last line) and is not extended."""


class CalendarNotCoveredError(Error):
    """The decision's deadlines reach a year the ruleset's working-day calendar has no published
    schedule for: it has no deadlines and must not be acted on (nor is it journalled).

    ``years`` lists those years; ``decision`` is the decision, marked in
    ``schedule.calendar_not_covered``, for the record.
    """

    def __init__(self, message: str, years: Iterable[int] = (), decision: Any = None) -> None:
        super().__init__(message)
        self.years: List[int] = list(years)
        self.decision = decision
