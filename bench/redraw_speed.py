"""How long the server side of one Generate-page redraw takes with the shipped model.

One redraw = the next-token distribution for the prompt + 300 greedy characters + 300 sampled
characters (stepped together by ``greedy_and_sampled``, on the stepper the page builds once per
model) + building the bar chart and turning it into the JSON Streamlit sends. Measured over ~50
redraws with varying settings, three ways:

* uncached: the library calls themselves, every time, on the stepper built once per model as the
  page's ``cached_stepper`` does; the two continuations once stepped together
  (``greedy_and_sampled``) and once as two ``generate`` calls;
* cached, as the page does it: the ``st.cache_data`` helpers of ``ui/generate_widgets.py`` while a
  learner moves one slider at a time (greedy only depends on the prompt and the penalty, so it is
  reused while temperature and the cuts move; revisited settings are reused entirely);
* ``--apptest``: the whole page in Streamlit's AppTest (script run, widgets, protobuf), per rerun.

    .venv/bin/python bench/redraw_speed.py [--model PATH] [--redraws 50] [--threads 1] [--apptest]

Wall-clock times depend on the machine and its load (other processes on 2 shared cores can
double them); the CPU time of this process (``cpu``) is what one redraw costs on an idle core.
No thresholds here and none in the tests.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
import torch  # noqa: E402

from bench.percentile import percentile  # noqa: E402
from rnnlab.checkpoint import load_checkpoint  # noqa: E402
from rnnlab.distribution_chart import distribution_figure  # noqa: E402
from rnnlab.generation import fixed_uniforms, generate, greedy_and_sampled, greedy_settings  # noqa: E402
from rnnlab.sampling import SamplingSettings, next_token_distribution  # noqa: E402
from rnnlab.stepper import Stepper  # noqa: E402

LENGTH = 300
PROMPT = "ROMEO:"


def percentiles(values: list[float]) -> str:
    return f"p50 {statistics.median(values):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms   (n={len(values)})"


def slider_walk(count: int, seed: int = 0) -> list[tuple[SamplingSettings, int, bool]]:
    """A learner's session: one control moves per redraw, mostly temperature; some values revisited."""
    from ui.generate_widgets import TEMPERATURES

    rng = random.Random(seed)
    t_index, top_k, top_p, min_p, penalty, draw_seed, same = TEMPERATURES.index(1.0), 0, 1.0, 0.0, 1.0, 0, False
    walk = []
    for _ in range(count):
        move = rng.choices(["T", "k", "p", "min_p", "penalty", "seed", "same"], [8, 3, 2, 1, 1, 1, 1])[0]
        if move == "T":
            t_index = min(max(t_index + rng.choice([-2, -1, 1, 2]), 1), len(TEMPERATURES) - 1)
        elif move == "k":
            top_k = rng.choice([0, 1, 5, 10, 20, 40])
        elif move == "p":
            top_p = rng.choice([1.0, 0.95, 0.9, 0.8, 0.5])
        elif move == "min_p":
            min_p = rng.choice([0.0, 0.05, 0.1, 0.2])
        elif move == "penalty":
            penalty = rng.choice([1.0, 1.1, 1.3, 1.5])
        elif move == "seed":
            draw_seed = rng.randrange(5)
        else:
            same = not same
        settings = SamplingSettings(
            temperature=TEMPERATURES[t_index], top_k=top_k, top_p=top_p, min_p=min_p, repetition_penalty=penalty
        )
        walk.append((settings, draw_seed, same))
    return walk


def figure_json(dist, highlight, uniform, settings) -> str:
    figure = distribution_figure(dist, highlight_token_id=highlight, uniform=uniform, settings=settings)
    return plotly.io.to_json(figure, validate=False)


def bench_uncached(checkpoint, walk, *, separate: bool) -> None:
    model, vocab = checkpoint.model, checkpoint.vocab
    stepper = Stepper.from_model(model)
    outputs = "generate x 2" if separate else "greedy_and_sampled"
    parts: dict[str, list[float]] = {"distribution": [], outputs: [], "figure": []}
    totals, cpu = [], []
    for settings, seed, same in walk:
        uniforms = fixed_uniforms(seed, LENGTH) if same else None
        draw = {"seed": None if same else seed, "uniforms": uniforms}
        c0 = time.process_time()
        t0 = time.perf_counter()
        dist = next_token_distribution(stepper, vocab, PROMPT, settings)
        t1 = time.perf_counter()
        if separate:
            generate(stepper, vocab, PROMPT, length=LENGTH, settings=greedy_settings(settings), greedy=True)
            sampled = generate(stepper, vocab, PROMPT, length=LENGTH, settings=settings, **draw)
        else:
            _, sampled = greedy_and_sampled(stepper, vocab, PROMPT, length=LENGTH, settings=settings, **draw)
        t2 = time.perf_counter()
        figure_json(dist, sampled.steps[0].token_id, sampled.steps[0].uniform, settings)
        t3 = time.perf_counter()
        for name, start, end in zip(parts, (t0, t1, t2), (t1, t2, t3), strict=True):
            parts[name].append((end - start) * 1e3)
        totals.append((t3 - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    print(f"uncached (library calls every time), greedy and sampled by {outputs}")
    for name, values in parts.items():
        print(f"  {name:<18} {percentiles(values)}")
    print(f"  {'redraw':<18} {percentiles(totals)}")
    print(f"  {'redraw (cpu)':<18} {percentiles(cpu)}")


def bench_cached(checkpoint, walk) -> None:
    from streamlit import logger

    logger.set_log_level("error")  # "no runtime found" warnings: caching works the same in memory
    from ui import generate_widgets as gw

    for function in (gw.cached_distribution, gw.cached_outputs):
        function.clear()
    key = gw.model_key(checkpoint)
    totals, cpu = [], []
    for settings, seed, same in walk:
        c0 = time.process_time()
        t0 = time.perf_counter()
        dist = gw.cached_distribution(key, checkpoint, PROMPT, settings)
        _, sampled = gw.cached_outputs(key, checkpoint, PROMPT, LENGTH, settings, seed, same)
        figure_json(dist, sampled.steps[0].token_id, sampled.steps[0].uniform, settings)
        totals.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    print("cached as on the page (one slider moves per redraw; the first redraw starts cold)")
    print(f"  {'redraw':<13} {percentiles(totals)}")
    print(f"  {'redraw (cpu)':<13} {percentiles(cpu)}")


def bench_apptest(walk) -> None:
    from streamlit.testing.v1 import AppTest

    from ui.generate_widgets import SAME_DRAW, SEED, TEMPERATURE, TOP_K

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.run()
    at.switch_page("app_pages/generate.py").run()
    totals, cpu = [], []
    for settings, seed, same in walk:
        at.select_slider(key=TEMPERATURE).set_value(settings.temperature)
        at.slider(key=TOP_K).set_value(settings.top_k)
        at.number_input(key=SEED).set_value(seed)
        at.toggle(key=SAME_DRAW).set_value(same)
        c0 = time.process_time()
        t0 = time.perf_counter()
        at.run()
        totals.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        assert not at.exception, at.exception
    print("whole page in AppTest (script + widgets + both charts' JSON + AppTest's own overhead)")
    print(f"  {'rerun':<13} {percentiles(totals)}")
    print(f"  {'rerun (cpu)':<13} {percentiles(cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "pretrained" / "shakespeare_char_lstm.safetensors"))
    parser.add_argument("--redraws", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--no-mkldnn", action="store_true", help="turn oneDNN off (its LSTM is slow per token)")
    parser.add_argument("--apptest", action="store_true", help="also time the whole page in AppTest")
    args = parser.parse_args()

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    checkpoint = load_checkpoint(args.model)
    config = checkpoint.config
    print(
        f"model: {Path(args.model).name} ({config.cell} {config.hidden_size}, {checkpoint.vocab.size} tokens) · "
        f"torch {torch.__version__} · {torch.get_num_threads()} thread(s) · oneDNN "
        f"{'on' if torch.backends.mkldnn.enabled else 'off'} · {os.cpu_count()} CPU(s) · load "
        f"{os.getloadavg()[0]:.1f}"
    )
    walk = slider_walk(args.redraws)
    generate(checkpoint.model, checkpoint.vocab, PROMPT, length=20, greedy=True)  # warm up
    bench_uncached(checkpoint, walk, separate=False)
    bench_uncached(checkpoint, walk, separate=True)
    bench_cached(checkpoint, walk)
    if args.apptest:
        bench_apptest(walk)


if __name__ == "__main__":
    main()
