"""Loading, validating and querying the dated rule data.

Everything is validated once at load time (schemas, citations, period overlaps and gaps, country
codes, references between parameters); after that, queries are pure lookups "as of this date, in
this mode". A :class:`RuleSet` is immutable and safe to share.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from exportgate import settings
from exportgate.errors import InputError, RuleDataError
from exportgate.rules.model import (
    Change,
    Citation,
    CitationModel,
    CountryFile,
    Mode,
    ParameterFile,
    ParameterModel,
    Resolved,
    ValueModel,
    Verification,
)
from exportgate.rules.snapshot import RulesAt

#: libyaml's C loader where PyYAML was built with it (about ten times faster); the pure-Python one otherwise
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTRY_FILE = "country_groups.yaml"
REGIME_START_KEY = "regime.start"


class UnknownParameter(RuleDataError):
    """Code asked for a parameter the rule data does not define (a programming error, not user input)."""


class NotInForce(RuleDataError):
    """The parameter has no value on the date asked (outside the periods the rule data covers)."""


@dataclass(frozen=True, slots=True)
class _Value:
    start: date
    end: date | None
    value: Any
    citation: Citation
    verification: Verification

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def resolved(self, key: str, description: str, unit: str | None = None) -> Resolved:
        return Resolved(
            key=key,
            value=self.value,
            unit=unit,
            start=self.start,
            end=self.end,
            citation=self.citation,
            verification=self.verification,
            description=description,
        )


@dataclass(frozen=True, slots=True)
class _Parameter:
    key: str
    description: str
    unit: str | None
    file: str
    by_mode: Mapping[Mode, tuple[_Value, ...]]
    #: why the parameter is kept although no code reads it (None: code reads it)
    documentation_only: str | None = None


#: a country's membership of a group over one period (its value is True)
_Membership = _Value


def _err(file: str, key: str, problem: str) -> RuleDataError:
    return RuleDataError(f"{file}: {key}: {problem}")


def _format_validation(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        parts.append(f"{loc}: {error['msg']}")
    return "; ".join(parts)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise RuleDataError(f"{path.name}: not valid YAML ({exc})") from None


class RuleSet:
    """The rule data, validated, queryable as of any date from the regime start on."""

    def __init__(
        self,
        parameters: Mapping[str, _Parameter],
        countries: Mapping[str, str],
        treated_as: Mapping[str, tuple[str, _Value]],
        groups: Mapping[str, Mapping[str, tuple[_Membership, ...]]],
        group_descriptions: Mapping[str, str],
        digest: str,
    ) -> None:
        self._parameters = dict(parameters)
        self._countries = dict(countries)
        self._treated_as = dict(treated_as)
        self._groups = {g: dict(m) for g, m in groups.items()}
        self._group_descriptions = dict(group_descriptions)
        self._snapshots: dict[tuple[date, Mode], RulesAt] = {}
        self.sha256 = digest
        start = self._lookup(REGIME_START_KEY, None, Mode.ENFORCED)
        if not isinstance(start.value, date):
            raise _err(self._parameters[REGIME_START_KEY].file, REGIME_START_KEY, "value must be a date")
        self.regime_start: date = start.value

    # ------------------------------------------------------------------ parameters
    def has(self, key: str) -> bool:
        return key in self._parameters

    def keys(self) -> list[str]:
        return sorted(self._parameters)

    def documentation_only(self, key: str) -> str | None:
        """Why the parameter is kept in the data although no code reads it, or None (code reads it)."""
        return self._param(key).documentation_only

    def _param(self, key: str) -> _Parameter:
        try:
            return self._parameters[key]
        except KeyError:
            raise UnknownParameter(f"unknown rule parameter {key!r}") from None

    def _lookup(self, key: str, as_of: date | None, mode: Mode) -> Resolved:
        param = self._param(key)
        values = param.by_mode[mode]
        chosen: _Value | None
        if as_of is None:  # the regime-start parameter itself: its first value
            chosen = values[0] if values else None
        else:
            chosen = next((v for v in values if v.covers(as_of)), None)
        if chosen is None:
            raise NotInForce(f"rule parameter {key!r} has no value on {as_of} in {mode.value} mode")
        return chosen.resolved(key, param.description, param.unit)

    def check_date(self, as_of: date, field: str = "as_of") -> None:
        """Deny by default: a date before the first rule in the data is an error, not 'no rule'; so is a
        date after the year ``EXPORTGATE_MAX_YEAR`` (the rule data describe the law as it stands; year
        9995 is a typo, and leaves no room for the record-keeping period added to it)."""
        if as_of < self.regime_start:
            raise InputError(
                field,
                f"{as_of.isoformat()} is before {self.regime_start.isoformat()}, the first date the rule data covers",
            )
        latest = settings.limit("max_year")
        if as_of.year > latest:
            raise InputError(field, f"{as_of.isoformat()} is after the year {latest}, the last date decided on "
                                    "(limit: EXPORTGATE_MAX_YEAR)")

    #: snapshots kept per rule set before the oldest are dropped (each is small: the keys asked on one date)
    MAX_SNAPSHOTS = 4096

    def at(self, as_of: date, mode: Mode | str = Mode.ENFORCED) -> RulesAt:
        """The rule set on ``as_of`` in ``mode``: a memoised snapshot (one per date and mode) whose look-ups
        are computed once. Raises :class:`InputError` for a date before the regime start."""
        if type(mode) is not Mode:
            mode = Mode(mode)
        snap = self._snapshots.get((as_of, mode))
        if snap is None:
            self.check_date(as_of)
            if len(self._snapshots) >= self.MAX_SNAPSHOTS:
                self._snapshots.clear()
            snap = self._snapshots[(as_of, mode)] = RulesAt(self, as_of, mode)
        return snap

    def resolve(self, key: str, as_of: date, mode: Mode = Mode.ENFORCED) -> Resolved:
        """The parameter as of ``as_of`` in ``mode``, with references and country sets evaluated."""
        return self.at(as_of, mode).resolve(key)

    def value(self, key: str, as_of: date, mode: Mode = Mode.ENFORCED) -> Any:
        return self.at(as_of, mode).resolve(key).value

    def _resolve_at(self, key: str, at: RulesAt) -> Resolved:
        """Compute one parameter for a snapshot (called once per key by :meth:`RulesAt.resolve`)."""
        raw = self._lookup(key, at.as_of, at.mode)
        value = self._evaluate(raw.value, at)
        return raw if value is raw.value else replace(raw, value=value)

    def _evaluate(self, value: Any, at: RulesAt) -> Any:
        if isinstance(value, dict):
            if set(value) == {"ref"}:
                return at.resolve(str(value["ref"])).value
            if set(value) == {"country_set"}:
                return self._country_set(value["country_set"], at)
        return value

    def _country_set(self, spec: Mapping[str, Iterable[str]], at: RulesAt) -> frozenset[str]:
        def expand(items: Iterable[str]) -> set[str]:
            out: set[str] = set()
            for item in items:
                if item in self._groups:
                    out |= at.members(item)
                else:
                    out.add(item)
            return out

        return frozenset(expand(spec.get("union", ())) - expand(spec.get("minus", ())))

    def in_force(self, as_of: date, mode: Mode = Mode.ENFORCED) -> list[Resolved]:
        """Every parameter that has a value on ``as_of`` (sorted by key)."""
        self.check_date(as_of)
        out = []
        for key in self.keys():
            try:
                out.append(self.resolve(key, as_of, mode))
            except NotInForce:
                continue
        return out

    def diff(self, first: date, second: date, mode: Mode = Mode.ENFORCED) -> list[Change]:
        """What changed between two dates: a parameter whose value (or legal basis) differs."""
        before = {r.key: r for r in self.in_force(first, mode)}
        after = {r.key: r for r in self.in_force(second, mode)}
        changes = []
        for key in sorted(set(before) | set(after)):
            b, a = before.get(key), after.get(key)
            if b is not None and a is not None and b.value == a.value and b.citation == a.citation:
                continue
            changes.append(Change(key=key, before=b, after=a))
        return changes

    def change_dates(self, mode: Mode = Mode.ENFORCED) -> list[date]:
        """Every date on which some parameter or group membership starts or stops applying."""
        days: set[date] = set()
        for param in self._parameters.values():
            for v in param.by_mode[mode]:
                days.add(v.start)
                if v.end is not None:
                    days.add(v.end + timedelta(days=1))
        for members in self._groups.values():
            for spans in members.values():
                for m in spans:
                    days.add(m.start)
                    if m.end is not None:
                        days.add(m.end + timedelta(days=1))
        return sorted(d for d in days if d >= self.regime_start)

    # ------------------------------------------------------------------ countries
    @property
    def countries(self) -> Mapping[str, str]:
        return self._countries

    @property
    def group_names(self) -> list[str]:
        return sorted(self._groups)

    def group_description(self, group: str) -> str:
        return self._group_descriptions[group]

    def country_code(self, code: object, field: str = "country") -> str:
        """Validate a user-supplied ISO alpha-2 code; unknown codes are errors naming the field."""
        if not isinstance(code, str) or not code.strip():
            raise InputError(field, "must be an ISO 3166 alpha-2 country code")
        cc = code.strip().upper()
        if cc not in self._countries:
            raise InputError(field, f"unknown country code {code!r}")
        return cc

    def find_country(self, text: object, field: str = "country") -> str:
        """A country given by its ISO alpha-2 code or its name as the rule data writes it ("United Arab
        Emirates", any case); an unknown one is an error naming the field and the closest names."""
        if not isinstance(text, str) or not text.strip():
            raise InputError(field, "must be an ISO 3166 alpha-2 country code or a country name")
        if len(text.strip()) == 2:
            return self.country_code(text, field)
        wanted = " ".join(text.split()).casefold()
        by_name = {" ".join(name.split()).casefold(): cc for cc, name in self._countries.items()}
        if wanted in by_name:
            return by_name[wanted]
        import difflib

        close = difflib.get_close_matches(wanted, list(by_name), n=3, cutoff=0.6)
        near = [f"{self._countries[by_name[n]]} ({by_name[n]})" for n in close]
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise InputError(field, f"unknown country {text!r} (give an ISO alpha-2 code or the country's name){hint}")

    def country_name(self, code: str) -> str:
        return self._countries[self.country_code(code)]

    def effective_country(self, code: str, as_of: date) -> tuple[str, Resolved | None]:
        """The destination the EAR treats ``code`` as on ``as_of`` (Hong Kong -> China)."""
        cc = self.country_code(code)
        entry = self._treated_as.get(cc)
        if entry is None or not entry[1].covers(as_of):
            return cc, None
        target, val = entry
        return target, val.resolved(
            f"countries.treated_as.{cc}", f"{self._countries[cc]} is treated as {self._countries[target]}"
        )

    def _membership(self, cc: str, group: str, as_of: date) -> _Membership | None:
        if group not in self._groups:
            raise UnknownParameter(f"unknown country group {group!r}")
        return next((m for m in self._groups[group].get(cc, ()) if m.covers(as_of)), None)

    def groups_of(self, code: str, as_of: date) -> dict[str, Citation]:
        """Groups the destination belongs to on ``as_of`` (after 'treated as'), with each citation."""
        cc, _ = self.effective_country(code, as_of)
        out: dict[str, Citation] = {}
        for group in self.group_names:
            membership = self._membership(cc, group, as_of)
            if membership is not None:
                out[group] = membership.citation
        return out

    def membership(self, code: str, group: str, as_of: date) -> Resolved | None:
        """The membership record (citation, verification, period) or None when not a member."""
        cc, _ = self.effective_country(code, as_of)
        m = self._membership(cc, group, as_of)
        if m is None:
            return None
        return m.resolved(f"country_groups.{group}.{cc}", f"{self._countries[cc]} in Country Group {group}")

    def in_group(self, code: str, group: str, as_of: date) -> bool:
        cc, _ = self.effective_country(code, as_of)
        return self._membership(cc, group, as_of) is not None

    def members(self, group: str, as_of: date) -> frozenset[str]:
        if group not in self._groups:
            raise UnknownParameter(f"unknown country group {group!r}")
        return frozenset(cc for cc, spans in self._groups[group].items() if any(m.covers(as_of) for m in spans))

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())


# ---------------------------------------------------------------------- loading
def _check_periods(file: str, key: str, what: str, spans: list[tuple[date, date | None]], gaps: bool) -> None:
    ordered = sorted(spans, key=lambda s: s[0])
    for (s1, e1), (s2, _e2) in itertools.pairwise(ordered):
        if e1 is None or e1 >= s2:
            raise _err(file, key, f"{what}: periods overlap (one starting {s1} runs into the one starting {s2})")
        if gaps and e1 + timedelta(days=1) != s2:
            raise _err(file, key, f"{what}: gap between {e1} and {s2} (state a value for every day)")


def _check_country_value(file: str, key: str, value: Any, countries: Mapping[str, str], groups: set[str]) -> None:
    if isinstance(value, dict) and set(value) == {"country_set"}:
        spec = value["country_set"]
        if not isinstance(spec, dict) or not set(spec) <= {"union", "minus"}:
            raise _err(file, key, "country_set takes 'union' and 'minus' lists")
        for part in spec.values():
            if not isinstance(part, list):
                raise _err(file, key, "country_set 'union'/'minus' must be lists")
            for item in part:
                if item not in groups and item not in countries:
                    raise _err(file, key, f"unknown country or group {item!r}")
    elif key.endswith("countries") and isinstance(value, list):
        for item in value:
            if item not in countries:
                raise _err(file, key, f"unknown country code {item!r}")


def _value_of(v: ValueModel) -> _Value:
    return _Value(
        start=v.start,
        end=v.end,
        value=v.value,
        citation=Citation.of(v.citation),
        verification=v.verification,
    )


def _build_parameter(file: str, key: str, model: ParameterModel) -> _Parameter:
    by_mode: dict[Mode, tuple[_Value, ...]] = {}
    for mode in Mode:
        values = [v for v in model.values if v.mode.applies(mode)]
        _check_periods(file, key, f"{mode.value} mode", [(v.start, v.end) for v in values], gaps=True)
        by_mode[mode] = tuple(sorted((_value_of(v) for v in values), key=lambda v: v.start))
    return _Parameter(
        key=key,
        description=model.description,
        unit=model.unit,
        file=file,
        by_mode=by_mode,
        documentation_only=model.documentation_reason if model.documentation_only else None,
    )


def load_rules(data_dir: Path | None = None) -> RuleSet:
    """Load and validate the rule data (``data_dir`` for tests; the default is cached)."""
    if data_dir is None:
        return _default_rules()
    return _load(Path(data_dir))


@lru_cache(maxsize=1)
def _default_rules() -> RuleSet:
    return _load(DATA_DIR)


def _load(data_dir: Path) -> RuleSet:
    if not data_dir.is_dir():
        raise RuleDataError(f"rule data directory not found: {data_dir}")
    digest = hashlib.sha256()
    country_path = data_dir / COUNTRY_FILE
    if not country_path.exists():
        raise RuleDataError(f"{COUNTRY_FILE}: missing from {data_dir}")
    raw_countries = country_path.read_bytes()
    digest.update(raw_countries)
    try:
        cfile = CountryFile.model_validate(_read_yaml(country_path))
    except ValidationError as exc:
        raise RuleDataError(f"{COUNTRY_FILE}: {_format_validation(exc)}") from None
    countries = dict(cfile.countries)
    groups: dict[str, dict[str, tuple[_Membership, ...]]] = {}
    for gname, gmodel in cfile.groups.items():
        per_country: dict[str, list[_Membership]] = {}
        for m in gmodel.members:
            if m.country not in countries:
                raise _err(COUNTRY_FILE, f"groups.{gname}", f"unknown country code {m.country!r}")
            citation: CitationModel = m.citation or gmodel.citation
            per_country.setdefault(m.country, []).append(
                _Membership(start=m.start, end=m.end, value=True, citation=Citation.of(citation),
                            verification=m.verification)
            )
        for cc, spans in per_country.items():
            _check_periods(COUNTRY_FILE, f"groups.{gname}.{cc}", "membership", [(s.start, s.end) for s in spans],
                           gaps=False)
        groups[gname] = {cc: tuple(sorted(sp, key=lambda s: s.start)) for cc, sp in per_country.items()}
    treated_as: dict[str, tuple[str, _Value]] = {}
    for cc, t in cfile.treated_as.items():
        if cc not in countries or t.country not in countries:
            raise _err(COUNTRY_FILE, f"treated_as.{cc}", "unknown country code")
        treated_as[cc] = (
            t.country,
            _Value(start=t.start, end=t.end, value=t.country, citation=Citation.of(t.citation),
                   verification=t.verification),
        )

    parameters: dict[str, _Parameter] = {}
    raw_values: dict[str, tuple[str, list[Any]]] = {}
    for path in sorted(data_dir.glob("*.yaml")):
        if path.name == COUNTRY_FILE:
            continue
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
        doc = _read_yaml(path)
        if doc is None:
            continue
        try:
            pfile = ParameterFile.model_validate(doc)
        except ValidationError as exc:
            raise RuleDataError(f"{path.name}: {_format_validation(exc)}") from None
        for key, model in pfile.parameters.items():
            if key in parameters:
                raise _err(path.name, key, f"defined twice (also in {parameters[key].file})")
            parameters[key] = _build_parameter(path.name, key, model)
            raw_values[key] = (path.name, [v.value for v in model.values])
    group_set = set(groups)
    for key, (file, values) in raw_values.items():
        for value in values:
            if isinstance(value, dict) and set(value) == {"ref"}:
                target = value["ref"]
                if target not in parameters:
                    raise _err(file, key, f"refers to missing parameter {target!r}")
            _check_country_value(file, key, value, countries, group_set)
    if REGIME_START_KEY not in parameters:
        raise RuleDataError(f"the rule data must define {REGIME_START_KEY!r}")
    return RuleSet(
        parameters=parameters,
        countries=countries,
        treated_as=treated_as,
        groups=groups,
        group_descriptions={g: m.description for g, m in cfile.groups.items()},
        digest=digest.hexdigest(),
    )
