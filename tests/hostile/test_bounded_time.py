"""Issue 10, item 3: a file of thousands of identical pupils is reconciled in bounded time, with the
findings of the pairwise rule it replaces."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eduwb.compare import split_groups
from eduwb.match import Comparison, link
from eduwb.pipeline import reconcile
from tests.hostile.sample_copy import PERIOD, STUDENTS_689015, YEAR, copy_sample, rewrite_rows, time_limit

IDENTICAL = 5_000


def test_thousands_of_identical_pupils_are_one_duplicate_group(tmp_path: Path) -> None:
    data = copy_sample(tmp_path / "DATA")
    rewrite_rows(data / STUDENTS_689015, lambda rows, head: [rows[0]] * IDENTICAL)
    with time_limit(60):  # ~1 s here; the pairwise rule took 72 s for 3,000 rows, 200 s for 5,000
        result = reconcile(data, YEAR, PERIOD, district="689")
    dup = result.findings[(result.findings["category"] == "duplicate_in_vnedu")
                          & (result.findings["school_code"] == "70689015")]
    assert len(dup) == IDENTICAL
    assert dup["action"].str.contains(f"{IDENTICAL} bản").all()
    ind = result.indicators
    both = ind["diff"].notna()
    assert (ind.loc[both, "diff"] == ind.loc[both, "explained"]).all()


def test_a_crowded_block_is_not_scored_pair_by_pair() -> None:
    # A school whose export gives every pupil one birth date: the date block holds n × n pairs;
    # the given-name block still links everyone.
    n = 3_000
    names = [f"Nguyễn Văn Tên{i:04d}" for i in range(n)]
    side = pd.DataFrame({"school": 1, "dob": "2015-01-01", "name": names,
                         "given": [x.split()[-1].lower() for x in names]})
    right = side.sample(frac=1.0, random_state=1).reset_index(drop=True)
    with time_limit(60):  # ~1 s here; scoring the 9 million pairs of the date block took a minute
        # and, every other pupil being a near tie, left them unlinked
        found = link(side, right, blocks=[["school", "dob"], ["school", "given"]],
                     comparisons=[Comparison("name", "name", 4.0), Comparison("dob", "date", 3.0)],
                     threshold=0.9)
    links = found.links
    assert len(links) == n
    assert (side.loc[links["left"], "name"].to_numpy()
            == right.loc[links["right"], "name"].to_numpy()).all()


def test_a_crowded_block_alone_leaves_its_records_ambiguous() -> None:
    n = 200
    left = pd.DataFrame({"school": 1, "dob": "2015-01-01", "name": "Lê Thị Hoa"},
                        index=range(n))
    right = left.copy()
    found = link(left, right, blocks=[["school", "dob"]],
                 comparisons=[Comparison("name", "name", 1.0)], threshold=0.5)
    assert found.links.empty
    assert len(found.ambiguous_left) == n and len(found.ambiguous_right) == n


def _pairwise(group: np.ndarray, codes: list, distinct: np.ndarray) -> set[frozenset[int]]:
    """The rule as it was: every pair of a group joined unless both have codes the other system
    holds and the codes differ; connected parts of size 2 or more."""
    parent = list(range(len(group)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in itertools.combinations(range(len(group)), 2):
        if group[a] != group[b]:
            continue
        if not (distinct[a] and distinct[b] and codes[a] != codes[b]):
            parent[find(a)] = find(b)
    parts: dict[int, set[int]] = {}
    for i in range(len(group)):
        parts.setdefault(find(i), set()).add(i)
    return {frozenset(p) for p in parts.values() if len(p) > 1}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([None, "a", "b", "c"]),
                          st.booleans()), max_size=14))
def test_split_groups_equals_the_pairwise_rule(records) -> None:
    group = np.array([g for g, _, _ in records], dtype=np.int64)
    codes = [c for _, c, _ in records]
    distinct = np.array([k and c is not None for _, c, k in records], dtype=bool)
    got = {frozenset(int(i) for i in idx)
           for idx in split_groups(group, np.array(codes, dtype=object), distinct)}
    assert got == _pairwise(group, codes, distinct)
