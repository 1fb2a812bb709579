"""Stand-ins for ffmpeg, ffprobe and a scorer, shaped like the adapter's runner seams."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from vmafref.corpus.ffmpeg import frame_bytes, raw_layout
from vmafref.corpus.rows import CANONICAL6_KEYS
from vmafref.corpus.scorers import ScoreOutput

ENCODERS_LISTING = """Encoders:
 V..... = Video
 ------
 V....D libx264              libx264 H.264 / AVC (codec h264)
 V....D libx265              libx265 H.265 / HEVC (codec hevc)
 A....D aac                  AAC (Advanced Audio Coding)
"""


def completed(cmd, returncode=0, stdout="", stderr=""):
    return subprocess.CompletedProcess(cmd, returncode, stdout, stderr)


def ffprobe_payload(width=64, height=48, pix_fmt="yuv420p", rate="25/1", duration="0.2"):
    return json.dumps({"streams": [{"width": width, "height": height, "pix_fmt": pix_fmt, "r_frame_rate": rate,
                                    "avg_frame_rate": rate}], "format": {"duration": duration}})


class Recorder:
    """A runner that records every command and answers through ``respond(cmd)``."""

    def __init__(self, respond):
        self.calls: list[list[str]] = []
        self._respond = respond

    def __call__(self, cmd, capture_output=True, text=True, check=False):
        assert capture_output and text and not check
        self.calls.append(list(cmd))
        return self._respond(list(cmd))


def probe_runner(width=64, height=48, pix_fmt="yuv420p", encoders=ENCODERS_LISTING, fail=False, payload=None):
    def respond(cmd):
        if "-version" in cmd:
            return completed(cmd, stdout="ffmpeg version 0.0-test Copyright (c) the FFmpeg developers\n")
        if "-encoders" in cmd:
            return completed(cmd, stdout=encoders)
        if fail:
            return completed(cmd, 1, stderr="Invalid data found when processing input")
        return completed(cmd, stdout=payload if payload is not None else ffprobe_payload(width, height, pix_fmt))
    return Recorder(respond)


def geometry_calls(recorder):
    return [c for c in recorder.calls if c[0].endswith("ffprobe")]


def decode_runner(width=64, height=48, pix_fmt="yuv420p", frames=5, fail_sources=()):
    """Writes ``frames`` raw frames to the output path (the last argument)."""
    _, layout, depth = raw_layout(pix_fmt)
    size = frames * frame_bytes(width, height, layout, depth)

    def respond(cmd):
        source = cmd[cmd.index("-i") + 1]
        if any(Path(source).name == Path(s).name and Path(source).parent == Path(s).parent for s in fail_sources):
            Path(cmd[-1]).write_bytes(b"\x00" * 7)  # a partial file left behind by the failed decode
            return completed(cmd, 1, stderr="moov atom not found")
        Path(cmd[-1]).write_bytes(bytes(range(256)) * (size // 256) + b"\x10" * (size % 256))
        return completed(cmd)
    return Recorder(respond)


def encode_runner(fail_crfs=()):
    def respond(cmd):
        crf = int(cmd[cmd.index("-crf") + 1])
        if crf in fail_crfs:
            return completed(cmd, 1, stderr="x264 [error]: broken")
        Path(cmd[-1]).write_bytes(b"\x00\x00\x00\x01" + bytes([crf]) * (4000 // (crf + 1) + 1))
        return completed(cmd)
    return Recorder(respond)


class FakeScorer:
    """Deterministic per-frame values falling with file size; records its requests."""

    def __init__(self):
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        frames = []
        for index in range(request.frame_count):
            base = 0.9 - 0.01 * index
            frame = {key: base for key in CANONICAL6_KEYS}
            frame["integer_motion2"] = float(index)
            frame["vmaf"] = 90.0 - index
            frames.append(frame)
        return ScoreOutput(frames=frames, pooled={}, kind="vmafref", version="vmafref test",
                           command=["vmafref", "score", "-r", "{reference_yuv}", "-d", "{distorted_yuv}"])


def make_rows(tmp_path, crfs=(23, 33), mos=4.0, extra=None):
    """Real adapter rows made through the mocked seams."""
    from vmafref.corpus.fr_from_nr import NrInputRow, NrToFrAdapter

    upload = tmp_path / "uploads" / "clip.mp4"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"x")
    adapter = NrToFrAdapter(crf_sweep=crfs, scratch_dir=tmp_path / "scratch")
    return list(adapter.run(NrInputRow(upload, mos, extra if extra is not None else {"corpus": "t", "n": 3}),
                            probe_runner=probe_runner(), decode_runner=decode_runner(), encode_runner=encode_runner(),
                            score_runner=FakeScorer()))
