"""Tests for minikan.io: exact round trips, atomic saves, and files that load refuses."""
import json
import os

import numpy as np
import pytest

from minikan import KAN, create_dataset, io

RNG = np.random.default_rng(0)


def _data(n_var, seed=0, ranges=(-1.0, 1.0)):
    def f(x):
        return np.sin(np.pi * x[:, 0]) + x[:, 1:].sum(axis=1) ** 2
    return create_dataset(f, n_var=n_var, ranges=ranges, train_num=150, test_num=50, seed=seed)


def _trained(width, **kw):
    data = _data(width[0])
    model = KAN(width, grid=5, k=3, seed=1, **kw)
    model.fit(data, steps=3, log=0)
    return model, data


def _plain():
    return _trained([2, 5, 1])


def _deep():
    return _trained([4, 3, 2, 1])


def _pruned():
    model, data = _trained([2, 5, 1])
    model.fit(data, steps=5, lamb=0.01, lamb_entropy=0.0, update_grid=False, log=0)
    model = model.prune()
    assert model.width[1][0] < 5                     # something was really pruned
    model.layers[0].mask[0, 0] = 0.0                 # and a masked edge inside a kept node
    return model, data


def _symbolic():
    model, data = _trained([2, 3, 1])
    model.fix_symbolic(0, 0, 1, "sin")
    model.fix_symbolic(1, 2, 0, "x^2")
    return model, data


def _mult():
    return _trained([3, [2, 2], 1], mult_arity=[2, [2, 3], 2])


def _normalised():
    data = _data(2, ranges=[[0.0, 60.0], [2.0, 8.0]])
    data["train_label"] = 3 * data["train_label"] + 10
    data["test_label"] = 3 * data["test_label"] + 10
    model = KAN([2, 4, 1], grid=5, k=3, seed=1, input_names=["x", "z"], output_names=["y"])
    model.normalize(data).fit(data, steps=3, log=0)
    model.fix_symbolic(0, 1, 2, "x")
    return model, data


BUILDERS = [_plain, _deep, _pruned, _symbolic, _mult, _normalised]


def _history_without_time(h):
    return {k: v for k, v in h.items() if k != "time"}


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__[1:])
def test_round_trip_is_bit_identical_and_keeps_training_identically(build, tmp_path):
    model, data = build()
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = KAN.load(path)
    assert type(loaded) is KAN and loaded.width == model.width and loaded.arities == model.arities
    assert (loaded.input_names, loaded.output_names) == (model.input_names, model.output_names)
    for a, b in zip(model.layers, loaded.layers):
        assert a.symbolic == b.symbolic
        assert np.array_equal(a.knots, b.knots) and np.array_equal(a.mask, b.mask)
    for key, v in model.params.items():
        assert np.array_equal(v, loaded.params[key]) and loaded.params[key].flags.c_contiguous
    assert (loaded.normalization is None) == (model.normalization is None)
    x = data["test_input"]
    assert np.array_equal(model(x), loaded(x))                      # bit for bit
    h_orig = model.fit(data, steps=2, log=0)
    h_load = loaded.fit(data, steps=2, log=0)
    for key, v in _history_without_time(h_orig).items():
        assert np.array_equal(v, h_load[key]), key
    assert np.array_equal(model(x), loaded(x))


def test_training_inputs_are_stored_only_when_asked(tmp_path):
    model, data = _plain()
    model.save(tmp_path / "a.npz")
    model.save(tmp_path / "b.npz", keep_inputs=True)
    without, with_inputs = KAN.load(tmp_path / "a.npz"), KAN.load(tmp_path / "b.npz")
    assert without.train_input is None
    with pytest.raises(ValueError, match="needs samples"):
        without.prune()
    assert np.array_equal(with_inputs.train_input, model.train_input)
    assert with_inputs.prune().width == model.prune().width
    with pytest.raises(ValueError, match="keep_inputs"):
        without.save(tmp_path / "c.npz", keep_inputs=True)


def test_file_holds_only_numeric_arrays_and_json(tmp_path):
    model, _ = _symbolic()
    model.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype == (np.uint8 if name == "metadata" else np.float64) for name in npz.files)
        meta = json.loads(npz["metadata"].tobytes())
    assert meta["format_version"] == io.FORMAT_VERSION
    assert meta["symbolic"] == [[0, 0, 1, "sin"], [1, 2, 0, "x^2"]]


# ---------------------------------------------------------------- atomic save
@pytest.mark.parametrize("where", ["savez", "replace"])
def test_exception_mid_save_leaves_the_old_file(where, tmp_path, monkeypatch):
    old, data = _plain()
    path = tmp_path / "model.npz"
    old.save(path)
    before = path.read_bytes()
    new = KAN([2, 3, 1], seed=5)

    def half_written_then_fail(file, *args, **kwargs):
        file.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    def fail(*args):
        raise OSError("rename failed")
    if where == "savez":
        monkeypatch.setattr(np, "savez", half_written_then_fail)
    else:
        monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        new.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]                    # no temporary file left
    assert np.array_equal(KAN.load(path)(data["test_input"]), old(data["test_input"]))


def test_saving_a_broken_model_writes_nothing(tmp_path):
    model, _ = _plain()
    path = tmp_path / "model.npz"
    model.save(path)
    before = path.read_bytes()
    model.params["layers.0.coef"][0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="layers.0.coef"):
        model.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]


# ---------------------------------------------------------------- files load refuses
def _rewrite(path, change):
    """Rewrite the .npz at path with change(arrays, meta) applied."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays.pop("metadata").tobytes())
    change(arrays, meta)
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def _set(key, value):
    def change(arrays, meta):
        arrays[key] = value(arrays[key])
    return change


def _nan(a):
    a = a.copy()
    a.flat[3] = np.nan
    return a


CORRUPTIONS = {
    "format version": (lambda a, m: m.update(format_version=99), "format version 99"),
    "tampered shape": (_set("layers.1.coef", lambda a: a[:, :, :-1]), r"layers.1.coef must have shape"),
    "NaN coefficient": (_set("layers.0.coef", _nan), "layers.0.coef contains 1 NaN"),
    "unknown function": (lambda a, m: m.update(symbolic=[[0, 0, 1, "os.system"]]), "'os.system'.*not a library"),
    "float32": (_set("layers.0.scale_sp", lambda a: a.astype(np.float32)), "scale_sp must be float64"),
    "missing array": (lambda a, m: a.pop("layers.0.mask"), r"missing \['layers.0.mask'\]"),
    "extra array": (lambda a, m: a.update(extra=np.zeros(2)), r"unexpected \['extra'\]"),
    "mask 0.5": (_set("layers.0.mask", lambda a: a * 0.5), "layers.0.mask must hold only 0 and 1"),
    "knots reversed": (_set("layers.0.knots", lambda a: a[:, ::-1].copy()), "knots must be non-decreasing"),
    "width": (lambda a, m: m.update(width=[2, -1, 1]), "metadata width"),
    "names": (lambda a, m: m.update(input_names=["x"]), "input_names must be 2"),
    "symbolic edge outside": (lambda a, m: m.update(symbolic=[[0, 7, 0, "sin"]]), r"\(0, 7, 0\) is outside"),
    "zero std": (_set("normalization.x_std", lambda a: 0 * a), "x_std must be positive"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corrupted_files_are_rejected_naming_the_problem(name, tmp_path):
    model, _ = _normalised()
    path = tmp_path / "m.npz"
    model.save(path)
    change, message = CORRUPTIONS[name]
    _rewrite(path, change)
    with pytest.raises(ValueError, match=message) as err:
        KAN.load(path)
    assert str(path) in str(err.value)


def test_truncated_and_foreign_files_are_rejected(tmp_path):
    model, _ = _plain()
    path = tmp_path / "m.npz"
    model.save(path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 10):
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="m.npz"):
            KAN.load(path)
    path.write_bytes(b"hello, not a model")
    with pytest.raises(ValueError, match="not a minikan model file"):
        KAN.load(path)
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(ValueError, match="single .npy array"):
        KAN.load(tmp_path / "single.npy")
    np.savez(path, a=np.zeros(2))
    with pytest.raises(ValueError, match="'metadata' is missing"):
        KAN.load(path)
    with pytest.raises(FileNotFoundError):
        KAN.load(tmp_path / "nothing.npz")


EXECUTED = []


def _payload():
    EXECUTED.append("ran")                 # what a malicious pickle would do instead: anything
    return 0


class _Malicious:
    def __reduce__(self):
        return (_payload, ())


def test_pickled_object_inside_is_refused_and_never_executed(tmp_path):
    model, _ = _plain()
    path = tmp_path / "m.npz"
    model.save(path)
    _rewrite(path, lambda a, m: a.update({"layers.0.coef": np.array([_Malicious()], dtype=object)}))
    with pytest.raises(ValueError, match="cannot be read without pickle"):
        KAN.load(path)
    assert EXECUTED == []
    with np.load(path, allow_pickle=True) as npz:       # the test has teeth: pickle would run it
        npz["layers.0.coef"]
    assert EXECUTED == ["ran"]
    EXECUTED.clear()
    # a bare pickle file (not a zip) is refused too, before any unpickling
    import pickle
    path.write_bytes(pickle.dumps(_Malicious()))
    with pytest.raises(ValueError, match="not a minikan model file"):
        KAN.load(path)
    assert EXECUTED == []


def test_saving_into_a_missing_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        KAN([2, 1]).save(tmp_path / "no" / "m.npz")


def test_saved_file_gets_normal_permissions(tmp_path):
    KAN([2, 1]).save(tmp_path / "m.npz")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o666 & ~umask
    os.chmod(tmp_path / "m.npz", 0o600)
    KAN([2, 1]).save(tmp_path / "m.npz")                  # replacing keeps the old file's mode
    assert (tmp_path / "m.npz").stat().st_mode & 0o777 == 0o600
