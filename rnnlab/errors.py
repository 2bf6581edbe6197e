"""Errors a learner can cause, each carrying one sentence the UI or CLI shows as it is."""


class RnnLabError(Exception):
    """Base class: ``str(error)`` is a one-line message meant for a learner."""


class CorpusError(RnnLabError):
    """The text cannot be used for training (empty, binary, too short, too large...)."""


class CheckpointError(RnnLabError):
    """A checkpoint file is missing, malformed, unsafe or does not match its metadata."""


class TrainingDiverged(RnnLabError):
    """The loss became NaN or infinite; the last good weights were kept."""


class SettingsError(RnnLabError):
    """A setting is out of its allowed range (hidden size, learning rate, ...)."""
