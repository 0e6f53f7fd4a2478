"""The province sample the benchmarks and the scores run on (``data/province``, git-ignored):
generated once by the ``eduwb sample`` command, in its own process so that no measurement carries
the generator's memory, when the folder holds no data yet (a folder with a registry is used as
it is: real exports are never overwritten)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = ROOT / "data" / "province"


def province_sample(data: Path = PROVINCE) -> Path:
    """``data``, holding the province-size sample (generated when it has no registry yet)."""
    if not (data / "danh_muc" / "truong.xlsx").exists():
        print(f"generating {data} (eduwb sample --size province) ...", flush=True)
        eduwb = Path(sys.executable).parent / "eduwb"
        subprocess.run([str(eduwb), "sample", str(data), "--size", "province"], check=True,
                       stdout=subprocess.DEVNULL)
    return data
