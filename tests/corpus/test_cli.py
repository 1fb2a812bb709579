"""``vmafref corpus`` argument parsing (docs/corpus.md)."""

from __future__ import annotations

import pytest

from vmafref.cli import build_parser


@pytest.mark.parametrize("crf_args", [["--crf", "22", "30", "38"], ["--crf", "22", "--crf", "30", "--crf", "38"],
                                      ["--crf", "22", "30", "--crf", "38"]])
def test_crf_sweep_accepts_one_flag_or_several(crf_args):
    """Both spellings give the whole sweep; a repeated --crf must not keep only its last value."""
    args = build_parser().parse_args(["corpus", "fr-from-nr", "--input", "nr.jsonl", "--output", "fr.jsonl", *crf_args])
    assert args.crf == [22, 30, 38]


def test_crf_sweep_defaults_to_none_for_the_adapter_default():
    args = build_parser().parse_args(["corpus", "fr-from-nr", "--input", "nr.jsonl", "--output", "fr.jsonl"])
    assert args.crf is None
