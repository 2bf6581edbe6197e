"""The loss chart's figure spec: traces, converted values, reference lines and their labels."""

import math

import pytest

from rnnlab.loss_chart import (
    REFERENCE_COLOUR,
    Curve,
    LossChartTexts,
    axis_title,
    curve_from_events,
    curve_from_history,
    loss_figure,
    smooth,
)
from rnnlab.metrics import LN2
from rnnlab.trainer import HistoryRow, Trainer, TrainingEvent
from tests.conftest import quick_config

REFERENCES = {"uniform": math.log(40), "unigram": 3.1, "bigram": 2.4}


def eval_event(step, seconds, train, val):
    return TrainingEvent("eval", step, seconds, step / 10, train_loss=train, val_loss=val)


def step_event(step, seconds, loss):
    return TrainingEvent("step", step, seconds, step / 10, train_loss=loss)


EVENTS = [
    eval_event(0, 0.0, 3.7, 3.7),
    step_event(1, 0.1, 3.6),
    step_event(2, 0.2, 3.2),
    TrainingEvent("paused", 2, 0.2, 0.2),
    TrainingEvent("resumed", 2, 0.2, 0.2),
    step_event(3, 0.3, 2.8),
    eval_event(3, 0.35, 3.2, 3.0),
    step_event(4, 0.4, 2.6),
    eval_event(4, 0.5, 2.6, 2.7),
    TrainingEvent("finished", 4, 0.5, 1.0),
]


def traces_by_name(figure):
    return {trace.name: trace for trace in figure.data}


def test_curve_from_events_uses_step_losses_for_train_and_eval_events_for_validation():
    curve = curve_from_events("LSTM", EVENTS, smoothing=0.0)
    assert curve.steps == (1, 2, 3, 4)
    assert curve.train == (3.6, 3.2, 2.8, 2.6)
    assert curve.seconds == (0.1, 0.2, 0.3, 0.4)
    assert curve.val_steps == (0, 3, 4)
    assert curve.val == (3.7, 3.0, 2.7)
    assert curve.val_seconds == (0.0, 0.35, 0.5)


def test_curve_from_events_smooths_and_thins_the_training_curve():
    events = [step_event(i, i / 100, 3.0 + (-1) ** i) for i in range(1, 1001)]
    curve = curve_from_events("noisy", events, smoothing=0.9, max_points=100)
    assert len(curve.steps) <= 101
    assert curve.steps[0] == 1 and curve.steps[-1] == 1000  # the newest point is always kept
    assert curve.train[0] == pytest.approx(2.0)  # bias-corrected: the first point is not pulled to 0
    assert all(2.5 < value < 3.5 for value in curve.train[10:])  # +-1 noise averaged away


def test_curve_from_events_without_step_events_falls_back_to_the_eval_train_losses():
    curve = curve_from_events("evals", [e for e in EVENTS if e.kind == "eval"])
    assert curve.steps == (0, 3, 4)
    assert curve.train == (3.7, 3.2, 2.6)


def test_curve_from_history():
    rows = [HistoryRow(0, 0.0, 3.7, 3.7), HistoryRow(10, 1.5, 2.9, 3.0)]
    curve = curve_from_history("GRU", rows)
    assert curve.steps == curve.val_steps == (0, 10)
    assert curve.seconds == curve.val_seconds == (0.0, 1.5)
    assert curve.train == (3.7, 2.9)
    assert curve.val == (3.7, 3.0)


def test_curve_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        Curve("bad", steps=(1, 2), seconds=(0.1,), train=(3.0, 2.0))


def test_smooth():
    assert smooth([1.0, 2.0, 3.0], 0.0) == [1.0, 2.0, 3.0]
    assert smooth([2.0, 2.0, 2.0], 0.9) == pytest.approx([2.0, 2.0, 2.0])
    with pytest.raises(ValueError):
        smooth([1.0], 1.0)


def test_one_run_gives_a_solid_train_line_and_a_dashed_validation_line_in_nats():
    curve = curve_from_events("#1 LSTM", EVENTS, smoothing=0.0)
    figure = loss_figure([curve])
    traces = traces_by_name(figure)
    assert set(traces) == {"#1 LSTM · train", "#1 LSTM · validation"}
    train, val = traces["#1 LSTM · train"], traces["#1 LSTM · validation"]
    assert list(train.y) == [3.6, 3.2, 2.8, 2.6]
    assert list(train.x) == [1, 2, 3, 4]
    assert train.line.dash is None and train.mode == "lines"
    assert val.line.dash == "dash" and "markers" in val.mode
    assert list(val.y) == [3.7, 3.0, 2.7]
    assert train.line.color == val.line.color
    assert figure.layout.yaxis.title.text == "loss (nats per token)"
    assert figure.layout.xaxis.title.text == "training step"
    assert figure.layout.yaxis.type == "linear"


def test_several_runs_get_one_colour_each():
    lstm = curve_from_events("LSTM", EVENTS)
    gru = curve_from_events("GRU", EVENTS)
    figure = loss_figure([lstm, gru])
    traces = traces_by_name(figure)
    assert len(figure.data) == 4
    assert traces["LSTM · train"].line.color == traces["LSTM · validation"].line.color
    assert traces["GRU · train"].line.color == traces["GRU · validation"].line.color
    assert traces["LSTM · train"].line.color != traces["GRU · train"].line.color


@pytest.mark.parametrize(
    ("unit", "convert", "title"),
    [
        ("bits", lambda nats: nats / LN2, "loss (bits per character)"),
        ("perplexity", math.exp, "perplexity (log scale)"),
    ],
)
def test_units_convert_the_values_and_name_the_axis(unit, convert, title):
    curve = curve_from_events("run", EVENTS, smoothing=0.0)
    figure = loss_figure([curve], unit=unit, token_name="character")
    traces = traces_by_name(figure)
    assert list(traces["run · train"].y) == pytest.approx([convert(v) for v in (3.6, 3.2, 2.8, 2.6)])
    assert list(traces["run · validation"].y) == pytest.approx([convert(v) for v in (3.7, 3.0, 2.7)])
    assert figure.layout.yaxis.title.text == title
    assert figure.layout.yaxis.type == ("log" if unit == "perplexity" else "linear")


def test_x_axis_in_seconds():
    curve = curve_from_events("run", EVENTS)
    figure = loss_figure([curve], x_axis="seconds")
    traces = traces_by_name(figure)
    assert list(traces["run · train"].x) == [0.1, 0.2, 0.3, 0.4]
    assert list(traces["run · validation"].x) == [0.0, 0.35, 0.5]
    assert figure.layout.xaxis.title.text == "training time (seconds)"


def test_reference_lines_are_dashed_grey_and_labelled():
    figure = loss_figure([curve_from_events("run", EVENTS)], unit="bits", references=REFERENCES)
    shapes = {shape.name: shape for shape in figure.layout.shapes}
    assert set(shapes) == {"uniform", "unigram", "bigram"}
    for name, nats in REFERENCES.items():
        shape = shapes[name]
        assert shape.y0 == shape.y1 == pytest.approx(nats / LN2)
        assert shape.line.dash == "dash" and shape.line.color == REFERENCE_COLOUR
        assert (shape.xref, shape.x0, shape.x1) == ("paper", 0, 1)  # across the whole chart
    texts = [annotation.text for annotation in figure.layout.annotations]
    assert any(text.startswith("uniform (ln V)") for text in texts)
    assert any(text.startswith("unigram") for text in texts)
    assert any(text.startswith("bigram") for text in texts)


def test_reference_labels_sit_on_their_lines_on_a_log_axis():
    figure = loss_figure([], unit="perplexity", references={"bigram": 2.0})
    (shape,), (annotation,) = figure.layout.shapes, figure.layout.annotations
    assert shape.y0 == pytest.approx(math.exp(2.0))  # shapes take data values
    assert annotation.y == pytest.approx(math.log10(math.exp(2.0)))  # annotations take log10 on log axes


def test_no_references_no_shapes_and_non_finite_references_are_skipped():
    assert loss_figure([curve_from_events("run", EVENTS)]).layout.shapes == ()
    figure = loss_figure([], references={"uniform": 3.0, "bigram": float("nan")})
    assert [shape.name for shape in figure.layout.shapes] == ["uniform"]


def test_title_and_bad_arguments():
    assert loss_figure([], title="Zen").layout.title.text == "Zen"
    with pytest.raises(ValueError, match="unit"):
        loss_figure([], unit="percent")
    with pytest.raises(ValueError, match="x_axis"):
        loss_figure([], x_axis="epochs")


def test_axis_title():
    assert axis_title("nats") == "loss (nats per token)"
    assert axis_title("bits", "character") == "loss (bits per character)"


def test_a_real_run_draws_without_a_ui(pattern_text):
    trainer = Trainer(pattern_text, quick_config(max_steps=20, evaluations=2))
    events = []
    trainer.run(on_event=events.append)
    figure = loss_figure(
        [curve_from_events("tiny", events), curve_from_history("tiny history", trainer.history)],
        references=trainer.references,
    )
    assert len(figure.data) == 4
    assert len(figure.layout.shapes) == 3
    assert len(traces_by_name(figure)["tiny · train"].x) == 20


def test_texts_in_another_language():
    texts = LossChartTexts(
        train="träning",
        validation="validering",
        x_titles={"step": "träningssteg", "seconds": "träningstid (sekunder)"},
        units={"nats": "nats", "bits": "bit", "perplexity": "perplexitet"},
        loss_title="förlust ({unit} per {token_name})",
        references={"uniform": "jämn (ln V)"},
        separators=", ",
    )
    figure = loss_figure(
        [curve_from_events("run", EVENTS)], unit="bits", references=REFERENCES, token_name="tecken", texts=texts
    )
    assert [trace.name for trace in figure.data] == ["run · träning", "run · validering"]
    assert figure.layout.yaxis.title.text == "förlust (bit per tecken)"
    assert figure.layout.xaxis.title.text == "träningssteg"
    assert figure.layout.separators == ", "
    uniform = next(a.text for a in figure.layout.annotations if a.name == "uniform")
    assert uniform.startswith("jämn (ln V): ") and "," in uniform and "." not in uniform


@pytest.mark.parametrize("unit", ["nats", "perplexity"])
def test_the_figure_built_without_validation_is_a_valid_plotly_figure(unit):
    import plotly.graph_objects as go

    figure = loss_figure([curve_from_events("run", EVENTS)], unit=unit, references=REFERENCES, title="LSTM")
    validated = go.Figure(figure.to_dict())  # raises on any property plotly does not know
    assert validated.to_dict() == figure.to_dict()
    assert validated.layout.yaxis.type == ("log" if unit == "perplexity" else "linear")
