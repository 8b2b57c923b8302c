"""Cross-references inside a package that need the rule data: country codes known (normalised to upper
case), line destinations and end users naming the package's own, every destination with an end user."""

from __future__ import annotations

from exportgate.errors import InputError
from exportgate.packages.model import END_USER_ROLES, LAYER_KEYS, Line, Package
from exportgate.rules import RuleSet


def reference_errors(pkg: Package, rules: RuleSet) -> tuple[list[InputError], Package]:
    """Country codes known (and normalised to upper case), line destinations/end users referring to the
    package, and every destination having at least one end user located there."""
    errors: list[InputError] = []

    def cc(value: str | None, path: str) -> str | None:
        if value is None:
            return None
        try:
            return rules.country_code(value, field=path)
        except InputError as exc:
            errors.append(exc)
            return value

    dests = [cc(d, f"destinations[{i}]") or d for i, d in enumerate(pkg.destinations)]
    if len(set(dests)) != len(dests):
        errors.append(InputError("destinations", "lists a country twice"))
    members = []
    for i, m in enumerate(pkg.consortium):
        members.append(
            m.model_copy(
                update={
                    "country": cc(m.country, f"consortium[{i}].country"),
                    "hq": cc(m.hq, f"consortium[{i}].hq"),
                    "ultimate_parent_hq": cc(m.ultimate_parent_hq, f"consortium[{i}].ultimate_parent_hq"),
                    "controlled_from": [
                        cc(c, f"consortium[{i}].controlled_from[{j}]") or c for j, c in enumerate(m.controlled_from)
                    ],
                }
            )
        )
        for j, key in enumerate(m.provides):
            if key not in LAYER_KEYS:
                errors.append(InputError(f"consortium[{i}].provides[{j}]", f"unknown layer {key!r}"))
    parties = []
    names: set[str] = set()
    for i, p in enumerate(pkg.parties):
        where = f"parties[{i}]"
        parent = p.ultimate_parent
        if parent is not None and parent.country is not None:
            parent = parent.model_copy(update={"country": cc(parent.country, f"{where}.ultimate_parent.country")})
        parent_hq = cc(p.ultimate_parent_hq, f"{where}.ultimate_parent_hq")
        if parent is not None and parent.country and parent_hq and parent.country != parent_hq:
            errors.append(InputError(f"{where}.ultimate_parent_hq", f"{parent_hq} disagrees with "
                                     f"ultimate_parent.country {parent.country}: give one"))
        owners = [o.model_copy(update={"country": cc(o.country, f"{where}.owners[{j}].country")})
                  for j, o in enumerate(p.owners)]
        if sum(o.share for o in p.owners) > 1 + 1e-9:
            errors.append(InputError(f"{where}.owners", "the owners' shares add up to more than 1 (100%)"))
        parties.append(
            p.model_copy(
                update={
                    "country": cc(p.country, f"{where}.country"),
                    "hq": cc(p.hq, f"{where}.hq"),
                    "ultimate_parent_hq": parent_hq,
                    "ultimate_parent": parent,
                    "owners": owners,
                }
            )
        )
        names.add(p.name.casefold())
    end_user_names = {p.name.casefold() for p in pkg.parties if p.role in END_USER_ROLES}
    layers_update: dict[str, list[Line]] = {}
    for key in LAYER_KEYS:
        new_lines = []
        for i, line in enumerate(pkg.layers.lines(key)):
            path = f"layers.{key}[{i}]"
            dest = cc(line.destination, f"{path}.destination")
            if dest is not None and dest not in dests:
                errors.append(InputError(f"{path}.destination", f"{dest} is not one of the package's destinations"))
            if line.end_user is not None and line.end_user.casefold() not in end_user_names:
                errors.append(
                    InputError(f"{path}.end_user", f"no end user or ultimate consignee named {line.end_user!r}")
                )
            errors.extend(_split_errors(line, path, end_user_names))
            new_lines.append(line.model_copy(update={"destination": dest}))
        layers_update[key] = new_lines
    for i, f in enumerate(pkg.facts):
        if f.party is not None and f.party.casefold() not in names | {m.name.casefold() for m in pkg.consortium}:
            errors.append(InputError(f"facts[{i}].party", f"no party or member named {f.party!r}"))
    for i, d in enumerate(dests):
        if not any(p.role in END_USER_ROLES and p.country == d for p in parties):
            errors.append(
                InputError(f"destinations[{i}]", f"no party with role end_user or ultimate_consignee is located in {d}")
            )
    fixed = pkg.model_copy(
        update={
            "destinations": dests,
            "consortium": members,
            "parties": parties,
            "layers": pkg.layers.model_copy(update=layers_update),
        }
    )
    return errors, fixed


def _split_errors(line: Line, path: str, end_user_names: set[str]) -> list[InputError]:
    """A split names end users of the package, each once, and adds up to the line's quantity."""
    if not line.split:
        return []
    errors: list[InputError] = []
    if line.end_user is not None:
        errors.append(InputError(f"{path}.split", "give either end_user or split, not both"))
    seen: set[str] = set()
    for j, part in enumerate(line.split):
        key = part.end_user.casefold()
        if key not in end_user_names:
            errors.append(InputError(f"{path}.split[{j}].end_user", f"no end user or ultimate consignee named "
                                     f"{part.end_user!r}"))
        if key in seen:
            errors.append(InputError(f"{path}.split[{j}].end_user", f"{part.end_user!r} is named twice"))
        seen.add(key)
    total = sum(part.quantity for part in line.split)
    if total != line.quantity:
        errors.append(InputError(f"{path}.split", f"the split adds up to {total} units, the line has {line.quantity}"))
    return errors
