import numpy as np
import pytest
import sympy as sp

from minikan.symbolic import library
from minikan.symbolic.library import DOMAIN_EPS, LIBRARY, Domain, get_library

EXPECTED_ORDER = ["x", "x^2", "x^3", "x^4", "x^5", "1/x", "1/x^2", "sqrt", "x^1.5",
                  "1/sqrt(x)", "exp", "log", "abs", "sin", "cos", "tan", "tanh", "sgn",
                  "arcsin", "arctan", "arctanh", "gaussian", "0", "cosh", "sinh"]
BUILTINS = list(EXPECTED_ORDER)


def inside_points(name):
    """Sample points well inside the domain, away from clamps, poles and kinks (abs, sgn)."""
    z = np.linspace(-2.0, 2.0, 41)                                  # (41,)
    if name in ("sqrt", "x^1.5", "1/sqrt(x)", "log"):
        return np.linspace(0.1, 3.0, 41)
    if name in ("arcsin", "arctanh"):
        return np.linspace(-0.9, 0.9, 41)
    if name == "tan":
        return np.linspace(-1.3, 1.3, 41)
    if name in ("1/x", "1/x^2", "abs", "sgn"):
        return z[np.abs(z) >= 0.2]                                  # off the pole / kink
    return z


def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)


def test_library_order_and_complexity_scale():
    assert list(LIBRARY)[:len(EXPECTED_ORDER)] == EXPECTED_ORDER
    assert LIBRARY["0"].complexity == 0 and LIBRARY["x"].complexity == 1
    assert all(0 <= LIBRARY[n].complexity <= 3 for n in BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_df_matches_central_differences(name):
    prim = LIBRARY[name]
    z = inside_points(name)
    h = 1e-6
    numeric = (prim.f(z + h) - prim.f(z - h)) / (2 * h)             # (n,)
    assert rel_error(prim.df(z), numeric) < 1e-6


@pytest.mark.parametrize("name", BUILTINS)
def test_sympy_form_matches_numpy(name):
    prim = LIBRARY[name]
    u = sp.Symbol("u", real=True)
    z = inside_points(name)
    g = sp.lambdify(u, prim.sympy(u), modules="numpy")
    expected = np.broadcast_to(np.asarray(g(z), dtype=float), z.shape)   # "0" gives a scalar
    np.testing.assert_allclose(expected, prim.f(z), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", BUILTINS)
def test_f_and_df_are_finite_everywhere(name):
    prim = LIBRARY[name]
    poles = [0.0, -0.0, 1.0, -1.0, np.pi / 2, -np.pi / 2, 3 * np.pi / 2, 1e-12, -1e-12]
    z = np.concatenate([np.linspace(-50, 50, 1001), poles, [800.0, -800.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):    # none may be hidden
        assert np.all(np.isfinite(prim.f(z))) and np.all(np.isfinite(prim.df(z)))


def test_f_and_df_keep_shape():
    z = np.linspace(0.1, 0.9, 6).reshape(2, 3)                      # (2, 3), as in a layer
    for prim in LIBRARY.values():
        assert prim.f(z).shape == (2, 3) and prim.df(z).shape == (2, 3)


def test_clamp_rules():
    eps = DOMAIN_EPS
    log, inv, asin, tan = LIBRARY["log"], LIBRARY["1/x"], LIBRARY["arcsin"], LIBRARY["tan"]
    z = np.array([-3.0, 0.0, eps / 2, 2.0])
    np.testing.assert_allclose(log.f(z), np.log([eps, eps, eps, 2.0]))
    np.testing.assert_allclose(log.df(z), [0, 0, 0, 0.5])           # flat where clamped
    assert log.clamp_count(z) == 3
    # 1/x keeps the sign of its input; exactly 0 goes to the + side.
    np.testing.assert_allclose(inv.f([-eps / 3, 0.0, eps / 3, 0.5]), [-1 / eps, 1 / eps, 1 / eps, 2])
    assert inv.clamp_count([-eps / 3, 0.0, eps / 3, 0.5]) == 3
    np.testing.assert_allclose(asin.f([-1.5, 1.0, 0.5]),
                               np.arcsin([-(1 - eps), 1 - eps, 0.5]))
    # tan: every pole π/2 + nπ is kept at distance eps, on the input's own side.
    for n in (-2, 0, 3):
        pole = np.pi / 2 + n * np.pi
        values = tan.f([pole - eps / 2, pole + eps / 2])
        assert values[0] > 0.9 / eps and values[1] < -0.9 / eps
    assert tan.clamp_count([0.3, np.pi / 2, 3 * np.pi / 2 + 1e-6]) == 2
    assert LIBRARY["sin"].clamp_count(np.linspace(-9, 9, 10)) == 0


def test_domain_rejects_empty_interval():
    with pytest.raises(ValueError, match="domain"):
        Domain(lo=1.0, hi=1.0)


@pytest.fixture
def restore_library(monkeypatch):
    """Let a test add primitives without leaking them into other tests."""
    monkeypatch.setattr(library, "LIBRARY", dict(library.LIBRARY))
    return library


def test_add_primitive(restore_library):
    prim = restore_library.add_primitive(
        "softplus", lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z)),
        lambda u: sp.log(1 + sp.exp(u)), 3)
    assert list(restore_library.LIBRARY)[-1] == "softplus"
    assert restore_library.get_library(["softplus"])["softplus"] is prim
    np.testing.assert_allclose(prim.f([0.0]), [np.log(2)])


def test_add_primitive_with_domain_clamps(restore_library):
    prim = restore_library.add_primitive("log2", np.log2, lambda z: 1 / (z * np.log(2)),
                                         lambda u: sp.log(u, 2), 2, domain=(0, np.inf))
    assert np.all(np.isfinite(prim.f([-1.0, 0.0, 1.0])))
    assert prim.clamp_count([-1.0, 0.0, 1.0]) == 2


def test_add_primitive_validates(restore_library):
    ok = dict(f=np.sin, df=np.cos, sympy=sp.sin, complexity=2)
    with pytest.raises(ValueError, match="already in the library"):
        restore_library.add_primitive("sin", **ok)
    with pytest.raises(TypeError, match="df must be callable"):
        restore_library.add_primitive("s2", np.sin, 3.0, sp.sin, 2)
    with pytest.raises(ValueError, match="complexity"):
        restore_library.add_primitive("s2", np.sin, np.cos, sp.sin, -1)
    with pytest.raises(TypeError, match="domain"):
        restore_library.add_primitive("s2", **ok, domain="positive")
    replaced = restore_library.add_primitive("sin", **{**ok, "complexity": 1}, overwrite=True)
    assert restore_library.LIBRARY["sin"] is replaced
    assert list(restore_library.LIBRARY).index("sin") == EXPECTED_ORDER.index("sin")


def test_get_library_subset_in_library_order():
    assert list(get_library(["sin", "x", "exp"])) == ["x", "exp", "sin"]
    assert list(get_library("sin")) == ["sin"]
    assert list(get_library()) == list(LIBRARY)


def test_get_library_names_unknown():
    with pytest.raises(ValueError, match="'sech'"):
        get_library(["sin", "sech"])

