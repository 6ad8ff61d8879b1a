"""Thread counts when a stage's threads setting is 0 (cragcat chooses)."""

from cragcat.cores import spare_cores


def test_a_setting_above_zero_is_kept_whatever_the_load():
    assert spare_cores(3, cores=2, load=9.0) == 3


def test_a_load_under_one_core_leaves_every_core():
    assert spare_cores(0, cores=2, load=0.8) == 2  # was 1: rounding counted 0.8 as busy


def test_busy_cores_are_taken_away_but_one_thread_always_remains():
    assert spare_cores(0, cores=8, load=2.6) == 6
    assert spare_cores(0, cores=2, load=12.0) == 1


def test_this_machine_gives_at_least_one_thread():
    assert spare_cores(0) >= 1
