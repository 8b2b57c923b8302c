"""Part 762: how long to keep the records of the transaction."""

from __future__ import annotations

from datetime import date

from exportgate.determine.state import State


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` (29 February: 1 March, the later day); the last representable date when the
    sum passes year 9999 (keeping the records "until at least" then is still true)."""
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: keep the records to 1 March (the later day)
        return date(day.year + years, 3, 1)


def retention(state: State) -> None:
    ret = state.trace.resolve("records.retention_years")
    state.retain_until = add_years(state.trace.as_of, int(ret.value))
    state.say(
        f"Part 762: keep the records until at least {state.retain_until} ({ret.value} years from the transaction "
        "date; restart from any later reexport, transfer or termination)",
        ret,
    )
