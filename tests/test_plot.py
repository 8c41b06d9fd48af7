"""Plots: rendered under Agg, and each figure's structure checked (not only that a file exists)."""
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from minikan import KAN, plot
from minikan.data import dataset
from minikan.plot import network
from minikan.symbolic.fix import edge_samples


def _edge(artist):
    return tuple(int(v) for v in artist.get_label().split()[1].split(","))


def insets(fig):
    """{(l, i, j): the inset's curve} of a network figure; asserts one frame per curve."""
    ax = fig.axes[0]
    frames = [_edge(p) for p in ax.patches if p.get_gid() == "edge_inset"]
    curves = {_edge(ln): ln for ln in ax.get_lines() if ln.get_gid() == "edge_curve"}
    assert sorted(frames) == sorted(curves)
    return curves


def texts(fig, gid):
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def lines(ax, gid):
    return [ln for ln in ax.get_lines() if ln.get_gid() == gid]


def active_edges(model):
    return {(l, int(i), int(j)) for l, layer in enumerate(model.layers)
            for i, j in zip(*np.nonzero(layer.mask))}


@pytest.fixture(scope="module")
def data():
    return dataset("exp_sin", 300, 100, seed=0)


@pytest.fixture(scope="module")
def trained(data):
    model = KAN([2, 5, 1], grid=5, k=3, seed=0)
    hist = model.fit(data, steps=8, lamb=0.01, lamb_entropy=0.0, update_grid=False, log=0)
    return model, hist


def _x(d, n=200, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, d))


def _models(trained):
    model, _ = trained
    pruned = model.prune(edge_th=0.05)
    symbolic = pruned.copy()
    (i0, j0), (i1, j1) = list(zip(*np.nonzero(symbolic.layers[0].mask)))[:2]
    symbolic.fix_symbolic(0, i0, j0, "sin")
    symbolic.fix_symbolic(0, i1, j1, "x^2", fit_params=False)
    x, y = sp.symbols("x y")
    return {
        "trained [2,5,1]": (model, None),
        "deep [4,3,2,1], never fit": (KAN([4, 3, 2, 1], seed=1), _x(4)),
        "pruned": (pruned, None),
        "symbolic": (symbolic, None),
        "multiplication [2,[0,1],1]": (KAN([2, [0, 1], 1], seed=0), _x(2)),
        "from_formula x*y + sin(x)": (KAN.from_formula(x * y + sp.sin(x), [x, y]), None),
        "arity 3 [2,[1,1],1]": (KAN([2, [1, 1], 1], mult_arity=3), _x(2)),
    }


def test_import_minikan_does_not_import_matplotlib():
    code = ("import sys, minikan, minikan.plot; "
            "print(any(m.split('.')[0] == 'matplotlib' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_kind_of_model_has_one_inset_per_active_edge(trained):
    for name, (model, x) in _models(trained).items():
        fig = model.plot(x=x)
        assert set(insets(fig)) == active_edges(model), name
        assert len(lines(fig.axes[0], "edge_line")) == 0, name   # small models: no plain lines
        mult = sum(n for _, n in model.width)
        assert texts(fig, "mult_node").count("⊗") == mult, name
        assert texts(fig, "input_name") == model.input_names, name


def test_masked_edges_are_not_drawn_and_symbolic_edges_are_labelled(trained):
    model = trained[0].copy()
    model.layers[0].mask[1, 2] = 0.0
    model.fix_symbolic(0, 0, 3, "sin")
    model.fix_symbolic(1, 4, 0, "exp")
    model.layers[1].symbolic[(2, 0)] = "tanh"                  # symbolic but then masked
    model.layers[1].mask[2, 0] = 0.0
    fig = model.plot()
    found = insets(fig)
    assert (0, 1, 2) not in found and (1, 2, 0) not in found
    assert len(found) == 15 - 2
    labelled = {_edge(t): t.get_text() for t in fig.axes[0].texts if t.get_gid() == "symbolic_name"}
    assert labelled == {(0, 0, 3): "sin", (1, 4, 0): "exp"}
    assert found[(0, 0, 3)].get_color() == network.SYMBOLIC_COLOR
    assert found[(0, 0, 0)].get_color() == network.SPLINE_COLOR


def test_opacity_follows_the_edge_score(trained):
    model = trained[0].copy()
    layer = model.layers[0]
    layer.params["scale_base"][:] = 0.5
    layer.params["scale_sp"][:] = 0.0                          # φ = 0.5·silu(x) on every edge ...
    layer.params["scale_base"][0, 0] = 1e-3                    # ... but one nearly 0
    layer.params["scale_base"][1, 1] = 1.0                     # and one twice as strong
    alpha = {e: ln.get_alpha() for e, ln in insets(model.plot()).items()}
    assert alpha[(0, 1, 1)] == pytest.approx(1.0)
    assert alpha[(0, 0, 0)] == pytest.approx(network.ALPHA_MIN, abs=1e-2)
    half = network.ALPHA_MIN + (1 - network.ALPHA_MIN) * 0.5
    assert alpha[(0, 1, 0)] == pytest.approx(half, abs=0.05)   # |φ|₁ of silu on x1 vs x2: same law


def test_large_layers_are_thinned_to_the_strongest_edges():
    model = KAN([5, 6, 1], seed=0)
    x = _x(5)
    fig = model.plot(x=x)
    shown = insets(fig)
    layer0 = {e for e in shown if e[0] == 0}
    assert len(layer0) == network.MAX_INSETS                  # 30 edges > 24
    assert len(lines(fig.axes[0], "edge_line")) == 30 - network.MAX_INSETS
    score = model.attribute(x)["edge"][0]
    weakest_shown = min(score[i, j] for _, i, j in layer0)
    hidden = [score[i, j] for i in range(5) for j in range(6) if (0, i, j) not in layer0]
    assert max(hidden) <= weakest_shown
    assert {e for e in shown if e[0] == 1} == {(1, j, 0) for j in range(6)}


def test_names_title_and_saving(trained, tmp_path):
    model = trained[0]
    path = tmp_path / "net.png"
    fig = plot.plot_model(model, path=path, in_vars=["a", "b"], out_vars=["f"], title="demo")
    assert texts(fig, "input_name") == ["a", "b"] and texts(fig, "output_name") == ["f"]
    assert "demo" in [t.get_text() for t in fig.axes[0].texts]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size < 150_000
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"        # how a notebook shows it, no pyplot
    assert texts(model.plot(), "output_name") == model.output_names         # the model's own names by default


def test_bad_arguments_are_rejected(trained):
    model = trained[0]
    with pytest.raises(ValueError, match="in_vars"):
        model.plot(in_vars=["a"])
    with pytest.raises(ValueError, match="scale"):
        model.plot(scale=0)
    with pytest.raises(ValueError, match="pass x"):
        KAN([2, 3, 1]).plot()
    with pytest.raises(ValueError, match="masked"):
        pruned = model.copy()
        pruned.layers[0].mask[0, 0] = 0
        plot.plot_edge(pruned, 0, 0, 0)


def test_plot_edge_shows_curve_rug_knots_and_candidate(trained, data):
    model = trained[0]
    cand = model.suggest_symbolic(0, 0, 4, lib=["sin", "x"], topk=1)[0]
    ax = plot.plot_edge(model, 0, 0, 4, candidate=cand).axes[0]
    assert len(lines(ax, "rug")[0].get_xdata()) == len(data["train_input"])
    np.testing.assert_array_equal(lines(ax, "knots")[0].get_xdata(), model.layers[0].knots[0])
    (curve,) = lines(ax, "edge")
    assert curve.get_xdata().min() == pytest.approx(data["train_input"][:, 0].min())
    (cand_line,) = lines(ax, "candidate")
    np.testing.assert_allclose(cand_line.get_ydata(),
                               cand.a * np.sin(cand.b * cand_line.get_xdata() + cand.c) + cand.d)
    xs, ys = edge_samples(model, 0, 0, 4)                      # R² in the legend, recomputed here
    pred = cand.a * np.sin(cand.b * xs + cand.c) + cand.d
    r2 = 1 - np.sum((ys - pred) ** 2) / np.sum((ys - ys.mean()) ** 2)
    label = cand_line.get_label()
    assert "sin(" in label
    shown = float(label.split("= ")[-1])
    if "1 − R²" in label:                                     # near-exact fits print 1 − R²
        assert shown == pytest.approx(1 - r2, rel=0.06)
    else:
        assert shown == pytest.approx(r2, abs=1e-4)
    assert not lines(ax, "symbolic")


def test_plot_edge_of_a_symbolic_edge_draws_its_function(trained):
    model = trained[0].copy()
    fit = model.fix_symbolic(0, 0, 4, "sin")
    ax = plot.plot_edge(model, 0, 0, 4).axes[0]
    (sym,) = lines(ax, "symbolic")
    assert "sin" in sym.get_label() and "sin" in ax.get_title()
    a, b, c, d = fit.a, fit.b, fit.c, fit.d
    xs = np.asarray(sym.get_xdata())
    np.testing.assert_allclose(sym.get_ydata(), a * np.sin(b * xs + c) + d, rtol=1e-12, atol=1e-12)


def test_plot_history_single_and_concatenated(trained, data):
    model, hist = trained
    fig = plot.plot_history(hist)
    assert len(fig.axes) == 3
    for ax, gids in zip(fig.axes, (["train_loss", "test_loss"], ["reg"], ["n_edges"])):
        assert [ln.get_gid() for ln in ax.get_lines()] == gids
        assert not lines(ax, "boundary")
    assert fig.axes[0].get_yscale() == "log"
    pruned = model.prune()
    h2 = pruned.fit(data, steps=3, log=0)
    h3 = pruned.fit(data, steps=4, lamb=0.0, log=0)
    fig = plot.plot_history([("sparsity", hist), ("pruned", h2), ("G=8", h3)])
    n = len(hist["train_loss"]) + len(h2["train_loss"]) + len(h3["train_loss"])
    for ax in fig.axes:
        assert len(lines(ax, "boundary")) == 2
    assert lines(fig.axes[0], "train_loss")[0].get_xdata()[-1] == n
    np.testing.assert_array_equal(lines(fig.axes[2], "n_edges")[0].get_ydata(),
                                  np.concatenate([hist["n_edges"], h2["n_edges"], h3["n_edges"]]))
    assert texts(fig, "stage_label") == [" sparsity", " pruned", " G=8"]
    with pytest.raises(TypeError, match="history 1"):
        plot.plot_history([hist, [1, 2]])
    with pytest.raises(ValueError, match="test_loss"):
        plot.plot_history({"train_loss": [1.0, 0.5], "test_loss": [1.0]})


def test_plot_scaling_reference_slope_through_the_first_point():
    N = np.array([40.0, 80, 160, 320])
    fig = plot.plot_scaling(N, 0.1 * (N / 40) ** -3.0)
    ax = fig.axes[0]
    (ref,) = lines(ax, "reference")
    xr, yr = np.asarray(ref.get_xdata()), np.asarray(ref.get_ydata())
    slope = np.diff(np.log(yr)) / np.diff(np.log(xr))
    np.testing.assert_allclose(slope, -4.0)
    np.testing.assert_allclose(yr[0], 0.1) and np.testing.assert_allclose(xr[0], 40.0)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    fig = plot.plot_scaling([N, 2 * N], [1 / N, 1 / N ** 2], slope_ref=[-2, -4], labels=["a", "b"],
                            styles=["o-", "x:"])
    ax = fig.axes[0]
    assert len(lines(ax, "series")) == 2 and len(lines(ax, "reference")) == 2
    assert [ln.get_marker() for ln in lines(ax, "series")] == ["o", "x"]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["a", "b"]
    fig = plot.plot_scaling([[10, 20], [10, 20, 40]], [[1.0, 0.5], [1.0, 0.3, 0.1]])   # ragged
    assert [len(ln.get_xdata()) for ln in lines(fig.axes[0], "series")] == [2, 3]
    with pytest.raises(ValueError, match="positive"):
        plot.plot_scaling(N, -N)
    with pytest.raises(ValueError, match="labels"):
        plot.plot_scaling(N, 1 / N, labels=["a", "b"])
