"""One Generate-page redraw, old path vs now, side by side in one run (milliseconds, p50/p95).

    python bench/generate_speed.py [--model PATH] [--length 300] [--repeats 30] [--threads N]

A redraw is the server side of one slider move: the next-token bars, a greedy continuation and a
sampled one. As on the page, the greedy one gets only the repetition penalty (temperature and the
cuts never change the most probable token). "old" is the previous way, reimplemented minimally
here: ``model.step`` (``nn.LSTM`` on one token) per token, the processors, ``torch.multinomial``
(no step records, so it is a lower bound). "generate" is :func:`rnnlab.generation.generate` with
its records, given the model (a stepper is built per call, included in the time) or a prebuilt
:class:`Stepper` (as the page does); :func:`rnnlab.generation.greedy_and_sampled` steps both
together on the prebuilt stepper, and the redraw row adds the bars from that stepper. Rows
alternate within each repeat so that background load hits all alike; the CPU columns are this
thread's CPU time, which waits for a busy machine do not inflate. Target: a redraw <= 50 ms.

Without the pretrained file, a randomly initialised model of the same shape is used.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.percentile import percentile  # noqa: E402
from rnnlab.checkpoint import load_checkpoint  # noqa: E402
from rnnlab.generation import generate, greedy_and_sampled  # noqa: E402
from rnnlab.model import CharRNN, ModelConfig  # noqa: E402
from rnnlab.sampling import SamplingSettings, encode_prompt, next_token_distribution  # noqa: E402
from rnnlab.stepper import Stepper  # noqa: E402
from rnnlab.vocab import Vocabulary  # noqa: E402

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "pretrained" / "shakespeare_char_lstm.safetensors"
PROMPT = "ROMEO:\nBut soft, what light"
SETTINGS = {
    "sliders off": SamplingSettings(),
    "T 0.8, top-k 20, top-p 0.9, penalty 1.2": SamplingSettings(
        temperature=0.8, top_k=20, top_p=0.9, repetition_penalty=1.2
    ),
}


def load(path: Path):
    if path.exists():
        checkpoint = load_checkpoint(path)
        return checkpoint.model.eval(), checkpoint.vocab, str(path.name)
    print(f"({path} not found: a random model of the same shape)")
    vocab = Vocabulary.build("".join(chr(c) for c in range(32, 127)) + "\n", level="char", max_size=66)
    torch.manual_seed(0)
    config = ModelConfig(vocab_size=vocab.size, cell="lstm", hidden_size=256, embedding_size=64)
    return CharRNN(config).eval(), vocab, "random LSTM 256"


def old_generate(model, ids, length, settings, *, greedy, generator=None) -> list[int]:
    """The previous loop: one ``model.step`` per token, the processors, a torch choice."""
    chosen: list[int] = []
    with torch.inference_mode():
        logits, state = model.warm_up(ids)
        for position in range(length):
            scores = logits.numpy()  # the processors work on numpy arrays
            for processor in settings.processors(chosen[-settings.repetition_window :]):
                scores = processor(scores)
            probs = torch.softmax(torch.from_numpy(scores), dim=-1)
            token = int(torch.argmax(probs)) if greedy else int(torch.multinomial(probs, 1, generator=generator))
            chosen.append(token)
            if position + 1 < length:
                logits, state = model.step(token, state)
    return chosen


def timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread): the CPU time shows the cost without the waits that
    other processes on a shared machine cause."""
    started, cpu = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - started) * 1e3, (time.thread_time() - cpu) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--length", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, vocab, name = load(args.model)
    ids = encode_prompt(vocab, PROMPT)
    length = args.length
    print(
        f"model {name}: {model.config.cell} {model.config.hidden_size}, V={vocab.size}; "
        f"{length} greedy + {length} sampled tokens; prompt {len(ids)} tokens; {args.repeats} repeats"
    )
    print(
        f"torch threads {torch.get_num_threads()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    stepper = Stepper.from_model(model)
    generate(stepper, vocab, PROMPT, length=20, greedy=True)  # warm caches and lazy imports
    old_generate(model, ids, 20, SamplingSettings(), greedy=True)

    old_row, model_row, stepper_row, together_row = (
        "old: model.step loop, greedy + sampled",
        "generate(model), greedy + sampled",
        "generate(stepper), greedy + sampled",
        "greedy_and_sampled(stepper)",
    )
    for label, settings in SETTINGS.items():
        greedy = SamplingSettings(
            repetition_penalty=settings.repetition_penalty, repetition_window=settings.repetition_window
        )

        def old(seed, settings=settings, greedy=greedy):
            old_generate(model, ids, length, greedy, greedy=True)
            generator = torch.Generator().manual_seed(seed)
            old_generate(model, ids, length, settings, greedy=False, generator=generator)

        def new(seed, source, settings=settings, greedy=greedy):
            generate(source, vocab, PROMPT, length=length, settings=greedy, greedy=True)
            generate(source, vocab, PROMPT, length=length, settings=settings, seed=seed)

        def together(seed, settings=settings):
            greedy_and_sampled(stepper, vocab, PROMPT, length=length, settings=settings, seed=seed)

        rows: dict[str, list[tuple[float, float]]] = {}
        for seed in range(args.repeats):
            times = {
                old_row: timed(lambda seed=seed: old(seed)),
                model_row: timed(lambda seed=seed: new(seed, model)),
                stepper_row: timed(lambda seed=seed: new(seed, stepper)),
                together_row: timed(lambda seed=seed: together(seed)),
                "next_token_distribution(model) (bars)": timed(
                    lambda settings=settings: next_token_distribution(model, vocab, PROMPT, settings)
                ),
                "next_token_distribution(stepper) (bars)": timed(
                    lambda settings=settings: next_token_distribution(stepper, vocab, PROMPT, settings)
                ),
                "Stepper.from_model (build)": timed(lambda: Stepper.from_model(model)),
            }
            bars, both = times["next_token_distribution(stepper) (bars)"], times[together_row]
            times["redraw: bars + greedy_and_sampled"] = (bars[0] + both[0], bars[1] + both[1])
            for key, value in times.items():
                rows.setdefault(key, []).append(value)
        print(f"\n{label}")
        print(f"  {'':42s} {'p50 ms':>8s} {'p95 ms':>8s} {'CPU p50':>8s} {'CPU p95':>8s}")
        for key, values in rows.items():
            wall, cpu = [v[0] for v in values], [v[1] for v in values]
            p50, p95 = statistics.median(wall), percentile(wall, 0.95)
            cpu50, cpu95 = statistics.median(cpu), percentile(cpu, 0.95)
            print(f"  {key:42s} {p50:8.1f} {p95:8.1f} {cpu50:8.1f} {cpu95:8.1f}")
        old_p50 = statistics.median(v[0] for v in rows[old_row])
        for key in (model_row, stepper_row, together_row):
            ratio = old_p50 / statistics.median(v[0] for v in rows[key])
            print(f"  ratio old / {key.split(',')[0]} (wall p50): {ratio:.1f}x")
    print(f"\nload average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
