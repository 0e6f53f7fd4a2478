"""The Vietnamese texts (eduwb.texts) cover every category and rule, and every template is filled."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from eduwb import texts, vocab
from eduwb.checks import CATALOGUE
from eduwb.pipeline import reconcile

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_category_and_rule_has_its_texts() -> None:
    assert set(texts.CATEGORIES) == set(vocab.CATEGORIES)
    assert set(texts.RULES) == {r.id for r in CATALOGUE}
    assert set(texts.FIX_IN) == set(vocab.SYSTEMS)
    assert set(texts.NOUNS) == set(vocab.LIST_KINDS)
    for rule in CATALOGUE:
        assert rule.severity in texts.SEVERITY_LABELS
        assert rule.title and rule.message and rule.action


def test_templates_use_only_the_values_the_code_gives() -> None:
    given = {"noun", "field", "n", "moet_id", "code", "old_codes"}
    for category in texts.CATEGORIES.values():
        for template in (category.action, *category.cases.values(), *category.notes.values()):
            assert placeholders(template) <= given, template
    for system, template in texts.FIX_IN.items():
        assert placeholders(template) == {"what"}, system


@pytest.mark.parametrize("period", vocab.PERIODS)
def test_no_template_is_left_unfilled_in_the_outputs(period: str) -> None:
    result = reconcile(SAMPLE, "2021-2022", period)
    shown = [*result.discrepancies["action"], *result.checks.frame["message"],
             *result.checks.frame["action"]]
    assert shown and not [s for s in shown if "{" in s or "}" in s]
