"""tools/training_spread.py: what it compares, and its perturbation."""

import jax.numpy as jnp
import nbformat
import optax
import pytest

from tools import training_spread


def cell_printing(text):
    cell = nbformat.v4.new_code_cell("print(...)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


def test_moves_are_measured_on_what_nbval_compares():
    stored = training_spread.texts(
        cell_printing("NLL +0.876; error: 3e-16 (< 1e-12)\n")
    )
    fresh = training_spread.texts(cell_printing("NLL +0.868; error: 5e-15 (< 1e-12)\n"))
    # The bounded check's value is sanitized away, as nbval does; the NLL moved.
    assert training_spread.largest_move(stored, fresh) == pytest.approx(0.008)


@pytest.mark.parametrize(
    "fresh", ["NLL +0.876 nats\n", "NLL +0.876, +1.0\n", "NLL 1\n"], ids=str.strip
)
def test_changed_text_is_not_a_move(fresh):
    stored = training_spread.texts(cell_printing("NLL +0.876\n"))
    assert training_spread.largest_move(stored, [fresh]) is None


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_perturbation_changes_the_first_update_in_its_last_place_only(dtype):
    namespace = {}
    exec(training_spread.PERTURB.replace("TRIAL", "1"), namespace)  # noqa: S102
    # tests/conftest.py enables float64.
    params = {"w": jnp.linspace(1.0, 2.0, 1000, dtype=dtype)}
    # No zero gradient: its update is 0, whose relative change is undefined.
    signs = jnp.where(jnp.arange(1000) % 2 == 0, 1.0, -1.0).astype(dtype)
    grads = {"w": signs * jnp.linspace(0.5, 1.5, 1000, dtype=dtype)}
    plain, perturbed = namespace["_adam"](1e-2), optax.adam(1e-2)
    optax.adam = namespace["_adam"]  # undo the patch for every other test
    updates = []
    for optimizer in (plain, perturbed):
        state = optimizer.init(params)
        first, state = optimizer.update(grads, state, params)
        second, _ = optimizer.update(grads, state, params)
        updates.append((first["w"], second["w"]))
    (first, second), (first_p, second_p) = updates
    assert first.dtype == first_p.dtype == dtype
    # The change relative to each entry, in machine epsilons: 1 + eps z rounds
    # to 1 for small |z|, else to 1 + k eps with k a few units.
    relative = jnp.abs(first_p - first) / (jnp.finfo(dtype).eps * jnp.abs(first))
    assert 0.3 < jnp.mean(relative > 0) < 1  # most entries moved, not all
    assert jnp.all(jnp.isfinite(relative))
    assert 0 < jnp.max(relative) <= 8  # by a few units in the last place
    assert jnp.array_equal(second, second_p)  # and only the first update
