"""A classroom on one server: is the Generate page still responsive while others train?

Starts a real ``streamlit run streamlit_app.py`` on a free loopback port (headless, no file
watcher, runs stored in a temporary folder) and drives it with real websocket clients
(``bench/streamlit_client.py``), one per learner:

* ``--trainers`` sessions (default 2) open the Train page, set the time budget to cover the whole
  bench and press Start; while they train, they poll the live panel as a browser does
  (``st.fragment(run_every=...)``).
* ``--sessions`` sessions (default 30) open the Generate page; each waits a think time (random
  in ``--think``, default 1-3 s), moves the temperature slider to another stop and waits for the
  page to be redrawn, again and again. A redraw's time is from sending the slider's new value to
  the server's ``script_finished``; a redraw counts as an error if it has no next-token chart, no
  generated texts, shows an exception or never finishes.

After a warm-up (``--warmup``, default 10 s, after every session has loaded its page) it measures
for ``--seconds`` (default 60) and reports the redraws' p50/p95/max, the errors, the training
runs' speed (from their ``events.jsonl``), and the server's peak memory (``VmHWM``) and CPU time.
The issue's target, p95 <= 1 s, is printed as a comparison line; nothing is asserted.

    .venv/bin/python bench/classroom_load.py [--sessions 30] [--trainers 2] [--seconds 60]
        [--warmup 10] [--think 1 3] [--port 0] [--own-seeds] [--option runner.postScriptGC=false]

Everything runs on this machine: the clients' own CPU time is reported too, since on a small
machine it competes with the server (as do other processes: the load average is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.percentile import percentile  # noqa: E402
from bench.streamlit_client import ScriptRun, StreamlitClient, StreamlitClientError  # noqa: E402

TARGET_P95_SECONDS = 1.0
TEMPERATURE_KEY = "temperature"  # ui.generate_widgets.TEMPERATURE
TIME_BUDGET_KEY = "train_max_seconds"  # ui.train_widgets.setting_key("max_seconds")
START_KEY = "train_start"
CHART_KEY = "next_token_chart"  # the Generate page's bars
GENERATED_TEXT_MARK = "ui-monospace"  # the style of ui.generate_widgets.text_html
MAX_TIME_BUDGET = 3600  # the Train page's time budget control allows 1..3600 s


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run`` process."""

    url: str
    process: subprocess.Popen
    runs_dir: Path
    log_path: Path
    started: float = 0.0  # time.monotonic() when it answered its health check

    def status(self, field_name: str) -> str:
        """A field of ``/proc/<pid>/status`` (``VmHWM``, ``VmRSS``...), e.g. ``'812345 kB'``."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return line.split(":", 1)[1].strip()
        return "?"

    def peak_memory_mib(self) -> float:
        return int(self.status("VmHWM").split()[0]) / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


@contextlib.contextmanager
def running_server(
    port: int = 0, extra_env: dict[str, str] | None = None, options: dict[str, str] | None = None
) -> Iterator[Server]:
    """``streamlit run streamlit_app.py`` on 127.0.0.1, headless, with its runs in a temporary folder;
    ``options`` are more Streamlit config options (``{"runner.postScriptGC": "false"}``)."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="classroom-load-") as folder:
        runs_dir, log_path = Path(folder) / "runs", Path(folder) / "streamlit.log"
        env = dict(os.environ, RNNLAB_RUNS_DIR=str(runs_dir), PYTHONUNBUFFERED="1", **(extra_env or {}))
        command = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        for name, value in (options or {}).items():
            command += [f"--{name}", value]
        with open(log_path, "w") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process, runs_dir, log_path)
        try:
            wait_for_health(server.url, process)
            server.started = time.monotonic()
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- what the learners do ------------------------------------------------------------------------


@dataclass
class Redraw:
    """One move of the temperature slider and what came back."""

    started: float  # time.monotonic() when the new value was sent
    seconds: float
    problem: str | None = None  # None = a complete redraw


def redraw_problem(run: ScriptRun) -> str | None:
    """Why a redraw is not a good one (None when it has the chart, the texts and no exception)."""
    if run.exceptions:
        return "exception: " + run.exceptions[0].splitlines()[0][:120]
    if run.status != "FINISHED_SUCCESSFULLY":
        return f"script status {run.status}"
    if not any(CHART_KEY in e.plotly_chart.id for e in run.of_type("plotly_chart")):
        return "no next-token chart"
    texts = [e for e in run.of_type("markdown") if e.markdown.allow_html and GENERATED_TEXT_MARK in e.markdown.body]
    if len(texts) < 2:
        return "no generated texts"
    return None


@dataclass
class Window:
    """The measurement window (``time.monotonic()``); the bench ends when ``stop`` is reached."""

    start: float = float("inf")
    stop: float = float("inf")

    def contains(self, moment: float) -> bool:
        return self.start <= moment < self.stop


async def generate_learner(
    client: StreamlitClient, rng: random.Random, think: tuple[float, float], window: Window, redraws: list[Redraw]
) -> None:
    """Think, move the temperature to another stop, wait for the redraw; until the window closes."""
    current = None
    while True:
        await asyncio.sleep(rng.uniform(*think))
        started = time.monotonic()
        if started >= window.stop:
            return
        options = list(client.widget(TEMPERATURE_KEY).slider.options)
        current = rng.choice([label for label in options if label != current])
        client.set_select_slider(TEMPERATURE_KEY, current)
        try:
            run = await client.rerun()
            redraw = Redraw(started, run.seconds, redraw_problem(run))
        except StreamlitClientError as error:
            redraw = Redraw(started, time.monotonic() - started, f"protocol: {error}")
        if window.contains(started):
            redraws.append(redraw)
        if redraw.problem and redraw.problem.startswith("protocol"):
            return  # the connection is gone


@dataclass
class Trainer:
    """A training session: its client and how its live panel refreshes went."""

    client: StreamlitClient
    start_run: ScriptRun | None = None
    refreshes: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def start_training(client: StreamlitClient, budget_seconds: int) -> Trainer:
    """Open the Train page, set the time budget and press Start (the default text and settings)."""
    trainer = Trainer(client)
    await client.connect()
    client.set_int(TIME_BUDGET_KEY, budget_seconds)
    client.press(START_KEY)
    trainer.start_run = await client.rerun()
    if trainer.start_run.exceptions:
        trainer.problems.append(trainer.start_run.exceptions[0])
    if not client.auto_reruns:
        trainer.problems.append("the live panel does not poll after Start (no run_every fragment)")
    return trainer


async def follow_training(trainer: Trainer, window: Window) -> None:
    """Poll the live panel as the browser does until the window closes; note each refresh's time.

    The browser reruns the fragment every ``interval`` seconds (a timer); a refresh that takes
    longer is followed at once by the next (the server merges the requests that piled up).
    """
    client = trainer.client
    last_sent = time.monotonic()
    while time.monotonic() < window.stop:
        if not client.auto_reruns:
            await asyncio.sleep(0.2)
            continue
        fragment_id, interval = next(iter(client.auto_reruns.items()))
        await asyncio.sleep(max(0.0, last_sent + interval - time.monotonic()))
        started = last_sent = time.monotonic()
        try:
            run = await client.rerun(fragment_id=fragment_id, is_auto_rerun=True)
        except StreamlitClientError as error:
            trainer.problems.append(f"protocol: {error}")
            return
        if window.contains(started):
            trainer.refreshes.append(run.seconds)
        if run.exceptions:
            trainer.problems.append(run.exceptions[0])


# --- the training runs on disk -----------------------------------------------------------------------


def read_steps(runs_dir: Path) -> dict[str, list[dict]]:
    """Each run's step events so far (run id -> events of kind "step")."""
    runs = {}
    for events_file in sorted(runs_dir.glob("*/events.jsonl")):
        lines = events_file.read_text().splitlines()
        events = [json.loads(line) for line in lines if line.strip()]
        runs[events_file.parent.name] = [e for e in events if e.get("kind") == "step"]
    return runs


def read_state(runs_dir: Path, run_id: str) -> str:
    """The run's state, with its message when it ended badly ("failed: ...")."""
    try:
        record = json.loads((runs_dir / run_id / "run.json").read_text())
    except (OSError, ValueError):
        return "?"
    state = record.get("state", "?")
    return f"{state} ({record.get('message', '')})" if state in ("failed", "diverged") else state


@dataclass
class TrainingReport:
    run_id: str
    steps: int  # steps taken during the window
    chars_per_second: float | None  # mean of the window's step events
    state_at_end: str


def training_during(before: dict[str, list[dict]], after: dict[str, list[dict]], runs_dir: Path):
    reports = []
    for run_id, steps in after.items():
        new = steps[len(before.get(run_id, [])) :]
        speeds = [e["chars_per_second"] for e in new if e.get("chars_per_second")]
        reports.append(
            TrainingReport(run_id, len(new), statistics.fmean(speeds) if speeds else None, read_state(runs_dir, run_id))
        )
    return reports


# --- the bench -------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    redraws: list[Redraw]
    trainers: list[Trainer]
    training: list[TrainingReport]
    measured_seconds: float
    server_cpu_seconds: float  # the server's CPU time during the window (page scripts and training)
    connect_seconds: float
    connect_problems: list[str]


async def classroom(
    server: Server,
    sessions: int,
    trainers: int,
    seconds: float,
    warmup: float,
    think: tuple[float, float],
    own_seeds: bool = False,
    seed: int = 0,
) -> LoadResult:
    """Connect the trainers (and press Start), then the Generate sessions; measure for ``seconds``."""
    rng = random.Random(seed)
    window = Window()
    budget = min(MAX_TIME_BUDGET, int(seconds + warmup + 300))
    learners = [
        StreamlitClient(server.url, page="generate", query_string=f"seed={i}" if own_seeds else "")
        for i in range(sessions)
    ]
    started = time.monotonic()
    training = await asyncio.gather(
        *(start_training(StreamlitClient(server.url, page="train"), budget) for _ in range(trainers))
    )
    followers = [asyncio.create_task(follow_training(trainer, window)) for trainer in training]
    connected = await asyncio.gather(*(client.connect() for client in learners), return_exceptions=True)
    connect_seconds = time.monotonic() - started
    connect_problems = [repr(result) for result in connected if isinstance(result, BaseException)]
    connect_problems += [r.exceptions[0] for r in connected if isinstance(r, ScriptRun) and r.exceptions]
    live = [client for client, result in zip(learners, connected, strict=True) if isinstance(result, ScriptRun)]

    redraws: list[Redraw] = []
    window.start = time.monotonic() + warmup
    window.stop = window.start + seconds
    loops = [
        asyncio.create_task(generate_learner(client, random.Random(rng.random()), think, window, redraws))
        for client in live
    ]
    await asyncio.sleep(max(0.0, window.start - time.monotonic()))
    steps_before, cpu_before = read_steps(server.runs_dir), server.cpu_seconds()
    await asyncio.sleep(max(0.0, window.stop - time.monotonic()))
    steps_after, cpu_in_window = read_steps(server.runs_dir), server.cpu_seconds() - cpu_before
    measured = time.monotonic() - window.start
    await asyncio.gather(*loops, *followers)
    await asyncio.gather(*(client.close() for client in [*live, *(t.client for t in training)]))
    return LoadResult(
        redraws,
        list(training),
        training_during(steps_before, steps_after, server.runs_dir),
        measured,
        cpu_in_window,
        connect_seconds,
        connect_problems,
    )


def report(result: LoadResult, server: Server, args: argparse.Namespace, load_before: float, client_cpu: float):
    times = [r.seconds * 1000 for r in result.redraws if r.problem is None]
    problems = Counter(r.problem for r in result.redraws if r.problem)
    own = " (each its own seed)" if args.own_seeds else ""
    print(
        f"\nClassroom load: {args.sessions} Generate sessions{own} (think {args.think[0]:g}-{args.think[1]:g} s) "
        f"+ {args.trainers} training sessions; {result.measured_seconds:.0f} s measured "
        f"after {args.warmup:g} s warm-up"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} "
        f"after; all sessions connected in {result.connect_seconds:.1f} s"
    )
    for problem in result.connect_problems:
        print(f"  connect problem: {problem}")
    print(
        f"  redraws: {len(result.redraws)} ({len(result.redraws) / result.measured_seconds:.1f}/s), "
        f"errors: {sum(problems.values())}"
    )
    for problem, count in problems.most_common():
        print(f"    {count} x {problem}")
    if times:
        p95 = percentile(times, 0.95)
        print(
            f"  redraw time: p50 {statistics.median(times):.0f} ms   p95 {p95:.0f} ms   "
            f"max {max(times):.0f} ms   (n={len(times)})"
        )
        verdict = "met" if p95 <= TARGET_P95_SECONDS * 1000 else "NOT met"
        print(f"  target p95 <= {TARGET_P95_SECONDS * 1000:.0f} ms: {verdict} (p95 {p95:.0f} ms)")
    else:
        print("  redraw time: no complete redraw")
    for trainer in result.trainers:
        refreshes = [s * 1000 for s in trainer.refreshes]
        timing = (
            f"live panel refreshes {len(refreshes)}, p50 {statistics.median(refreshes):.0f} ms, "
            f"p95 {percentile(refreshes, 0.95):.0f} ms"
            if refreshes
            else "no live panel refresh"
        )
        print(f"  train session: {timing}" + "".join(f"; problem: {p}" for p in trainer.problems[:3]))
    for run in result.training:
        speed = f"{run.chars_per_second:,.0f} chars/s" if run.chars_per_second else "no speed reported"
        print(f"  training run {run.run_id[:8]}: {run.steps} steps in the window, {speed}, {run.state_at_end} at end")
    if args.trainers and len([r for r in result.training if r.steps > 0]) < args.trainers:
        print(f"  NOTE: only {sum(r.steps > 0 for r in result.training)} of {args.trainers} runs trained in the window")
    busy = result.server_cpu_seconds / result.measured_seconds
    per_redraw = f", {result.server_cpu_seconds / len(result.redraws):.2f} s per redraw" if result.redraws else ""
    print(
        f"  server: peak memory (VmHWM) {server.peak_memory_mib():,.0f} MiB; CPU in the window "
        f"{result.server_cpu_seconds:.0f} s = {busy:.2f} cores{per_redraw} (training included); "
        f"clients' CPU {client_cpu:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="Generate sessions (default 30)")
    parser.add_argument("--trainers", type=int, default=2, help="sessions that train meanwhile (default 2)")
    parser.add_argument("--seconds", type=float, default=60, help="measured time (default 60)")
    parser.add_argument("--warmup", type=float, default=10, help="unmeasured time after connecting (default 10)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument(
        "--own-seeds", action="store_true", help="open each Generate session with its own ?seed= (fewer cache hits)"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Streamlit config option for the server, e.g. runner.postScriptGC=false (repeatable)",
    )
    args = parser.parse_args()
    options = dict(option.split("=", 1) for option in args.option)

    load_before = os.getloadavg()[0]
    with running_server(args.port, options=options) as server:
        extra = "".join(f" --{name} {value}" for name, value in options.items())
        print(f"server {server.url} (pid {server.process.pid}){extra}, runs in {server.runs_dir}")
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        result = asyncio.run(
            classroom(
                server, args.sessions, args.trainers, args.seconds, args.warmup, tuple(args.think), args.own_seeds
            )
        )
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
        report(result, server, args, load_before, client_cpu)
        if any(r.problem for r in result.redraws) or result.connect_problems:
            print("\nserver log (last lines):\n" + server.log_tail())


if __name__ == "__main__":
    main()
