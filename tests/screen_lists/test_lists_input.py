"""Bad input gives one clear line naming the file/row; remarks parsing; the status/diff commands."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from lists_helpers import head_lines
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import InputError
from exportgate.screen.lists import load_csl_csv, load_csl_json, load_ofac_csv
from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.lists.csl import footnote
from exportgate.screen.lists.files import kind_of
from exportgate.screen.lists.remarks import parse_date, parse_identifier, parse_remarks
from exportgate.screen.model import NameKind


def test_remarks_parsing() -> None:
    r = parse_remarks(
        "DOB 19 Jun 1951; alt. DOB circa 1950; POB Giza, Egypt; nationality Egypt; citizen Korea, North; "
        "Passport 1084010 (Egypt); alt. Passport 19820215; Tax ID No. 7744001497 (Russia); Gender Male; "
        "a.k.a. 'BNC'; f.k.a. 'OLD NAME CO.'; Linked To: HAMAS."
    )
    assert r.dates_of_birth == ["1951-06-19", "1950"]
    assert r.places_of_birth == ["Giza, Egypt"]
    assert r.nationalities == ["EG"] and r.citizenships == ["KP"]
    assert [(i.kind, i.value, i.country) for i in r.identifiers] == [
        ("Passport", "1084010", "EG"), ("Passport", "19820215", None), ("Tax ID No.", "7744001497", "RU")]
    assert [(n.value, n.kind) for n in r.weak_names] == [("BNC", NameKind.WEAK), ("OLD NAME CO.", NameKind.WEAK)]
    assert r.linked_to == ["HAMAS"] and r.gender == "Male"


def test_dates_identifiers_countries_footnotes() -> None:
    assert parse_date("Mar 1960") == ["1960-03"]
    assert parse_date("1955 to 1958") == ["1955", "1958"]
    assert parse_date("sometime") == []
    assert parse_identifier("Listing Date (EO 14024 Directive 3): 24 Feb 2022") is None
    ident = parse_identifier("Registration Number HE 12345 (Cyprus)")
    assert ident is not None and (ident.kind, ident.value, ident.country) == ("Registration Number", "HE 12345", "CY")
    assert to_iso2("Korea, North") == "KP" and to_iso2("Burma") == "MM" and to_iso2("Region: Crimea") == "UA"
    assert to_iso2("cn") == "CN" and to_iso2("Bahamas, The") == "BS" and to_iso2("Atlantis") is None
    assert footnote("For all items subject to the EAR. (See §§734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR.)") == 3
    assert footnote("For all items subject to the EAR, see §§ 736.2(b)(3)(vi), and 744.11 of the EAR") == 1
    assert footnote("For all items subject to the EAR.  (See §744.11 of the EAR)") is None
    assert kind_of("https://x/api/PublicationPreview/exports/SDN.CSV") == "sdn"
    assert kind_of("sdn_2024-05-03.csv.gz") == "sdn"
    assert kind_of("consolidated_2025_format_sample.csv") == "csl"
    assert kind_of("CONS_ENHANCED_2025-01-14.ZIP") == "enhanced_xml"
    assert kind_of("readme.txt") is None


def test_legacy_csv_missing_column_names_file_and_row(tmp_path: Path) -> None:
    lines = head_lines("sdn_2024-05-03.csv.gz", 10).split("\r\n")
    lines[6] = lines[6].rsplit(",", 1)[0]  # drop the Remarks column of the 7th row
    bad = tmp_path / "sdn.csv"
    bad.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    with pytest.raises(InputError, match=r"^sdn.csv: row 7: expected 12 columns, got 11$"):
        load_ofac_csv(bad)


def test_legacy_csv_bad_encoding_names_line(tmp_path: Path) -> None:
    text = head_lines("sdn_2024-05-03.csv.gz", 10).replace("CASA DE CUBA", "CASA DE CUB\u00c1")
    bad = tmp_path / "sdn.csv"
    bad.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputError, match=r"^sdn.csv: line 5: not UTF-8 text \(byte 0xc1"):
        load_ofac_csv(bad)


def test_corrupt_gzip_and_bad_json(tmp_path: Path) -> None:
    gz = tmp_path / "sdn.csv.gz"
    gz.write_bytes(gzip.compress(head_lines("sdn_2024-05-03.csv.gz", 50).encode())[:200])
    with pytest.raises(InputError, match=r"^sdn.csv.gz: corrupt or truncated gzip data"):
        load_ofac_csv(gz)
    js = tmp_path / "consolidated.json"
    js.write_text('{"results": [', encoding="utf-8")
    with pytest.raises(InputError, match=r"^consolidated.json: not valid JSON"):
        load_csl_json(js)
    js.write_text('{"results": [{"_id": "1", "source": "Nowhere List", "name": "X"}]}', encoding="utf-8")
    with pytest.raises(InputError, match=r"unknown CSL source 'Nowhere List'"):
        load_csl_json(js)


def test_csl_wrong_row_length(tmp_path: Path) -> None:
    rows = head_lines("consolidated_2022-04.csv.gz", 5, header=True).splitlines()
    rows[3] = rows[3] + ',"extra"'
    bad = tmp_path / "consolidated.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^consolidated.csv: row 4: expected 29 columns"):
        load_csl_csv(bad)


def test_cli_diff_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "sdn.csv"
    bad.write_text("1,2,3\r\n", encoding="utf-8")
    good = tmp_path / "sdn_new.csv"
    good.write_text(head_lines("sdn_2024-05-03.csv.gz", 5), encoding="utf-8", newline="")
    res = CliRunner().invoke(app, ["lists", "diff", str(bad), str(good)], env={"EXPORTGATE_HOME": str(tmp_path / "h")})
    assert res.exit_code == 2
    assert res.stderr == "error: sdn.csv: row 1: expected 12 columns, got 3\n"


def test_cli_diff_files(tmp_path: Path) -> None:
    old = tmp_path / "sdn_old.csv"
    new = tmp_path / "sdn_new.csv"
    old.write_text(head_lines("sdn_2024-05-03.csv.gz", 20), encoding="utf-8", newline="")
    lines = head_lines("sdn_2024-05-03.csv.gz", 25).split("\r\n")
    lines[0] = lines[0].replace("AEROCARIBBEAN AIRLINES", "AEROCARIBBEAN AIRLINES S.A.")
    del lines[1]
    new.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    result = CliRunner().invoke(app, ["lists", "diff", str(old), str(new), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["counts"] == {"added": 5, "removed": 1, "changed": 1}
    assert doc["removed"][0]["id"] == "ofac_sdn:173"
    assert doc["changed"][0]["id"] == "ofac_sdn:36" and doc["changed"][0]["fields"] == ["names"]
    text = CliRunner().invoke(app, ["lists", "diff", str(old), str(new), "--limit", "2"])
    assert text.exit_code == 0 and text.output.startswith("5 added, 1 removed, 1 changed")
    assert "... 3 more" in text.output


def test_cli_status_embedded(embedded_home: Path) -> None:
    result = CliRunner().invoke(app, ["lists", "status", "--json", "--home", str(embedded_home)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["origin"] == "embedded"
    assert doc["sources"]["entity_list"]["count"] == 2001
    assert doc["sources"]["entity_list"]["as_of"] == "2022-04-21"
    assert doc["sources"]["ofac_sdn"]["as_of"] == "2024-05-03"
    table = CliRunner().invoke(app, ["lists", "status", "--home", str(embedded_home)])
    assert table.exit_code == 0 and "entity_list" in table.output and "not current" in table.output


def test_missing_active_version_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "active").write_text("gone\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lists", "status", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "the active version 'gone' is missing" in result.output
