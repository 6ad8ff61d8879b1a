"""Recipe options the real-photo benchmark measured: discriminative learning rates and
label smoothing (real optimisers, schedules and losses on a small real model)."""

import pytest
import torch

from trainer.backbones import create_model, head_parameters
from trainer.loop import ClassLoss
from trainer.optim import LrSchedule, create_optimizer


@pytest.fixture(scope="module")
def lite0():
    return create_model("efficientnet_lite0", 3, "none")


def test_backbone_trains_at_a_fraction_of_the_head_rate(lite0):
    optimizer = create_optimizer(lite0, "adamw", 0.01, 0.0, backbone_lr_scale=0.1)
    head, body = optimizer.param_groups
    assert {id(p) for p in head["params"]} == {id(p) for p in head_parameters(lite0)}
    assert len(head["params"]) + len(body["params"]) == len(list(lite0.parameters()))
    assert (head["lr"], body["lr"]) == pytest.approx((0.01, 0.001))


def test_one_cycle_keeps_the_ratio_between_groups(lite0):
    optimizer = create_optimizer(lite0, "adamw", 0.01, 0.0, backbone_lr_scale=0.1)
    schedule = LrSchedule(optimizer, "onecycle", 0.01, epochs=2, steps_per_epoch=4)
    peaks = []
    for _ in range(8):
        peaks.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()  # no gradients: changes nothing, keeps the step order torch expects
        schedule.after_batch()
    top = max(peaks, key=lambda lrs: lrs[0])
    assert top == pytest.approx([0.01, 0.001], rel=1e-3)
    assert all(body == pytest.approx(head * 0.1) for head, body in peaks)


def test_scale_one_is_a_single_group(lite0):
    assert len(create_optimizer(lite0, "sgd", 0.01, 0.0).param_groups) == 1


def test_label_smoothing_penalises_overconfidence():
    confident = torch.tensor([[12.0, 0.0, 0.0]])
    target = torch.tensor([0])
    plain = ClassLoss(3)(confident, target)
    smoothed = ClassLoss(3, label_smoothing=0.1)(confident, target)
    assert float(plain) < 1e-4 < float(smoothed)
