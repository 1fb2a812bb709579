import json
import math
import xml.etree.ElementTree as ET

from hypothesis import given, strategies as st

from vmafref.output import format_number, to_csv, to_json, to_xml, write_output
from vmafref.pooling import pool
from vmafref.scoring import ScoreResult

finite = st.floats(min_value=-0.5, max_value=1e12, allow_nan=False)


def _result(columns):
    keys = list(columns)
    n = len(next(iter(columns.values())))
    frames = [{k: columns[k][i] for k in keys} for i in range(n)]
    pooled = {k: pool(v) for k, v in columns.items() if all(math.isfinite(x) for x in v)}
    return ScoreResult(frames=frames, pooled=pooled, keys=keys, width=16, height=8, bitdepth=8,
                       pixel_format="420", frame_count=n, cpu_seconds=0.5)


@given(st.lists(finite, min_size=1, max_size=8))
def test_json_round_trips_every_double(values):
    result = _result({"integer_adm2": values, "vmaf": values[::-1]})
    document = json.loads(to_json(result))
    assert [f["metrics"]["integer_adm2"] for f in document["frames"]] == values
    assert [f["frameNum"] for f in document["frames"]] == list(range(len(values)))
    assert document["pooled_metrics"]["vmaf"] == result.pooled["vmaf"]
    assert list(document["pooled_metrics"]["vmaf"]) == ["min", "max", "mean", "harmonic_mean"]
    assert document["aggregate_metrics"] == {}


def test_non_finite_values_are_null():
    assert format_number(float("nan")) == "null" and format_number(float("inf")) == "null"
    document = json.loads(to_json(_result({"x": [1.0, float("nan")]})))
    assert document["frames"][1]["metrics"]["x"] is None
    assert "x" not in document["pooled_metrics"]


def test_xml_and_csv_layouts():
    result = _result({"integer_adm2": [0.1, 0.30000000000000004], "vmaf": [90.0, 91.5]})
    root = ET.fromstring(to_xml(result))
    assert root.tag == "VMAF"
    frames = root.find("frames").findall("frame")
    assert float(frames[1].get("integer_adm2")) == 0.30000000000000004
    assert root.find("pooled_metrics").find("metric").get("name") == "integer_adm2"
    csv_lines = to_csv(result).splitlines()
    assert csv_lines[0] == "Frame,integer_adm2,vmaf,"
    assert csv_lines[2] == "1,0.30000000000000004,91.5,"


def test_write_output_is_atomic_and_complete(tmp_path):
    target = tmp_path / "out.json"
    write_output(_result({"vmaf": [1.0]}), str(target), "json")
    assert json.loads(target.read_text())["frames"][0]["metrics"]["vmaf"] == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
