"""Settings of tag-catalog and of `cragcat demo`."""

from cragcat.settings import Setting
from tagger.covers import DEFAULT_COVER_SAFETY

BACKENDS = ("auto", "eager", "channels_last", "jit", "int8", "onnx", "compile")

SETTINGS = [
    Setting("tag.model", str, "",
            "Model artifact to tag with; empty means the latest model recorded in the catalog."),
    Setting("tag.threshold", float, 0.0,
            "A top probability under this is stored as class 'other'; 0 means the "
            "artifact's own threshold (chosen on the validation split).", min=0.0, max=1.0),
    Setting("tag.retag", bool, False,
            "Tag every canonical photo again with this model, failed ones included; "
            "otherwise only photos without a tag from it are tagged."),
    Setting("tag.batch_size", int, 64,
            "Photos per inference batch; each batch's tags are committed together, "
            "so a killed run loses at most one batch.", min=1, max=4096),
    Setting("tag.workers", int, 1,
            "DataLoader worker processes that decode the model-ready derivatives "
            "(0 decodes in the main process); with CUDA at least min(8, cores - 1).",
            min=0, max=64),
    Setting("tag.threads", int, 0,
            "CPU threads for the model's maths; 0 means the cores not already busy (by the "
            "1-minute load average), at least one: on busy cores extra threads slow it down.",
            min=0, max=256),
    Setting("tag.backend", str, "auto",
            "Inference backend on CPU: 'auto' measures the candidates on a calibration "
            "batch and keeps the fastest (under 1,000 photos: onnx, ONNX Runtime, without "
            "measuring); CUDA always uses channels_last with bf16 autocast.",
            choices=BACKENDS),
    Setting("tag.kept_exports", str, "~/.cache/cragcat/onnx",
            "Folder where a run under 1,000 photos keeps the model's ONNX export once it "
            "agreed with the model, so later runs of the same model skip the export and "
            "the check (a fifth of a 600-photo run); the 8 most recent are kept. Empty: "
            "export every run.", flag=""),
    Setting("tag.device", str, "auto",
            "Where the model runs: 'auto' picks CUDA when present, else the CPU.",
            choices=("auto", "cpu", "cuda")),
    # -- the cover rule's checks beyond the glory tag (see docs/cover-safety.md)
    Setting("tag.cover_min_glory", float, DEFAULT_COVER_SAFETY.min_glory,
            "A glory-tagged photo becomes a cover only with at least this P(glory); 0 leaves "
            "it to the model's own glory guard (its stricter glory threshold).",
            min=0.0, max=1.0),
    Setting("tag.cover_max_butt", float, DEFAULT_COVER_SAFETY.max_butt,
            "A glory-tagged photo becomes a cover only with at most this P(butt) (1 turns "
            "the check off).", min=0.0, max=1.0),
    Setting("tag.cover_min_margin", float, DEFAULT_COVER_SAFETY.min_margin,
            "A glory-tagged photo becomes a cover only with P(glory) at least this much above "
            "the next class's probability.", min=0.0, max=1.0),
    Setting("tag.cover_caption_cues", bool, bool(DEFAULT_COVER_SAFETY.caption_cues),
            "A glory-tagged photo never becomes a cover when a caption of it or its "
            "near-duplicates says it looks up from below or behind ('looking up at', "
            "'belay view', 'from below', ...)."),
    Setting("tag.engine", str, "local",
            "Where tagging runs: 'local' in this process, 'ray' on a Ray cluster (one model "
            "per actor; needs pip install 'cragcat[ray]'); results land in the catalog "
            "through this process either way.", choices=("local", "ray")),
    Setting("tag.address", str, "",
            "Ray engine: the cluster to join (host:port of its head, or 'auto'); empty "
            "starts a local Ray runtime on this machine's cores."),
    Setting("tag.ray_actors", int, 0,
            "Ray engine: model actors; 0 means one per GPU when the cluster has GPUs, "
            "else one per CPU but one (left to Ray Data's reading and to the merge).", min=0,
            max=4096),
    Setting("cover.licences", list, ["*"],
            "Licences a photo may have to become a cover, as shell patterns matched without "
            "regard to case (e.g. [\"CC-BY*\", \"CC0*\", \"public domain\"]); a photo "
            "without a stated licence matches only '*'. The default allows every photo."),
    Setting("demo.size", str, "small",
            "Sample site the demo crawls: tiny (10 routes, 60 photos) or small "
            "(60 routes, 600 photos).", choices=("tiny", "small")),
    Setting("demo.out", str, "demo",
            "Folder for everything the demo makes: catalog, models, contact sheet."),
]
