"""Errors a user can hit. Messages name the file and say what is wrong."""


class TrainerError(Exception):
    """Base class: anything the trainer reports to a person rather than a developer."""


class DatasetError(TrainerError):
    """The COCO file or the images cannot be used for training."""


class ConfigError(TrainerError):
    """A training setting is missing, unknown or out of range."""


class CheckpointError(TrainerError):
    """A checkpoint file is missing, corrupt or not one of ours."""


class WeightsUnavailableError(TrainerError):
    """Pretrained weights were asked for but cannot be downloaded or found."""
