"""Training is a function of (config, data, toolchain): specs/models/training_determinism.md."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from vmafref.models.datasets import data
from vmafref.models.training import train
from vmafref.models.training.determinism import (LIBRARY_FUSION_FLAGS, DeterminismError, determinism_state,
                                                  pin_process_for_determinism)
from vmafref.models.training.params_io import params_sha256

# Trains a conv net (whose bits depend on the visible core count when unpinned) and the
# dropout MLP for a few steps in a fresh, pinned process; prints the parameter hashes.
_SCRIPT = textwrap.dedent("""
    from vmafref.models.training.determinism import pin_process_for_determinism
    pin_process_for_determinism()
    import json
    from vmafref.models.datasets import data
    from vmafref.models.training import train
    filt = data.smoke_dataset("learned_filter_v1", 0).select(range(8))
    a = train.train(train.TrainConfig("learned_filter_v1", seed=3, epochs=2, batch_size=4,
                                      learning_rate=1e-3), filt, progress=False)
    table = data.synthetic_feature_table("fr_regressor_v1", 0, rows_per_source=8)
    b = train.train(train.TrainConfig("fr_regressor_v1", seed=3, epochs=2, batch_size=16), table, progress=False)
    print(json.dumps({"filter": a.metrics["params_sha256"], "fr": b.metrics["params_sha256"],
                      "state": a.metrics["determinism"]}))
""")


def _run(affinity: set[int] | None) -> dict:
    import json

    def restrict():
        if affinity is not None:
            os.sched_setaffinity(0, affinity)

    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                          preexec_fn=restrict, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_trained_bytes_do_not_depend_on_visible_cores():
    cpus = sorted(os.sched_getaffinity(0))
    all_cores = _run(None)
    one_core = _run({cpus[-1]})  # like `taskset -c <last>`: a different core, one visible
    assert all_cores["state"]["pinned"] and one_core["state"]["pinned"]
    assert all_cores["state"]["visible_cpus"] == 1
    assert "--xla_cpu_max_isa=AVX2" in all_cores["state"]["xla_flags"] or os.uname().machine != "x86_64"
    assert all(flag in all_cores["state"]["xla_flags"].split() for flag in LIBRARY_FUSION_FLAGS)
    assert all_cores["filter"] == one_core["filter"]
    assert all_cores["fr"] == one_core["fr"]


_LIBRARY_SCRIPT = textwrap.dedent("""
    from vmafref.models.training.determinism import pin_process_for_determinism
    pin_process_for_determinism()
    import json
    import jax, jax.numpy as jnp
    a, b = jnp.ones((64, 128)), jnp.ones((128, 32))
    print(json.dumps({"hlo": jax.jit(jnp.dot).lower(a, b).compile().as_text()}))
""")


def _compiled_dot_hlo(env: dict) -> str:
    import json

    done = subprocess.run([sys.executable, "-c", _LIBRARY_SCRIPT], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["hlo"]


def test_pinned_dot_is_compiled_by_xla_not_a_kernel_library():
    """A pinned process compiles a dot without a library fusion (YNNPACK picks its kernels by
    the CPU at run time: specs/models/training_determinism.md §3.1), and the check can tell:
    the same dot in an unpinned process of this jaxlib is a library call."""
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    pinned = _compiled_dot_hlo(env)
    assert "custom-call" not in pinned and "ynn" not in pinned.lower() and "xnn" not in pinned.lower()
    unpinned = subprocess.run([sys.executable, "-c", _LIBRARY_SCRIPT.replace("pin_process_for_determinism()", "")],
                              capture_output=True, text=True, env={**env, "JAX_PLATFORMS": "cpu"}, timeout=300,
                              check=True).stdout
    assert "__ynn_fusion" in unpinned or "__xnn_fusion" in unpinned or "onednn" in unpinned.lower()


def test_pinning_refuses_conflicting_library_flags():
    env = {k: v for k, v in os.environ.items() if k not in ("XLA_FLAGS", "JAX_PLATFORMS")}
    script = ("from vmafref.models.training.determinism import pin_process_for_determinism\n"
              "pin_process_for_determinism()")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False,
                          env={**env, "XLA_FLAGS": "--xla_cpu_experimental_ynn_fusion_type=LIBRARY_FUSION_TYPE_DOT"})
    assert done.returncode != 0 and "xla_cpu_experimental_ynn_fusion_type" in done.stderr


def test_pinning_refuses_after_jax_import():
    import jax  # noqa: F401  (the test process has jax already; pinning must say so)

    with pytest.raises(DeterminismError, match="before jax is imported"):
        pin_process_for_determinism()


def test_determinism_state_reports_unpinned_process():
    state = determinism_state()
    assert state["visible_cpus"] == len(os.sched_getaffinity(0))
    assert isinstance(state["pinned"], bool)


def _small_fr(**config):
    table = data.synthetic_feature_table("fr_regressor_v2", 1, rows_per_source=12, **config)
    return table, train.TrainConfig("fr_regressor_v2", seed=5, epochs=6, batch_size=32, model_config=config)


def test_same_process_repeat_gives_same_bytes():
    table, config = _small_fr()
    first = train.train(config, table, progress=False)
    second = train.train(config, table, progress=False)
    assert params_sha256(first.params) == params_sha256(second.params)
    assert first.history == second.history


def test_seed_changes_parameters():
    table, config = _small_fr()
    other = train.TrainConfig("fr_regressor_v2", seed=6, epochs=6, batch_size=32)
    assert (train.train(config, table, progress=False).metrics["params_sha256"]
            != train.train(other, table, progress=False).metrics["params_sha256"])


def test_training_reduces_loss_and_reports_metrics():
    table, config = _small_fr(variance=True)
    result = train.train(config, table, progress=False)
    epoch_loss = result.history["epoch_loss"]
    assert len(epoch_loss) == 6 and len(result.history["step_loss"]) == 6 * 4
    assert epoch_loss[-1] < epoch_loss[0]
    assert result.metrics["in_sample_plcc"] > 0.5
    assert result.standardizer.feature_order == table.feature_order
    out = train.predict("fr_regressor_v2", result.params, table, standardizer=result.standardizer, variance=True)
    assert set(out) == {"score", "score_logvar"} and out["score"].shape == (len(table),)


def test_filter_starts_as_identity():
    filt = data.smoke_dataset("learned_filter_v1", 0).select(range(4))
    from vmafref.models.networks import nets
    import jax

    params = nets.init_params("learned_filter_v1", jax.random.key(0))
    out = np.asarray(nets.apply("learned_filter_v1", params, filt.inputs["input"])["output"])
    np.testing.assert_array_equal(out, np.clip(filt.inputs["input"], 0.0, 1.0))


@pytest.mark.parametrize("bad", [dict(epochs=0), dict(batch_size=0), dict(learning_rate=0.0),
                                 dict(weight_decay=-1.0), dict(model_config={"colour": True})])
def test_bad_config_raises(bad):
    table, _ = _small_fr()
    with pytest.raises(ValueError):
        train.train(train.TrainConfig("fr_regressor_v2", **bad), table, progress=False)


def test_wrong_feature_order_raises():
    table = data.synthetic_feature_table("fr_regressor_v2", 1, rows_per_source=4)
    with pytest.raises(train.TrainingError, match="feature order"):
        train.train(train.TrainConfig("fr_regressor_v1", epochs=1), table, progress=False)


def test_nonfinite_targets_raise():
    table = data.synthetic_feature_table("fr_regressor_v1", 1, rows_per_source=4)
    table.targets[3] = np.nan
    with pytest.raises(train.TrainingError, match="NaN"):
        train.train(train.TrainConfig("fr_regressor_v1", epochs=1), table, progress=False)


def test_pinning_happens_before_any_numerical_library_loads():
    """The training and audit children pin first: importing the pinning module must not pull in
    numpy or jax (their thread pools are sized when they load)."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from vmafref.models.training.determinism import pin_process_for_determinism\n"
            "print(sorted(m for m in ('numpy', 'jax', 'scipy', 'onnxruntime') if m in sys.modules))")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"
