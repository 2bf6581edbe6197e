"""The cheap single-token path: the stepper against the model, and generation on the stepper
making the very choices of :mod:`rnnlab.sampling`'s steps."""

import itertools

import numpy as np
import pytest
import torch

import rnnlab.stepper as stepper_module
from rnnlab.errors import SettingsError
from rnnlab.generation import (
    beam_search,
    distribution_at,
    fixed_uniforms,
    generate,
    greedy_and_sampled,
    greedy_settings,
)
from rnnlab.model import CharRNN, ModelConfig
from rnnlab.sampling import SamplingSettings, apply_processors, choose_token, next_token_distribution
from rnnlab.stepper import Stepper
from rnnlab.vocab import UNKNOWN, Vocabulary

VOCAB = Vocabulary(tokens=(UNKNOWN, *"abcdefghij"))  # 11 tokens


def make_model(cell="lstm", layers=1, inputs="embedding", seed=0, dropout=0.0) -> CharRNN:
    config = ModelConfig(
        vocab_size=VOCAB.size,
        cell=cell,
        hidden_size=16,
        embedding_size=8,
        num_layers=layers,
        input=inputs,
        dropout=dropout,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharRNN(config).eval()
    with torch.no_grad():
        model.head.weight.mul_(8.0)  # peaked distributions, as in the generation tests
    return model


def random_ids(length=20, seed=1) -> list[int]:
    return torch.randint(VOCAB.size, (length,), generator=torch.Generator().manual_seed(seed)).tolist()


def parts(state) -> tuple:
    """The tensors or arrays of a state: (h,) or (h, c)."""
    return state if isinstance(state, tuple) else (state,)


def model_logits(model, ids, state=None):
    with torch.no_grad():
        logits, state = model(torch.tensor([ids]), state)
    return logits[0].numpy(), state


CELLS = list(itertools.product(["rnn", "lstm", "gru"], [1, 2], ["embedding", "onehot"]))


@pytest.mark.parametrize("table", [True, False], ids=["table", "no-table"])
@pytest.mark.parametrize(("cell", "layers", "inputs"), CELLS)
def test_stepper_logits_equal_the_models(monkeypatch, cell, layers, inputs, table):
    if not table:  # as for a word-level vocabulary too big for layer 0's table
        monkeypatch.setattr(stepper_module, "MAX_TABLE_SIZE", 0)
    model = make_model(cell, layers, inputs)
    stepper = Stepper.from_model(model)
    ids = random_ids()
    expected, expected_state = model_logits(model, ids)

    state, stepped = None, []
    for token in ids:
        logits, state = stepper.step(token, state)
        stepped.append(logits)
    np.testing.assert_allclose(np.stack(stepped), expected, atol=1e-5, rtol=0)

    forward, forward_state = stepper.forward(ids)
    np.testing.assert_allclose(forward, expected, atol=1e-5, rtol=0)
    warm, _ = stepper.warm_up(ids)
    np.testing.assert_allclose(warm, expected[-1], atol=1e-5, rtol=0)
    for ours, theirs in zip(parts(Stepper.to_model_state(forward_state)), parts(expected_state), strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_state_round_trips_between_stepper_and_model(cell):
    model = make_model(cell, layers=2)
    stepper = Stepper.from_model(model)
    ids = random_ids(12)
    expected, _ = model_logits(model, ids)

    # the stepper warms up, the model continues from its state...
    _, state = stepper.warm_up(ids[:5])
    continued, model_state = model_logits(model, ids[5:9], Stepper.to_model_state(state))
    np.testing.assert_allclose(continued, expected[5:9], atol=1e-5, rtol=0)
    # ...and the stepper continues from the model's state
    state = Stepper.from_model_state(model_state)
    for position in range(9, 12):
        logits, state = stepper.step(ids[position], state)
        np.testing.assert_allclose(logits, expected[position], atol=1e-5, rtol=0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_rows_step_together_as_if_alone(cell):
    stepper = Stepper.from_model(make_model(cell, layers=2))
    prompts = [random_ids(6, seed) for seed in (1, 2, 3)]
    alone = [stepper.warm_up(prompt) for prompt in prompts]
    states = [state for _, state in alone]
    together = tuple(np.concatenate(rows, axis=1) for rows in zip(*map(parts, states), strict=True))
    reordered = Stepper.select_rows(together if cell == "lstm" else together[0], [2, 0])
    logits, _ = stepper.step([4, 5], reordered)
    # Bit for bit: a row's products do not depend on the other rows (generation relies on it).
    np.testing.assert_array_equal(logits[0], stepper.step(4, states[2])[0])
    np.testing.assert_array_equal(logits[1], stepper.step(5, states[0])[0])


def test_the_stepper_is_a_snapshot_and_ignores_dropout():
    model = make_model("lstm", layers=2, dropout=0.5)
    ids = random_ids()
    expected, _ = model_logits(model, ids)  # eval mode: no dropout
    model.train()  # a training model...
    stepper = Stepper.from_model(model)
    with torch.no_grad():
        model.head.weight.add_(1.0)  # ...whose weights then change
        model.rnn.weight_hh_l0.mul_(2.0)
    np.testing.assert_allclose(stepper.forward(ids)[0], expected, atol=1e-5, rtol=0)
    assert model.training


def test_an_empty_prompt_is_refused():
    with pytest.raises(ValueError):
        Stepper.from_model(make_model()).warm_up([])


# --- generation on the stepper -----------------------------------------------------------------------


def greedy_by_forward(model, ids, length) -> list[int]:
    """Greedy decoding the slow, obvious way: the whole sequence through ``model.forward`` each step."""
    ids, chosen = list(ids), []
    for _ in range(length):
        logits, _ = model_logits(model, ids)
        chosen.append(int(np.argmax(logits[-1])))
        ids.append(chosen[-1])
    return chosen


@pytest.mark.parametrize(("cell", "layers", "inputs"), CELLS)
def test_greedy_text_is_the_models_greedy_text(cell, layers, inputs):
    model = make_model(cell, layers, inputs, seed=3)
    gen = generate(model, VOCAB, "abc", length=25, greedy=True)
    assert gen.token_ids == greedy_by_forward(model, VOCAB.encode("abc"), 25)


def test_a_prebuilt_stepper_gives_what_the_model_gives():
    model = make_model("gru", layers=2)
    stepper = Stepper.from_model(model)
    settings = SamplingSettings(temperature=0.9, top_k=6, repetition_penalty=1.3)
    assert generate(stepper, VOCAB, "ab", length=30, settings=settings, seed=5) == generate(
        model, VOCAB, "ab", length=30, settings=settings, seed=5
    )
    assert beam_search(stepper, VOCAB, "ab", length=10, width=3) == beam_search(model, VOCAB, "ab", length=10, width=3)
    gen = generate(stepper, VOCAB, "ab", length=8, greedy=True)
    ours, theirs = (distribution_at(m, VOCAB, "ab", gen, 4, settings) for m in (stepper, model))
    assert ours.final_probs == pytest.approx(theirs.final_probs, abs=1e-6)


def test_a_seed_draws_the_numbers_of_fixed_uniforms():
    model = make_model()
    settings = SamplingSettings(temperature=1.5, top_p=0.95)
    seeded = generate(model, VOCAB, "ab", length=40, settings=settings, seed=11)
    same = generate(model, VOCAB, "ab", length=40, settings=settings, uniforms=fixed_uniforms(11, 40))
    assert seeded.text == same.text


def test_each_choice_is_where_its_draw_lands_on_the_shown_distribution(random_lstm, abcd):
    settings = SamplingSettings(temperature=0.7, top_p=0.8, min_p=0.05, repetition_penalty=1.4)
    uniforms = fixed_uniforms(2, 30)
    gen = generate(random_lstm, abcd, "ab", length=30, settings=settings, uniforms=uniforms)
    for position in range(0, 30, 3):
        dist = distribution_at(random_lstm, abcd, "ab", gen, position)
        drawn = choose_token(dist.final_probs, greedy=False, uniform=uniforms[position])
        assert gen.steps[position].token_id == drawn


@pytest.mark.parametrize("uniforms", [[0.5, 1.0, 0.2], [0.5, -0.1, 0.2], [0.5, float("nan"), 0.2], [0.5, True, 0.2]])
def test_same_draw_numbers_must_be_in_zero_one(uniforms):
    with pytest.raises(SettingsError):
        generate(make_model(), VOCAB, "ab", length=3, uniforms=uniforms)


# --- generation runs the sampling module's own steps -----------------------------------------------


def reference_generation(model, prompt_ids, settings: SamplingSettings, uniforms) -> list[int]:
    """The obvious loop over :mod:`rnnlab.sampling`'s public steps, on ``model.forward`` logits:
    what :func:`generate` must give, step for step. A ``None`` number is a greedy step."""
    ids, chosen = list(prompt_ids), []
    for u in uniforms:
        logits, _ = model_logits(model, ids)
        stages = apply_processors(logits[-1], settings.processors(ids))
        chosen.append(choose_token(stages[-1].probs, greedy=u is None, uniform=u))
        ids.append(chosen[-1])
    return chosen


SETTINGS = [
    SamplingSettings(),
    SamplingSettings(repetition_penalty=1.7, repetition_window=8),
    SamplingSettings(repetition_penalty=0.6),
    SamplingSettings(temperature=0.37),
    SamplingSettings(temperature=2.5),
    SamplingSettings(temperature=1e-6),
    SamplingSettings(top_k=1),
    SamplingSettings(top_k=4),
    SamplingSettings(top_k=100),
    SamplingSettings(top_p=0.5),
    SamplingSettings(top_p=0.93),
    SamplingSettings(min_p=0.1),
    SamplingSettings(min_p=1.0),
    SamplingSettings(temperature=0.8, top_k=7, top_p=0.9, min_p=0.02, repetition_penalty=1.2),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=repr)
def test_generation_makes_the_choices_of_the_sampling_steps(settings):
    model = make_model(seed=5)
    uniforms = fixed_uniforms(6, 25)
    gen = generate(model, VOCAB, "abc", length=25, settings=settings, uniforms=uniforms)
    assert gen.token_ids == reference_generation(model, VOCAB.encode("abc"), settings, uniforms)


@pytest.mark.parametrize("settings", SETTINGS[:3], ids=repr)
def test_greedy_generation_makes_the_choices_of_the_sampling_steps(settings):
    model = make_model(seed=5)
    gen = generate(model, VOCAB, "abc", length=25, settings=settings, greedy=True)
    assert gen.token_ids == reference_generation(model, VOCAB.encode("abc"), settings, [None] * 25)


# --- greedy and sampled stepped together ---------------------------------------------------------------

WORDS = Vocabulary.build("the cat sat on the mat and the dog sat on the log while the cat ran\n" * 3, level="word")


def make_word_model(seed=0) -> CharRNN:
    config = ModelConfig(vocab_size=WORDS.size, cell="lstm", hidden_size=16, embedding_size=8)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CharRNN(config).eval()
    with torch.no_grad():
        model.head.weight.mul_(4.0)
    return model


def assert_together_equals_alone(model, vocab, prompt, settings, length=40, **draw):
    """``greedy_and_sampled`` must give exactly the two ``generate`` results (texts, records, seeds)."""
    greedy, sampled = greedy_and_sampled(model, vocab, prompt, length=length, settings=settings, **draw)
    assert greedy == generate(model, vocab, prompt, length=length, settings=greedy_settings(settings), greedy=True)
    assert sampled == generate(model, vocab, prompt, length=length, settings=settings, **draw)


TOGETHER_SETTINGS = [
    *SETTINGS,
    SamplingSettings(temperature=0.05),
    SamplingSettings(temperature=5.0, top_p=0.8),
    SamplingSettings(temperature=1.3, min_p=0.3, repetition_penalty=1.5, repetition_window=3),
]


@pytest.mark.parametrize("settings", TOGETHER_SETTINGS, ids=repr)
def test_greedy_and_sampled_together_give_what_each_gives_alone(settings):
    stepper = Stepper.from_model(make_model(seed=5))
    assert_together_equals_alone(stepper, VOCAB, "abc", settings, seed=7)
    assert_together_equals_alone(stepper, VOCAB, "abc", settings, uniforms=fixed_uniforms(3, 40))
    assert_together_equals_alone(stepper, VOCAB, "abc", settings, seed=2, forced={0: 4, 17: 1})


@pytest.mark.parametrize(("cell", "layers", "inputs"), CELLS)
def test_greedy_and_sampled_together_on_every_cell(cell, layers, inputs):
    model = make_model(cell, layers, inputs, seed=2)
    settings = SamplingSettings(temperature=0.9, top_k=5, repetition_penalty=1.2)
    assert_together_equals_alone(model, VOCAB, "ab", settings, length=30, seed=4)


def test_greedy_and_sampled_together_at_word_level(monkeypatch):
    monkeypatch.setattr(stepper_module, "MAX_TABLE_SIZE", 0)  # the no-table path of big vocabularies
    model = make_word_model()
    for settings in (SamplingSettings(), SamplingSettings(temperature=0.7, top_p=0.9, repetition_penalty=1.3)):
        assert_together_equals_alone(model, WORDS, "the cat", settings, length=25, seed=1)
        assert_together_equals_alone(model, WORDS, "the cat", settings, length=25, uniforms=fixed_uniforms(8, 25))


def test_greedy_and_sampled_keep_the_seed_and_check_their_inputs():
    model = make_model()
    greedy, sampled = greedy_and_sampled(model, VOCAB, "ab", length=12, settings=SamplingSettings(temperature=1.5))
    assert (greedy.mode, greedy.seed, sampled.mode) == ("greedy", None, "sampled")
    again = generate(model, VOCAB, "ab", length=12, settings=SamplingSettings(temperature=1.5), seed=sampled.seed)
    assert again.text == sampled.text
    assert greedy_and_sampled(model, VOCAB, "ab", length=0, seed=1) == (
        generate(model, VOCAB, "ab", length=0, greedy=True),
        generate(model, VOCAB, "ab", length=0, seed=1),
    )
    with pytest.raises(SettingsError):
        greedy_and_sampled(model, VOCAB, "ab", length=5, forced={5: 1})
    with pytest.raises(SettingsError):
        greedy_and_sampled(model, VOCAB, "ab", length=5, uniforms=[0.5, 0.5])


def test_the_bars_from_a_stepper_are_the_models_and_where_generation_starts():
    model = make_model("gru", layers=2)
    stepper = Stepper.from_model(model)
    settings = SamplingSettings(temperature=0.7, top_k=5, repetition_penalty=1.3)
    ours, theirs = (next_token_distribution(m, VOCAB, "abca", settings) for m in (stepper, model))
    assert ours.final_probs == pytest.approx(theirs.final_probs, abs=1e-6)
    assert ours.original_probs == pytest.approx(theirs.original_probs, abs=1e-6)
    first = generate(stepper, VOCAB, "abca", length=1, settings=settings, seed=3).steps[0]
    assert first.probability == ours.final_probs[first.token_id]  # the very same numbers
