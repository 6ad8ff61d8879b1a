"""Crawled text and files on their way out: spreadsheets, terminals, sheets, file modes,
warnings under --json, progress in a log."""

import stat

from click.testing import CliRunner

from catalog import open_catalog
from cragcat.cli import main
from cragcat.console import Console
from cragcat.files import umask
from crawler.ingest import examine, store_files
from tagger.sheet import write_contact_sheet
from tagger.tagging import TagOptions, tag_catalog
from tests import crawler_images as imgs
from tests.tagger_helpers import ColourArtifact, add_area, add_photo, add_route, add_sighting

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Ann gpj.exe" shows as "Ann exe.jpg"


def report(catalog_path, *args):
    open_catalog(catalog_path).close()
    return CliRunner().invoke(main, ["report", *args, "--catalog", str(catalog_path)])


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(catalog_path):
    result = report(catalog_path, "--sql", "SELECT '=HYPERLINK(\"http://x\")' AS a, '+1' AS b, "
                    "'-2' AS c, '@SUM(A1)' AS d, 'plain' AS e, -3 AS f", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == \
        "\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@SUM(A1),plain,-3"


def test_control_characters_never_reach_the_terminal(catalog_path):
    result = report(catalog_path, "--sql",
                    f"SELECT 'red' || chr(27) || '[31m alert' || chr(7) || '{RLO}gpj' AS v")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert RLO not in result.output and "red[31m alert" in result.output


def test_a_bidi_override_in_a_credit_never_reaches_the_sheet(catalog_path, tmp_path):
    with open_catalog(catalog_path) as catalog:
        with catalog.transaction() as tx:
            add_area(tx, 1, "Slab")
            add_route(tx, 1, 1, "Arete")
            glory = add_photo(catalog, tx, "glory", "glory")
            add_sighting(tx, glory, 1, 1, caption="sunset", credit=f"Ann {RLO}gpj.exe")
        tag_catalog(catalog, ColourArtifact(), TagOptions.from_settings(workers=0, backend="eager"))
        write_contact_sheet(catalog, tmp_path / "sheet")
    page = (tmp_path / "sheet" / "area-1.html").read_text()
    assert RLO not in page
    assert "<bdi>Ann gpj.exe</bdi>" in page


def test_warnings_reach_stderr_under_json(capsys):
    console = Console(json_mode=True)
    console.warn("the sampler and class weights both correct for imbalance")
    console.done("trained", {"epochs": 1})
    out, err = capsys.readouterr()
    assert "warning: the sampler and class weights" in err
    assert out.strip().splitlines()[-1] == '{"epochs": 1}'


def test_progress_in_a_log_is_a_plain_line(capsys):
    console = Console(progress_every=0)
    with console.progress("crawling") as progress:
        progress.update(description="pages 3", completed=3, total=10)
        progress.advance()
    err = capsys.readouterr().err
    assert err.splitlines() == ["pages 3 · 3/10", "pages 3 · 4/10"]


def test_photos_are_written_with_the_users_umask(tmp_path):
    examined = examine(imgs.jpeg(seed=1), "image/jpeg", 50_000_000)
    original, derivative = store_files(tmp_path, examined)
    for name in (original, derivative):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o666 & ~umask() and mode & stat.S_IROTH, oct(mode)


def test_a_model_artifact_gets_the_users_umask(tmp_path):
    from trainer.artifact import save_artifact
    from trainer.architecture import preprocessing, resolve
    from trainer.backbones import create_model

    arch = resolve("resnet18")
    pre = preprocessing(arch)
    path = tmp_path / "m.safetensors"
    save_artifact(path, create_model("resnet18", 3, "none").eval(), {
        "backbone": "resnet18", "architecture": arch.as_dict(),
        "classes": ["glory", "butt", "topo"], "threshold": 0.0, "image_size": 32,
        "mean": pre.mean, "std": pre.std, "interpolation": pre.interpolation})
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask()
