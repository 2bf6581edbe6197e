"""Generation: greedy, seeded, same-draw and forced tokens, beam search, and step distributions."""

import math

import pytest
import torch

from rnnlab.errors import SettingsError
from rnnlab.generation import (
    Generation,
    beam_search,
    distribution_at,
    fixed_uniforms,
    generate,
    greedy_and_sampled,
    greedy_settings,
)
from rnnlab.sampling import SamplingSettings
from rnnlab.vocab import UNKNOWN, Vocabulary


def log_row(probs) -> list[float]:
    return [math.log(p) if p > 0 else -30.0 for p in probs]


def test_greedy_follows_the_most_probable_path(successor_model, abcd):
    gen = generate(successor_model, abcd, "a", length=9, greedy=True)
    assert gen.text == "bcdabcdab"
    assert gen.full_text == "abcdabcdab"
    assert gen.mode == "greedy" and gen.seed is None
    assert [s.position for s in gen.steps] == list(range(9))
    assert [s.token for s in gen.steps] == list("bcdabcdab")
    assert gen.token_ids == [2, 3, 4, 1, 2, 3, 4, 1, 2]


def test_step_records_hold_the_probabilities_of_each_choice(constant_model, abcd):
    gen = generate(constant_model, abcd, "c", length=2, greedy=True, settings=SamplingSettings(top_k=2))
    first = gen.steps[0]
    assert (first.token, first.token_id, first.uniform, first.forced) == ("a", 1, None, False)
    assert first.probability == pytest.approx(0.625, abs=1e-6)
    assert first.original_probability == pytest.approx(0.5, abs=1e-6)
    assert [t for t, _ in first.alternatives] == ["a", "b", UNKNOWN, "c", "d"]  # ties (all 0) by id
    assert [p for _, p in first.alternatives] == pytest.approx([0.625, 0.375, 0, 0, 0], abs=1e-6)


def test_top_k_one_equals_greedy(random_lstm, abcd):
    greedy = generate(random_lstm, abcd, "ab", length=40, greedy=True)
    top1 = generate(random_lstm, abcd, "ab", length=40, settings=SamplingSettings(top_k=1), seed=3)
    assert top1.text == greedy.text
    assert all(s.probability == 1.0 for s in top1.steps)


def test_same_seed_reproduces_and_other_seeds_differ(random_lstm, abcd):
    settings = SamplingSettings(temperature=1.5)
    texts = [generate(random_lstm, abcd, "ab", length=60, settings=settings, seed=s).text for s in (1, 1, 2)]
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]
    assert generate(random_lstm, abcd, "ab", length=5, seed=42).seed == 42


def test_sampling_does_not_touch_the_global_random_generator(random_lstm, abcd):
    before = torch.get_rng_state()
    generate(random_lstm, abcd, "ab", length=20, seed=5)
    generate(random_lstm, abcd, "ab", length=20)  # unseeded: a private generator seeded by the OS
    assert torch.equal(torch.get_rng_state(), before)


def test_unseeded_sampling_records_a_seed_that_repeats_the_run(random_lstm, abcd):
    settings = SamplingSettings(temperature=2.0)
    first = generate(random_lstm, abcd, "ab", length=40, settings=settings)
    again = generate(random_lstm, abcd, "ab", length=40, settings=settings, seed=first.seed)
    assert again.text == first.text


def test_forcing_a_token_branches_the_continuation(successor_model, abcd):
    gen = generate(successor_model, abcd, "a", length=8, greedy=True, forced={2: 1})  # force "a" at step 2
    assert gen.text == "bcabcdab"
    assert [s.forced for s in gen.steps] == [False, False, True, False, False, False, False, False]
    assert gen.steps[2].probability == pytest.approx(1 / (math.exp(3) + 4), abs=1e-6)


def test_forcing_keeps_the_same_random_numbers_after_the_branch(random_lstm, abcd):
    settings = SamplingSettings(temperature=1.5)
    plain = generate(random_lstm, abcd, "ab", length=30, settings=settings, seed=9)
    forced_id = plain.steps[10].token_id
    same = generate(random_lstm, abcd, "ab", length=30, settings=settings, seed=9, forced={10: forced_id})
    assert same.text == plain.text  # forcing the token it would have chosen changes nothing


def test_same_draw_with_tiny_temperature_equals_greedy(random_lstm, abcd):
    greedy = generate(random_lstm, abcd, "ab", length=40, greedy=True)
    uniforms = fixed_uniforms(0, 40)
    cold = generate(random_lstm, abcd, "ab", length=40, settings=SamplingSettings(temperature=1e-6), uniforms=uniforms)
    assert cold.text == greedy.text
    assert [s.uniform for s in cold.steps] == uniforms
    assert cold.seed is None


def test_same_draw_uses_the_inverse_cdf_from_the_most_probable_token(constant_model, abcd):
    # a 0.5, b 0.3, c 0.15, d 0.05: cumulative 0.5, 0.8, 0.95, 1.0
    gen = generate(constant_model, abcd, "a", length=4, uniforms=[0.0, 0.6, 0.9, 0.97])
    assert gen.text == "abcd"
    # with top-k 2 the same draws land on a or b only: cumulative 0.625, 1.0
    narrowed = generate(
        constant_model,
        abcd,
        "a",
        length=4,
        uniforms=[0.0, 0.6, 0.9, 0.97],
        settings=SamplingSettings(top_k=2),
    )
    assert narrowed.text == "aabb"


def test_fixed_uniforms_are_reproducible_numbers_below_one():
    assert fixed_uniforms(3, 50) == fixed_uniforms(3, 50)
    assert fixed_uniforms(3, 50) != fixed_uniforms(4, 50)
    assert all(0 <= u < 1 for u in fixed_uniforms(3, 50))


def test_repetition_penalty_avoids_the_last_token(constant_model, abcd):
    # window 1: only the previous token is penalised; its log-probability is tripled
    settings = SamplingSettings(repetition_penalty=3.0, repetition_window=1)
    assert generate(constant_model, abcd, "c", length=6, greedy=True, settings=settings).text == "ababab"
    assert generate(constant_model, abcd, "c", length=6, greedy=True).text == "aaaaaa"


def test_zero_length_gives_an_empty_generation(random_lstm, abcd):
    gen = generate(random_lstm, abcd, "ab", length=0, greedy=True)
    assert (gen.text, gen.steps, gen.full_text) == ("", [], "ab")


def test_generation_restores_training_mode(random_lstm, abcd):
    random_lstm.train()
    generate(random_lstm, abcd, "ab", length=3, seed=1)
    assert random_lstm.training


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(length=-1),
        dict(length=2.5),
        dict(greedy=True, uniforms=[0.5] * 10),
        dict(uniforms=[0.5] * 3),
        dict(forced={10: 1}),
        dict(forced={0: 99}),
    ],
)
def test_bad_generation_requests_raise_settings_error(random_lstm, abcd, kwargs):
    kwargs = {"length": 10, **kwargs}
    with pytest.raises(SettingsError):
        generate(random_lstm, abcd, "ab", **kwargs)


def test_word_level_full_text_uses_word_spacing(bigram_model):
    vocab = Vocabulary(tokens=(UNKNOWN, "\n", ".", "cat", "sat", "the"), level="word")
    table = [[0.0] * 6 for _ in range(6)]
    for current, following in {5: 3, 3: 4, 4: 2, 2: 1, 1: 5, 0: 5}.items():
        table[current][following] = 5.0
    model = bigram_model(table)
    gen = generate(model, vocab, "the", length=4, greedy=True)
    assert gen.text == "cat sat.\n"
    assert gen.full_text == "the cat sat.\n"


# --- beam search ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "layers"), [("lstm", 1), ("lstm", 2), ("gru", 2), ("rnn", 1)])
def test_beam_width_one_equals_greedy(random_model, abcd, cell, layers):
    model = random_model(cell, layers)
    beam = beam_search(model, abcd, "abc", length=30, width=1)
    assert beam.text == generate(model, abcd, "abc", length=30, greedy=True).text
    assert beam.mode == "beam"


def test_beam_search_finds_a_better_path_than_greedy(bigram_model, abcd):
    # after the prompt "d": a 0.5, b 0.4; after a: anything (0.25 each); after b: c 0.97
    table = [log_row([0.0, 0.25, 0.25, 0.25, 0.25])] * 5
    table[4] = log_row([0.0, 0.5, 0.4, 0.05, 0.05])
    table[2] = log_row([0.0, 0.01, 0.01, 0.97, 0.01])
    model = bigram_model(table)
    greedy = generate(model, abcd, "d", length=2, greedy=True)
    beam = beam_search(model, abcd, "d", length=2, width=2)
    assert greedy.text == "aa"
    assert beam.text == "bc"
    assert beam.log_probability == pytest.approx(math.log(0.4 * 0.97), abs=1e-5)
    assert beam.log_probability > greedy.log_probability
    assert [s.original_probability for s in beam.steps] == pytest.approx([0.4, 0.97], abs=1e-5)


def test_beam_search_with_many_beams_runs_on_every_cell(random_model, abcd):
    for cell in ("lstm", "gru", "rnn"):
        gen = beam_search(random_model(cell, 2), abcd, "ab", length=12, width=4)
        assert len(gen.steps) == 12 and len(gen.text) == 12


# --- step distributions ---------------------------------------------------------------------------


def test_distribution_at_matches_the_recorded_steps(random_lstm, abcd):
    settings = SamplingSettings(temperature=0.8, top_p=0.9, repetition_penalty=1.3, repetition_window=5)
    gen = generate(random_lstm, abcd, "ab", length=12, settings=settings, seed=4, forced={3: 4})
    for position in (0, 3, 4, 11):
        dist = distribution_at(random_lstm, abcd, "ab", gen, position, settings)
        step = gen.steps[position]
        assert dist.final_probs[step.token_id] == pytest.approx(step.probability, abs=1e-5)
        assert dist.original_probs[step.token_id] == pytest.approx(step.original_probability, abs=1e-5)
    after_last = distribution_at(random_lstm, abcd, "ab", gen, 12)  # settings default to the generation's
    assert sum(after_last.final_probs) == pytest.approx(1.0)
    with pytest.raises(SettingsError):
        distribution_at(random_lstm, abcd, "ab", gen, 13, settings)


def test_log_probability_of_an_empty_continuation_is_zero():
    assert Generation(prompt="a", text="", steps=[], mode="greedy").log_probability == 0.0


def test_no_unknown_keeps_a_model_that_prefers_it_from_ever_choosing_it(bigram_model, abcd):
    from tests.unit.conftest import log_row

    # After any token: unknown 0.6, then a 0.25, b 0.1, c 0.05.
    model = bigram_model([log_row([0.6, 0.25, 0.1, 0.05, 0.0])] * 5)
    assert set(generate(model, abcd, "a", length=30, greedy=True).token_ids) == {0}
    settings = SamplingSettings(temperature=1.5, no_unknown=True)
    greedy, sampled = greedy_and_sampled(model, abcd, "a", length=200, settings=settings, seed=3)
    assert greedy.text == "a" * 200
    assert 0 not in sampled.token_ids and len(set(sampled.token_ids)) == 3
    assert sampled.steps[0].probability == pytest.approx(
        0.25 ** (1 / 1.5) / sum(p ** (1 / 1.5) for p in (0.25, 0.1, 0.05))
    )
    assert greedy_settings(settings).no_unknown  # greedy text depends on it


def test_no_unknown_runs_before_the_repetition_penalty(constant_model, abcd):
    settings = SamplingSettings(no_unknown=True, repetition_penalty=3.0, repetition_window=1)
    alone = generate(constant_model, abcd, "a", length=40, settings=settings, greedy=True)
    together, _ = greedy_and_sampled(constant_model, abcd, "a", length=40, settings=settings, seed=0)
    assert alone.text == together.text
    assert "aa" not in alone.text and 0 not in alone.token_ids
