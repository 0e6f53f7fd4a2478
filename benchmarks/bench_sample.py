"""Province-size sample generation: wall time, files and rows written."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from eduwb.sample import generate


def main() -> int:
    size = sys.argv[1] if len(sys.argv) > 1 else "province"
    with tempfile.TemporaryDirectory() as tmp:
        s = generate(Path(tmp) / "data", size=size)
        mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 1e6
    print(f"sample {size}: {s.seconds:.1f} s, {s.schools} schools, {s.pupils} pupils, "
          f"{s.staff} staff, {s.files} files {s.files_by_format}, {s.rows_written} data rows, "
          f"{mb:.0f} MB")
    print(f"truth rows by category: {s.faults_by_category}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
