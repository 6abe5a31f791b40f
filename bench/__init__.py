"""Benchmarks (`make bench`); results go to bench/RESULTS.md."""
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in ["layers/common"] + [f"functions/{name}" for name in (
        "auth", "video", "like", "comment", "transcode", "on_transcoded")]:
    if str(_ROOT / _path) not in sys.path:
        sys.path.insert(0, str(_ROOT / _path))
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))
