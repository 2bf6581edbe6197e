import torch

from rnnlab.data import random_windows, split_train_val, stream_batches, training_part
from rnnlab.vocab import Vocabulary


def test_split_is_contiguous_with_the_last_part_for_validation():
    ids = torch.arange(100)
    train, val = split_train_val(ids, 0.1)
    assert train.tolist() == list(range(90)) and val.tolist() == list(range(90, 100))


def test_random_windows_targets_are_inputs_shifted_by_one():
    ids = torch.arange(50)
    x, y = random_windows(ids, 8, 4, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y, x + 1)


def test_stream_batches_cover_the_text_in_order():
    ids = torch.arange(101)
    chunks = list(stream_batches(ids, num_streams=4, seq_len=10))
    inputs = torch.cat([x for x, _ in chunks], dim=1)
    targets = torch.cat([y for _, y in chunks], dim=1)
    assert torch.equal(targets, inputs + 1)
    assert inputs[:, 0].tolist() == [0, 25, 50, 75]  # four contiguous quarters
    assert inputs.shape == (4, 25)


def test_a_token_budget_samples_the_whole_text_not_its_beginning():
    ids = torch.arange(1001)
    chunks = list(stream_batches(ids, num_streams=4, seq_len=10, tokens=40))
    inputs = torch.cat([x for x, _ in chunks], dim=1)
    assert inputs.shape == (4, 10)
    assert inputs[0, 0] == 0 and inputs[-1, -1] == 999  # spread from the start to the end


def test_training_part_is_the_text_before_the_validation_split():
    text = "abcdefghij" * 10
    vocab = Vocabulary.build(text, "char")
    assert training_part(text, vocab, 0.1) == text[:90]
    assert training_part("abcxyz" * 10, vocab, 0.5) == "abc\ufffd\ufffd\ufffd" * 5  # unknown symbols folded
