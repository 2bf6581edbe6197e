"""Logits processors, the choice of a token and the next-token distribution, on hand-computed cases."""

import math
from collections import deque

import numpy as np
import pytest
import torch

from rnnlab.errors import SettingsError
from rnnlab.sampling import (
    PROCESSOR_ORDER,
    MinP,
    RepetitionPenalty,
    SamplingSettings,
    Temperature,
    TopK,
    TopP,
    apply_processors,
    choose_token,
    effective_choices,
    encode_prompt,
    entropy_bits,
    most_probable_first,
    next_token_distribution,
    penalise_repeats,
    probabilities,
)
from rnnlab.vocab import UNKNOWN, Vocabulary

INF = float("inf")
PROBS = [0.5, 0.3, 0.15, 0.05]


@pytest.fixture
def logits() -> np.ndarray:
    return np.log(np.array(PROBS))


def kept_ids(logits: np.ndarray) -> list[int]:
    return np.flatnonzero(logits > -INF).tolist()


def probs_of(logits: np.ndarray) -> list[float]:
    return probabilities(logits).tolist()


# --- probabilities and ranking ----------------------------------------------------------------------


def test_probabilities_are_a_float64_softmax_with_removed_tokens_at_zero():
    logits = np.array([np.log(0.5), np.log(0.3), np.log(0.2), -INF], dtype=np.float32)
    before = logits.copy()
    probs = probabilities(logits)
    assert probs.dtype == np.float64
    assert probs.tolist() == pytest.approx([0.5, 0.3, 0.2, 0.0], abs=1e-7)
    assert probs[3] == 0.0
    np.testing.assert_array_equal(logits, before)  # the input is left alone


def test_probabilities_of_huge_logits_do_not_overflow():
    assert probabilities(np.array([1000.0, 1000.0, -1000.0])).tolist() == [0.5, 0.5, 0.0]


def test_probabilities_of_a_table_are_per_row():
    table = np.log(np.array([PROBS, [0.25] * 4]))
    np.testing.assert_allclose(probabilities(table), [PROBS, [0.25] * 4], atol=1e-15)
    np.testing.assert_array_equal(probabilities(table)[0], probabilities(table[0]))


def test_most_probable_first_orders_ties_by_id():
    assert most_probable_first(np.array([0.1, 0.3, 0.3, 0.0, 0.3])).tolist() == [1, 2, 4, 0, 3]
    table = np.array([[0.2, 0.5, 0.3], [0.4, 0.2, 0.4]])
    assert most_probable_first(table).tolist() == [[1, 2, 0], [0, 2, 1]]


# --- processors -----------------------------------------------------------------------------------


def test_top_k_keeps_exactly_k_and_renormalises(logits):
    out = TopK(2)(logits)
    assert kept_ids(out) == [0, 1]
    assert probs_of(out) == pytest.approx([0.625, 0.375, 0.0, 0.0], abs=1e-12)
    assert out[0] == logits[0] and out[1] == logits[1]  # survivors keep their logits


def test_top_k_ties_at_the_cut_go_to_the_lower_ids():
    assert kept_ids(TopK(2)(np.array([1.0, 2.0, 2.0, 2.0, 0.0]))) == [1, 2]
    assert kept_ids(TopK(3)(np.zeros(4))) == [0, 1, 2]


def test_top_k_at_least_vocabulary_size_keeps_all(logits):
    np.testing.assert_array_equal(TopK(4)(logits), logits)
    np.testing.assert_array_equal(TopK(100)(logits), logits)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.8, [0, 1]), (0.81, [0, 1, 2]), (0.5, [0]), (0.1, [0]), (0.96, [0, 1, 2, 3]), (1.0, [0, 1, 2, 3])],
)
def test_top_p_keeps_the_smallest_set_reaching_p(logits, p, expected):
    assert kept_ids(TopP(p)(logits)) == expected


def test_top_p_on_float32_logits_still_reaches_p_exactly():
    logits = np.log(np.array(PROBS, dtype=np.float32))
    assert kept_ids(TopP(0.8)(logits)) == [0, 1]
    assert kept_ids(TopP(0.95)(logits)) == [0, 1, 2]


def test_top_p_ties_are_taken_by_id():
    assert kept_ids(TopP(0.5)(np.zeros(4))) == [0, 1]
    assert kept_ids(TopP(0.3)(np.array([0.0, 1.0, 1.0, 0.0]))) == [1]


def test_min_p_keeps_tokens_at_least_p_times_the_best(logits):
    out = MinP(0.5)(logits)  # 0.5 * 0.5 = 0.25: keeps 0.5 and 0.3
    assert kept_ids(out) == [0, 1]
    assert probs_of(out) == pytest.approx([0.625, 0.375, 0.0, 0.0], abs=1e-12)
    assert kept_ids(MinP(0.0)(logits)) == [0, 1, 2, 3]
    assert kept_ids(MinP(1.0)(logits)) == [0]


def test_min_p_keeps_a_token_exactly_at_the_threshold():
    logits = np.log(np.array([0.5, 0.25, 0.25], dtype=np.float32))
    assert kept_ids(MinP(0.5)(logits)) == [0, 1, 2]


def test_temperature_half_equals_softmax_of_doubled_logits(logits):
    assert probs_of(Temperature(0.5)(logits)) == pytest.approx(probs_of(2 * logits), abs=1e-12)


def test_temperature_one_changes_nothing(logits):
    np.testing.assert_array_equal(Temperature(1.0)(logits), logits)


@pytest.mark.parametrize("t", [0.0, 1e-9, 1e-5])
def test_temperature_near_zero_is_greedy_without_nan(t):
    logits = np.array([1.0, 3.0, 2.9999, -50.0], dtype=np.float32)
    probs = probabilities(Temperature(t)(logits))
    assert not np.isnan(probs).any()
    assert probs.tolist() == [0.0, 1.0, 0.0, 0.0]


def test_temperature_near_zero_keeps_only_the_first_of_tied_maxima():
    assert kept_ids(Temperature(1e-9)(np.array([1.0, 3.0, 3.0, 0.0]))) == [1]


def test_temperature_keeps_float32_logits_float32():
    assert Temperature(0.5)(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_temperature_huge_is_uniform_over_surviving_tokens(logits):
    assert probs_of(Temperature(1e6)(logits)) == pytest.approx([0.25] * 4, abs=1e-4)
    survivors = Temperature(1e6)(TopK(2)(logits))
    assert probs_of(survivors) == pytest.approx([0.5, 0.5, 0.0, 0.0], abs=1e-4)


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits():
    logits = np.array([2.0, -1.0, 0.5, 3.0, 0.0])
    out = RepetitionPenalty(2.0, [0, 1, 1, 4])(logits)  # id 1 seen twice is penalised once
    assert out.tolist() == [1.0, -2.0, 0.5, 3.0, 0.0]  # a zero logit stays zero
    np.testing.assert_array_equal(RepetitionPenalty(2.0, [])(logits), logits)
    assert RepetitionPenalty(0.5, [3])(logits).tolist() == [2.0, -1.0, 0.5, 6.0, 0.0]


def test_processors_never_change_their_input(logits):
    before = logits.copy()
    for processor in (
        RepetitionPenalty(1.5, [0, 2]),
        Temperature(0.5),
        Temperature(0.0),
        TopK(2),
        TopP(0.8),
        MinP(0.5),
    ):
        out = processor(logits)
        assert out is not logits
        np.testing.assert_array_equal(logits, before)


def test_processors_keep_removed_tokens_removed(logits):
    removed = TopK(3)(logits)
    for processor in (
        RepetitionPenalty(1.5, [3]),
        Temperature(0.5),
        Temperature(1e6),
        Temperature(0.0),
        TopK(4),
        TopP(1.0),
        TopP(0.99),
        MinP(0.0),
    ):
        assert processor(removed)[3] == -INF


@pytest.mark.parametrize(
    "make",
    [
        lambda: Temperature(-1),
        lambda: TopK(0),
        lambda: TopK(2.5),
        lambda: TopP(0),
        lambda: TopP(1.5),
        lambda: MinP(-0.1),
        lambda: RepetitionPenalty(0, []),
    ],
)
def test_processors_reject_out_of_range_values(make):
    with pytest.raises(SettingsError):
        make()


# --- settings and stages ---------------------------------------------------------------------------


def test_default_settings_have_no_active_processor():
    assert SamplingSettings().processors([1, 2, 3]) == []


def test_active_processors_come_in_the_documented_order():
    settings = SamplingSettings(
        temperature=0.7, top_k=5, top_p=0.9, min_p=0.05, repetition_penalty=1.3, no_unknown=True
    )
    assert tuple(p.name for p in settings.processors([1])) == PROCESSOR_ORDER
    assert PROCESSOR_ORDER == ("no unknown", "repetition penalty", "temperature", "top-k", "top-p", "min-p")
    assert SamplingSettings().processors() == []  # every default switches its processor off


def test_no_unknown_removes_only_token_zero_and_renormalises():
    # probabilities 0.4 (unknown), 0.3, 0.2, 0.1 -> 0, 0.5, 1/3, 1/6
    logits = np.log(np.array([0.4, 0.3, 0.2, 0.1]))
    stages = apply_processors(logits, SamplingSettings(no_unknown=True).processors())
    assert [s.name for s in stages] == ["model", "no unknown"]
    assert stages[-1].probs.tolist() == pytest.approx([0.0, 0.5, 1 / 3, 1 / 6])
    assert stages[-1].kept.tolist() == [False, True, True, True]
    assert choose_token(stages[-1].probs, greedy=True) == 1  # was 0, the unknown token


def test_penalise_repeats_is_the_penalty_for_any_sequence_of_ids():
    logits = np.array([2.0, -1.0, 0.5, 3.0], dtype=np.float32)
    window = deque([0, 1, 1], maxlen=3)
    out = penalise_repeats(logits, window, 2.0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, RepetitionPenalty(2.0, window)(logits))
    # What generation passes: a view of its id array, the window of the text so far.
    np.testing.assert_array_equal(penalise_repeats(logits, np.array([3, 0, 1, 1])[1:], 2.0), out)
    np.testing.assert_array_equal(penalise_repeats(logits, deque(), 2.0), logits)
    np.testing.assert_array_equal(penalise_repeats(logits, np.array([], dtype=np.intp), 2.0), logits)


def test_repetition_penalty_looks_only_at_the_window():
    settings = SamplingSettings(repetition_penalty=1.2, repetition_window=3)
    (penalty,) = settings.processors(range(10))
    assert penalty.previous_ids == (7, 8, 9)


@pytest.mark.parametrize(
    "values",
    [
        dict(temperature=-0.1),
        dict(temperature=float("nan")),
        dict(top_k=-1),
        dict(top_k=True),
        dict(top_p=0.0),
        dict(top_p=1.01),
        dict(min_p=1.5),
        dict(repetition_penalty=0.0),
        dict(repetition_window=0),
    ],
)
def test_settings_out_of_range_raise_one_sentence(values):
    with pytest.raises(SettingsError) as error:
        SamplingSettings(**values)
    message = str(error.value)
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


def test_every_stage_is_a_distribution(logits):
    settings = SamplingSettings(
        temperature=0.7, top_k=3, top_p=0.9, min_p=0.1, repetition_penalty=1.3, no_unknown=True
    )
    stages = apply_processors(logits.astype(np.float32), settings.processors([0]))
    assert [s.name for s in stages] == ["model", *PROCESSOR_ORDER]
    for stage in stages:
        assert isinstance(stage.probs, np.ndarray) and stage.probs.dtype == np.float64
        assert float(stage.probs.sum()) == pytest.approx(1.0, abs=1e-6)
        np.testing.assert_array_equal(stage.kept, stage.probs > 0)
    assert stages[0].probs.tolist() == pytest.approx(PROBS, abs=1e-6)


def test_stages_accept_a_tensor_or_a_list(logits):
    from_tensor = apply_processors(torch.from_numpy(logits), [TopK(2)])
    from_list = apply_processors(logits.tolist(), [TopK(2)])
    for stages in (from_tensor, from_list):
        assert isinstance(stages[-1].logits, np.ndarray)
        assert stages[-1].kept.tolist() == [True, True, False, False]


def test_stages_show_each_step(logits):
    stages = apply_processors(logits, [TopK(3), TopP(0.8)])
    assert [s.kept.tolist() for s in stages] == [
        [True, True, True, True],
        [True, True, True, False],
        [True, True, False, False],  # 0.5 / 0.95 + 0.3 / 0.95 = 0.842 reaches 0.8
    ]


# --- choosing -------------------------------------------------------------------------------------


def test_greedy_takes_the_argmax_and_the_lowest_id_on_ties():
    assert choose_token(np.array([0.1, 0.6, 0.3]), greedy=True) == 1
    assert choose_token(np.array([0.2, 0.4, 0.4]), greedy=True) == 1
    assert choose_token([0.2, 0.4, 0.4], greedy=True) == 1  # a list or a tensor works too
    assert choose_token(torch.tensor([0.5, 0.1, 0.4]), greedy=True) == 0


def test_same_generator_seed_reproduces_the_draws():
    probs = np.full(10, 0.1)
    draws = [
        [choose_token(probs, greedy=False, generator=g) for _ in range(20)]
        for g in (torch.Generator().manual_seed(7), torch.Generator().manual_seed(7))
    ]
    assert draws[0] == draws[1]
    assert len(set(draws[0])) > 1


def test_a_generator_draw_is_the_inverse_cdf_of_its_next_number():
    probs = np.array([0.1, 0.6, 0.3, 0.0])
    generator, numbers = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    for _ in range(30):
        u = float(torch.rand((), generator=numbers, dtype=torch.float64))
        assert choose_token(probs, greedy=False, generator=generator) == choose_token(probs, greedy=False, uniform=u)


def test_generator_draws_follow_the_probabilities():
    probs = np.array([0.1, 0.6, 0.3, 0.0])
    generator = torch.Generator().manual_seed(0)
    counts = np.bincount([choose_token(probs, greedy=False, generator=generator) for _ in range(4000)], minlength=4)
    assert counts[3] == 0  # probability 0: never drawn
    np.testing.assert_allclose(counts / 4000, probs, atol=0.03)


@pytest.mark.parametrize(
    ("uniform", "expected"), [(0.0, 1), (0.59, 1), (0.6, 2), (0.89, 2), (0.9, 0), (0.99, 0)]
)
def test_inverse_cdf_walks_from_most_to_least_probable(uniform, expected):
    # order by probability: id 1 (0.6), id 2 (0.3), id 0 (0.1); cumulative 0.6, 0.9, 1.0
    probs = np.array([0.1, 0.6, 0.3])
    assert choose_token(probs, greedy=False, uniform=uniform) == expected


def test_inverse_cdf_extremes_pick_most_and_least_probable_surviving(logits):
    probs = probabilities(TopK(3)(logits))  # id 3 removed
    assert choose_token(probs, greedy=False, uniform=0.0) == 0
    assert choose_token(probs, greedy=False, uniform=math.nextafter(1.0, 0.0)) == 2


def test_inverse_cdf_when_rounding_leaves_the_total_below_u():
    probs = np.array([0.3, 0.0, 0.6, 0.0999])  # adds up to 0.9999: u = 0.99995 is past the end
    assert choose_token(probs, greedy=False, uniform=0.99995) == 3  # the least probable survivor


def test_inverse_cdf_ties_are_ordered_by_id():
    probs = np.full(4, 0.25)
    assert [choose_token(probs, greedy=False, uniform=u) for u in (0.1, 0.3, 0.6, 0.8)] == [0, 1, 2, 3]


@pytest.mark.parametrize("uniform", [-0.1, 1.0, float("nan"), True])
def test_uniform_outside_zero_one_is_refused(uniform):
    with pytest.raises(SettingsError):
        choose_token(np.array([0.5, 0.5]), greedy=False, uniform=uniform)


def test_entropy_in_bits():
    assert entropy_bits(np.full(4, 0.25)) == pytest.approx(2.0)
    assert effective_choices(np.full(4, 0.25)) == pytest.approx(4.0)
    assert entropy_bits([1.0, 0.0, 0.0]) == 0.0  # 0 log 0 counts as 0
    assert entropy_bits([0.5, 0.5, 0.0]) == pytest.approx(1.0)
    expected = -sum(p * math.log2(p) for p in PROBS)
    assert entropy_bits(PROBS) == pytest.approx(expected)


# --- the next-token distribution --------------------------------------------------------------------


def test_next_token_distribution_of_a_known_model(constant_model, abcd):
    settings = SamplingSettings(top_k=2)
    dist = next_token_distribution(constant_model, abcd, "ab", settings)
    assert dist.tokens == [UNKNOWN, "a", "b", "c", "d"]
    assert dist.original_probs == pytest.approx([0.0, 0.5, 0.3, 0.15, 0.05], abs=1e-6)
    assert dist.final_probs == pytest.approx([0.0, 0.625, 0.375, 0.0, 0.0], abs=1e-6)
    assert dist.kept == [False, True, True, False, False]
    assert [s.name for s in dist.stages] == ["model", "top-k"]
    assert dist.entropy_bits_final == pytest.approx(
        -(0.625 * math.log2(0.625) + 0.375 * math.log2(0.375)), abs=1e-5
    )
    assert dist.effective_choices_final == pytest.approx(2**dist.entropy_bits_final)
    assert dist.entropy_bits_original > dist.entropy_bits_final
    assert dist.greedy_id == 1
    rows = dist.top(3)
    assert [(r.token, r.kept, r.token_id) for r in rows] == [("a", True, 1), ("b", True, 2), ("c", False, 3)]
    assert rows[0].original == pytest.approx(0.5, abs=1e-6) and rows[0].final == pytest.approx(
        0.625, abs=1e-6
    )


def test_next_token_distribution_penalises_tokens_of_the_prompt(constant_model, abcd):
    # logits log 0.5 and log 0.3 of a and b (both negative) are multiplied by 2
    dist = next_token_distribution(constant_model, abcd, "ab", SamplingSettings(repetition_penalty=2.0))
    weights = [0.5**2, 0.3**2, 0.15, 0.05]
    assert dist.final_probs[1:] == pytest.approx([w / sum(weights) for w in weights], abs=1e-6)


def test_next_token_distribution_follows_the_prompt(successor_model, abcd):
    dist = next_token_distribution(successor_model, abcd, "abc", SamplingSettings(temperature=0.0))
    assert dist.final_probs == [0.0, 0.0, 0.0, 0.0, 1.0]  # after c comes d


def test_empty_prompt_starts_after_a_line_break():
    vocab = Vocabulary(tokens=(UNKNOWN, "\n", "a"))
    assert encode_prompt(vocab, "") == [1]
    with pytest.raises(SettingsError):
        encode_prompt(Vocabulary(tokens=(UNKNOWN, "a")), "")


def test_distribution_restores_training_mode_and_holds_numpy_arrays(random_lstm, abcd):
    random_lstm.train()
    dist = next_token_distribution(random_lstm, abcd, "abc", SamplingSettings(temperature=0.5))
    assert random_lstm.training
    for stage in dist.stages:
        assert all(isinstance(a, np.ndarray) for a in (stage.logits, stage.probs, stage.kept))
        assert stage.logits.shape == (abcd.size,)
