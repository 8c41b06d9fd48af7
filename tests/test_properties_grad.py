"""Property tests of every hand-written backward: layers and whole models with random widths,
grids, degrees, masks, batch sizes (1 included), multiplication nodes and live symbolic
edges; the losses; the full training objective with the sparsity penalty (lamb > 0).
Each is a float64 central-finite-difference check at the project's bar (relative error
< 1e-6, ``minikan.gradcheck``). Random arrays come from a numpy Generator seeded by
hypothesis, so no drawn input sits exactly on a knot, where a k = 1 spline has a kink."""
import numpy as np
from helpers import perturb
from hypothesis import given
from hypothesis import strategies as st

from minikan import KAN, gradcheck, losses
from minikan.layer import KANLayer

# Library functions without a domain clamp: smooth everywhere, so finite differences apply.
SMOOTH = ["x", "x^2", "x^3", "sin", "cos", "tanh", "exp", "arctan", "gaussian"]
seeds = st.integers(0, 2**32 - 1)

# A central difference of L carries rounding error ~ eps·|L|/h in every entry. Where a whole
# array's gradient is itself that small (chains of products of tiny values, found by the long
# profile: |∂L/∂θ| ~ 1e-7 with |L| ~ 1), the relative error measures only that noise; such a
# row passes if its absolute error is below NOISE_FACTOR times the rounding bound. Every
# other row must meet the project's relative bar, gradcheck.TOLERANCE = 1e-6.
NOISE_FACTOR = 10.0


def _assert_ok(report, loss_value):
    noise = NOISE_FACTOR * np.finfo(float).eps * max(1.0, abs(loss_value)) / gradcheck.STEP
    bad = [row for row in report.rows if row[3] >= report.tolerance and row[2] >= noise]
    assert not bad, f"rounding bound {noise:.1e}\n{report.table()}"


@st.composite
def widths(draw, max_hidden=2):
    """[d, hidden…, m]: d in 1..3, m in 1..2, up to max_hidden layers of sum and multiplication nodes."""
    hidden = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)).filter(lambda p: sum(p) > 0),
                           max_size=max_hidden))
    return [draw(st.integers(1, 3))] + [list(p) for p in hidden] + [draw(st.integers(1, 2))]


@st.composite
def models(draw, symbolic=True, max_hidden=2, max_grid=5):
    """A perturbed KAN with some edges masked and, optionally, some live symbolic edges."""
    width = draw(widths(max_hidden))
    model = KAN(width, grid=draw(st.integers(1, max_grid)), k=draw(st.integers(1, 3)),
                mult_arity=draw(st.integers(2, 3)), seed=draw(seeds))
    rng = np.random.default_rng(draw(seeds))
    perturb(model, seed=rng, scale=0.5)
    for l, layer in enumerate(model.layers):
        n_sym = draw(st.integers(0, 2)) if symbolic else 0
        for e in rng.choice(layer.mask.size, min(n_sym, layer.mask.size), replace=False):
            i, j = np.unravel_index(e, layer.mask.shape)
            model.fix_symbolic(l, int(i), int(j), str(rng.choice(SMOOTH)), fit_params=False)
            layer.params["sym_affine"][i, j] = rng.uniform(-1.2, 1.2, 4)   # (a, b, c, d), all live
        layer.mask[rng.random(layer.mask.shape) < draw(st.sampled_from([0.0, 0.3]))] = 0.0
    return model, rng


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 3), st.integers(1, 4), seeds,
       st.integers(0, 3))
def test_layer_backward(in_dim, out_dim, grid, k, batch, seed, n_sym):
    rng = np.random.default_rng(seed)
    layer = KANLayer(in_dim, out_dim, grid=grid, k=k, seed=seed)
    perturb(layer, seed=rng, scale=0.5)
    for e in rng.choice(in_dim * out_dim, min(n_sym, in_dim * out_dim), replace=False):
        i, j = np.unravel_index(e, (in_dim, out_dim))
        layer.symbolic[(int(i), int(j))] = str(rng.choice(SMOOTH))
        layer.params["sym_affine"][i, j] = rng.uniform(-1.2, 1.2, 4)
    layer.mask[rng.random((in_dim, out_dim)) < 0.3] = 0.0
    x = rng.uniform(-1.3, 1.3, (batch, in_dim))                # some points beyond the base interval
    dout = rng.normal(size=(batch, out_dim))
    report = gradcheck.check(layer, x, dout)
    _assert_ok(report, np.sum(dout * layer.forward(x)))


@given(models(max_grid=3), st.integers(1, 4))
def test_model_backward(case, batch):
    model, rng = case
    x = rng.uniform(-1, 1, (batch, model.layers[0].in_dim))
    dout = rng.normal(size=(batch, model.layers[-1].out_dim))
    report = gradcheck.check(model, x, dout)
    _assert_ok(report, np.sum(dout * model(x)))


@given(models(max_hidden=1, max_grid=2), st.integers(1, 3), st.floats(0.001, 1.0), st.floats(0.0, 2.0),
       st.floats(0.0, 2.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.sampled_from(["mse", "ce"]))
def test_objective_with_sparsity_penalty(case, batch, lamb, mu1, mu2, mu3, mu4, loss_fn):
    """ℓ = ℓ_pred + λ(μ₁ Σ|Φ|₁ + μ₂ Σ S(Φ) + μ₃ ΣC₁ + μ₄ ΣC₂), through the public objective."""
    model, rng = case
    m = model.layers[-1].out_dim
    x = rng.uniform(-1, 1, (batch, model.layers[0].in_dim))
    y = rng.integers(0, m, batch) if loss_fn == "ce" else rng.normal(size=(batch, m))
    report = gradcheck.check_objective(model, x, y, loss_fn=loss_fn, lamb=lamb, lamb_l1=mu1, lamb_entropy=mu2,
                                       lamb_coef=mu3, lamb_coefdiff=mu4)
    _assert_ok(report, model.objective(x, y, loss_fn=loss_fn, lamb=lamb, lamb_l1=mu1, lamb_entropy=mu2,
                                       lamb_coef=mu3, lamb_coefdiff=mu4)[0])
    value = model.objective(x, y, loss_fn=loss_fn, lamb=lamb, lamb_l1=mu1, lamb_entropy=mu2)[0]
    assert value >= model.objective(x, y, loss_fn=loss_fn)[0] - 1e-12     # the penalty is ≥ 0


@given(seeds, st.integers(1, 5), st.integers(1, 4), st.floats(1e-3, 30.0))
def test_losses(seed, n, m, scale):
    rng = np.random.default_rng(seed)
    pred, y = scale * rng.normal(size=(n, m)), scale * rng.normal(size=(n, m))
    value, dpred = losses.mse(pred, y)
    assert value >= 0 and np.isclose(losses.rmse(pred, y), np.sqrt(value))
    numeric = gradcheck.numerical_grad_array(lambda: losses.mse(pred, y)[0], pred, h=1e-6 * scale)
    assert gradcheck.rel_error(dpred, numeric) < 1e-6
    logits, labels = scale * rng.normal(size=(n, m)), rng.integers(0, m, n)
    ce, dlogits = losses.cross_entropy(logits, labels)
    numeric = gradcheck.numerical_grad_array(lambda: losses.cross_entropy(logits, labels)[0], logits, h=1e-6)
    # CE is computed from logits of size ~scale, so its rounding is ~eps·scale, not eps·CE: a
    # saturated softmax (CE ~ 1e-5, found by the long profile) needs the absolute bound.
    noise = NOISE_FACTOR * np.finfo(float).eps * max(1.0, np.abs(logits).max()) / 1e-6
    assert ce >= 0 and (gradcheck.rel_error(dlogits, numeric) < 1e-6 or np.abs(dlogits - numeric).max() < noise)
    p = losses.softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert (p >= 0).all()
    # Shifting every logit of a row changes nothing; huge logits stay finite.
    shifted = losses.cross_entropy(logits + rng.normal(size=(n, 1)) * 1e3, labels)[0]
    np.testing.assert_allclose(shifted, ce, rtol=1e-9, atol=1e-9)
    assert np.isfinite(losses.cross_entropy(logits * 1e6, labels)[0])
