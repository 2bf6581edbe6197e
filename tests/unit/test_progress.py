"""The CLI's progress bar: redrawn in place on a terminal, plain lines in a log or a pipe."""

import io

from rnnlab.progress import ProgressBar, format_duration, time_left


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_bar(stream: io.StringIO) -> str:
    bar = ProgressBar(stream, width=10, min_interval=0.0)
    for step in range(101):
        bar.update(step / 100, f"step {step}")
    bar.close()
    return stream.getvalue()


def test_log_gets_a_plain_line_every_tenth_and_the_final_note():
    text = run_bar(io.StringIO())
    assert "\r" not in text
    lines = text.splitlines()
    assert [line.split("]")[1].split()[0] for line in lines] == [f"{n}%" for n in range(0, 101, 10)]
    assert lines[5].startswith("[#####.....]  50%") and lines[5].endswith("step 50")
    assert lines[-1].startswith("[##########] 100%") and lines[-1].endswith("step 100")
    assert text.endswith("\n")


def test_terminal_redraws_in_place_and_keeps_the_final_note():
    text = run_bar(Terminal())
    redraws = text.split("\r")[1:]
    assert len(redraws) == 102  # every update (no interval), then the final draw of close()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert redraws[-1].rstrip().endswith("step 100") and "100%" in redraws[-1]


def test_close_keeps_the_last_progress_when_stopped_early():
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    bar.update(0.42, "diverged here")
    bar.close()
    assert stream.getvalue().splitlines()[-1].startswith("[####......]  42%")
    assert stream.getvalue().splitlines()[-1].endswith("diverged here")


def test_durations_and_time_left():
    assert [format_duration(s) for s in (12.3, 75, 3725)] == ["12s", "1m15s", "1h02m"]
    assert time_left(0.0, 5.0) is None
    assert time_left(0.25, 10.0) == 30.0
