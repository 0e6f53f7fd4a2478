"""Canonical table columns at module boundaries (the contract between read, normalise and match).

Every canonical table carries its provenance (``system``, ``file``, ``sheet``, ``row``: the Excel row a
person sees) and the school twice: ``file_school_code`` as the export names it and ``school_code``, the
school's current code through the registry's code history.

Value conventions (all text NFC, canonical spellings of :mod:`eduwb.vocab`):

- missing or not carried by the export: NaN/``NA``/``None`` by dtype, never 0 and never "";
  text columns have dtype ``str``, counts ``Int64``, flags ``boolean``, dates ``object``;
- ``dob``, ``status_date``: ``datetime.date``;
- ``sex``: ``"F"``/``"M"``; ``grade``: int 1-5; ``class_name``: canonical (``1A``, ``1/1``, ``5A1``);
- flags (``two_sessions``, ``boarding``, ``repeater``, ``new_entrant``, ``completed_primary``,
  ``multi_grade``): bool, or NA when the export has no such column;
- ``disability``: ``"khong"``, ``"co"`` or a type code ``"01"``-``"06"``;
- ``evaluation``: ``htxs``/``htt``/``ht``/``cht``; ``staff_group``: ``cbql``/``gv``/``nv``;
- ``status``, ``staff_status``, ``ethnicity``, ``position``, ``subject``, ``qualification``,
  ``contract``: the canonical Vietnamese label of the vocabulary.
"""

from __future__ import annotations

import functools
import os

from eduwb import fields, vocab

PROVENANCE: tuple[str, ...] = ("system", "file", "sheet", "row", "file_school_code", "school_code")

# The canonical fields of each list kind, in order: from the field catalogue (eduwb.fields).
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {kind: fields.canonical(kind) for kind in vocab.LIST_KINDS}


def columns(kind: str) -> tuple[str, ...]:
    """All columns of the canonical table of a list kind, in order."""
    return PROVENANCE + FIELDS_BY_KIND[kind]


# --- checks at the boundary (pandera) ---------------------------------------------------------------


@functools.cache
def _schema(kind: str):
    """The pandera schema of a canonical table: every value in its vocabulary or missing."""
    import pandera.pandas as pa

    def isin(values) -> pa.Column:
        return pa.Column(nullable=True, checks=pa.Check.isin(list(values)), coerce=False)

    def text(pattern: str | None = None) -> pa.Column:
        checks = [pa.Check.str_matches(pattern)] if pattern else []
        return pa.Column(nullable=True, checks=checks)

    common = {
        "system": pa.Column(checks=pa.Check.isin(list(vocab.SYSTEMS))),
        "file": pa.Column(),
        "sheet": pa.Column(nullable=True),
        "row": pa.Column(checks=pa.Check.ge(1)),
        "file_school_code": text(r"^\d{8}$"),
        "school_code": text(r"^\d{8}$"),
    }
    people = {
        "moet_id": text(r"^\d{10}$"),
        "personal_id": text(r"^\d{12}$"),
        "full_name": text(),
        "sex": isin(vocab.SEXES),
        "ethnicity": isin(vocab.ETHNIC_GROUPS),
    }
    by_kind = {
        "students": {
            **people,
            "grade": pa.Column(nullable=True, checks=pa.Check.in_range(1, 5)),
            "class_name": text(r"^[1-5]"),
            "status": isin(vocab.STUDENT_STATUSES),
            "disability": isin([vocab.DISABILITY_NONE, vocab.DISABILITY_YES,
                                *vocab.DISABILITY_TYPES]),
            "evaluation": isin(vocab.EVALUATIONS),
        },
        "staff": {
            **people,
            "staff_group": isin(vocab.STAFF_GROUPS),
            "qualification": isin(vocab.QUALIFICATIONS),
            "contract": isin(vocab.CONTRACTS),
            "staff_status": isin(vocab.STAFF_STATUSES),
        },
        "classes": {
            "class_name": text(r"^[1-5]"),
            "grade": pa.Column(nullable=True, checks=pa.Check.in_range(1, 5)),
            "declared_size": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        },
        "facilities": {
            "item": isin(vocab.FACILITY_ITEMS),
            "count": pa.Column(nullable=True, checks=pa.Check.ge(0)),
        },
    }
    return pa.DataFrameSchema({**common, **by_kind[kind]}, strict=False, ordered=False)


VALIDATE_ENV = "EDUWB_VALIDATE"  # "1": the loader validates every canonical table (the tests do)


def validating() -> bool:
    """Whether the loader validates its tables with pandera (``$EDUWB_VALIDATE=1``). Off by
    default: a failure is a bug in normalisation, not bad input, and importing pandera costs more
    than half a second of every run; the test suite turns it on."""
    return os.environ.get(VALIDATE_ENV, "") == "1"


def check(kind: str, frame):
    """Validate a canonical table; raises ``pandera.errors.SchemaErrors`` listing every failure
    (column, check, value, row) at once. A failure here is a bug in normalisation, not bad input:
    bad input is rejected with its reason before it reaches a canonical table."""
    missing = [c for c in columns(kind) if c not in frame.columns]
    if missing:
        raise ValueError(f"canonical {kind} table lacks columns: {', '.join(missing)}")
    return _schema(kind).validate(frame, lazy=True)
