"""``vmafref score --batch LIST`` and ``vmafref.scoring.score_many`` (specs/cli.md, specs/startup.md)."""

from __future__ import annotations

import json

from tests.cli.conftest import geometry_flags, write_pair
from vmafref.cli import main
from vmafref.features._compiled import stage_counts
from vmafref.scoring import score, score_many


def _document(path):
    document = json.loads(path.read_text())
    document.pop("fps")
    return document


def test_batch_scores_each_line_as_its_own_command(tmp_path, capsys):
    ref, dis = write_pair(tmp_path)
    (tmp_path / "other").mkdir()
    other_ref, other_dis = write_pair(tmp_path / "other", frames=3, seed=9, shift=7)
    flags = " ".join(geometry_flags())
    single = tmp_path / "single.json"
    assert main(["score", "-r", str(ref), "-d", str(dis), *geometry_flags(), "--json", "-o", str(single), "-q"]) == 0
    listing = tmp_path / "pairs.txt"
    listing.write_text(f"# two pairs and a bad line\n"
                       f"-r {ref} -d {dis} {flags} --json -o {tmp_path / 'a.json'}\n\n"
                       f"-r {ref} -d {tmp_path / 'missing.yuv'} {flags} --json -o {tmp_path / 'b.json'}\n"
                       f"-r {other_ref} -d {other_dis} {flags} --feature psnr --json -o {tmp_path / 'c.json'}\n")
    before = stage_counts()["compiled"]
    assert main(["score", "--batch", str(listing), "-q"]) == 2  # the missing clip's line
    err = capsys.readouterr().err
    assert f"{listing}:4:" in err and "missing.yuv" in err
    assert _document(tmp_path / "a.json") == _document(single)
    assert "psnr_y" in json.loads((tmp_path / "c.json").read_text())["pooled_metrics"]
    assert not (tmp_path / "b.json").exists()
    assert stage_counts()["compiled"] - before <= 2  # only psnr's stage: same-shape pairs share the rest


def test_batch_refuses_pair_flags_beside_it_and_empty_lists(tmp_path, capsys):
    listing = tmp_path / "pairs.txt"
    listing.write_text("# nothing\n")
    assert main(["score", "--batch", str(listing)]) == 2
    assert "no pair" in capsys.readouterr().err
    assert main(["score", "--batch", str(listing), "--example"]) == 2
    assert "--example" in capsys.readouterr().err
    listing.write_text("--bogus-flag\n")
    assert main(["score", "--batch", str(listing)]) == 2
    assert f"{listing}:1:" in capsys.readouterr().err


def test_score_many_equals_score_pair_by_pair(tmp_path):
    ref, dis = write_pair(tmp_path)
    geometry = {"width": 64, "height": 48, "pixel_format": "420", "bitdepth": 8}
    results = list(score_many([(ref, dis), {"reference": dis, "distorted": ref}], **geometry))
    assert [r.pooled for r in results] == [score(ref, dis, **geometry).pooled, score(dis, ref, **geometry).pooled]
