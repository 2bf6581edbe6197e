"""The default ``train`` recipe on tiny Shakespeare for 60 s: validation loss over wall time.

    python bench/time_to_quality.py [--corpus PATH] [--seconds 60] [-- extra train flags]

Runs the real CLI (``python -m rnnlab train``) and prints its history. Target: <= 1.55 nats/char.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "tinyshakespeare.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("extra", nargs="*", help="more flags for `rnnlab train` (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "rnnlab", "train", str(args.corpus), "--out", out]
        command += ["--seconds", str(args.seconds), "--quiet", *args.extra]
        print("$", " ".join(command[1:]))
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True)
        wall = time.perf_counter() - started
        with open(Path(out) / "history.csv") as file:
            rows = list(csv.DictReader(file))
        metrics = json.loads((Path(out) / "metrics.json").read_text())
    print(f"{'step':>6} {'seconds':>8} {'train':>7} {'val':>7}")
    for row in rows:
        seconds, train, val = (float(row[name]) for name in ("seconds", "train_loss", "val_loss"))
        print(f"{row['step']:>6} {seconds:8.1f} {train:7.3f} {val:7.3f}")
    verdict = "meets" if metrics["val_loss"] <= 1.55 else "misses"
    print(
        f"final val loss {metrics['val_loss']:.4f} nats/char ({metrics['val_bits_per_char']:.3f} bits/char) "
        f"after {metrics['seconds']:.1f} s of training, {metrics['chars_per_second']:,.0f} chars/s, "
        f"{wall:.1f} s wall in all: {verdict} the 1.55 target"
    )


if __name__ == "__main__":
    main()
