"""The history store and progress between runs (spec/history.md).

Every ``eduwb reconcile`` (and ``eduwb check``) run is recorded in one DuckDB file: its scope,
``as_of`` (the latest export date of its files), an input fingerprint, its findings and its
indicators. From it: each finding's stable id, ``state`` (new / open) and ``first_seen``; progress
run by run; what changed in the last run; and the units whose vnEdu figures changed after they
signed. Modules: :mod:`.ids` (finding kinds and ids), :mod:`.db` (the store and its schema),
:mod:`.record` (recording a run), :mod:`.series` (runs read back, state and first_seen),
:mod:`.progress` (the tables and the summary).
"""

from eduwb.history.db import HistoryError, default_path
from eduwb.history.ids import CHECK_COLUMNS, HISTORY_COLUMNS, KINDS, finding_ids
from eduwb.history.progress import (
    AFTER_SIGNOFF_COLUMNS,
    CHANGE_COLUMNS,
    PROGRESS_COLUMNS,
    ProgressReport,
    after_signoff_table,
    changes_table,
    overview,
    progress_report,
    progress_table,
)
from eduwb.history.record import (
    Recorded,
    as_of,
    record_period,
    record_reconciliation,
    record_run,
    unrecorded,
)
from eduwb.history.series import Series, current_states, read_series

__all__ = [
    "AFTER_SIGNOFF_COLUMNS",
    "CHANGE_COLUMNS",
    "CHECK_COLUMNS",
    "HISTORY_COLUMNS",
    "KINDS",
    "PROGRESS_COLUMNS",
    "HistoryError",
    "ProgressReport",
    "Recorded",
    "Series",
    "after_signoff_table",
    "as_of",
    "changes_table",
    "current_states",
    "default_path",
    "finding_ids",
    "overview",
    "progress_report",
    "progress_table",
    "read_series",
    "record_period",
    "record_reconciliation",
    "record_run",
    "unrecorded",
]
