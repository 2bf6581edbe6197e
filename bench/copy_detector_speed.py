"""The copy detector on a large training text: plain search vs a CopyIndex, side by side (ms).

    python bench/copy_detector_speed.py [--corpus PATH] [--model PATH] [--texts 30]

On the Generate page every slider move gives a new sampled text, and the copy detector looks for
its longest verbatim piece in the model's training text (the training part of the corpus, about
1 MB for tiny Shakespeare). Texts are sampled from the model at temperatures 0.5-1.5; for each,
both ways are timed one after the other and must find the same copy. The index is built once
per text (its time is printed apart).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.percentile import percentile  # noqa: E402
from rnnlab.checkpoint import load_checkpoint  # noqa: E402
from rnnlab.corpus import read_text_file  # noqa: E402
from rnnlab.data import training_part  # noqa: E402
from rnnlab.detectors import CopyIndex, longest_copy  # noqa: E402
from rnnlab.generation import generate  # noqa: E402
from rnnlab.sampling import SamplingSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "tinyshakespeare.txt"
DEFAULT_MODEL = ROOT / "pretrained" / "shakespeare_char_lstm.safetensors"


def milliseconds(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--texts", type=int, default=30)
    args = parser.parse_args()

    checkpoint = load_checkpoint(args.model)
    text = training_part(read_text_file(args.corpus).text, checkpoint.vocab)
    build_ms, index = milliseconds(lambda: CopyIndex.build(text))
    print(f"training text {len(text):,} chars; index built in {build_ms:.0f} ms ({index.hashes.nbytes / 1e6:.1f} MB)")

    plain_times, index_times, lengths = [], [], []
    for n in range(args.texts):
        settings = SamplingSettings(temperature=0.5 + n % 3 * 0.5)
        generated = generate(checkpoint.model, checkpoint.vocab, "\n", length=300, settings=settings, seed=n).text
        plain_ms, plain = milliseconds(lambda generated=generated: longest_copy(generated, text))
        index_ms, indexed = milliseconds(lambda generated=generated: longest_copy(generated, index))
        if plain != indexed:
            raise SystemExit(f"text {n}: the index found {indexed}, the plain search {plain}")
        plain_times.append(plain_ms)
        index_times.append(index_ms)
        lengths.append(0 if plain is None else len(plain.text))
    for name, times in (("plain search", plain_times), ("with CopyIndex", index_times)):
        print(f"  {name:15} p50 {percentile(times, 0.5):7.1f} ms   p95 {percentile(times, 0.95):7.1f} ms")
    ratio = percentile(plain_times, 0.5) / percentile(index_times, 0.5)
    print(f"  ratio plain / index (p50): {ratio:.1f}x; same copy found in all {args.texts} texts")
    print(f"  longest copies: p50 {percentile(lengths, 0.5)} chars, max {max(lengths)} (0 = none of 20 or more)")


if __name__ == "__main__":
    main()
