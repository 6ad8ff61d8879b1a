"""Training-step speed on CPU: torch threads x memory format, as ratios to the old default.

    python -m bench.train_step_speed [--size 160] [--batch 32] [--repeats 3]

One step is a forward and backward pass of efficientnet_lite0 (ImageNet
weights) on a batch of random pixels. The baseline is what training did before
the real-photo work: every core as a torch thread, contiguous (NCHW) tensors.
Each configuration runs in its own process, so thread pools never mix.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

CONFIGS = [(os.cpu_count() or 2, "contiguous"), (os.cpu_count() or 2, "channels_last"),
           (1, "contiguous"), (1, "channels_last")]


def one_step_seconds(threads: int, memory_format: str, size: int, batch: int,
                     repeats: int) -> float:
    """Best-of-``repeats`` seconds for one training step (after one warm-up step)."""
    import torch

    from trainer.backbones import create_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = create_model("efficientnet_lite0", 3, "pretrained").train()
    pixels = torch.randn(batch, 3, size, size)
    targets = torch.randint(0, 3, (batch,))
    if memory_format == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        pixels = pixels.contiguous(memory_format=torch.channels_last)

    def step() -> float:
        started = time.perf_counter()
        torch.nn.functional.cross_entropy(model(pixels), targets).backward()
        return time.perf_counter() - started

    step()
    return min(step() for _ in range(repeats))


def measure_in_child(threads: int, memory_format: str, args) -> float:
    code = ("import sys; from bench.train_step_speed import one_step_seconds; "
            f"print(one_step_seconds({threads}, {memory_format!r}, {args.size}, {args.batch}, "
            f"{args.repeats}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)) or ".")
    return float(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.train_step_speed")
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    timings = [(threads, fmt, measure_in_child(threads, fmt, args)) for threads, fmt in CONFIGS]
    base = timings[0][2]
    print(f"| torch threads | memory format | s per step ({args.batch} x {args.size} px) "
          "| speed vs baseline |\n|---|---|---|---|")
    for threads, fmt, seconds in timings:
        print(f"| {threads} | {fmt} | {seconds:.2f} | {base / seconds:.2f}x |")


if __name__ == "__main__":
    main()
