"""OFAC Enhanced XML (``CONS_ENHANCED.XML`` / ``SDN_ENHANCED.XML``, optionally inside a ZIP)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from exportgate.errors import InputError
from exportgate.screen.lists._data import config
from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.lists.files import Readable, read_bytes, read_zip_member
from exportgate.screen.lists.ofac_csv import cons_key
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

NS = "{https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML}"
_TYPES = {"individual": EntityType.PERSON, "vessel": EntityType.VESSEL, "aircraft": EntityType.AIRCRAFT}
_ALIAS = {"A.K.A.": NameKind.AKA, "F.K.A.": NameKind.FKA, "N.K.A.": NameKind.NKA}
_COUNTRY_FEATURES = ("Nationality Country", "Citizenship Country", "Nationality of Registration")


def _xml_bytes(path: Path) -> bytes:
    raw = read_bytes(path)
    if raw[:2] == b"PK":
        return read_zip_member(raw, path.name, ".xml")
    return raw


def data_as_of(path: Path) -> str | None:
    """The file's ``publicationInfo/dataAsOf`` date (ISO), read from the head of the file only (streamed:
    parsing stops at the first entity)."""
    import gzip
    import zipfile
    from contextlib import ExitStack

    with ExitStack() as stack:
        fh = stack.enter_context(path.open("rb"))
        magic = fh.read(2)
        fh.seek(0)
        stream: Readable = fh
        try:
            if magic == b"\x1f\x8b":
                stream = stack.enter_context(gzip.GzipFile(fileobj=fh, mode="rb"))
            elif magic == b"PK":
                zf = stack.enter_context(zipfile.ZipFile(fh))
                members = [n for n in zf.namelist() if n.lower().endswith(".xml")]
                if not members:
                    return None
                stream = stack.enter_context(zf.open(members[0]))
            for _event, el in ET.iterparse(stream, events=("end",)):
                if el.tag == f"{NS}dataAsOf":
                    return (el.text or "").strip()[:10] or None
                if el.tag in (f"{NS}publicationInfo", f"{NS}entity"):
                    return None
        except (ET.ParseError, OSError, EOFError, zipfile.BadZipFile):
            return None  # the loader says what is wrong with the file
    return None


def _t(el: ET.Element | None, tag: str) -> str | None:
    if el is None:
        return None
    v = el.findtext(NS + tag)
    return v.strip() if v and v.strip() else None


def _xml_list_key(ent: ET.Element) -> str | None:
    on = {(el.text or "").strip() for el in ent.iterfind(f"{NS}sanctionsLists/{NS}sanctionsList")}
    for name, key in config()["ofac_xml_lists"].items():
        if name in on:
            return str(key)
    return None


def load_enhanced_xml(path: Path, *, sdn: bool | None = None) -> tuple[list[ListedEntity], str | None]:
    """(entities, dataAsOf date). SDN entities are keyed ofac_sdn, Non-SDN ones by program; ``sdn=None``
    tells which from the file's ``publicationInfo/filters`` (``SDN List`` vs ``Consolidated List``)."""
    data = _xml_bytes(path)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(path.name, f"malformed XML ({exc})") from None
    if root.tag != NS + "sanctionsData":
        raise InputError(path.name, f"not an OFAC Enhanced XML file (root {root.tag!r})")
    as_of_raw = root.findtext(f"{NS}publicationInfo/{NS}dataAsOf")
    as_of = as_of_raw[:10] if as_of_raw else None
    if sdn is None:
        lists = [el.text or "" for el in root.iterfind(f"{NS}publicationInfo/{NS}filters//{NS}sanctionsList")]
        sdn = any(name.strip().upper().startswith("SDN") for name in lists)
    out: list[ListedEntity] = []
    for ent in root.iterfind(f"{NS}entities/{NS}entity"):
        ent_id = ent.get("id") or ""
        etype = (_t(ent.find(NS + "generalInfo"), "entityType") or "").lower()
        programs = [p.text.strip() for p in ent.iterfind(f"{NS}sanctionsPrograms/{NS}sanctionsProgram") if p.text]
        names: list[Name] = []
        for n in ent.iterfind(f"{NS}names/{NS}name"):
            primary = _t(n, "isPrimary") == "true"
            low = _t(n, "isLowQuality") == "true"
            kind = (
                NameKind.PRIMARY
                if primary
                else NameKind.WEAK
                if low
                else _ALIAS.get(_t(n, "aliasType") or "", NameKind.AKA)
            )
            for tr in n.iterfind(f"{NS}translations/{NS}translation"):
                full = _t(tr, "formattedFullName")
                if full:
                    names.append(Name(full, kind if _t(tr, "isPrimary") == "true" else NameKind.AKA))
        names.sort(key=lambda x: x.kind is not NameKind.PRIMARY)
        addresses: list[Address] = []
        for a in ent.iterfind(f"{NS}addresses/{NS}address"):
            country_text = _t(a, "country")
            parts: dict[str, str] = {}
            for tr in a.iterfind(f"{NS}translations/{NS}translation"):
                for part in tr.iterfind(f"{NS}addressParts/{NS}addressPart"):
                    ptype, value = _t(part, "type"), _t(part, "value")
                    if ptype and value:
                        parts[ptype] = (parts[ptype] + ", " + value) if ptype in parts else value
                break
            street = ", ".join(v for k, v in parts.items() if k.startswith("ADDRESS")) or None
            country = to_iso2(country_text) or country_text
            if street or country or parts:
                addresses.append(
                    Address(
                        street=street,
                        city=parts.get("CITY"),
                        state=parts.get("STATE/PROVINCE"),
                        postal_code=parts.get("POSTAL CODE"),
                        country=country,
                    )
                )
        countries = [a.country for a in addresses if a.country and len(a.country) == 2]
        dobs: list[str] = []
        for f in ent.iterfind(f"{NS}features/{NS}feature"):
            ftype, value = _t(f, "type"), _t(f, "value")
            if ftype == "Birthdate" and value:
                vd = f.find(NS + "valueDate")
                begin, end = _t(vd, "fromDateBegin"), _t(vd, "toDateEnd")
                dobs.append(begin if begin and begin == end else value)
            elif ftype in _COUNTRY_FEATURES and value:
                code = to_iso2(value)
                if code:
                    countries.append(code)
        idents: list[Identifier] = []
        for d in ent.iterfind(f"{NS}identityDocuments/{NS}identityDocument"):
            doc_type, number = _t(d, "type"), _t(d, "documentNumber")
            if doc_type and number:
                idents.append(Identifier(doc_type, number, to_iso2(_t(d, "issuingCountry"))))
        key = "ofac_sdn" if sdn else _xml_list_key(ent) or cons_key(programs)
        out.append(
            ListedEntity(
                id=f"{key}:{ent_id}",
                source=key,
                type=_TYPES.get(etype, EntityType.ENTITY),
                names=names,
                addresses=addresses,
                countries=list(dict.fromkeys(countries)),
                identifiers=idents,
                dates_of_birth=dobs,
                programs=programs,
                list_date=as_of,
            )
        )
    return out, as_of
