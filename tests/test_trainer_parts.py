"""Small parts of training: scores, threshold, schedules, stopping rules, the HTML page."""

import pytest
import torch
from PIL import Image

from trainer.evaluate import choose_threshold, score
from trainer.loop import CollapseWatch, EarlyStop
from trainer.optim import LrSchedule, create_optimizer
from trainer.outputs import write_misclassified

CLASSES = ["glory", "butt", "topo"]


def test_scores_per_class_and_confusion():
    logits = torch.tensor([[5.0, 0, 0], [5.0, 0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    targets = torch.tensor([0, 1, 1, 2])
    s = score(logits, targets, CLASSES)
    assert s.accuracy == 0.75 and s.count == 4
    assert s.confusion == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert s.per_class["glory"]["precision"] == 0.5 and s.per_class["butt"]["recall"] == 0.5
    assert s.per_class["topo"]["f1"] == 1.0 and s.per_class["butt"]["support"] == 2


def test_threshold_reaches_precision_and_never_goes_under_the_floor():
    probs = torch.tensor([[0.99, 0.005, 0.005], [0.95, 0.04, 0.01], [0.6, 0.3, 0.1],
                          [0.97, 0.02, 0.01]])
    targets = torch.tensor([0, 1, 0, 0])  # the 0.95 one is wrong
    t = choose_threshold(probs, targets, floor=0.9, target_precision=1.0)
    assert t.value == pytest.approx(0.97) and t.precision == 1.0 and t.coverage == 0.5 and t.reached_target
    easy = choose_threshold(probs, torch.tensor([0, 0, 0, 0]), floor=0.9)
    assert easy.value == 0.9  # everything is right: the floor itself
    never = choose_threshold(probs, torch.tensor([1, 1, 1, 1]), floor=0.9,
                             target_precision=0.99)
    assert never.value >= 0.9 and not never.reached_target


def test_schedules_move_the_learning_rate_as_named():
    def lrs(kind, epochs=4, steps=5, **kw):
        model = torch.nn.Linear(2, 2)
        optimizer = create_optimizer(model, "sgd", 0.1, 0.0)
        schedule = LrSchedule(optimizer, kind, 0.1, epochs, steps, **kw)
        seen = []
        for _ in range(epochs):
            seen.append(schedule.lr)
            for _ in range(steps):
                optimizer.step()
                schedule.after_batch()
            schedule.after_epoch()
        return seen

    assert lrs("constant") == [0.1] * 4
    assert [round(v, 6) for v in lrs("exponential", decay=0.5)] == [0.1, 0.05, 0.025, 0.0125]
    cycle = lrs("onecycle")
    assert cycle[0] < cycle[1] and cycle[-1] < cycle[1] and max(cycle) <= 0.1 + 1e-9
    restarts = lrs("cosine-restarts", restart_epochs=1)
    assert restarts[0] == 0.1 and restarts[1] > 0.09  # restarted after the first epoch
    assert lrs("onecycle", epochs=1, steps=1) == [0.1]  # nothing to schedule


def test_early_stop_counts_patience_on_the_chosen_metric():
    by_loss = EarlyStop("val_loss", 2)
    assert [by_loss.observe(l, 0.5) for l in (1.0, 0.8, 0.9, 0.85)] == [False] * 3 + [True]
    by_acc = EarlyStop("val_accuracy", 2)
    assert [by_acc.observe(1.0, a) for a in (0.5, 0.6, 0.6, 0.7, 0.7)] == [False] * 5
    never = EarlyStop("val_loss", 0)
    assert not any(never.observe(1.0, 0.5) for _ in range(10))


def test_collapse_watch_needs_a_streak_and_names_the_cause():
    watch = CollapseWatch(2, CLASSES, 0.5, double_correction=True)
    assert watch.observe(1, 0.7, [5, 0, 0], 3, [30, 0, 0]) is None
    assert watch.observe(2, 0.7, [3, 2, 0], 3, [20, 10, 0]) is None  # streak broken
    assert watch.observe(3, 0.7, [0, 5, 0], 3, [0, 30, 0]) is None
    message = watch.observe(4, 0.7, [0, 5, 0], 3, [1, 29, 0])
    assert "predicted only 'butt' for 2 epochs" in message
    assert "double imbalance correction" in message and "0.5" in message
    learning = CollapseWatch(1, CLASSES, 0.001, double_correction=False)
    assert learning.observe(1, 0.7, [5, 0, 0], 3, [10, 10, 10]) is None  # still learning
    assert "nan" in learning.observe(2, float("nan"), [5, 0, 0], 3, [10, 10, 10])


def test_misclassified_page_escapes_text(tmp_path):
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    page = write_misclassified(tmp_path / "wrong", [
        {"sha256": "ab" * 32, "true": "glory<script>", "predicted": "topo&co",
         "confidence": 0.91, "source": photo}])
    text = page.read_text()
    assert "<script>" not in text and "glory&lt;script&gt;" in text and "topo&amp;co" in text
    assert (tmp_path / "wrong" / "glory<script>" / "topo&co" / f"{'ab' * 32}.jpg").is_file()
    empty = write_misclassified(tmp_path / "none", [])
    assert "No test photo was misclassified" in empty.read_text()
