"""Property tests of the operations that change a model but must keep its function:
grid updates and ``refine`` (exactly, wherever the old splines lie in the new spline space),
pruning (the pruned model is the masked original), and formulas (the lambdified formula is
the model)."""
import numpy as np
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st
from test_properties_grad import SMOOTH, seeds, widths

from minikan import KAN, bspline, nodes

R = 50.0             # the initial grid range [-R, R]: every layer's inputs stay inside it
FIT_TOL = 1e-8       # least squares of a function the new spline space holds exactly


def _polynomial_splines(model, rng):
    """Set every spline to a random polynomial of degree ≤ k on the base interval [-R, R]:
    a polynomial lies in every degree-k spline space, whatever its knots (Curry–Schoenberg)."""
    for layer in model.layers:
        x0 = np.tile(np.linspace(-R, R, 8 * (layer.grid + layer.k))[:, None], (1, layer.in_dim))
        powers = (x0[:, :, None, None] / 2.0) ** np.arange(layer.k + 1)   # (n, in, 1, k+1)
        a = rng.normal(scale=0.5, size=(layer.in_dim, layer.out_dim, layer.k + 1))
        y = (powers * a).sum(axis=-1)                                       # (n, in, out)
        layer.params["coef"][...] = bspline.curve_to_coef(x0, y, layer.knots, layer.k)
        layer.params["scale_base"][...] = rng.uniform(-1, 1, layer.mask.shape)


@st.composite
def polynomial_models(draw):
    model = KAN(draw(widths(max_hidden=1)), grid=draw(st.integers(1, 5)), k=draw(st.integers(1, 3)),
                grid_range=(-R, R), grid_eps=draw(st.floats(0.0, 1.0)), seed=draw(seeds))
    rng = np.random.default_rng(draw(seeds))
    _polynomial_splines(model, rng)
    x = rng.uniform(-1, 1, (draw(st.integers(10, 40)), model.layers[0].in_dim))
    assume(all(np.abs(xl).max() < R for xl in model.layer_inputs(x)))
    return model, x


def _close(a, b, tol):
    np.testing.assert_allclose(a, b, rtol=0, atol=tol * max(1.0, np.abs(b).max()))


@given(polynomial_models())
def test_grid_update_keeps_a_function_the_new_grid_can_hold(case):
    """Knots move to the samples' quantiles; polynomial splines are still splines there, so the
    refit reproduces them on the samples up to FIT_TOL (relative to the output's size)."""
    model, x = case
    before = model(x)
    model.update_grid(x)
    for layer, xl in zip(model.layers, model.layer_inputs(x)):
        assert (np.diff(layer.knots, axis=1) >= 0).all()
        base = layer.knots[:, layer.k:layer.knots.shape[1] - layer.k]        # the base interval covers
        assert (base[:, 0] <= xl.min(axis=0)).all() and (base[:, -1] >= xl.max(axis=0)).all()   # the data
    _close(model(x), before, FIT_TOL)


@st.composite
def trained_like_models(draw):
    """A perturbed KAN whose knots were moved to data once (non-uniform), with its samples."""
    from helpers import perturb
    model = KAN(draw(widths(max_hidden=1)), grid=draw(st.integers(1, 4)), k=draw(st.integers(1, 3)),
                seed=draw(seeds))
    rng = np.random.default_rng(draw(seeds))
    perturb(model, seed=rng, scale=0.5)
    x = rng.uniform(-1, 1, (draw(st.integers(30, 60)), model.layers[0].in_dim))
    model.update_grid(x)
    return model, x


@given(trained_like_models(), st.integers(1, 3))
def test_refine_to_a_multiple_of_the_grid_is_exact(case, factor):
    """Refining G → m·G nests the old base knots among the new ones (refine_knots samples the
    knots' index map at multiples of 1/m), so every old spline is a new spline on the base
    interval, where update_grid put all the samples: equal up to FIT_TOL."""
    model, x = case
    new = model.refine(factor * model.grid, x=x)
    assert new.grid == factor * model.grid
    _close(new(x), model(x), FIT_TOL)


@given(trained_like_models(), st.integers(2, 8))
def test_refine_to_any_grid_approximates(case, new_grid):
    """Any other new grid: the least-squares fit is no worse than the zero spline (a bound
    that holds for every knot vector), and stays finite."""
    model, x = case
    new = model.refine(new_grid, x=x)
    for old_layer, new_layer, xl in zip(model.layers, new.layers, model.layer_inputs(x)):
        old_sp, new_sp = old_layer.spline_values(xl), new_layer.spline_values(xl)   # (N, in, out)
        err = np.sqrt(((new_sp - old_sp) ** 2).mean(axis=0))
        assert (err <= np.sqrt((old_sp ** 2).mean(axis=0)) + 1e-12).all()


@st.composite
def masked_models(draw):
    """A perturbed KAN with random edges masked, then the masks closed under the rule that a
    hidden node with no input (a product: with a factor without input) outputs a constant, so
    its outgoing edges are masked too, and a node with no output needs no inputs."""
    from helpers import perturb
    model = KAN(draw(widths()), grid=3, k=draw(st.integers(1, 3)), mult_arity=2, seed=draw(seeds))
    rng = np.random.default_rng(draw(seeds))
    perturb(model, seed=rng, scale=0.5)
    p = draw(st.sampled_from([0.0, 0.3, 0.5]))
    for layer in model.layers:
        layer.mask[rng.random(layer.mask.shape) < p] = 0.0
    changed = True
    while changed:
        changed = False
        for l in range(1, model.depth):
            into, out_of = model.layers[l - 1].mask, model.layers[l].mask
            for n, cols in enumerate(nodes.subnode_groups(model.width[l][0], model.arities[l])):
                dead_in = not into[:, cols].any(axis=0).all()
                if (dead_in and out_of[n].any()) or (not out_of[n].any() and into[:, cols].any()):
                    out_of[n] = 0.0
                    into[:, cols] = 0.0
                    changed = True
    assume(all(layer.mask[:, :].any() for layer in model.layers))
    return model, rng.uniform(-1, 1, (12, model.layers[0].in_dim))


@given(masked_models())
def test_pruned_model_equals_the_masked_original(case):
    """With thresholds 0 only masked edges and dead nodes go: the smaller model computes the
    same function, and nothing it keeps is masked or dead."""
    model, x = case
    pruned = model.prune(node_th=0.0, edge_th=0.0, x=x)
    np.testing.assert_allclose(pruned(x), model(x), rtol=1e-12, atol=1e-12)
    assert pruned.n_params() == model.n_params()
    assert sum(map(sum, pruned.width)) <= sum(map(sum, model.width))


@st.composite
def symbolic_models(draw):
    """A KAN with every unmasked edge a smooth library function with random (a, b, c, d)."""
    model = KAN(draw(widths()), grid=3, k=3, mult_arity=draw(st.integers(2, 3)), seed=draw(seeds))
    rng = np.random.default_rng(draw(seeds))
    for l, layer in enumerate(model.layers):
        layer.mask[rng.random(layer.mask.shape) < 0.2] = 0.0
        for i, j in zip(*np.nonzero(layer.mask)):
            model.fix_symbolic(l, int(i), int(j), str(rng.choice(SMOOTH)), fit_params=False)
            layer.params["sym_affine"][i, j] = rng.uniform(-0.8, 0.8, 4)
    return model, rng.uniform(-1, 1, (8, model.layers[0].in_dim))


@given(symbolic_models())
def test_lambdified_formula_equals_the_model(case):
    model, x = case
    var = sp.symbols(f"v0:{x.shape[1]}", real=True)
    exprs = model.symbolic_formula(var=list(var))
    f = sp.lambdify(var, exprs, "numpy")
    got = np.column_stack([np.broadcast_to(np.asarray(v, float), len(x)) for v in f(*x.T)])
    np.testing.assert_allclose(got, model(x), rtol=1e-10, atol=1e-10)
