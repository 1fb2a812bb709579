"""The closed codec vocabulary of the codec-aware FR regressor and its one-hot encoding.

``fr_regressor_v2`` takes, beside its features, a one-hot codec id over a closed, ordered
vocabulary. The order is part of the model contract: slot ``k`` of the ``codec_onehot`` input
means ``CODEC_VOCAB[k]`` for every checkpoint trained against ``CODEC_VOCAB_VERSION``. Adding
a codec is a vocabulary-version bump that requires retraining; codecs are only ever appended,
before ``"unknown"`` never moves. See specs/models/codec_vocabulary.md.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = [
    "CODEC_VOCAB",
    "CODEC_VOCAB_VERSION",
    "NUM_CODECS",
    "UNKNOWN_INDEX",
    "CODEC_ALIASES",
    "CodecError",
    "canonical_codec",
    "codec_index",
    "codec_onehot",
]

#: Slot order of the ``codec_onehot`` input (specs/models/codec_vocabulary.md §1).
CODEC_VOCAB: tuple[str, ...] = ("x264", "x265", "libsvtav1", "libvvenc", "libvpx-vp9", "unknown")
#: Version of :data:`CODEC_VOCAB`; sidecars record it next to the model.
CODEC_VOCAB_VERSION: int = 1
NUM_CODECS: int = len(CODEC_VOCAB)
UNKNOWN_INDEX: int = CODEC_VOCAB.index("unknown")

#: Other spellings of the vocabulary's codecs (specs/models/codec_vocabulary.md §2). Keys are
#: lower case; lookup strips and lower-cases its input first.
CODEC_ALIASES: dict[str, str] = {
    # format names
    "h264": "x264",
    "avc": "x264",
    "hevc": "x265",
    "h265": "x265",
    "av1": "libsvtav1",
    "vp9": "libvpx-vp9",
    "vvc": "libvvenc",
    "h266": "libvvenc",
    # FFmpeg encoder names of the same encoders
    "libx264": "x264",
    "libx265": "x265",
    "svtav1": "libsvtav1",
    "svt-av1": "libsvtav1",
    "vvenc": "libvvenc",
}


class CodecError(ValueError):
    """A codec name that is not a string (or ``None``)."""


def canonical_codec(name: str | None) -> str:
    """Return the vocabulary entry ``name`` stands for.

    ``None``, an empty or blank string and any name that is neither a vocabulary entry nor an
    alias give ``"unknown"`` — the vocabulary has a slot for codecs it does not model
    (specs/models/codec_vocabulary.md §2). Anything that is not a string raises
    :class:`CodecError`.
    """
    if name is None:
        return "unknown"
    if not isinstance(name, str):
        raise CodecError(f"codec name must be a string or None, got {type(name).__name__}: {name!r}")
    key = name.strip().lower()
    if key in CODEC_VOCAB:
        return key
    return CODEC_ALIASES.get(key, "unknown")


def codec_index(name: str | None) -> int:
    """Slot of ``name`` in :data:`CODEC_VOCAB` (see :func:`canonical_codec`)."""
    return CODEC_VOCAB.index(canonical_codec(name))


def codec_onehot(names: Iterable[str | None]) -> np.ndarray:
    """One-hot rows ``[N, NUM_CODECS]`` (float32) for a sequence of codec names.

    Each row has exactly one 1.0, in the slot of :func:`canonical_codec` of its name. A bare
    string raises :class:`CodecError` (it would otherwise be read character by character).
    See specs/models/codec_vocabulary.md §3.
    """
    if isinstance(names, (str, bytes)):
        raise CodecError("codec_onehot expects a sequence of codec names, not a single string; wrap it in a list")
    indices = np.asarray([codec_index(name) for name in names], dtype=np.int64)
    onehot = np.zeros((indices.shape[0], NUM_CODECS), dtype=np.float32)
    onehot[np.arange(indices.shape[0]), indices] = 1.0
    return onehot
