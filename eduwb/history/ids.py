"""Finding kinds and stable finding ids (spec/history.md "Finding identity and state").

A finding's id is a hash of what the finding is about, never of its values or of the row order:
kind, year, period, school code, system, entity, category (or rule), field and the record's identity
(the MOET code if known, else the system's own code; a class by its name; a school-level finding by
its field, which names the list kind). The same unfixed problem keeps its id from run to run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eduwb import vocab

CHECK_COLUMNS = vocab.CHECK_COLUMNS  # checks.csv of spec/checks.md
# The columns the history adds at the end of discrepancies.csv and checks.csv.
HISTORY_COLUMNS: tuple[str, ...] = ("finding_id", "state", "first_seen")
ID_LENGTH = 16  # hex digits of SHA-1: 64 bits, no collision expected below billions of findings


def _missing_side(frame: pd.DataFrame) -> pd.Series:
    """Discrepancies: the system a ``school_missing`` row is about (its value is the empty one);
    every other category names its system already (or concerns both)."""
    side = np.where(frame["vnedu_value"].fillna("") == "", "vnedu", "csdl")
    return pd.Series(np.where(frame["category"] == "school_missing", side, ""), index=frame.index,
                     dtype=object)


def _system_column(frame: pd.DataFrame) -> pd.Series:
    return frame["system"]


@dataclass(frozen=True)
class FindingKind:
    """A kind of finding the history keeps: its file's columns and what identifies one finding.

    ``category``: the column holding the category (discrepancies) or the rule id (checks);
    ``system``: the system a finding is about, from the frame; ``record``: the record identity
    columns, the first non-empty one wins.
    """

    name: str
    columns: tuple[str, ...]
    category: str
    system: Callable[[pd.DataFrame], pd.Series]
    record: tuple[str, ...]


KINDS: dict[str, FindingKind] = {k.name: k for k in (
    # full_name holds the class name of a class finding; facility and school findings have none.
    FindingKind("discrepancies", vocab.DISCREPANCY_COLUMNS, "category", _missing_side,
                ("moet_id", "vnedu_id", "full_name")),
    # record_key: vnEdu's own code in vnEdu, the MOET code in CSDL, the class name; empty for a school.
    FindingKind("checks", CHECK_COLUMNS, "rule", _system_column, ("moet_id", "record_key")),
)}


def kind_of(name: str) -> FindingKind:
    """The kind called ``name`` (``discrepancies`` or ``checks``)."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown finding kind {name!r}; known: {', '.join(KINDS)}") from None


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str)


def identity(kind: FindingKind, frame: pd.DataFrame) -> pd.Series:
    """Each row's identity as one text (fields joined by U+001F), before collisions are split."""
    record = pd.Series("", index=frame.index, dtype=object)
    for column in reversed(kind.record):  # the first non-empty column wins
        value = _text(frame, column)
        record = value.where(value != "", record)
    system = kind.system(frame) if len(frame) else pd.Series("", index=frame.index, dtype=object)
    parts = [pd.Series(kind.name, index=frame.index, dtype=object),
             _text(frame, "year"), _text(frame, "period"), _text(frame, "school_code"),
             system.astype(object).where(system.notna(), "").astype(str), _text(frame, "entity"),
             _text(frame, kind.category), _text(frame, "field"), record]
    out = parts[0]
    for part in parts[1:]:
        out = out + "\x1f" + part
    return out


def finding_ids(kind: str | FindingKind, frame: pd.DataFrame) -> pd.Series:
    """The stable id of every finding of ``frame`` (unique within the frame).

    Rows that share an identity (two duplicate records with the same MOET code, say) are told apart
    by the vnEdu code and the name, then by their rank among the identical ones in the order of all
    the kind's columns, so the ids never depend on the order of the rows.
    """
    kind = kind if isinstance(kind, FindingKind) else kind_of(kind)
    if frame.empty:
        return pd.Series([], index=frame.index, dtype=object, name="finding_id")
    key = identity(kind, frame)
    clash = key.duplicated(keep=False)
    if clash.any():
        key = key.where(~clash, key + "\x1f" + _text(frame, "vnedu_id") + "\x1f"
                        + _text(frame, "full_name"))
        clash = key.duplicated(keep=False)
    if clash.any():
        rows = frame.loc[clash, [c for c in kind.columns if c in frame]].astype(object)
        rows = rows.where(rows.notna(), "").astype(str).assign(_key=key[clash])
        rows = rows.sort_values(["_key", *rows.columns.drop("_key")], kind="stable")
        rank = rows.groupby("_key", sort=False).cumcount().astype(str)
        key.loc[rank.index] = rows["_key"] + "\x1f#" + rank
    ids = [hashlib.sha1(k.encode("utf-8")).hexdigest()[:ID_LENGTH] for k in key]
    return pd.Series(ids, index=frame.index, dtype=object, name="finding_id")


def with_ids(kind: str | FindingKind, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in the kind's columns with ``finding_id`` added at the end."""
    kind = kind if isinstance(kind, FindingKind) else kind_of(kind)
    missing = [c for c in kind.columns if c not in frame]
    if missing:
        raise ValueError(f"{kind.name}: the frame lacks the columns {', '.join(missing)}")
    out = frame[list(kind.columns)].reset_index(drop=True)
    return out.assign(finding_id=finding_ids(kind, out))
