"""``exportgate landscape ...`` through typer's CliRunner, and the charts it draws, opened and looked at."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from landscape_helpers import WriteBook, list_file
from typer.testing import CliRunner

from exportgate.cli import app

if TYPE_CHECKING:
    import numpy as np

#: matplotlib's first two default line colours (tab:blue, tab:orange), as 8-bit RGB
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["landscape", *args], catch_exceptions=False)


def ok(*args: str) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def pixels_of(png: Path) -> np.ndarray:
    import numpy as np  # here, not at collection: only the chart tests read pixels
    from matplotlib import image

    rgb = image.imread(png)[..., :3]
    return np.asarray(np.round(rgb * 255), dtype=np.int16)


def distinct_colours(pixels: np.ndarray) -> int:
    import numpy as np

    return len(np.unique(pixels.reshape(-1, 3), axis=0))


def has_colour(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 3) -> int:
    import numpy as np

    return int(np.sum(np.all(np.abs(pixels - np.array(colour)) <= tolerance, axis=-1)))


def test_countries_json() -> None:
    data = json.loads(ok("countries", "--edition", "2018-11", "--top", "3", "--json", "--source", "shipped").output)
    assert [r["country"] for r in data["rows"]] == ["CN", "US", "JP"]
    assert [r["systems"] for r in data["rows"][:2]] == [227, 109]
    assert data["citation"] == "TOP500.org, list of November 2018" and data["source"] == "shipped"


def test_countries_table() -> None:
    out = ok("countries", "--edition", "2018-11", "--top", "2", "--source", "shipped").output
    assert "China (CN)" in out and "227" in out and "45.4" in out and "Japan" not in out


def test_country_table_and_png_chart(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "cn.png"
    out = ok("country", "CN", "--plot", str(chart), "--source", "shipped").output
    assert "China (CN) on the TOP500 lists" in out and "took the world lead" in out
    assert f"Chart written to {chart}" in out.replace("\n", "")
    assert chart.stat().st_size > 20_000
    pixels = pixels_of(chart)
    assert pixels.shape == (840, 1200, 3)  # 10 x 7 inches at 120 dpi
    assert distinct_colours(pixels) > 50  # not blank
    assert has_colour(pixels, BLUE) > 500  # its line is drawn
    assert not list(chart.parent.glob(".*.tmp"))  # written atomically, no temporary left


def test_compare_json_and_svg_chart(tmp_path: Path) -> None:
    chart = tmp_path / "us-cn.svg"
    data = json.loads(ok("compare", "US", "China", "--plot", str(chart), "--json", "--source", "shipped").output)
    assert data["countries"] == ["US", "CN"]
    assert ("2016-06", "systems", "CN") in {(c["edition"], c["measure"], c["leader"]) for c in data["lead_changes"]}
    root = ET.parse(chart).getroot()
    assert root.tag.endswith("svg") and root.get("width", "").endswith("pt")
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) > 100
    styles = " ".join(p.get("style", "") for p in paths)
    assert "#1f77b4" in styles and "#ff7f0e" in styles  # both countries' lines
    # each lead change marked: one dotted vertical line on its measure's panel, in the new leader's colour
    dotted = [p.get("style", "") for p in paths if "stroke-dasharray" in p.get("style", "")]
    assert len(dotted) == len(data["lead_changes"]) >= 4
    colour = {"US": "#1f77b4", "CN": "#ff7f0e"}
    assert sorted(s.split("stroke: ")[1][:7] for s in dotted) == sorted(colour[c["leader"]] for c in data["lead_changes"])


def test_compare_png_has_both_lines(tmp_path: Path) -> None:
    chart = tmp_path / "cmp.png"
    out = ok("compare", "US", "CN", "JP", "--plot", str(chart), "--source", "shipped").output
    assert "CN moved ahead of US in systems" in out
    pixels = pixels_of(chart)
    assert has_colour(pixels, BLUE) > 500 and has_colour(pixels, ORANGE) > 500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("country", "Narnia"), "error: country: unknown country 'Narnia'"),
        (("countries", "--edition", "2018-07"), "error: --edition: TOP500 lists are published in June (06) and November (11)"),
        (("countries", "--top", "0"), "error: --top: must be at least 1, not 0"),
        (("countries", "--source", "web"), "error: --source: must be auto, shipped or db, not 'web'"),
        (("compare", "US"), "error: countries: compare needs at least two countries"),
        (("country", "US", "--plot", "chart.pdf"), "error: --plot: a chart is written as .png or .svg, not 'chart.pdf'"),
        (("import", "/nonexistent/TOP500_201811.xls"), "error: PATH: /nonexistent/TOP500_201811.xls: no such file or folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert result.output.strip() == message or result.output.startswith(message), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "chart.pdf").exists()


def test_import_then_view_from_the_database(tmp_path: Path, write_book: WriteBook) -> None:
    db = f"sqlite:///{tmp_path / 'eg.db'}"
    folder = tmp_path / "lists"
    folder.mkdir()
    write_book("TOP500_202506.xlsx").rename(folder / "TOP500_202506.xlsx")
    write_book("TOP500_202511.xlsx").rename(folder / "TOP500_202511.xlsx")
    data = json.loads(ok("import", str(folder), "--db", db, "--json").output)
    assert [(e["edition"], e["rows"], e["replaced"]) for e in data["editions"]] == [
        ("2025-06", 500, False), ("2025-11", 500, False)]
    again = ok("import", str(folder / "TOP500_202511.xlsx"), "--db", db).output
    assert "2025-11" in again and "replaced" in again

    mine = json.loads(ok("countries", "--edition", "2025-06", "--db", db, "--source", "db", "--json").output)
    # the synthetic list, not TOP500's: two of its seven spellings are South Korea's
    assert mine["source"] == "database" and mine["rows"][0]["country"] == "KR"
    assert mine["rows"][0]["systems"] == sum(1 for rank in range(1, 501) if rank % 7 in (2, 3))
    auto = json.loads(ok("country", "KR", "--db", db, "--json").output)
    assert auto["database_editions"] == ["2025-06", "2025-11"] and len(auto["editions"]) == 67
    table = ok("country", "KR", "--db", db).output.replace("\n", " ")
    assert "From imported lists: 2025-06, 2025-11; the rest from shipped facts." in table


def test_the_chart_caption_says_where_its_figures_come_from() -> None:
    from exportgate.landscape.charts import _caption

    cite = "TOP500.org, lists of June 1993 to June 2026"
    assert _caption(cite, [], 67, False) == f"Source: {cite} (per-country facts shipped with exportgate)."
    assert _caption(cite, ["2025-06", "2025-11"], 67, True) == (
        f"Source: {cite} (imported lists for 2 editions, shipped per-country facts for the rest). "
        "Dotted lines: the edition where the lead changed.")
    every = [f"e{i}" for i in range(67)]  # every edition imported: no "rest" to speak of
    assert _caption(cite, every, 67, False) == f"Source: {cite} (imported lists, all 67 editions)."


def test_a_bad_list_imports_nothing(tmp_path: Path, write_book: WriteBook) -> None:
    from landscape_helpers import synthetic_rows

    db = f"sqlite:///{tmp_path / 'eg.db'}"
    good = write_book("TOP500_202506.xlsx")
    rows = synthetic_rows()
    rows[41][6] = "Atlantis"
    bad = write_book("TOP500_202511.xlsx", rows=rows)
    result = run("import", str(good), str(bad), "--db", db)
    assert result.exit_code == 2
    assert result.output.strip() == ("error: TOP500_202511.xlsx row 43 (Country): unknown country 'Atlantis': not in "
                                     "the landscape's country table (exportgate/landscape/data/countries.yaml); "
                                     "add the spelling there on purpose")
    assert "no TOP500 list is imported" in run("countries", "--db", db, "--source", "db").output


def test_edition_option_for_one_file_only(tmp_path: Path, write_book: WriteBook) -> None:
    db = f"sqlite:///{tmp_path / 'eg.db'}"
    one = write_book("november.xlsx")
    data = json.loads(ok("import", str(one), "--edition", "2024-11", "--db", db, "--json").output)
    assert data["editions"][0]["edition"] == "2024-11"
    two = write_book("TOP500_202506.xlsx")
    result = run("import", str(one), str(two), "--edition", "2024-11", "--db", db)
    assert result.exit_code == 2 and "--edition: only with a single file" in result.output


@pytest.mark.shared
def test_import_real_lists_through_the_cli(tmp_path: Path, lists_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'eg.db'}"
    ok("import", str(list_file(lists_dir, "2018-11")), str(list_file(lists_dir, "1993-06")), "--db", db)
    data = json.loads(ok("countries", "--edition", "2018-11", "--db", db, "--json").output)
    assert data["source"] == "database"
    assert {r["country"]: r["systems"] for r in data["rows"]}.keys() >= {"CN", "US"}
    assert [r["systems"] for r in data["rows"][:2]] == [227, 109]


def test_the_subcommand_is_registered() -> None:
    from exportgate.cli import app as root

    result = CliRunner().invoke(root, ["landscape", "--help"])
    assert result.exit_code == 0
    for command in ("import", "countries", "country", "compare"):
        assert command in result.output
