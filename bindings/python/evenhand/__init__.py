"""evenhand: evaluate licence applications against a ruleset, the same way at every window.

    import evenhand
    rules = evenhand.load("rulesets/cn-demo")          # once; share it between threads
    decision = rules.evaluate(application_dict)        # or the application's JSON/YAML text
    decision.outcome, decision.notice, decision.to_json()
    rules.supervise(case_dict, now="2026-03-03T10:00:00+08:00").light
"""

from ._errors import ApplicationError, CalendarNotCoveredError, CaseError, Error, JournalError, RulesetError
from ._evenhand import CaseStatus, Decision, Journal, Ruleset, __version__, load, verify_journal

__all__ = [
    "ApplicationError",
    "CalendarNotCoveredError",
    "CaseError",
    "CaseStatus",
    "Decision",
    "Error",
    "Journal",
    "JournalError",
    "Ruleset",
    "RulesetError",
    "__version__",
    "load",
    "verify_journal",
]
