"""Headings → snapshot entries: ids, names, aliases, domains, countries, provenance."""

from __future__ import annotations

from collections import Counter

from .text import aliases_and_domains, country_name, domains_in, key, owns, without_parens


def entries(online, physical, warnings: list[str]) -> list[dict]:
    """Entries for the online and physical headings (``parse.Heading``); duplicate ids are
    warned about and dropped."""
    entries: list[dict] = []
    domains = []
    for head in online:
        aliases, own = aliases_and_domains(head.name)
        prose = domains_in(" ".join(head.prose))
        domains.append((aliases, own, [d for d in prose if d not in own]))
    # a domain named in several entries' prose ("sites such as thepiratebay.org") belongs
    # only to the entry whose heading it spells, or to none
    shared = Counter(d for _, _, prose in domains for d in set(prose))
    ids: dict[str, dict] = {}
    for head, (aliases, own, prose) in zip(online, domains, strict=True):
        urls = own + [d for d in prose if shared[d] == 1 or owns(head.name, d)]
        entry = {"id": "online/" + key(without_parens(head.name)), "name": head.name,
                 "category": "online", "country": None, "aliases": aliases,
                 "urls": urls, "attributes": {},
                 "provenance": _provenance(head.page, "online")}
        if entry["id"] in ids:
            warnings.append(f"online market \u201c{head.name}\u201d is headed twice")
            continue
        ids[entry["id"]] = entry
        entries.append(entry)
    groups: dict[str, list[tuple[object, dict]]] = {}
    for head in physical:
        country = country_name(head.country) if head.country else None
        market = without_parens(head.name).split(",", 1)[0]
        aliases, _ = aliases_and_domains(head.name)
        entry = {"id": f"physical/{key(country or 'unknown')}/{key(market)}", "name": head.name,
                 "category": "physical", "country": country, "aliases": aliases, "urls": [],
                 "attributes": {}, "provenance": _provenance(head.page, "physical")}
        groups.setdefault(entry["id"], []).append((head, entry))
    for group in groups.values():
        if len(group) > 1:      # two markets of one name in one country: use the whole heading
            for head, entry in group:
                base = entry["id"].rsplit("/", 1)[0]
                entry["id"] = f"{base}/{key(without_parens(head.name))}"
        for head, entry in group:
            if entry["id"] in ids:
                warnings.append(f"physical market \u201c{head.name}\u201d is headed twice")
                continue
            ids[entry["id"]] = entry
            entries.append(entry)
    return entries


def _provenance(page: int | None, section: str) -> dict:
    return {"page": page, "section": section} if page else {"section": section}
