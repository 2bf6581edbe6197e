"""The next-token bar chart: what the model said, what the settings made of it, and what was drawn.

:func:`distribution_figure` turns a :class:`~rnnlab.sampling.NextTokenDistribution` into one
Plotly figure, with no Streamlit involved (it works the same in a notebook)::

    from rnnlab.distribution_chart import distribution_figure
    distribution_figure(next_token_distribution(model, vocab, "ROMEO:", settings)).show()

What the figure shows, bar by bar (the ``rows`` tokens the model itself finds most likely, most
likely first):

* a light bar: the model's own probability (T = 1, no processors);
* a strong bar beside it: the probability after repetition penalty, temperature and the cuts;
* grey bars: tokens a cut removed (they can no longer be drawn);
* dashed lines: where top-k and top-p cut the sorted bars, and the min-p threshold;
* an outline: the token that was drawn (``highlight_token_id``); when it is not among the
  ``rows`` most likely tokens it takes the last bar's place, with a note;
* the title: entropy in bits and effective choices (2^H), before -> after;
* with ``uniform`` (the "same random draw" number ``u``) a strip underneath: the surviving tokens
  laid end to end as the cumulative distribution from 0 to 1, and where ``u`` lands on it.

Its words are English unless a :class:`DistributionChartTexts` in another language is passed.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from rnnlab.sampling import NextTokenDistribution, SamplingSettings, choose_token, most_probable_first

# Colours: the app's primary orange for what the settings produce, a pale version of it for the
# model's own probabilities, greys for removed tokens.
ORIGINAL_COLOUR = "#ffc9a8"
FINAL_COLOUR = "#d9480f"
REMOVED_ORIGINAL_COLOUR = "#dee2e6"
REMOVED_FINAL_COLOUR = "#adb5bd"
CUT_COLOUR = "#495057"
HIGHLIGHT_COLOUR = "#1c7ed6"
STRIP_COLOURS = ("#ffa94d", "#ffd8a8")

ORIGINAL_NAME = "model (T = 1)"
FINAL_NAME = "after your settings"


@dataclass(frozen=True)
class DistributionChartTexts:
    """Every word the bar chart shows, in English unless another language's texts are given.

    The texts are ``str.format`` templates (see :meth:`fill`); the fields each one gets are the
    ones it names. ``separators`` is Plotly's: the decimal mark, then the thousands separator.
    """

    original: str = ORIGINAL_NAME
    final: str = FINAL_NAME
    hover_model: str = "model"
    hover_settings: str = "settings"
    hover_removed: str = " · removed by {stage}"
    hover_drawn: str = " · drawn"
    probability: str = "probability"
    cumulative: str = "cumulative"
    title: str = (
        "Entropy {entropy_before:.2f} → {entropy_after:.2f} bits · "
        "effective choices {choices_before:.1f} → {choices_after:.1f}"
    )
    top_k: str = "top-k = {k}"
    top_k_unknown: str = "top-k keeps {count}"
    top_p: str = "top-p {p:g}: Σ = {mass:.2f}"
    top_p_unknown: str = "top-p: Σ = {mass:.2f}"
    min_p: str = "min-p: {ratio:.2g} × the top bar"
    reordered: str = "{cut} (not the first bars: the repetition penalty reordered them)"
    beyond: str = "{cut} (cut beyond the {rows} bars shown)"
    drawn_last: str = "the last bar, {label}, is the drawn token: number {rank} by the model's probability"
    strip: str = "u on the cumulative distribution"
    lands: str = "u = {u:.3f} lands on {token}"
    separators: str = ".,"
    stage_names: dict[str, str] = field(default_factory=dict)  # a processor's name -> its name here

    def fill(self, template: str, **fields) -> str:
        """``template.format(**fields)``, its decimal numbers written with this language's decimal mark."""
        return _DecimalMarkFormatter(self.separators[0]).format(template, **fields)


class _DecimalMarkFormatter(string.Formatter):
    """``str.format`` that writes the decimal point of float fields as ``mark``."""

    def __init__(self, mark: str):
        self.mark = mark

    def format_field(self, value, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        return text.replace(".", self.mark) if isinstance(value, float) else text


ENGLISH = DistributionChartTexts()

_VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥", "\r": "␍", "\ufffd": "�"}


def readable_token(token: str) -> str:
    """A token as a learner can read it on an axis: space ␣, line break ⏎, tab ⇥, other invisible
    characters as their code point (U+00A0)."""
    if token in _VISIBLE:
        return _VISIBLE[token]
    if len(token) == 1 and (unicodedata.category(token).startswith(("C", "Z"))):
        return f"U+{ord(token):04X}"
    return token


def _labels(token_ids: list[int], tokens: list[str]) -> list[str]:
    """Axis labels, made unique (a category axis merges equal labels)."""
    labels, seen = [], set()
    for token_id in token_ids:
        label = readable_token(tokens[token_id])
        if label in seen:
            label = f"{label} #{token_id}"
        seen.add(label)
        labels.append(label)
    return labels


def _removed_by(dist: NextTokenDistribution) -> dict[int, str]:
    """Token id -> name of the processor that removed it."""
    removed: dict[int, str] = {}
    for before, stage in zip(dist.stages, dist.stages[1:], strict=False):
        gone = np.flatnonzero(before.kept & ~stage.kept).tolist()
        for token_id in gone:
            removed.setdefault(token_id, stage.name)
    return removed


def _cut_position(dist: NextTokenDistribution, stage_name: str, order: list[int]) -> int | None:
    """How many sorted tokens the named cut keeps, when they are exactly the first ones of ``order``
    (the chart's sort); None when that stage is off or kept a set that is not a prefix."""
    stage = next((s for s in dist.stages if s.name == stage_name), None)
    if stage is None:
        return None
    kept = stage.kept.tolist()
    count = sum(kept)
    if all(kept[token_id] for token_id in order[:count]):
        return count
    return None


def _stage_before(dist: NextTokenDistribution, stage_name: str):
    names = [s.name for s in dist.stages]
    return dist.stages[names.index(stage_name) - 1]


def distribution_figure(
    dist: NextTokenDistribution,
    *,
    rows: int = 30,
    highlight_token_id: int | None = None,
    uniform: float | None = None,
    settings: SamplingSettings | None = None,
    texts: DistributionChartTexts = ENGLISH,
) -> go.Figure:
    """A sorted bar chart of the next-token distribution before and after the settings.

    Bars follow the model's own probabilities (highest first, ties by id), ``rows`` of them. The
    two bar series are named ``texts.original`` and ``texts.final`` (in English
    :data:`ORIGINAL_NAME` and :data:`FINAL_NAME`); their ``y`` values are
    exactly ``dist.original_probs`` and ``dist.final_probs`` of the tokens shown. Cut-offs are
    layout shapes named ``"top-k"``, ``"top-p"`` and ``"min-p"``. ``settings`` (optional) puts
    the slider values into the labels and places the min-p line exactly; without it the line is
    drawn at the smallest surviving probability.
    """
    rows = max(1, min(int(rows), len(dist.tokens)))
    all_order = [row.token_id for row in dist.top(len(dist.tokens))]
    shown = all_order[:rows]
    skipped_to: int | None = None  # rank of a highlighted token beyond the rows, shown as the last bar
    if highlight_token_id is not None and highlight_token_id not in shown and 0 <= highlight_token_id < len(all_order):
        skipped_to = all_order.index(highlight_token_id) + 1
        shown = all_order[: rows - 1] + [highlight_token_id]
    labels = _labels(shown, dist.tokens)
    removed = _removed_by(dist)

    original = [dist.original_probs[i] for i in shown]
    final = [dist.final_probs[i] for i in shown]
    kept = [dist.kept[i] for i in shown]
    highlight = [token_id == highlight_token_id for token_id in shown]
    hover = [
        f"{dist.original_probs[i]:.3f} → {dist.final_probs[i]:.3f}"
        + (texts.fill(texts.hover_removed, stage=texts.stage_names.get(removed[i], removed[i])) if i in removed else "")
        + (texts.hover_drawn if i == highlight_token_id else "")
        for i in shown
    ]
    outline = {
        "color": HIGHLIGHT_COLOUR,
        "width": [3 if h else 0 for h in highlight],
    }
    data = [
        {
            "type": "bar",
            "name": texts.original,
            "x": labels,
            "y": original,
            "marker": {
                "color": [ORIGINAL_COLOUR if k else REMOVED_ORIGINAL_COLOUR for k in kept],
                "line": outline,
            },
            "customdata": hover,
            "hovertemplate": f"%{{x}}: %{{customdata}}<extra>{texts.hover_model}</extra>",
        },
        {
            "type": "bar",
            "name": texts.final,
            "x": labels,
            "y": final,
            "marker": {
                "color": [FINAL_COLOUR if k else REMOVED_FINAL_COLOUR for k in kept],
                "line": outline,
            },
            "customdata": hover,
            "hovertemplate": f"%{{x}}: %{{customdata}}<extra>{texts.hover_settings}</extra>",
        },
    ]

    shapes: list[dict] = []
    annotations: list[dict] = []
    notes: list[str] = []
    for name in ("top-k", "top-p"):
        stage = next((s for s in dist.stages if s.name == name), None)
        if stage is None:
            continue
        count = _cut_position(dist, name, all_order)
        if name == "top-k":
            if settings is not None:
                text = texts.fill(texts.top_k, k=settings.top_k)
            else:
                text = texts.fill(texts.top_k_unknown, count=int(stage.kept.sum()))
        else:
            before = _stage_before(dist, name)
            mass = float(before.probs[stage.kept].sum())
            if settings is not None:
                text = texts.fill(texts.top_p, p=settings.top_p, mass=mass)
            else:
                text = texts.fill(texts.top_p_unknown, mass=mass)
        if count is None:
            notes.append(texts.fill(texts.reordered, cut=text))
        elif count >= rows:
            if count < len(dist.tokens):
                notes.append(texts.fill(texts.beyond, cut=text, rows=rows))
        else:
            shapes.append(
                {
                    "type": "line",
                    "name": name,
                    "xref": "x",
                    "yref": "y domain",
                    "x0": count - 0.5,
                    "x1": count - 0.5,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": CUT_COLOUR, "width": 2, "dash": "dash"},
                    "label": {
                        "text": text,
                        # top-k's label at the top, top-p's lower down: the two lines often coincide
                        "textposition": "end" if name == "top-k" else "middle",
                        "textangle": 0,
                        "xanchor": "left",
                        "yanchor": "top" if name == "top-k" else "middle",
                        "padding": 4,
                        "font": {"size": 11, "color": CUT_COLOUR},
                    },
                }
            )
    min_p_stage = next((s for s in dist.stages if s.name == "min-p"), None)
    if min_p_stage is not None:
        # min-p is the last cut, so the survivors are only rescaled: its threshold, min_p × the top
        # probability before the cut, is min_p × the top final probability on the orange bars.
        if settings is not None:
            ratio = settings.min_p
        else:
            ratio = _min_p_ratio(_stage_before(dist, "min-p").probs, min_p_stage.kept)
        level = ratio * max(dist.final_probs) if ratio is not None else None
        if level is not None:
            shapes.append(
                {
                    "type": "line",
                    "name": "min-p",
                    "xref": "x domain",
                    "yref": "y",
                    "x0": 0,
                    "x1": 1,
                    "y0": level,
                    "y1": level,
                    "line": {"color": CUT_COLOUR, "width": 2, "dash": "dot"},
                    "label": {
                        "text": texts.fill(texts.min_p, ratio=ratio),
                        "textposition": "end",
                        "yanchor": "bottom",
                        "font": {"size": 11, "color": CUT_COLOUR},
                    },
                }
            )

    if skipped_to is not None:
        notes.append(texts.fill(texts.drawn_last, label=labels[-1], rank=skipped_to))
    title = texts.fill(
        texts.title,
        entropy_before=dist.entropy_bits_original,
        entropy_after=dist.entropy_bits_final,
        choices_before=dist.effective_choices_original,
        choices_after=dist.effective_choices_final,
    )
    layout: dict = {
        "title": {"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        "barmode": "group",
        "bargap": 0.15,
        "bargroupgap": 0.0,
        "height": 380,
        "margin": {"l": 50, "r": 20, "t": 70, "b": 40},
        # title on the first line, legend on the second, cut labels inside the plot: no overlaps
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        "xaxis": {"type": "category", "tickangle": 0, "tickfont": {"size": 13}},
        "yaxis": {"title": {"text": texts.probability}, "rangemode": "tozero"},
        "separators": texts.separators,
        "shapes": shapes,
        "annotations": annotations,
        "meta": {
            "token_ids": shown,
            "removed_by": {str(i): removed[i] for i in shown if i in removed},
            "notes": notes,
        },
    }
    if notes:
        annotations.append(
            {
                "text": "; ".join(notes),
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 0.98,
                "xanchor": "right",
                "showarrow": False,
                "font": {"size": 11, "color": CUT_COLOUR},
            }
        )
    if uniform is not None:
        _add_uniform_strip(dist, float(uniform), data, layout, texts)
    for name in ("shapes", "annotations"):
        if not layout[name]:
            del layout[name]
    # Built from plain dicts checked by the tests, so plotly's per-property validation (half of
    # the build time, and the chart is redrawn on every slider move) is skipped.
    return go.Figure(data=data, layout=layout, _validate=False)


def _min_p_ratio(probs_before: np.ndarray, kept: np.ndarray) -> float | None:
    """Without the settings, the smallest surviving probability over the largest: a lower bound of
    the min-p the cut used (every survivor is at least min_p × the largest)."""
    surviving = probs_before[kept]
    if surviving.size == 0:
        return None
    return float(surviving.min() / probs_before.max())


def _add_uniform_strip(
    dist: NextTokenDistribution, u: float, data: list[dict], layout: dict, texts: DistributionChartTexts
) -> None:
    """A strip under the bars: the surviving tokens end to end (most probable first), and ``u``."""
    probs = dist.stages[-1].probs
    order = most_probable_first(probs)
    sorted_probs = probs[order]
    count = int((sorted_probs > 0).sum())
    widths = sorted_probs[:count].tolist()
    ids = order[:count].tolist()
    starts = [0.0]
    for width in widths[:-1]:
        starts.append(starts[-1] + width)
    drawn = choose_token(probs, greedy=False, uniform=min(max(u, 0.0), 1 - 1e-12))
    labels = [readable_token(dist.tokens[i]) for i in ids]
    data.append(
        {
            "type": "bar",
            "name": texts.strip,
            "orientation": "h",
            "x": widths,
            "base": starts,
            "y": ["u"] * count,
            "xaxis": "x2",
            "yaxis": "y2",
            "width": 0.9,
            "text": [label if width >= 0.04 else "" for label, width in zip(labels, widths, strict=True)],
            "textposition": "inside",
            "insidetextanchor": "middle",
            "marker": {
                "color": [STRIP_COLOURS[n % 2] for n in range(count)],
                "line": {
                    "color": HIGHLIGHT_COLOUR,
                    "width": [3 if i == drawn else 0 for i in ids],
                },
            },
            "customdata": [f"{s:.3f} – {s + w:.3f}" for s, w in zip(starts, widths, strict=True)],
            "hovertemplate": "%{text}: %{customdata}<extra></extra>",
            "showlegend": False,
        }
    )
    layout["yaxis"]["domain"] = [0.3, 1.0]
    layout["xaxis2"] = {"domain": [0, 1], "range": [0, 1], "anchor": "y2", "title": {"text": texts.cumulative}}
    layout["yaxis2"] = {"domain": [0, 0.13], "anchor": "x2", "showticklabels": True, "fixedrange": True}
    layout["height"] = 460
    layout["shapes"].append(
        {
            "type": "line",
            "name": "u",
            "xref": "x2",
            "yref": "y2 domain",
            "x0": u,
            "x1": u,
            "y0": -0.1,
            "y1": 1.1,
            "line": {"color": HIGHLIGHT_COLOUR, "width": 3},
        }
    )
    layout["annotations"].append(
        {
            "text": texts.fill(texts.lands, u=u, token=readable_token(dist.tokens[drawn])),
            "xref": "x2",
            "yref": "y2 domain",
            "x": u,
            "y": 1.15,
            "yanchor": "bottom",
            "xanchor": "right" if u > 0.5 else "left",
            "showarrow": False,
            "font": {"size": 12, "color": HIGHLIGHT_COLOUR},
        }
    )
    layout["meta"]["uniform"] = {"u": u, "token_id": drawn}
