"""Data-entry checks inside one system at a time (checks.md): what was entered wrongly or left out.

The cross-system comparison cannot see an error both systems share, and a school checks its vnEdu
data before it syncs, often with no CSDL export at all. These checks read one system's records of a
period (vnEdu and CSDL each on its own), like DHIS2's validation rules and the WHO data-quality
review: completeness, internal consistency, consistency over time and against peers.

:data:`CATALOGUE` (:mod:`.rules`) is the rule table (id, entity, severity, periods, what it
needs, a vectorised test, Vietnamese message and action). A rule is applied to a school of a system
only where the system exported the lists it needs for that school and every such export carries the
fields it reads; elsewhere it is not applied, and :attr:`Checks.skipped` says why (never a finding,
never an error). "Present" is as in inputs.md 3.5: a pupil is present unless the status is a
Chuyển đi or Thôi học value (a blank status is not a leaving status). A value rejected on load is
blank.

``hs_mat_khong_ro_ly_do`` and ``bat_thuong_si_so_thay_doi`` read the previous period of the same
school year: :func:`previous_pupils` (:mod:`.previous`) loads it once and keeps a small summary
(present pupils' keys and counts per school), in memory and, given a cache folder, on disk under a
fingerprint of that period's inputs. :mod:`.records` prepares one system's records; :mod:`.run`
applies the catalogue and holds the result (:class:`Checks`).
"""


from eduwb.checks.previous import PreviousPupils, previous_pupils, remember, summarise
from eduwb.checks.rules import (
    BY_ID,
    CATALOGUE,
    CLASSROOM_ITEMS,
    PREVIOUS_PERIOD,
    RULE_IDS,
    SEVERITIES,
    SEVERITY_LABELS,
    Rule,
    for_period,
    levels_for,
    modified_z,
    tt27_grades,
)
from eduwb.checks.run import CHECK_COLUMNS, FINDING_COLUMNS, SKIPPED_COLUMNS, Checks, run_checks

__all__ = [
    "BY_ID", "CATALOGUE", "CHECK_COLUMNS", "CLASSROOM_ITEMS", "FINDING_COLUMNS", "PREVIOUS_PERIOD",
    "RULE_IDS", "SEVERITIES", "SEVERITY_LABELS", "SKIPPED_COLUMNS", "Checks", "PreviousPupils",
    "Rule", "for_period", "levels_for", "modified_z", "previous_pupils", "remember",
    "run_checks", "summarise", "tt27_grades",
]
