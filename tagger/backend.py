"""Pick how the model runs: the fastest measured CPU backend, or CUDA with bf16.

On CPU no backend wins everywhere (ONNX Runtime's fused kernels, channels_last
convolutions, a frozen TorchScript graph that folds batch norms, torch.compile
after a long first compile), so ``auto`` times the candidates on a calibration
batch of real photos and keeps the fastest whose probabilities agree with
eager mode. A run too small to repay the calibration uses ONNX Runtime (2.5-4x
eager for EfficientNet-Lite0 on 2 cores in bench/tagging.py), or channels_last
where ONNX Runtime cannot take the model.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from cragcat.errors import UsageError

# Calibration (five candidates, exports included) costs several seconds; below this
# many photos to tag it would cost more than it can save.
CALIBRATE_MIN_PHOTOS = 1000
# torch.compile's first compile takes about a minute on 2 cores; it only pays off on big runs.
COMPILE_MIN_PHOTOS = 4000
CALIBRATION_PHOTOS = 8
# A backend whose probabilities differ from eager mode by more than this is not used.
AGREEMENT = 0.02
KEPT_EXPORTS = 8  # checked ONNX exports kept for later runs, the most recently used


@dataclass
class Backend:
    """A ready forward function: a batch of pixels in, class probabilities (CPU, float32) out."""

    name: str
    device: torch.device
    forward: Callable[[torch.Tensor], torch.Tensor]
    timings: dict[str, float | str] = field(default_factory=dict)


def pick_device(requested: str) -> torch.device:
    if requested == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: CUDA is not available on this machine")
    if requested == "cpu" or not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device("cuda")


def _probabilities(model: torch.nn.Module, memory_format=torch.contiguous_format):
    def forward(pixels: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            logits = model(pixels.contiguous(memory_format=memory_format))
            return logits.float().softmax(dim=1)
    return forward


def _channels_last(model):
    return copy.deepcopy(model).to(memory_format=torch.channels_last)


def _jit(model, sample):
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(_channels_last(model), sample.contiguous(
            memory_format=torch.channels_last), check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced))


def _onnx(model, sample):
    """The model exported to ONNX (in memory) and run by ONNX Runtime on the CPU."""
    return onnx_session(export_onnx(model, sample))


def export_onnx(model, sample) -> bytes:
    buffer = io.BytesIO()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, sample[:1].contiguous(), buffer, input_names=["pixels"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"pixels": {0: "photos"}, "logits": {0: "photos"}})
    return buffer.getvalue()


def onnx_session(exported: bytes):
    """A forward function over an ONNX model's bytes, on ONNX Runtime's CPU provider."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(exported, options,
                                           providers=["CPUExecutionProvider"])

    def forward(pixels: torch.Tensor) -> torch.Tensor:
        logits = session.run(None, {"pixels": pixels.contiguous().numpy()})[0]
        return torch.from_numpy(logits).float().softmax(dim=1)
    return forward


def _int8(model):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            _channels_last(model), {torch.nn.Linear}, dtype=torch.qint8)


def cpu_candidate(name: str, model: torch.nn.Module, sample: torch.Tensor):
    """The forward function of one named CPU backend."""
    cl = torch.channels_last
    if name == "eager":
        return _probabilities(model)
    if name == "channels_last":
        return _probabilities(_channels_last(model), cl)
    if name == "jit":
        return _probabilities(_jit(model, sample[:1]), cl)
    if name == "int8":
        return _probabilities(_int8(model), cl)
    if name == "onnx":
        return _onnx(model, sample)
    if name == "compile":
        return _probabilities(torch.compile(_channels_last(model)), cl)
    raise UsageError(f"unknown backend {name!r}")


def cuda_backend(model: torch.nn.Module, device: torch.device) -> Backend:
    """channels_last + bf16 autocast; pixels move to the GPU without blocking."""
    model = copy.deepcopy(model).to(device, memory_format=torch.channels_last)

    def forward(pixels: torch.Tensor) -> torch.Tensor:
        pixels = pixels.to(device, non_blocking=True).contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.bfloat16):
            return model(pixels).float().softmax(dim=1).cpu()
    return Backend("cuda_bf16", device, forward)


def _seconds_per_photo(forward, sample: torch.Tensor) -> float:
    """One timed call after the warm-up call that checked agreement (it allocated,
    compiled and picked kernels)."""
    start = time.perf_counter()
    forward(sample)
    return (time.perf_counter() - start) / len(sample)


def measure_cpu_backends(model, sample: torch.Tensor, names) -> tuple[str, dict, dict]:
    """Time each candidate on ``sample``; return the fastest name, timings, forwards."""
    reference = _probabilities(model)(sample)
    timings: dict[str, float | str] = {}
    forwards = {}
    for name in names:
        try:
            forward = cpu_candidate(name, model, sample)
            gap = (forward(sample) - reference).abs().max().item()
        except Exception as exc:  # a backend that cannot run this model is just not a candidate
            timings[name] = f"unavailable: {type(exc).__name__}"
            continue
        if gap > AGREEMENT:
            timings[name] = f"rejected: probabilities differ from eager by {gap:.3f}"
            continue
        timings[name] = round(_seconds_per_photo(forward, sample), 6)
        forwards[name] = forward
    measured = {n: t for n, t in timings.items() if isinstance(t, float)}
    return min(measured, key=measured.get), timings, forwards


def choose_backend(model: torch.nn.Module, requested: str, device: torch.device,
                   pending: int, sample: torch.Tensor, kept: Path | None = None) -> Backend:
    """The backend to tag ``pending`` photos with; ``sample`` is a batch of real photos
    (exports trace it, calibration times it); ``kept``: a folder for ONNX exports."""
    if device.type == "cuda":
        return cuda_backend(model, device)
    if requested != "auto":
        return Backend(requested, device, cpu_candidate(requested, model, sample))
    if pending < CALIBRATE_MIN_PHOTOS:
        return small_run_backend(model, device, sample, kept)
    names = ["eager", "channels_last", "jit", "int8", "onnx"]
    if pending >= COMPILE_MIN_PHOTOS:
        names.append("compile")
    name, timings, forwards = measure_cpu_backends(model, sample[:CALIBRATION_PHOTOS], names)
    return Backend(name, device, forwards[name], timings)


def small_run_backend(model, device: torch.device, sample: torch.Tensor,
                      kept: Path | None = None) -> Backend:
    """ONNX Runtime without a calibration, checked against eager on the first photos;
    an export kept in ``kept`` from an earlier run of the same model (checked then) is
    used as it is: the export and the check are a fifth of a 600-photo run."""
    note = {"note": f"not measured: under {CALIBRATE_MIN_PHOTOS} photos to tag"}
    probe = sample[:CALIBRATION_PHOTOS]
    path = export_path(kept, model, probe) if kept is not None else None
    found = kept_export(path)
    if found is not None:
        note["onnx"] = f"kept export {path.name}"
        return Backend("onnx", device, found, note)
    try:
        exported = export_onnx(model, probe)
        forward = onnx_session(exported)
        if (forward(probe) - _probabilities(model)(probe)).abs().max().item() <= AGREEMENT:
            keep_export(path, exported)
            return Backend("onnx", device, forward, note)
        note["onnx"] = "rejected: probabilities differ from eager"
    except Exception as exc:  # ONNX Runtime missing or the model does not export
        note["onnx"] = f"unavailable: {type(exc).__name__}"
    return Backend("channels_last", device, cpu_candidate("channels_last", model, sample), note)


def export_path(kept: Path, model: torch.nn.Module, sample: torch.Tensor) -> Path:
    """Where a model's checked export is kept: named by a digest of its weights, the
    input's shape and the exporter's version, so another model never finds it."""
    digest = hashlib.sha256(f"{torch.__version__}:{tuple(sample.shape[1:])}".encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return kept / f"{digest.hexdigest()}.onnx"


def kept_export(path: Path | None) -> Callable | None:
    """The forward function of the export kept at ``path``, or None."""
    if path is None:
        return None
    try:
        forward = onnx_session(path.read_bytes())
    except Exception:  # none kept yet, unreadable or cut short: export again
        return None
    with contextlib.suppress(OSError):  # a read-only folder still serves its exports
        os.utime(path)  # recently used: the last to be pruned
    return forward


def keep_export(path: Path | None, exported: bytes) -> None:
    """Write the checked export for later runs (best effort: a full or read-only disk
    only costs the next run the export)."""
    if path is None:
        return
    kept = path.parent
    try:
        kept.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(exported)
        os.replace(partial, path)
        for stale in sorted(kept.glob("*.onnx"), key=lambda f: f.stat().st_mtime)[:-KEPT_EXPORTS]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass
