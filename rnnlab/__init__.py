"""rnnlab: train, sample from and store small recurrent language models. No UI code here."""

__version__ = "0.1.0"
