"""The landscape page (issue 18): who holds the world's compute on the TOP500 lists — the views of
``exportgate landscape countries`` and ``landscape compare`` (:mod:`exportgate.landscape.views`) on one page,
with the comparison's chart (``landscape compare --plot``) as an image.

The facts are those ``GET /landscape/...`` reads: the per-country facts shipped with exportgate, with the
editions imported into this store (``exportgate landscape import``) in their place. The page holds no figure
of its own; the chart is served as PNG from its own route (an inline SVG would carry a style element, which
the pages' policy refuses).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from exportgate.web.core import SignedIn, page, page_router, service

router = page_router()

#: the countries compared when the page is opened without a choice: the contest the issue describes
DEFAULT_COMPARE = ("US", "CN")
#: rows of the country table when the page is opened without a choice
DEFAULT_TOP = 20

Codes = Annotated[list[str], Query(max_length=10, description="countries to compare (ISO code or name)")]


def _facts(request: Request) -> Any:
    from exportgate.store.top500 import load_facts

    return load_facts("auto", engine=service(request).engine)


def _codes(country: list[str]) -> list[str]:
    """The countries asked for: repeated parameters or one field of codes separated by commas or spaces."""
    out = [c for value in country for c in value.replace(",", " ").split() if c]
    return out or list(DEFAULT_COMPARE)


@router.get("/landscape")
def landscape_page(
    request: Request,
    _actor: SignedIn,
    edition: Annotated[str, Query(max_length=7)] = "",
    top: Annotated[int, Query(ge=1, le=500)] = DEFAULT_TOP,
    country: Codes = [],  # noqa: B006 (FastAPI copies a query list's default)
) -> Response:
    from exportgate.landscape.views import compare, countries
    from exportgate.landscape.views import country as history_of

    facts = _facts(request)
    codes = _codes(country)
    table = countries(edition or None, top, facts=facts)
    comparison = compare(codes, facts=facts) if len(codes) >= 2 else None
    history = history_of(codes[0], facts=facts) if comparison is None else None
    shown = comparison.countries if comparison is not None else [history.country] if history is not None else []
    return page(request, "landscape.html", title="Compute landscape", table=table, comparison=comparison,
                history=history, codes=" ".join(codes), edition=edition, top=top,
                chart_query="&".join(f"country={c}" for c in shown))


@router.get("/landscape/chart.png")
def landscape_chart(request: Request, _actor: SignedIn, country: Codes = []) -> Response:  # noqa: B006
    """The chart of ``landscape compare --plot`` (two or more countries) or ``landscape country --plot`` (one)."""
    from exportgate.landscape.charts import comparison_chart, history_chart
    from exportgate.landscape.views import compare
    from exportgate.landscape.views import country as history_of

    facts = _facts(request)
    codes = _codes(country)
    data = (comparison_chart(compare(codes, facts=facts), "png") if len(codes) >= 2
            else history_chart(history_of(codes[0], facts=facts), "png"))
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
