import pytest
import torch

from rnnlab.model import CharRNN, ModelConfig


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("inputs", ["embedding", "onehot"])
def test_forward_shapes_and_step_matches_forward(cell, inputs):
    torch.manual_seed(0)
    model = CharRNN(ModelConfig(vocab_size=11, cell=cell, hidden_size=16, num_layers=2, input=inputs)).eval()
    x = torch.randint(11, (3, 7))
    logits, _ = model(x)
    assert logits.shape == (3, 7, 11)
    # feeding one token at a time gives the same logits as the whole sequence at once
    ids = x[0].tolist()
    state, stepped = None, []
    for token in ids:
        step_logits, state = model.step(token, state)
        stepped.append(step_logits)
    assert torch.allclose(torch.stack(stepped), logits[0], atol=1e-5)
    warm_logits, _ = model.warm_up(ids)
    assert torch.allclose(warm_logits, logits[0, -1], atol=1e-5)


def test_config_round_trips_through_json():
    config = ModelConfig(vocab_size=65, cell="gru", hidden_size=128, num_layers=2, input="onehot", dropout=0.1)
    assert ModelConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize(
    "settings",
    [
        {"cell": "transformer"},
        {"input": "bytes"},
        {"hidden_size": 0},
        {"hidden_size": 10**6},
        {"num_layers": 9},
        {"dropout": 1.0},
        {"hidden_size": 2.5},
    ],
)
def test_bad_config_is_refused(settings):
    with pytest.raises(ValueError):
        ModelConfig(vocab_size=10, **settings)


def test_unknown_config_keys_are_refused():
    with pytest.raises(ValueError, match="unknown"):
        ModelConfig.from_dict({"vocab_size": 10, "evil": 1})


def test_parameter_count_by_hand():
    model = CharRNN(ModelConfig(vocab_size=10, cell="rnn", hidden_size=4, embedding_size=3))
    # embedding 10*3, RNN W_ih 4*3 + W_hh 4*4 + two biases 4+4, head 10*4 + 10
    assert model.num_parameters() == 30 + 12 + 16 + 8 + 50
