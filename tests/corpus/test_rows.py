"""Corpus row schema, validation and JSONL / Parquet round trips (specs/corpus/corpus.md §2-§4)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from tests.corpus import fakes
from vmafref.corpus.rows import (CANONICAL6_KEYS, CorpusRowError, pooled_stats, read_jsonl, read_parquet, read_rows,
                                 row_schema, validate_row, write_jsonl, write_parquet, write_rows)

REPO = Path(__file__).resolve().parents[2]


def test_packaged_schema_is_the_spec_schema():
    spec = (REPO / "specs" / "corpus" / "corpus_row.schema.json").read_text(encoding="utf-8")
    packaged = (REPO / "src" / "vmafref" / "corpus" / "corpus_row.schema.json").read_text(encoding="utf-8")
    assert spec == packaged
    assert row_schema() == json.loads(spec)
    assert list(row_schema()["properties"]["features"]["properties"]["per_frame"]["required"]) == list(CANONICAL6_KEYS)


def test_jsonl_round_trip_is_exact(tmp_path):
    rows = fakes.make_rows(tmp_path)
    assert write_jsonl(tmp_path / "c.jsonl", rows) == 2
    assert list(read_jsonl(tmp_path / "c.jsonl")) == rows
    first = (tmp_path / "c.jsonl").read_text().splitlines()[0]
    assert json.loads(first) == rows[0] and first.startswith('{"encode":')  # sorted keys


def test_parquet_round_trip_is_exact(tmp_path):
    rows = fakes.make_rows(tmp_path)
    rows[1]["nr_extra"] = {}
    assert write_parquet(tmp_path / "c.parquet", rows) == 2
    assert list(read_parquet(tmp_path / "c.parquet")) == rows
    assert list(read_rows(tmp_path / "c.parquet")) == list(read_rows(_jsonl(tmp_path, rows)))


def _jsonl(tmp_path, rows):
    write_rows(tmp_path / "x.jsonl", rows)
    return tmp_path / "x.jsonl"


def test_parquet_keeps_the_schema_for_generated_rows(tmp_path):
    import pyarrow.parquet as pq

    rows = fakes.make_rows(tmp_path)
    for row in rows:
        row.update(fr_from_nr=False, nr_source=None, nr_mos=None, nr_extra=None)
        row["provenance"]["commands"]["decode_source"] = None
    write_parquet(tmp_path / "g.parquet", rows)
    schema = pq.read_schema(tmp_path / "g.parquet")
    assert str(schema.field("nr_mos").type) == "double" and str(schema.field("nr_source").type) == "string"
    assert list(read_parquet(tmp_path / "g.parquet")) == rows


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r.pop("teacher"), "'teacher' is a required property"),
    (lambda r: r["features"]["per_frame"]["integer_adm2"].append(0.5), "integer_adm2 has 6 values but source.frame_count is 5"),
    (lambda r: r["teacher"]["per_frame"].__setitem__(0, math.nan), "teacher.per_frame\\[0\\] is not a finite number"),
    (lambda r: r["encode"].__setitem__("crf", 99), "field encode/crf"),
    (lambda r: r["encode"].__setitem__("encoder", "libfoo"), "field encode/encoder"),
    (lambda r: r.__setitem__("nr_source", None), "fr_from_nr is true but nr_source is null"),
    (lambda r: r.__setitem__("fr_from_nr", False), "must be null when fr_from_nr is false"),
    (lambda r: r.__setitem__("row_key", r["row_key"].replace("crf23", "crf24")), "does not match its cell"),
    (lambda r: r["source"].__setitem__("sha256", "abc"), "field source/sha256"),
    (lambda r: r.__setitem__("surprise", 1), "Additional properties"),
])
def test_invalid_rows_are_rejected_with_the_field_named(tmp_path, mutate, message):
    (row,) = fakes.make_rows(tmp_path, crfs=(23,))
    bad = copy.deepcopy(row)
    mutate(bad)
    with pytest.raises(CorpusRowError, match=message):
        validate_row(bad)
    with pytest.raises(CorpusRowError):
        write_jsonl(tmp_path / "bad.jsonl", [bad])
    assert not (tmp_path / "bad.jsonl").exists()


def test_reading_a_bad_line_names_file_and_line(tmp_path):
    (row,) = fakes.make_rows(tmp_path, crfs=(23,))
    path = tmp_path / "c.jsonl"
    bad = copy.deepcopy(row)
    bad["encode"]["size_bytes"] = 0
    path.write_text(json.dumps(row) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(CorpusRowError, match=r"c.jsonl:2: field encode/size_bytes"):
        list(read_jsonl(path))
    path.write_text("{not json\n")
    with pytest.raises(CorpusRowError, match=r"c.jsonl:1: not valid JSON"):
        list(read_jsonl(path))


def test_pooled_stats_match_libvmaf_pooling_and_population_std():
    values = [1.0, 2.0, 4.0]
    stats = pooled_stats(values)
    assert stats["mean"] == 7.0 / 3.0 and stats["min"] == 1.0 and stats["max"] == 4.0
    assert stats["harmonic_mean"] == pytest.approx(3.0 / (1 / 2 + 1 / 3 + 1 / 5) - 1.0, rel=1e-15)
    assert stats["std"] == pytest.approx(math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3), rel=1e-15)
    # a scorer's own pooled values win (libvmaf prints them; they are what it pooled)
    assert pooled_stats(values, {"mean": 2.5})["mean"] == 2.5
