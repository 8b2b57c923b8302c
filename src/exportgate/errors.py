"""Errors that carry a field path and a problem, so every interface can say exactly what is wrong.

The CLI turns an :class:`InputError` into one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations


class ExportgateError(Exception):
    """Base class for every error exportgate raises on purpose."""


#: the longest field path and problem an error carries: a message quotes input (a name, a value), and
#: an error must never echo a document back unbounded (longer text is cut, with "…")
MAX_FIELD_CHARS = 200
MAX_PROBLEM_CHARS = 1000
#: the most errors one report lists (the rest are counted in a last line)
MAX_ERRORS = 100


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class InputError(ExportgateError):
    """Bad input: names the field (a dotted path such as ``layers.hardware[2].quantity``) and the problem."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = _cut(str(field), MAX_FIELD_CHARS)
        self.problem = _cut(str(problem), MAX_PROBLEM_CHARS)
        super().__init__(f"{self.field}: {self.problem}")


class InputErrors(ExportgateError):
    """Several input errors found at once (schema validation reports all of them, not the first)."""

    def __init__(self, errors: list[InputError]) -> None:
        if len(errors) > MAX_ERRORS:
            more = len(errors) - MAX_ERRORS + 1
            errors = [*errors[: MAX_ERRORS - 1], InputError("...", f"and {more:,} more errors")]
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class RuleDataError(ExportgateError):
    """The rule data itself is invalid (raised at load time, naming the file, the key and the problem)."""


class NotAuthenticated(InputError):
    """No credentials, or credentials that name no enabled user (an API answers 401)."""


class AccessDenied(InputError):
    """The actor's role does not grant what it asked for (an API answers 403)."""


class NotFound(InputError):
    """The case, alert or user asked for does not exist (an API answers 404)."""
