"""Errors of the training stage (all CragcatError subclasses)."""

from cragcat.errors import CragcatError, UsageError


class ArtifactError(CragcatError):
    """A model artifact cannot be read: missing, not a cragcat artifact, or damaged."""


class UntrustedCheckpoint(ArtifactError):
    """A checkpoint would need full pickle to load; refused, nothing was executed."""


class UnusableModelFile(ArtifactError):
    """A model or weights file named on the command line that is damaged (cut short, a
    header that lies) or whose metadata is not what cragcat writes. Nothing of it was
    loaded. Exit code 2: the argument has to change."""

    exit_code = 2


class WeightsUnavailable(CragcatError):
    """Pretrained weights could not be fetched (usually: no network); names the offline options."""


class UnknownBackbone(UsageError):
    """A backbone name that neither cragcat, torchvision nor timm knows. Exit code 2."""


class NotEnoughLabels(CragcatError):
    """Too few labelled photos (or classes) in a split to train or evaluate."""


class LabelsFileError(UsageError):
    """A labels CSV that cannot be imported as a whole (bad header, unreadable). Exit code 2."""


class TrainingCollapsed(CragcatError):
    """A run stopped because the model collapsed (one class only, or a NaN loss)."""
