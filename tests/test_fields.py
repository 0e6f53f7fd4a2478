"""The field catalogue (eduwb.fields) and the tables built on it: nothing drifts apart.

explained = diff holds only when every field that places a record in an indicator cell is compared
(DESIGN.md); these tests make that, and the other cross-references between catalogues, a check.
"""

from __future__ import annotations

import pytest

from eduwb import fields, indicators, schemas, text, vocab
from eduwb.checks import rules
from eduwb.read.header import alias_map
from eduwb.views import forms

KINDS = vocab.LIST_KINDS


@pytest.mark.parametrize("ind", indicators.CATALOGUE, ids=lambda i: i.id)
def test_every_indicator_needs_only_fields_that_are_carried_and_compared(ind) -> None:
    """A field an indicator reads is compared between linked records, or is the link key itself
    (a class's name, a facility item): then every gap is explained by findings."""
    assert set(ind.needs) <= set(fields.canonical(ind.kind))
    keys = set(fields.identity(ind.kind)) if ind.kind not in fields.PEOPLE else set()
    assert set(ind.needs) - keys <= set(fields.compared(ind.kind)), ind.id
    if ind.weight:
        assert ind.weight in fields.compared(ind.kind)


def test_every_breakdown_level_names_an_indicator() -> None:
    assert set(indicators.LEVELS) <= set(indicators.BY_ID)
    for ind in indicators.CATALOGUE:
        assert set(ind.dims) <= {*indicators.DIMENSIONS, "level"}
        if "level" in ind.dims:
            assert ind.id in indicators.LEVELS


def test_every_form_line_names_a_known_indicator_and_cell() -> None:
    for col in forms.DISTRICT_COLUMNS:
        assert col.indicator in indicators.BY_ID
        assert col.breakdown in indicators.cells(indicators.BY_ID[col.indicator])
    for row in forms.SCHOOL_ROWS:
        assert row.indicator in indicators.BY_ID
        assert row.base in indicators.cells(indicators.BY_ID[row.indicator])


@pytest.mark.parametrize("rule", rules.CATALOGUE, ids=lambda r: r.id)
def test_every_check_rule_reads_fields_that_exist(rule) -> None:
    for kind, needed in (*rule.needs, *rule.optional):
        assert kind in KINDS
        unknown = set(needed) - set(fields.fields_of(kind)) - {"record_key"}
        assert not unknown, f"{rule.id}: {sorted(unknown)} are not fields of {kind}"


@pytest.mark.parametrize("kind", KINDS)
def test_canonical_tables_are_the_catalogues(kind: str) -> None:
    assert schemas.columns(kind) == (*schemas.PROVENANCE, *fields.canonical(kind))
    for name in fields.canonical(kind):
        assert fields.parser(name) is not None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("system", vocab.SYSTEMS)
def test_a_header_means_one_field_in_a_list_kind(kind: str, system: str) -> None:
    """Within one list kind and system no header (as compared: case, accents, spaces folded)
    names two fields, except the system's own meaning of "Mã học sinh" / "Mã cán bộ"."""
    seen: dict[str, str] = {}
    for name in fields.fields_of(kind):
        for label in fields.aliases(name, kind):
            key = text.header_key(label)
            assert seen.setdefault(key, name) == name, f"{label!r}: {seen[key]} and {name}"
    amap = alias_map(kind, system)
    for name in fields.fields_of(kind):
        for label in fields.system_aliases(name, kind, system):
            assert amap[text.header_key(label)] == name


def test_the_own_code_header_depends_on_the_system() -> None:
    key = text.header_key("Mã học sinh")
    assert alias_map("students", "vnedu")[key] == "vnedu_id"
    assert alias_map("students", "csdl")[key] == "moet_id"


def test_personal_id_numbers_are_identifiers_and_masked() -> None:
    identifiers = [f.name for f in fields.CATALOGUE if f.personal == "identifier"]
    assert identifiers == ["personal_id"]
    assert fields.mask_identifier("001089000837") == "********0837"
    assert fields.mask_identifier("0837") == "****"
    assert fields.mask_identifiers_in("CCCD 001 089 000 837, mã 7012345678") == (
        "CCCD ********0837, mã 7012345678")  # a MOET code (10 digits) is not personal data


def test_sensitive_fields_are_the_ones_the_law_names() -> None:
    assert {f.name for f in fields.CATALOGUE if f.personal == "sensitive"} == {
        "ethnicity", "disability"}


def test_a_field_is_refused_with_an_unknown_class_or_kind() -> None:
    with pytest.raises(ValueError, match="dtype"):
        fields.Field("x", ("students",), "x", str, dtype="number")
    with pytest.raises(ValueError, match="kinds"):
        fields.Field("x", ("students",), "x", str, compared=("staff",))


def test_every_field_has_a_vietnamese_label() -> None:
    for f in fields.CATALOGUE:
        assert f.label and f.label != f.name, f.name
