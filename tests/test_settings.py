"""The settings registry: defaults < config file < flags, and every error path."""

import pytest

from cragcat.errors import ConfigError
from cragcat.settings import Registry, Setting, Table, load_settings

REG = Registry(
    [
        Setting("train.epochs", int, 10, "Epochs.", min=1, max=1000),
        Setting("train.lr", float, 0.001, "Learning rate.", min=0.0),
        Setting("train.backbone", str, "efficientnet_lite0", "Backbone."),
        Setting("train.sampler", bool, True, "Balance classes."),
        Setting("train.optimizer", str, "adamw", "Optimizer.", choices=("adam", "adamw", "sgd")),
        Setting("train.classes", list, ["glory", "butt", "topo"], "Classes.", item_type=str),
    ],
    [Table("crawl.profile", "Site profiles.",
           (Setting("start_urls", list, [], "Start URLs.", item_type=str),
            Setting("delay", float, 1.0, "Delay.", min=0.0)),
           presets={"sample": {"start_urls": ["http://127.0.0.1/"]}})],
)


def write(tmp_path, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file():
    s = load_settings(reg=REG)
    assert s["train.epochs"] == 10
    assert s.config_path is None
    assert s.table("crawl.profile")["sample"] == {"start_urls": ["http://127.0.0.1/"], "delay": 1.0}


def test_file_overrides_defaults_and_flags_override_file(tmp_path):
    path = write(tmp_path, "[train]\nepochs = 20\nlr = 1\n")
    s = load_settings(path, reg=REG)
    assert (s["train.epochs"], s["train.lr"]) == (20, 1.0)
    s = load_settings(path, {"train.epochs": 3, "train.lr": None}, reg=REG)
    assert (s["train.epochs"], s["train.lr"]) == (3, 1.0)


def test_config_from_environment_and_from_cwd(tmp_path, monkeypatch):
    path = write(tmp_path, "[train]\nepochs = 7\n")
    monkeypatch.setenv("CRAGCAT_CONFIG", str(path))
    assert load_settings(reg=REG)["train.epochs"] == 7
    monkeypatch.delenv("CRAGCAT_CONFIG")
    (tmp_path / "config.toml").write_text("[train]\nepochs = 8\n")
    assert load_settings(reg=REG)["train.epochs"] == 8


def test_table_entries_merge_presets_and_new_entries(tmp_path):
    path = write(tmp_path, "[crawl.profile.sample]\ndelay = 0\n"
                           "[crawl.profile.mp]\nstart_urls = ['https://example.org/']\n")
    profiles = load_settings(path, reg=REG).table("crawl.profile")
    assert profiles["sample"] == {"start_urls": ["http://127.0.0.1/"], "delay": 0.0}
    assert profiles["mp"] == {"start_urls": ["https://example.org/"], "delay": 1.0}


@pytest.mark.parametrize("text, words", [
    ("[train]\nepoch = 3\n", ["unknown setting 'train.epoch'"]),
    ("[train]\nepochs = 'ten'\n", ["train.epochs", "'ten'", "an integer from 1 to 1000"]),
    ("[train]\nepochs = 0\n", ["train.epochs", "an integer from 1 to 1000"]),
    ("[train]\nepochs = true\n", ["train.epochs", "an integer"]),
    ("[train]\nlr = -1.0\n", ["train.lr", "a number >= 0.0"]),
    ("[train]\nsampler = 'yes'\n", ["train.sampler", "true or false"]),
    ("[train]\noptimizer = 'rmsprop'\n", ["train.optimizer", "one of 'adam', 'adamw', 'sgd'"]),
    ("[train]\nclasses = ['a', 1]\n", ["train.classes", "a list of strings"]),
    ("[crawl.profile.x]\nstart = 1\n", ["unknown setting 'crawl.profile.x.start'", "start_urls"]),
    ("[crawl.profile]\nx = 1\n", ["'crawl.profile.x' must be a table"]),
    ("[train\n", ["not valid TOML"]),
])
def test_bad_config_names_file_key_and_expectation(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(path, reg=REG)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    for word in words:
        assert word in message
    assert info.value.exit_code == 2


def test_bad_flag_value_names_the_flag():
    with pytest.raises(ConfigError, match=r"--epochs: got 0, expected an integer from 1 to 1000"):
        load_settings(overrides={"train.epochs": 0}, reg=REG)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", reg=REG)
