"""ONNX export: specs/models/export.md."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from vmafref.models.conversion import export
from vmafref.models.networks import nets
from vmafref.models.conversion.onnx_reference_exporter import export_reference_onnx

CASES = [("fr_regressor_v1", {}), ("fr_regressor_v2", {}), ("fr_regressor_v2", {"variance": True}),
         ("fr_regressor_v2", {"num_codecs": 0}), ("nr_metric_v1", {}), ("learned_filter_v1", {})]
IDS = [m + "".join(f"-{k}={v}" for k, v in c.items()) for m, c in CASES]


def _perturbed_params(model_id, config, seed=1):
    """Initial parameters plus noise, so no layer is zero (the filter's exit starts at zero)."""
    params = nets.init_params(model_id, jax.random.key(seed), **config)
    leaves, tree = jax.tree_util.tree_flatten(params)
    rng = np.random.default_rng(seed)
    return jax.tree_util.tree_unflatten(tree, [np.asarray(leaf) + 0.05 * rng.standard_normal(leaf.shape).astype(np.float32)
                                               for leaf in leaves])


@pytest.fixture(scope="module")
def exported():
    out = {}
    for (model_id, config), case_id in zip(CASES, IDS):
        params = _perturbed_params(model_id, config)
        out[case_id] = (model_id, config, params, export.export_onnx(model_id, params, **config),
                        export_reference_onnx(model_id, params, **config))
    return out


def _feed(contract, batch, height=224, width=224, seed=0):
    rng = np.random.default_rng(seed)
    sizes = {"N": batch, "H": height, "W": width}
    feed = {}
    for name, shape in zip(contract.input_names, contract.input_shapes):
        shape = tuple(sizes.get(d, d) for d in shape)
        if name == "codec_onehot":
            feed[name] = np.eye(shape[1], dtype=np.float32)[rng.integers(0, shape[1], shape[0])]
        elif name == "features":
            feed[name] = rng.standard_normal(shape).astype(np.float32)
        else:
            feed[name] = rng.random(shape, dtype=np.float32)
    return feed


def _session(data: bytes):
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def _geometries(model_id):
    if model_id == "learned_filter_v1":
        return [(1, 16, 16), (3, 23, 37), (2, 8, 61)]
    return [(1, 224, 224), (4, 224, 224)] if model_id == "nr_metric_v1" else [(1, 0, 0), (7, 0, 0), (64, 0, 0)]


@pytest.mark.parametrize("case", IDS)
def test_checker_and_fixed_fields(exported, case):
    model_id, config, _, data, reference = exported[case]
    for blob in (data, reference):
        model = onnx.load_from_string(blob)
        onnx.checker.check_model(model, full_check=True)
        assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
        assert model.ir_version == export.IR_VERSION
        assert not model.metadata_props and not model.doc_string and not model.graph.doc_string
        assert all(not node.doc_string for node in model.graph.node)
        export.check_self_contained(model)
        assert model.graph.name == model_id
    model = onnx.load_from_string(data)
    assert (model.producer_name, model.producer_version) == (export.PRODUCER_NAME, export.PRODUCER_VERSION)
    initializers = {t.name for t in model.graph.initializer}
    assert not initializers & {v.name for v in model.graph.value_info}


@pytest.mark.parametrize("case", IDS)
def test_io_names_and_symbolic_dims(exported, case):
    model_id, config, _, data, reference = exported[case]
    contract = nets.contract(model_id, **config)
    for blob in (data, reference):
        graph = onnx.load_from_string(blob).graph

        def dims(values):
            return tuple(tuple(d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim) for v in values)

        assert tuple(v.name for v in graph.input) == contract.input_names
        assert tuple(v.name for v in graph.output) == contract.output_names
        assert dims(graph.input) == contract.input_shapes
        assert dims(graph.output) == contract.output_shapes
        assert all(v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for v in list(graph.input) + list(graph.output))


@pytest.mark.parametrize("case", IDS)
def test_ort_matches_jax_and_reference(exported, case):
    model_id, config, params, data, reference = exported[case]
    contract = nets.contract(model_id, **config)
    session, reference_session = _session(data), _session(reference)
    for batch, height, width in _geometries(model_id):
        feed = _feed(contract, batch, height, width, seed=batch)
        onnx_out = session.run(list(contract.output_names), feed)
        reference_out = reference_session.run(list(contract.output_names), feed)
        jax_out = nets.apply(model_id, params, *[feed[n] for n in contract.input_names], **config)
        for name, got, ref in zip(contract.output_names, onnx_out, reference_out):
            expected_shape = tuple({"N": batch, "H": height, "W": width}.get(d, d)
                                   for d in contract.output_shapes[contract.output_names.index(name)])
            assert got.shape == expected_shape
            np.testing.assert_allclose(got, np.asarray(jax_out[name]), rtol=0, atol=1e-5, err_msg=name)
            np.testing.assert_allclose(ref, got, rtol=0, atol=1e-6, err_msg=name)


def test_export_is_stable_in_process(exported):
    model_id, config, params, data, reference = exported[IDS[2]]
    assert export.export_onnx(model_id, params, **config) == data
    assert export_reference_onnx(model_id, params, **config) == reference


def test_export_depends_on_parameters(exported):
    model_id, config, params, data, _ = exported[IDS[0]]
    other = jax.tree_util.tree_map(lambda a: np.asarray(a) * np.float32(1.5), params)
    assert export.export_onnx(model_id, other, **config) != data


_SCRIPT = textwrap.dedent("""
    import hashlib, json, jax
    from vmafref.models.conversion import export
    from vmafref.models.networks import nets
    hashes = {}
    for model_id in nets.MODEL_IDS:
        params = nets.init_params(model_id, jax.random.key(0))
        hashes[model_id] = hashlib.sha256(export.export_onnx(model_id, params)).hexdigest()
    print(json.dumps(hashes))
""")


@pytest.mark.slow
def test_export_bytes_identical_across_processes():
    runs = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                              timeout=600, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    assert runs[0] == runs[1]
    in_process = {m: hashlib.sha256(export.export_onnx(m, nets.init_params(m, jax.random.key(0)))).hexdigest()
                  for m in nets.MODEL_IDS}
    assert in_process == runs[0]
