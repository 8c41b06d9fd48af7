"""Bad input at every public entry point: a ValueError or TypeError that names the argument,
raised before any state changes.

``BAD_INPUTS`` is the table of what was tried (the README's "What minikan rejects" sums it
up). Each row: an id, the call (given a model and a dataset), the exception type, and a
regex the message must match — the argument's name, and what was expected where it is
short enough to pin down. After every rejected call the model must be exactly as before:
parameters, knots, masks, symbolic edges, widths and the stored training inputs.
"""
import numpy as np
import pytest
import sympy as sp

from minikan import KAN, create_dataset
from minikan.data import dataset_from_arrays

X, Y = sp.symbols("X Y")
N_TRAIN, N_TEST = 20, 10


def _data():
    return create_dataset(lambda x: x[:, :1] * x[:, 1:], n_var=2, train_num=N_TRAIN, test_num=N_TEST, seed=0)


def _with(data, **parts):
    return {**data, **parts}


def _without(data, key):
    return {k: v for k, v in data.items() if k != key}


def _fit(**kw):
    return lambda m, d: m.fit(d, **dict(dict(steps=1, log=0), **kw))


def _fit_on(make_data, **kw):
    return lambda m, d: m.fit(make_data(d), **dict(dict(steps=1, log=0), **kw))


x_ok = np.zeros((3, 2))
BAD_INPUTS = [
    # --- KAN(...)
    ("KAN width empty", lambda m, d: KAN([]), ValueError, r"^width must be a list of at least 2"),
    ("KAN width one layer", lambda m, d: KAN([2]), ValueError, r"^width must be a list of at least 2"),
    ("KAN width a string", lambda m, d: KAN("2,1"), ValueError, r"^width must be a list"),
    ("KAN width float entry", lambda m, d: KAN([2.0, 1]), ValueError, r"^width\[0\] must be a non-negative integer"),
    ("KAN width zero nodes", lambda m, d: KAN([2, 0, 1]), ValueError, r"^width\[1\] must have at least one node"),
    ("KAN mult node in output", lambda m, d: KAN([2, [1, 1]]), ValueError, r"^width\[1\]: multiplication nodes"),
    ("KAN grid 0", lambda m, d: KAN([2, 1], grid=0), ValueError, r"^grid must be a positive integer, got 0"),
    ("KAN grid float", lambda m, d: KAN([2, 1], grid=5.0), TypeError, r"^grid must be a positive integer"),
    ("KAN k 0", lambda m, d: KAN([2, 1], k=0), ValueError, r"^k must be a positive integer, got 0"),
    ("KAN k float", lambda m, d: KAN([2, 1], k=3.0), TypeError, r"^k must be a positive integer"),
    ("KAN seed float", lambda m, d: KAN([2, 1], seed=1.5), TypeError, r"^seed must be a non-negative int"),
    ("KAN seed negative", lambda m, d: KAN([2, 1], seed=-1), ValueError, r"^seed must be a non-negative int"),
    ("KAN seed None", lambda m, d: KAN([2, 1], seed=None), TypeError, r"^seed must be"),
    ("KAN grid_range reversed", lambda m, d: KAN([2, 1], grid_range=(1, 0)),
     ValueError, r"^grid_range must satisfy lo < hi"),
    ("KAN grid_range 3 numbers", lambda m, d: KAN([2, 1], grid_range=(0, 1, 2)),
     ValueError, r"^grid_range must have shape \(2,\)"),
    ("KAN grid_range NaN", lambda m, d: KAN([2, 1], grid_range=(np.nan, 1)), ValueError, r"^grid_range contains 1 NaN"),
    ("KAN noise_scale negative", lambda m, d: KAN([2, 1], noise_scale=-1),
     ValueError, r"^noise_scale must lie in \[0.0"),
    ("KAN grid_eps > 1", lambda m, d: KAN([2, 1], grid_eps=2), ValueError, r"^grid_eps must lie in \[0.0, 1.0\]"),
    ("KAN mult_arity 1", lambda m, d: KAN([2, [1, 1], 1], mult_arity=1), ValueError, r"^mult_arity must be at least 2"),
    ("KAN mult_arity list too short", lambda m, d: KAN([2, [1, 1], 1], mult_arity=[2]),
     ValueError, r"^mult_arity must be"),
    ("KAN input_names too few", lambda m, d: KAN([2, 1], input_names=["a"]), ValueError, r"^input_names must be 2"),
    ("KAN input_names a string", lambda m, d: KAN([2, 1], input_names="ab"), TypeError, r"^input_names must be a list"),
    ("KAN input_names repeated", lambda m, d: KAN([2, 1], input_names=["a", "a"]),
     ValueError, r"^input_names must be 2 distinct"),
    ("KAN input_names not str", lambda m, d: KAN([2, 1], input_names=["a", 3]), ValueError, r"^input_names must be 2"),
    # --- model(x)
    ("x 1-D", lambda m, d: m(np.zeros(2)), ValueError, r"^x must have shape \(batch, 2\), got shape \(2,\)"),
    ("x 3-D", lambda m, d: m(np.zeros((1, 3, 2))), ValueError, r"^x must have shape \(batch, 2\)"),
    ("x scalar", lambda m, d: m(1.0), ValueError, r"^x must have shape \(batch, 2\), got shape \(\)"),
    ("x wrong features", lambda m, d: m(np.zeros((3, 5))),
     ValueError, r"^x must have shape \(batch, 2\), got shape \(3, 5\)"),
    ("x empty batch", lambda m, d: m(np.zeros((0, 2))), ValueError, r"^x must hold at least one sample"),
    ("x strings", lambda m, d: m(np.array([["a", "b"]])), TypeError, r"^x must hold real numbers, got dtype <U1"),
    ("x objects", lambda m, d: m(np.array([[1, None]], dtype=object)),
     TypeError, r"^x must hold real numbers, got dtype object"),
    ("x None", lambda m, d: m(None), TypeError, r"^x must hold real numbers"),
    ("x complex", lambda m, d: m(np.zeros((3, 2), complex)), TypeError, r"^x must hold real numbers, got complex"),
    ("x ragged", lambda m, d: m([[1.0, 2.0], [3.0]]), ValueError, r"^x could not be read as an array"),
    ("x NaN", lambda m, d: m(np.full((3, 2), np.nan)), ValueError, r"^x contains 6 NaN or inf"),
    ("x inf", lambda m, d: m(np.array([[np.inf, 0.0]])), ValueError, r"^x contains 1 NaN or inf"),
    ("predict NaN", lambda m, d: m.predict(np.array([[np.nan, 0.0]])), ValueError, r"^x contains 1 NaN"),
    ("predict_proba wrong features", lambda m, d: m.predict_proba(np.zeros((3, 1))), ValueError, r"^x must have shape"),
    ("predict_proba one output", lambda m, d: m.predict_proba(np.zeros((3, 2))),
     ValueError, r"^predict_proba needs a classifier, one output \(logit\) per class, at least 2; this model has 1"),
    ("objective unknown loss", lambda m, d: m.objective(x_ok, np.zeros((3, 1)), loss_fn="l1"),
     ValueError, r"^loss name must be one of"),
    # --- fit: the dataset
    ("fit dataset not a dict", lambda m, d: m.fit([1, 2], steps=1, log=0), TypeError, r"^dataset must be a dict"),
    ("fit missing key", _fit_on(lambda d: _without(d, "test_label")),
     ValueError, r"^dataset is missing \['test_label'\]"),
    ("fit train rows mismatch", _fit_on(lambda d: _with(d, train_label=d["train_label"][:5])), ValueError,
     r"^train_input and train_label must have the same number of rows, got 20 and 5"),
    ("fit test rows mismatch", _fit_on(lambda d: _with(d, test_input=d["test_input"][:3])), ValueError,
     r"^test_input and test_label must have the same number of rows"),
    ("fit input wrong features", _fit_on(lambda d: _with(d, train_input=np.zeros((N_TRAIN, 3)))), ValueError,
     r"^train_input must have shape \(n, 2\) for this model"),
    ("fit empty training set", _fit_on(lambda d: _with(d, train_input=np.zeros((0, 2)), train_label=np.zeros((0, 1)))),
     ValueError, r"^train_input must hold at least one sample"),
    ("fit NaN label", _fit_on(lambda d: _with(d, train_label=np.where(np.arange(N_TRAIN)[:, None] == 3, np.nan, 0.0))),
     ValueError, r"^train_label contains 1 NaN or inf"),
    ("fit inf input", _fit_on(lambda d: _with(d, test_input=np.full((N_TEST, 2), np.inf))), ValueError,
     r"^test_input contains 20 NaN or inf"),
    ("fit string labels", _fit_on(lambda d: _with(d, train_label=np.array(["a"] * N_TRAIN))), TypeError,
     r"^train_label must hold real numbers"),
    ("fit mse labels too many columns", _fit_on(lambda d: _with(d, train_label=np.zeros((N_TRAIN, 2)))), ValueError,
     r"^train_label must have shape \(n, 1\) for an MSE model with 1 outputs"),
    ("fit ce fractional labels", _fit_on(lambda d: _with(d, train_label=np.full(N_TRAIN, 0.5)), loss_fn="ce"),
     ValueError, r"^train_label must hold integer class indices"),
    ("fit ce label out of range",
     _fit_on(lambda d: _with(d, train_label=np.full(N_TRAIN, 4), test_label=np.zeros(N_TEST, int)), loss_fn="ce"),
     ValueError, r"^train_label must be class indices in \[0, 1\)"),
    ("fit ce column labels", _fit_on(lambda d: _with(d, train_label=np.zeros((N_TRAIN, 1), int)), loss_fn="ce"),
     ValueError, r"^train_label must have shape \(n,\)"),
    ("fit ce negative labels", _fit_on(lambda d: _with(d, train_label=-np.ones(N_TRAIN, int)), loss_fn="ce"),
     ValueError, r"^train_label must be class indices >= 0"),
    # --- fit: the options
    ("fit unknown option", _fit(learning_rate=0.1), TypeError, r"unexpected keyword argument 'learning_rate'"),
    ("fit unknown optimiser", _fit(opt="SGD"), ValueError, r"^opt must be one of 'LBFGS', 'Adam'; got 'SGD'"),
    ("fit unknown loss", _fit(loss_fn="l1"), ValueError, r"^loss_fn must be one of"),
    ("fit steps 0", _fit(steps=0), ValueError, r"^steps must be a positive integer, got 0"),
    ("fit steps float", _fit(steps=2.0), TypeError, r"^steps must be a positive integer"),
    ("fit lr 0", _fit(lr=0.0), ValueError, r"^lr must be > 0"),
    ("fit lr negative", _fit(lr=-1.0), ValueError, r"^lr must lie in \[0.0"),
    ("fit lr NaN", _fit(lr=np.nan), ValueError, r"^lr must be a finite number"),
    ("fit lr string", _fit(lr="1e-3"), TypeError, r"^lr must be a real number"),
    ("fit batch larger than the data", _fit(batch=N_TRAIN + 1),
     ValueError, r"^batch must be -1 \(full batch\) or an int in \[1, 20\]"),
    ("fit batch 0", _fit(batch=0), ValueError, r"^batch must be -1"),
    ("fit batch -2", _fit(batch=-2), ValueError, r"^batch must be -1"),
    ("fit batch float", _fit(batch=2.5), (TypeError, ValueError), r"^batch must be -1"),
    ("fit batch bool", _fit(batch=True), TypeError, r"^batch must be -1"),
    ("fit lamb negative", _fit(lamb=-0.1), ValueError, r"^lamb must lie in \[0.0"),
    ("fit lamb_entropy NaN", _fit(lamb_entropy=np.nan), ValueError, r"^lamb_entropy must be a finite"),
    ("fit update_grid string", _fit(update_grid="no"), TypeError, r"^update_grid must be True or False"),
    ("fit grid_update_num 0", _fit(grid_update_num=0), ValueError, r"^grid_update_num must be a positive integer"),
    ("fit grid_update_num float", _fit(grid_update_num=2.5), TypeError, r"^grid_update_num must be a positive integer"),
    ("fit stop_grid_update_step negative", _fit(stop_grid_update_step=-5),
     ValueError, r"^stop_grid_update_step must be an integer >= 0"),
    ("fit log negative", _fit(log=-1), ValueError, r"^log must be an integer >= 0"),
    ("fit log string", _fit(log="x"), TypeError, r"^log must be an integer"),
    ("fit seed negative", _fit(seed=-1), ValueError, r"^seed must be a non-negative int"),
    # --- data-dependent operations
    ("update_grid wrong features", lambda m, d: m.update_grid(np.zeros((3, 5))),
     ValueError, r"^x must have shape \(batch, 2\)"),
    ("update_grid NaN", lambda m, d: m.update_grid(np.full((3, 2), np.nan)), ValueError, r"^x contains 6 NaN"),
    ("attribute unknown mode", lambda m, d: m.attribute(mode="zz"),
     ValueError, r"^mode must be one of 'l1', 'attribution'"),
    ("refine 0", lambda m, d: m.refine(0), ValueError, r"^new_grid must be a positive integer, got 0"),
    ("refine float", lambda m, d: m.refine(10.0), TypeError, r"^new_grid must be a positive integer"),
    ("refine wrong x", lambda m, d: m.refine(10, x=np.zeros((4, 3))), ValueError, r"^x must have shape \(batch, 2\)"),
    ("prune node_th negative", lambda m, d: m.prune(node_th=-1), ValueError, r"^node_th must lie in \[0.0"),
    ("prune edge_th NaN", lambda m, d: m.prune(edge_th=np.nan), ValueError, r"^edge_th must be a finite number"),
    ("prune edge_th string", lambda m, d: m.prune(edge_th="0.1"), TypeError, r"^edge_th must be a real number"),
    ("prune unknown mode", lambda m, d: m.prune(mode="xx"), ValueError, r"^mode must be one of"),
    ("prune thresholds remove everything", lambda m, d: m.prune(node_th=1e6, edge_th=1e6, keep_strongest=False),
     ValueError,
     r"^pruning with node_th=1000000.0, edge_th=1000000.0 removes every node"),
    ("prune_input threshold negative", lambda m, d: m.prune_input(threshold=-1),
     ValueError, r"^threshold must lie in \[0.0"),
    ("prune_input removes every input", lambda m, d: m.prune_input(threshold=1e6),
     ValueError, r"^prune_input would remove every input"),
    # --- symbolic edges
    ("fix_symbolic layer out of range", lambda m, d: m.fix_symbolic(5, 0, 0, "sin"),
     ValueError, r"^layer index l must be in \[0, 2\), got 5"),
    ("fix_symbolic layer negative", lambda m, d: m.fix_symbolic(-1, 0, 0, "sin"),
     ValueError, r"^layer index l must be in \[0, 2\)"),
    ("fix_symbolic layer float", lambda m, d: m.fix_symbolic(0.0, 0, 0, "sin"), ValueError, r"^layer index l must be"),
    ("fix_symbolic input out of range", lambda m, d: m.fix_symbolic(0, 2, 0, "sin"),
     ValueError, r"^edge \(i, j\) of layer 0 must have 0 <= i < 2"),
    ("fix_symbolic output out of range", lambda m, d: m.fix_symbolic(1, 0, 1, "sin"),
     ValueError, r"^edge \(i, j\) of layer 1"),
    ("fix_symbolic unknown name", lambda m, d: m.fix_symbolic(0, 0, 0, "nosuchfn"),
     ValueError, r"^name must be a library function .*got 'nosuchfn'"),
    ("fix_symbolic name not a string", lambda m, d: m.fix_symbolic(0, 0, 0, ["sin"]),
     ValueError, r"^name must be a library function"),
    ("fix_symbolic wrong x", lambda m, d: m.fix_symbolic(0, 0, 0, "sin", x=np.zeros((4, 1))),
     ValueError, r"^x must have shape"),
    ("unfix_symbolic layer out of range", lambda m, d: m.unfix_symbolic(3, 0, 0),
     ValueError, r"^layer index l must be"),
    ("suggest_symbolic edge out of range", lambda m, d: m.suggest_symbolic(0, 9, 0),
     ValueError, r"^edge \(i, j\) of layer 0"),
    ("suggest_symbolic unknown lib name", lambda m, d: m.suggest_symbolic(0, 0, 0, lib=["nosuchfn"]),
     ValueError, r"unknown primitive name\(s\) \['nosuchfn'\]"),
    ("suggest_symbolic topk 0", lambda m, d: m.suggest_symbolic(0, 0, 0, topk=0),
     ValueError, r"^topk must be a positive integer"),
    ("suggest_symbolic topk float", lambda m, d: m.suggest_symbolic(0, 0, 0, topk=1.5),
     TypeError, r"^topk must be a positive integer"),
    ("suggest_symbolic weight_simple > 1", lambda m, d: m.suggest_symbolic(0, 0, 0, weight_simple=2.0), ValueError,
     r"^weight_simple must lie in \[0.0, 1.0\]"),
    ("suggest_symbolic weight_simple < 0", lambda m, d: m.suggest_symbolic(0, 0, 0, weight_simple=-1.0), ValueError,
     r"^weight_simple must lie in \[0.0, 1.0\]"),
    ("auto_symbolic r2_threshold > 1", lambda m, d: m.auto_symbolic(r2_threshold=2.0),
     ValueError, r"^r2_threshold must lie in \[-inf, 1.0\]"),
    ("auto_symbolic unknown lib name", lambda m, d: m.auto_symbolic(lib=["nope"]),
     ValueError, r"unknown primitive name\(s\) \['nope'\]"),
    ("symbolic_formula with spline edges left", lambda m, d: m.symbolic_formula(), ValueError,
     r"^symbolic_formula needs every active edge symbolic; still splines: \[\(0, 0, 0\)"),
    ("symbolic_formula wrong number of names", lambda m, d: KAN.from_formula(X * Y, [X, Y]).symbolic_formula(var=["a"]),
     ValueError, r"^var must give 2 inputs"),
    ("to_splines wrong x", lambda m, d: m.to_splines(np.zeros((3, 3))), ValueError, r"^x must have shape \(batch, 2\)"),
    # --- from_formula
    ("from_formula unsupported function", lambda m, d: KAN.from_formula(sp.acosh(X), [X]), ValueError,
     r"^from_formula cannot compile acosh\(X\): acosh is not in the library"),
    ("from_formula variable exponent", lambda m, d: KAN.from_formula(X ** Y, [X, Y]),
     ValueError, r"^from_formula cannot compile X\*\*Y"),
    ("from_formula complex constant", lambda m, d: KAN.from_formula(sp.I * X, [X]),
     ValueError, r"the constant I is not a real number"),
    ("from_formula free symbol", lambda m, d: KAN.from_formula(X + Y, [X]),
     ValueError, r"^expr has symbols that are not in variables: \['Y'\]"),
    ("from_formula variables as strings", lambda m, d: KAN.from_formula(X, ["X"]),
     ValueError, r"^variables must be a non-empty list of distinct sympy Symbols"),
    ("from_formula repeated variable", lambda m, d: KAN.from_formula(X, [X, X]),
     ValueError, r"^variables must be a non-empty list of distinct"),
    ("from_formula no variables", lambda m, d: KAN.from_formula(X, []),
     ValueError, r"^variables must be a non-empty list"),
    ("from_formula grid 0", lambda m, d: KAN.from_formula(X, [X], grid=0),
     ValueError, r"^grid must be a positive integer"),
    ("from_formula ranges reversed", lambda m, d: KAN.from_formula(X, [X], ranges=(1, -1)),
     ValueError, r"^ranges\[0\] must satisfy lo < hi"),
    ("from_formula ranges wrong shape", lambda m, d: KAN.from_formula(X + Y, [X, Y], ranges=[[0, 1]] * 3),
     ValueError, r"^ranges must be one \[lo, hi\] pair"),
    # --- create_dataset
    ("create_dataset f not callable", lambda m, d: create_dataset(3), TypeError, r"^f must be a callable"),
    ("create_dataset f gives NaN", lambda m, d: create_dataset(lambda x: np.where(x[:, 0] > 0, np.nan, 0.0)),
     ValueError, r"^f\(x\) contains \d+ NaN"),
    ("create_dataset f gives complex", lambda m, d: create_dataset(lambda x: x + 1j),
     TypeError, r"^f\(x\) must hold real numbers, got complex"),
    ("create_dataset f gives wrong rows", lambda m, d: create_dataset(lambda x: x[:3]),
     ValueError, r"^f must return one row per input"),
    ("create_dataset n_var 0", lambda m, d: create_dataset(lambda x: x, n_var=0),
     ValueError, r"^n_var must be a positive integer"),
    ("create_dataset train_num float", lambda m, d: create_dataset(lambda x: x, train_num=10.0),
     TypeError, r"^train_num must be a positive integer"),
    ("create_dataset test_num 0", lambda m, d: create_dataset(lambda x: x, test_num=0),
     ValueError, r"^test_num must be a positive integer"),
    ("create_dataset ranges wrong shape", lambda m, d: create_dataset(lambda x: x, ranges=[[0, 1]] * 3),
     ValueError, r"^ranges must be one \[lo, hi\] pair"),
    ("create_dataset ranges reversed", lambda m, d: create_dataset(lambda x: x, ranges=(1, 0)),
     ValueError, r"^ranges\[0\] must satisfy lo < hi"),
    ("create_dataset seed None", lambda m, d: create_dataset(lambda x: x, seed=None), TypeError, r"^seed must be"),
    # --- dataset_from_arrays
    ("dataset_from_arrays X 1-D", lambda m, d: dataset_from_arrays(np.zeros(10), np.zeros(10)),
     ValueError, r"^X must have shape \(n, n_var\)"),
    ("dataset_from_arrays rows mismatch", lambda m, d: dataset_from_arrays(np.zeros((10, 2)), np.zeros(9)), ValueError,
     r"^X and y must have the same number of samples, got X with 10 rows and y with 9"),
    ("dataset_from_arrays NaN", lambda m, d: dataset_from_arrays(np.full((10, 2), np.nan), np.zeros(10)),
     ValueError, r"^X contains 20 NaN"),
    ("dataset_from_arrays y inf", lambda m, d: dataset_from_arrays(np.zeros((10, 2)), np.full(10, np.inf)),
     ValueError, r"^y contains 10 NaN"),
    ("dataset_from_arrays y 3-D", lambda m, d: dataset_from_arrays(np.zeros((10, 2)), np.zeros((10, 1, 1))),
     ValueError, r"^y must have shape \(n,\) or \(n, m\)"),
    ("dataset_from_arrays negative class", lambda m, d: dataset_from_arrays(np.zeros((10, 2)), -np.ones(10, int)),
     ValueError, r"^y must be class indices >= 0"),
    ("dataset_from_arrays test_fraction 1",
     lambda m, d: dataset_from_arrays(np.zeros((10, 2)), np.zeros(10), test_fraction=1.0), ValueError,
     r"^test_fraction=1.0 puts 10 of 10 samples in the test set"),
    ("dataset_from_arrays test_fraction > 1",
     lambda m, d: dataset_from_arrays(np.zeros((10, 2)), np.zeros(10), test_fraction=1.5), ValueError,
     r"^test_fraction must lie in \[0.0, 1.0\]"),
    ("dataset_from_arrays X strings", lambda m, d: dataset_from_arrays(np.array([["a", "b"]] * 4), np.zeros(4)),
     TypeError, r"^X must hold real numbers"),
]


@pytest.fixture(scope="module")
def setting():
    data = _data()
    model = KAN([2, [2, 1], 1], grid=3, k=2, seed=0)
    model.train_input = data["train_input"]                     # as after fit: data-dependent calls work
    model.fix_symbolic(0, 1, 1, "x^2", fit_params=False)
    return model, data


def _state(model):
    return (
        {key: p.copy() for key, p in model.params.items()},
        [(layer.knots.copy(), layer.mask.copy(), dict(layer.symbolic)) for layer in model.layers],
        [list(w) for w in model.width], list(model.input_names), model.train_input.copy(),
    )


def _assert_same_state(before, after):
    params0, layers0, width0, names0, x0 = before
    params1, layers1, width1, names1, x1 = after
    assert params0.keys() == params1.keys()
    for key in params0:
        np.testing.assert_array_equal(params1[key], params0[key], err_msg=key)
    for (t0, m0, s0), (t1, m1, s1) in zip(layers0, layers1, strict=True):
        np.testing.assert_array_equal(t1, t0)
        np.testing.assert_array_equal(m1, m0)
        assert s1 == s0
    assert (width1, names1) == (width0, names0)
    np.testing.assert_array_equal(x1, x0)


def test_table_ids_are_distinct():
    ids = [row[0] for row in BAD_INPUTS]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("call, exc, pattern", [row[1:] for row in BAD_INPUTS], ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_is_rejected_before_any_state_change(setting, call, exc, pattern):
    model, data = setting
    before = _state(model)
    with pytest.raises(exc, match=pattern):
        call(model, data)
    _assert_same_state(before, _state(model))


def test_good_inputs_of_the_same_kinds_are_accepted(setting):
    """The table's checks are not simply "everything fails": their nearest valid neighbours pass."""
    model, data = setting
    model = model.copy()
    assert model(np.zeros((1, 2), np.float32)).shape == (1, 1)
    assert model(np.zeros((2, 2), int)).shape == (2, 1)
    assert model([[True, False]]).shape == (1, 1)
    hist = model.fit(data, steps=1, batch=N_TRAIN, log=0, grid_update_num=1, stop_grid_update_step=0,
                     update_grid=np.bool_(False))
    assert np.isfinite(hist["train_loss"]).all()
