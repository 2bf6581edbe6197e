"""The loss chart: training and validation loss of one or more runs, in nats, bits or perplexity.

UI-free (Plotly only), so a notebook can draw the same chart as the app::

    events = []
    trainer.run(on_event=events.append)
    loss_figure([curve_from_events("LSTM", events)], unit="bits", references=trainer.references)

A :class:`Curve` holds the numbers of one run in nats; :func:`loss_figure` converts them to the
unit asked for, so changing the unit never touches the data. Its words are English unless a
:class:`LossChartTexts` in another language is passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import plotly.graph_objects as go

from rnnlab.metrics import UNITS, convert_loss
from rnnlab.trainer import HistoryRow, TrainingEvent

X_AXES = ("step", "seconds")

# One colour per run (Plotly's D3 palette without its grey, which the reference lines use).
RUN_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)
REFERENCE_COLOUR = "#888888"


@dataclass(frozen=True)
class LossChartTexts:
    """Every word the loss chart shows, in English unless another language's texts are given.

    ``loss_title`` holds the fields ``{unit}`` and ``{token_name}``; ``references`` names the dashed
    lines. ``separators`` is Plotly's: the decimal mark, then the thousands separator.
    """

    train: str = "train"
    validation: str = "validation"
    x_titles: Mapping[str, str] = field(
        default_factory=lambda: {"step": "training step", "seconds": "training time (seconds)"}
    )
    x_names: Mapping[str, str] = field(default_factory=lambda: {"step": "step", "seconds": "seconds"})
    units: Mapping[str, str] = field(
        default_factory=lambda: {"nats": "nats", "bits": "bits", "perplexity": "perplexity"}
    )
    loss_title: str = "loss ({unit} per {token_name})"
    perplexity_title: str = "perplexity (log scale)"
    references: Mapping[str, str] = field(
        default_factory=lambda: {"uniform": "uniform (ln V)", "unigram": "unigram", "bigram": "bigram"}
    )
    separators: str = ".,"


ENGLISH = LossChartTexts()


@dataclass(frozen=True)
class Curve:
    """The loss curves of one run, losses in nats.

    ``steps``/``seconds``/``train`` are the (possibly dense) training-loss points;
    ``val_steps``/``val_seconds``/``val`` the evaluations on the held-out text.
    """

    label: str
    steps: tuple[int, ...] = ()
    seconds: tuple[float, ...] = ()
    train: tuple[float, ...] = ()
    val_steps: tuple[int, ...] = ()
    val_seconds: tuple[float, ...] = ()
    val: tuple[float, ...] = ()

    def __post_init__(self):
        if not len(self.steps) == len(self.seconds) == len(self.train):
            raise ValueError("steps, seconds and train must have the same length")
        if not len(self.val_steps) == len(self.val_seconds) == len(self.val):
            raise ValueError("val_steps, val_seconds and val must have the same length")

    @property
    def is_empty(self) -> bool:
        return not self.train and not self.val


def smooth(values: Sequence[float], weight: float) -> list[float]:
    """Exponential moving average with bias correction (as TensorBoard's smoothing slider).

    ``weight`` 0 keeps the values; 0.9 averages over roughly the last ten. The first points
    are not pulled towards zero, thanks to the ``1 - weight**n`` correction.
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"weight must be at least 0 and below 1, not {weight!r}")
    smoothed, average = [], 0.0
    for n, value in enumerate(values, start=1):
        average = weight * average + (1.0 - weight) * value
        smoothed.append(average / (1.0 - weight**n))
    return smoothed


def _thin(count: int, max_points: int) -> list[int]:
    """Indices of at most ``max_points`` evenly spread points out of ``count`` (the last one kept)."""
    if count <= max_points:
        return list(range(count))
    stride = math.ceil(count / max_points)
    indices = list(range(0, count, stride))
    if indices[-1] != count - 1:
        indices.append(count - 1)
    return indices


def curve_from_events(
    label: str,
    events: Iterable[TrainingEvent],
    *,
    smoothing: float = 0.8,
    max_points: int = 500,
) -> Curve:
    """A :class:`Curve` from the events of a run (``Trainer.run(on_event=...)`` or ``TrainingJob.events``).

    The training curve is the loss of every step ("step" events), smoothed with :func:`smooth`
    (one batch is a noisy estimate) and thinned to at most ``max_points``; without step events it
    falls back to the mean training loss of each evaluation. Validation points come from the
    "eval" events.
    """
    events = list(events)
    steps = [e for e in events if e.kind == "step" and e.train_loss is not None]
    evals = [e for e in events if e.kind == "eval" and e.val_loss is not None]
    if steps:
        train = smooth([e.train_loss for e in steps], smoothing)
        keep = _thin(len(steps), max_points)
        train_points = [(steps[i].step, steps[i].seconds, train[i]) for i in keep]
    else:
        train_points = [(e.step, e.seconds, e.train_loss) for e in evals if e.train_loss is not None]
    return Curve(
        label,
        steps=tuple(p[0] for p in train_points),
        seconds=tuple(p[1] for p in train_points),
        train=tuple(p[2] for p in train_points),
        val_steps=tuple(e.step for e in evals),
        val_seconds=tuple(e.seconds for e in evals),
        val=tuple(e.val_loss for e in evals),
    )


def curve_from_history(label: str, history: Iterable[HistoryRow]) -> Curve:
    """A :class:`Curve` from ``Trainer.history`` (one point per evaluation, for train and validation)."""
    rows = list(history)
    steps = tuple(row.step for row in rows)
    seconds = tuple(row.seconds for row in rows)
    return Curve(
        label,
        steps=steps,
        seconds=seconds,
        train=tuple(row.train_loss for row in rows),
        val_steps=steps,
        val_seconds=seconds,
        val=tuple(row.val_loss for row in rows),
    )


def axis_title(unit: str, token_name: str = "token", texts: LossChartTexts = ENGLISH) -> str:
    """The y-axis title of ``unit``: ``"loss (bits per character)"``, ``"perplexity (log scale)"``..."""
    if unit == "perplexity":
        return texts.perplexity_title
    return texts.loss_title.format(unit=texts.units[unit], token_name=token_name)


def _converted(values: Iterable[float], unit: str) -> list[float]:
    return [convert_loss(value, unit) for value in values]


def loss_figure(
    curves: Sequence[Curve],
    *,
    unit: str = "nats",
    x_axis: str = "step",
    references: Mapping[str, float] | None = None,
    title: str | None = None,
    token_name: str = "token",
    texts: LossChartTexts = ENGLISH,
) -> go.Figure:
    """Training (solid) and validation (dashed, with markers) loss of each run, one colour per run.

    ``unit`` is 'nats', 'bits' or 'perplexity' (log-scale y axis); ``x_axis`` is 'step' or
    'seconds'. ``references`` (e.g. ``Trainer.references``: uniform, unigram, bigram losses in
    nats) become dashed grey horizontal lines, each with a label at the right edge. ``texts``
    gives the chart's words (axis titles, the curves' and lines' names) in another language.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    if x_axis not in X_AXES:
        raise ValueError(f"x_axis must be one of {X_AXES}, not {x_axis!r}")
    log_y = unit == "perplexity"
    x_unit = "s" if x_axis == "seconds" else ""
    hover = (
        f"%{{fullData.name}}<br>{texts.x_names[x_axis]} %{{x:,.4~f}}{x_unit}"
        f"<br>%{{y:.4f}} {texts.units[unit]}<extra></extra>"
    )

    # Plain dicts, and no validation on building: the live chart redraws twice a second per learner.
    data, shapes, annotations = [], [], []
    for number, curve in enumerate(curves):
        colour = RUN_COLOURS[number % len(RUN_COLOURS)]
        data.append(
            {
                "type": "scatter",
                "name": f"{curve.label} · {texts.train}",
                "x": list(curve.steps if x_axis == "step" else curve.seconds),
                "y": _converted(curve.train, unit),
                "mode": "lines",
                "line": {"color": colour, "width": 2},
                "legendgroup": curve.label,
                "hovertemplate": hover,
            }
        )
        data.append(
            {
                "type": "scatter",
                "name": f"{curve.label} · {texts.validation}",
                "x": list(curve.val_steps if x_axis == "step" else curve.val_seconds),
                "y": _converted(curve.val, unit),
                "mode": "lines+markers",
                "line": {"color": colour, "width": 2, "dash": "dash"},
                "marker": {"size": 7},
                "legendgroup": curve.label,
                "hovertemplate": hover,
            }
        )

    for name, nats in (references or {}).items():
        if nats is None or not math.isfinite(nats):
            continue
        value = convert_loss(nats, unit)
        shapes.append(
            {
                "type": "line",
                "name": name,
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": value,
                "y1": value,
                "line": {"color": REFERENCE_COLOUR, "width": 1.5, "dash": "dash"},
                "layer": "below",
            }
        )
        # Annotations (unlike shapes) take log10 of the value on a log axis.
        annotations.append(
            {
                "name": name,
                "text": f"{texts.references.get(name, name)}: {value:.2f}".replace(".", texts.separators[0]),
                "xref": "paper",
                "x": 1,
                "xanchor": "right",
                "yref": "y",
                "y": math.log10(value) if log_y else value,
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": REFERENCE_COLOUR, "size": 11},
            }
        )

    layout = {
        "xaxis": {"title": {"text": texts.x_titles[x_axis]}},
        "yaxis": {"title": {"text": axis_title(unit, token_name, texts)}, "type": "log" if log_y else "linear"},
        "hovermode": "closest",
        "separators": texts.separators,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        "margin": {"l": 10, "r": 10, "t": 60 if title else 30, "b": 10},
        "shapes": shapes,
        "annotations": annotations,
    }
    if title:
        layout["title"] = {"text": title}
    figure = go.Figure(data=data, layout=layout, _validate=False)
    return figure
