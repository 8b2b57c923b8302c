"""``/landscape``: who holds the world's compute on the TOP500 lists (issue 18), the views of ``exportgate
landscape countries | country | compare`` (:mod:`exportgate.landscape.views`), as JSON. Facts: the per-country
facts shipped with exportgate, with the editions imported into this store (``landscape import``) instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Path, Query

from exportgate.api.deps import ServiceDep, requires
from exportgate.errors import InputError
from exportgate.landscape.facts import Facts
from exportgate.landscape.views import Comparison, CountryHistory, EditionTable
from exportgate.store.accounts import Actor

router = APIRouter(tags=["landscape"])
SignedIn = Annotated[Actor, Depends(requires(None))]
Source = Annotated[Literal["auto", "shipped", "db"],
                   Query(description="shipped facts, the editions imported into this store, or both (auto)")]
T = TypeVar("T")


def _view(make: Callable[[], T]) -> T:
    """A view, its errors naming the query parameter (the views name the command's options: ``--top``)."""
    try:
        return make()
    except InputError as exc:
        raise InputError(exc.field.removeprefix("--"), exc.problem) from None


def _facts(source: Literal["auto", "shipped", "db"], svc: ServiceDep) -> Facts:
    from exportgate.store.top500 import load_facts

    return load_facts(source, engine=svc.engine)


@router.get("/landscape/countries", response_model=EditionTable)
def countries(
    _actor: SignedIn,
    svc: ServiceDep,
    edition: Annotated[str | None, Query(max_length=7, description="the list (YYYY-MM); default the latest")] = None,
    top: Annotated[int | None, Query(ge=1, le=500, description="only the first N countries")] = None,
    source: Source = "auto",
) -> EditionTable:
    """Every country on one TOP500 list: systems, share of systems and of Rmax, systems in the top 10."""
    from exportgate.landscape.views import countries as view

    return _view(lambda: view(edition, top, facts=_facts(source, svc)))


@router.get("/landscape/country/{code}", response_model=CountryHistory)
def country(_actor: SignedIn, code: Annotated[str, Path(max_length=100)], svc: ServiceDep,
            source: Source = "auto") -> CountryHistory:
    """One country on every TOP500 list: its systems, share of Rmax, place among countries, lead changes."""
    from exportgate.landscape.views import country as view

    return _view(lambda: view(code, facts=_facts(source, svc)))


@router.get("/landscape/compare", response_model=Comparison)
def compare(
    _actor: SignedIn,
    svc: ServiceDep,
    country: Annotated[list[str], Query(min_length=2, max_length=20,
                                        description="two or more countries (repeat: ?country=CN&country=US)")],
    source: Source = "auto",
) -> Comparison:
    """Countries side by side on every TOP500 list, and the editions where the lead between them changed."""
    from exportgate.landscape.views import compare as view

    return _view(lambda: view(country, facts=_facts(source, svc)))
