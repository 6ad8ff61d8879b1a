"""Settings of the training stage (section [train]); every option of `train` is here."""

from dataclasses import asdict, make_dataclass

from catalog.classes import CLASSES, OTHER
from cragcat.settings import Setting


def _three_fractions(value):
    if len(value) != 3 or any(v < 0 for v in value) or abs(sum(value) - 1.0) > 1e-6:
        raise ValueError("three fractions (train, validation, test) that add up to 1")
    if value[1] <= 0 or value[2] <= 0:
        raise ValueError("three fractions (train, validation, test) with validation "
                         "and test above 0")


def _class_names(value):
    if len(value) < 2 or len(set(value)) != len(value) or OTHER in value:
        raise ValueError(f"at least two distinct class names, not '{OTHER}' "
                         "(that is the uncertain verdict)")


SETTINGS = [
    # -- labels and split
    Setting("train.classes", list, list(CLASSES),
            "Class names, in the order of the model's outputs.", item_type=str,
            flag="--class", validate=_class_names),
    Setting("train.split", list, [0.8, 0.1, 0.1],
            "Train / validation / test fractions for photos that get a split; "
            "stored splits are never moved.", item_type=float, validate=_three_fractions),
    Setting("train.seed", int, 0,
            "Seed for the split, initial head weights, sampling and augmentation; "
            "the same seed and thread count repeat a CPU run exactly.", min=0),
    # -- model
    Setting("train.backbone", str, "efficientnet_lite0",
            "efficientnet_lite0 (ImageNet weights ship with cragcat), any torchvision "
            "classification model or any timm model (timm/NAME, torchvision/NAME to choose)."),
    Setting("train.weights", str, "pretrained",
            "pretrained (the backbone's ImageNet weights), none (random) or PATH to a "
            "local checkpoint (.safetensors, or a torch state dict read weights-only)."),
    Setting("train.head", str, "probe",
            "probe (the default) keeps the pretrained backbone frozen and fits a head on "
            "its L2-normalised features of every labelled photo and its mirror image to "
            "convergence (seconds once the features are extracted), calibrated on photos "
            "of sources it did not see where they come from 3 or more sources, with a "
            "novelty gate; finetune trains the backbone and its linear head for --epochs "
            "(measured on unseen real sources, it tagged 6 of 13 butt-shots glory).",
            choices=("finetune", "probe")),
    Setting("train.freeze", str, "first-epoch",
            "none fine-tunes the whole model; backbone trains only a linear head on the "
            "frozen backbone; first-epoch freezes the backbone for the first epoch only.",
            choices=("none", "backbone", "first-epoch")),
    Setting("train.image_size", int, 256,
            "Model input size in pixels (square); photos are resized on their shorter "
            "side and centre-cropped. 256 is the derivatives' shorter side: they are "
            "only cropped, never resampled again.", min=32, max=1024),
    # -- optimisation
    Setting("train.epochs", int, 5, "Most epochs to train.", min=1, max=1000),
    Setting("train.batch_size", int, 32, "Photos per batch.", min=1, max=4096),
    Setting("train.optimizer", str, "adamw", "adam, adamw or sgd.",
            choices=("adam", "adamw", "sgd")),
    Setting("train.lr", float, 0.001, "Peak learning rate.", min=0.0, max=10.0,
            flag="--lr"),
    Setting("train.backbone_lr_scale", float, 0.2,
            "Learning rate of the pretrained backbone as a fraction of --lr (the new head "
            "always trains at --lr); below 1 keeps the ImageNet features from being "
            "overwritten by a small labelled set.", min=0.0, max=1.0),
    Setting("train.label_smoothing", float, 0.0,
            "Label smoothing of the cross-entropy loss: the target puts this much "
            "probability on the other classes, so the model is less overconfident.",
            min=0.0, max=0.5),
    Setting("train.weight_decay", float, 0.0001, "Weight decay.", min=0.0, max=1.0),
    Setting("train.momentum", float, 0.9, "Momentum (sgd only).", min=0.0, max=1.0),
    Setting("train.schedule", str, "onecycle",
            "Learning-rate schedule: constant, exponential (times lr_decay each epoch), "
            "onecycle, or cosine-restarts (warm restarts every restart_epochs).",
            choices=("constant", "exponential", "onecycle", "cosine-restarts")),
    Setting("train.lr_decay", float, 0.9, "Decay factor per epoch (exponential schedule).",
            min=0.0, max=1.0),
    Setting("train.restart_epochs", int, 2,
            "Epochs in the first cosine cycle (cosine-restarts schedule).", min=1),
    # -- data
    Setting("train.flip", bool, True, "Random horizontal flips during training."),
    Setting("train.color_jitter", float, 0.1,
            "Strength of random brightness, contrast and saturation changes; 0 turns "
            "them off.", min=0.0, max=1.0),
    Setting("train.crop_scale", float, 0.7,
            "Smallest area fraction of a random resized crop; 1 turns cropping off.",
            min=0.05, max=1.0),
    Setting("train.workers", int, 2,
            "DataLoader worker processes for decoding photos; 0 decodes in the main process.",
            min=0, max=64),
    Setting("train.cache_mb", int, 4096,
            "Keep decoded photos in memory (on the GPU when training there) when they "
            "fit in this many MiB; otherwise decode every epoch. 0 never caches.", min=0),
    Setting("train.sampler", bool, True,
            "Weighted random sampler: every class is drawn equally often."),
    Setting("train.class_weights", bool, False,
            "Class-weighted loss (rare classes count more). With the sampler on too, "
            "the correction is doubled and usually overshoots."),
    Setting("train.device", str, "auto", "auto (CUDA when present), cpu or cuda.",
            choices=("auto", "cpu", "cuda")),
    Setting("train.threads", int, 0,
            "CPU threads for the model's maths; 0 means the cores not already busy "
            "(by the 1-minute load average), at least one. Busy cores make extra threads "
            "spin and slow training down many times.", min=0, max=256),
    # -- stopping
    Setting("train.early_stop", str, "val_loss",
            "What early stopping watches: val_loss or val_accuracy.",
            choices=("val_loss", "val_accuracy")),
    Setting("train.patience", int, 3,
            "Stop after this many epochs without improvement; 0 never stops early.", min=0),
    Setting("train.collapse_epochs", int, 3,
            "Stop as collapsed when the model predicts one class for this many epochs "
            "in a row.", min=1),
    # -- outputs
    Setting("train.threshold_floor", float, 0.9,
            "Lowest allowed 'other' threshold: a top probability under it is tagged "
            "other.", min=0.0, max=1.0),
    Setting("train.threshold_precision", float, 0.98,
            "Precision the threshold must reach on the validation split; the lowest "
            "threshold (not under the floor) that reaches it is chosen.", min=0.0, max=1.0),
    Setting("train.glory_guard", bool, True,
            "Give glory its own, stricter threshold: halfway from the most glory-like "
            "validation butt-shot to certainty, so butt-shots like it are tagged other "
            "rather than glory (a butt-shot must never become a cover)."),
    Setting("train.novelty_quantile", float, 0.1,
            "Probe head only: a photo less like the labelled photos of its top class "
            "than this share of the calibration photos were (each compared with other "
            "sources' or folds' photos) is tagged other; 0 turns the gate off.",
            min=0.0, max=0.5),
    Setting("train.out", str, "models",
            "Folder for runs: each run writes <out>/<run id>/ with the artifact, "
            "checkpoint, plots and misclassified photos."),
    Setting("train.find_lr_steps", int, 60, "Steps of the learning-rate range test.",
            min=5),
    Setting("train.find_lr_min", float, 1e-6, "Start of the range test.", min=0.0),
    Setting("train.find_lr_max", float, 1.0, "End of the range test.", min=0.0),
]


# A run's options: one typed field per train.* setting (the registry above is the
# only place that names, types and defaults them), e.g. ``options.epochs``.
TrainOptions = make_dataclass(
    "TrainOptions", [(s.key, s.type) for s in SETTINGS], frozen=True,
    namespace={"__doc__": "Every train.* setting of one run, by its key (see SETTINGS).",
               "as_dict": lambda self: asdict(self)})


def train_options(settings) -> "TrainOptions":
    """A run's options from resolved settings (defaults < config file < flags)."""
    return TrainOptions(**{s.key: settings[s.name] for s in SETTINGS})
