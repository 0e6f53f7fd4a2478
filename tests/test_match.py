"""The linker (eduwb.match.link) on small inline tables: exact keys, blocks, scores, ties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eduwb.match import Comparison, link, name_similarity, similarities


def frame(rows: list[tuple], columns: list[str], start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, index=range(start, start + len(rows)))


COLS = ["moet", "name", "dob", "block"]
NAME_DOB = [Comparison("name", "name", 4.0), Comparison("dob", "date", 3.0)]


def pairs(linkage) -> set[tuple]:
    return {(int(a), int(b)) for a, b in zip(linkage.links["left"], linkage.links["right"],
                                              strict=True)}


def test_exact_key_links_unique_values_only() -> None:
    left = frame([("7001", "an", "2015-01-01", 1), ("7002", "binh", "2015-02-02", 1),
                  ("7002", "binh b", "2015-02-02", 1), (None, "chi", "2015-03-03", 1)], COLS)
    right = frame([("7002", "binh", "2015-02-02", 1), ("7001", "an", "2015-01-01", 1),
                   (None, "chi", "2015-03-03", 1)], COLS, start=10)
    got = link(left, right, exact=[["moet"]], exact_names=["moet_id"])
    # 7002 is twice on the left: not linked by the key; missing keys never link.
    assert pairs(got) == {(0, 11)}
    assert got.links["method"].tolist() == ["moet_id"]
    assert got.stats == {"moet_id": 1}


def test_exact_passes_run_in_order_and_a_linked_record_is_not_linked_again() -> None:
    left = frame([("7001", "an", "2015-01-01", 1), ("7009", "binh", "2015-02-02", 1)], COLS)
    right = frame([("7001", "an x", "2015-05-05", 1), ("7008", "binh", "2015-02-02", 1)], COLS,
                  start=10)
    got = link(left, right, exact=[["moet"], ["name", "dob"]], exact_names=["moet", "name_dob"])
    assert pairs(got) == {(0, 10), (1, 11)}
    assert dict(zip(got.links["left"], got.links["method"], strict=True)) == {0: "moet",
                                                                               1: "name_dob"}


def test_integer_keys_give_the_same_pairs_as_object_keys() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 40, 60)
    b = rng.integers(0, 40, 50)
    as_int = link(pd.DataFrame({"k": pd.array(a, dtype="Int64")}),
                  pd.DataFrame({"k": pd.array(b, dtype="Int64")}), exact=[["k"]])
    as_text = link(pd.DataFrame({"k": [str(x) for x in a]}),
                   pd.DataFrame({"k": [str(x) for x in b]}), exact=[["k"]])
    assert pairs(as_int) == pairs(as_text)


def test_fuzzy_links_a_misspelt_name_inside_its_block() -> None:
    left = frame([(None, "nguyen van an", "2015-01-01", 1), (None, "tran thi binh", "2015-02-02", 2)],
                 COLS)
    right = frame([(None, "tran thi bihn", "2015-02-02", 2), (None, "nguyen vn an", "2015-01-01", 1)],
                  COLS, start=10)
    got = link(left, right, blocks=[["block"]], comparisons=NAME_DOB, threshold=0.8)
    assert pairs(got) == {(0, 11), (1, 10)}
    assert set(got.links["method"]) == {"fuzzy"}
    assert (got.links["score"] >= 0.8).all() and (got.links["score"] < 1).all()


def test_records_in_different_blocks_are_never_compared() -> None:
    left = frame([(None, "nguyen van an", "2015-01-01", 1)], COLS)
    right = frame([(None, "nguyen van an", "2015-01-01", 2)], COLS, start=10)
    got = link(left, right, blocks=[["block"]], comparisons=NAME_DOB)
    assert got.links.empty


def test_a_near_tie_is_reported_as_ambiguous_not_guessed() -> None:
    left = frame([(None, "le van tuan", "2015-01-01", 1)], COLS)
    right = frame([(None, "le van tuan", "2015-01-01", 1), (None, "le van tuan", "2015-01-01", 1)],
                  COLS, start=10)
    got = link(left, right, blocks=[["block"]], comparisons=NAME_DOB)
    assert got.links.empty
    assert got.ambiguous_left == (0,)


def test_below_threshold_is_not_linked() -> None:
    left = frame([(None, "nguyen van an", "2015-01-01", 1)], COLS)
    right = frame([(None, "pham thi cuc", "2012-07-09", 1)], COLS, start=10)
    assert link(left, right, blocks=[["block"]], comparisons=NAME_DOB).links.empty


def test_a_crowded_block_is_not_scored_and_its_records_are_ambiguous() -> None:
    n = 60
    left = frame([(None, f"hoc sinh {i}", "2015-01-01", 1) for i in range(n)], COLS)
    right = frame([(None, f"hoc sinh {i}", "2015-01-01", 1) for i in range(n)], COLS, start=1000)
    got = link(left, right, blocks=[["block"]], comparisons=NAME_DOB, max_block_pairs=n * n - 1)
    assert got.links.empty
    assert len(got.ambiguous_left) == n and len(got.ambiguous_right) == n
    scored = link(left, right, blocks=[["block"]], comparisons=NAME_DOB, max_block_pairs=n * n)
    assert len(scored.links) == n


@pytest.mark.parametrize(("a", "b", "want"), [
    ("2015-01-02", "2015-01-02", 1.0),
    ("2015-01-02", "2015-02-01", 0.5),  # day and month swapped
    ("2015-01-02", "2015-01-03", 0.5),  # one digit off
    ("2015-01-02", "2016-03-04", 0.0),
])
def test_date_similarity(a: str, b: str, want: float) -> None:
    got = similarities(Comparison("d", "date"), np.array([a], dtype=object),
                       np.array([b], dtype=object))
    assert got.tolist() == [want]


def test_missing_values_score_the_comparisons_missing_weight() -> None:
    comp = Comparison("x", "exact", missing=0.25)
    got = similarities(comp, np.array([None, "a", "a"], dtype=object),
                       np.array(["a", None, "a"], dtype=object))
    assert got.tolist() == [0.25, 0.25, 1.0]


def test_unknown_comparison_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown comparison kind"):
        similarities(Comparison("x", "soundex"), np.array(["a"], dtype=object),
                     np.array(["a"], dtype=object))


def test_jaro_is_the_scalar_jaro_winkler() -> None:
    from rapidfuzz.distance import JaroWinkler

    a = np.array(["nguyen", "tran", "le"], dtype=object)
    b = np.array(["nguyn", "tram", "lee"], dtype=object)
    got = similarities(Comparison("x", "jaro"), a, b)
    assert got.tolist() == [JaroWinkler.normalized_similarity(x, y) for x, y in zip(a, b,
                                                                                    strict=True)]


def test_name_similarity_weights_the_given_name_and_ignores_order() -> None:
    assert name_similarity("Nguyễn Văn An", "nguyen van an") == 1.0
    assert name_similarity("Nguyễn Văn An", "An Nguyễn Văn") >= 0.95  # given name first
    # The given name weighs most: a different given name costs more than a different family name.
    assert name_similarity("Nguyễn Văn An", "Nguyễn Văn Bình") < name_similarity(
        "Nguyễn Văn An", "Trần Văn An")
