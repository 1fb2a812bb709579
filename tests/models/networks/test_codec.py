"""Codec vocabulary v1: specs/models/codec_vocabulary.md."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vmafref.models.networks.codec import (CODEC_ALIASES, CODEC_VOCAB, CODEC_VOCAB_VERSION, NUM_CODECS, UNKNOWN_INDEX,
                                  CodecError, canonical_codec, codec_index, codec_onehot)


def test_vocabulary_is_frozen():
    # Changing this tuple is a vocabulary-version bump and a retrain (spec §1).
    assert CODEC_VOCAB == ("x264", "x265", "libsvtav1", "libvvenc", "libvpx-vp9", "unknown")
    assert CODEC_VOCAB_VERSION == 1 and NUM_CODECS == 6 and UNKNOWN_INDEX == 5


@pytest.mark.parametrize("name,expected", [
    ("x264", "x264"), ("H264", "x264"), ("avc", "x264"), ("libx264", "x264"), (" libx265 ", "x265"),
    ("hevc", "x265"), ("h265", "x265"), ("AV1", "libsvtav1"), ("svt-av1", "libsvtav1"), ("vp9", "libvpx-vp9"),
    ("libvpx-vp9", "libvpx-vp9"), ("vvc", "libvvenc"), ("h266", "libvvenc"), ("vvenc", "libvvenc"),
    ("libaom-av1", "unknown"), ("h264_nvenc", "unknown"), ("not-a-codec", "unknown"), ("", "unknown"),
    ("   ", "unknown"), (None, "unknown")])
def test_canonical_names(name, expected):
    assert canonical_codec(name) == expected
    assert codec_index(name) == CODEC_VOCAB.index(expected)


def test_aliases_point_into_vocabulary():
    assert set(CODEC_ALIASES.values()) <= set(CODEC_VOCAB) - {"unknown"}
    assert all(key == key.lower().strip() for key in CODEC_ALIASES)


@pytest.mark.parametrize("bad", [3, 2.5, b"x264", ["x264"]])
def test_non_string_raises(bad):
    with pytest.raises(CodecError):
        canonical_codec(bad)


def test_bare_string_is_refused():
    with pytest.raises(CodecError, match="single string"):
        codec_onehot("x264")


def test_empty_batch():
    out = codec_onehot([])
    assert out.shape == (0, NUM_CODECS) and out.dtype == np.float32


@given(st.lists(st.one_of(st.none(), st.sampled_from(list(CODEC_VOCAB) + list(CODEC_ALIASES)), st.text(max_size=12)),
                max_size=40))
def test_onehot_rows(names):
    out = codec_onehot(names)
    assert out.shape == (len(names), NUM_CODECS) and out.dtype == np.float32
    np.testing.assert_array_equal(out.sum(axis=1), np.ones(len(names), np.float32))
    assert set(np.unique(out)) <= {0.0, 1.0}
    for row, name in zip(out, names):
        assert CODEC_VOCAB[int(row.argmax())] == canonical_codec(name)


@given(st.text(max_size=20))
def test_canonical_is_idempotent(name):
    once = canonical_codec(name)
    assert once in CODEC_VOCAB and canonical_codec(once) == once
