"""Saving and loading a model: one .npz file of arrays plus a JSON metadata entry; no pickle.

File layout (``FORMAT_VERSION`` 1), every array float64:

    layers.{l}.coef (in, out, n_basis)    layers.{l}.scale_base, scale_sp, mask (in, out)
    layers.{l}.sym_affine (in, out, 4)    layers.{l}.knots (in, n_basis + k + 1)
    normalization.x_mean, x_std (d,)      normalization.y_mean, y_std (m,)   if the model has one
    train_input (n, d)                    only with ``keep_inputs=True``
    metadata                              uint8 (n_bytes,): UTF-8 JSON, see ``_metadata``

Safety. Arrays are written and read with ``allow_pickle=False`` and the metadata is JSON,
so nothing in a file can run code: an object array (the only way a pickle enters an .npz)
is refused by NumPy before it is unpickled. ``load`` checks everything before building a
model and raises a ``ValueError`` naming the file and the first problem.

Atomic write. ``save`` writes a temporary file in the target's directory, flushes and
fsyncs it, then ``os.replace``s it over the target (atomic on POSIX and Windows); on any
error the temporary file is removed and an older file at ``path`` is left as it was.

The training inputs. By default a file holds the model only, not data: a loaded model's
data-dependent operations (prune, refine, auto_symbolic, update_grid, scores) then need
``x``, and its first ``fit`` sets them again. ``keep_inputs=True`` stores ``train_input``
too, so a loaded model can prune or be plotted on its samples at once. Training after a
load continues exactly as the original would: ``fit`` needs nothing else from the model.
"""
import contextlib
import json
import os
import tempfile
import zipfile

import numpy as np

from minikan import __version__, nodes
from minikan.symbolic.library import LIBRARY
from minikan.units import Normalization

FORMAT = "minikan-model"
FORMAT_VERSION = 1
LAYER_ARRAYS = ("coef", "scale_base", "scale_sp", "sym_affine", "knots", "mask")
NORM_ARRAYS = ("x_mean", "x_std", "y_mean", "y_std")
META_KEYS = ("format", "format_version", "minikan_version", "width", "mult_arity", "k", "grid",
             "grid_eps", "input_names", "output_names", "symbolic", "normalization")


def _metadata(model):
    """Everything that is not an array: structure, names, which edges are which function."""
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "minikan_version": __version__,
        "width": model.width, "mult_arity": model.arities, "k": model.k,
        "grid": [layer.grid for layer in model.layers], "grid_eps": model.grid_eps,
        "input_names": model.input_names, "output_names": model.output_names,
        # [l, i, j, name] for every symbolic edge; the mask says whether it is active
        "symbolic": [[l, i, j, name] for l, layer in enumerate(model.layers)
                     for (i, j), name in sorted(layer.symbolic.items())],
        "normalization": model.normalization is not None,
    }


def _arrays(model, keep_inputs):
    arrays = {}
    for l, layer in enumerate(model.layers):
        state = dict(layer.params, knots=layer.knots, mask=layer.mask)
        arrays.update({f"layers.{l}.{name}": state[name] for name in LAYER_ARRAYS})
    if model.normalization is not None:
        arrays.update({f"normalization.{n}": v for n, v in model.normalization.arrays().items()})
    if keep_inputs:
        if model.train_input is None:
            raise ValueError("keep_inputs=True needs the model's training inputs; this model has none "
                             "(fit it first, or save with keep_inputs=False)")
        arrays["train_input"] = model.train_input
    for name, v in arrays.items():       # what load would refuse is never written
        v = np.asarray(v)
        if v.dtype != np.float64 or not np.isfinite(v).all():
            raise ValueError(f"cannot save: {name} must be finite float64, got dtype {v.dtype}"
                             f"{'' if v.dtype.kind != 'f' else ' with NaN or inf'}")
    meta = json.dumps(_metadata(model), ensure_ascii=False).encode("utf-8")
    arrays["metadata"] = np.frombuffer(meta, dtype=np.uint8)            # (n_bytes,)
    return arrays


def save(model, path, keep_inputs=False):
    """Write ``model`` to ``path`` (used as given; ".npz" is the convention), atomically.

    Parameters
    ----------
    model : KAN
    path : str or os.PathLike
    keep_inputs : bool
        Also store ``model.train_input`` (the last fit's inputs), for data-dependent
        operations and plots after loading.
    """
    arrays = _arrays(model, keep_inputs)                # all checks before touching the disk
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{path}: cannot save, the directory {directory} does not exist")
    tmp = tempfile.NamedTemporaryFile(dir=directory, prefix=f".{os.path.basename(path)}.",
                                      suffix=".tmp", delete=False)
    try:
        with tmp:
            np.savez(tmp, allow_pickle=False, **arrays)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, _file_mode(path))        # a temporary file is private (0600)
        os.replace(tmp.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        raise
    _fsync_directory(directory)


def _file_mode(path):
    """The mode of the file being replaced, or what a new file gets under the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path, model_class):
    """The ``model_class`` (``KAN``, which passes itself: model.py imports this module, so
    this module does not import it back) stored at ``path`` by ``save``, every entry checked.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        Naming the file and the first problem: not an .npz (or truncated), an object
        (pickled) array, a wrong format version, missing or unknown entries, a dtype that
        is not float64, a shape that does not fit the widths, k and grid, NaN or inf,
        knots out of order, a mask entry other than 0 or 1, an unknown function name.
    """
    path = os.fspath(path)
    arrays = _read(path)
    try:
        meta = _check_metadata(arrays)
        _check_arrays(arrays, meta)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    return _build(arrays, meta, model_class)


def _read(path):
    """Every entry of the .npz as an array, read without pickle."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError) as err:
        raise ValueError(f"{path}: not a minikan model file (an .npz archive) ({err})") from None
    except ValueError:          # NumPy reads a file of no format it knows as a pickle, refused
        raise ValueError(f"{path}: not a minikan model file (an .npz archive); its first bytes "
                         "are of no NumPy format") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise ValueError(f"{path}: a single .npy array, not a minikan model file (an .npz archive)")
    arrays = {}
    with npz:
        for name in npz.files:
            try:
                arrays[name] = npz[name]
            except ValueError as err:          # an object array: reading it would unpickle
                raise ValueError(f"{path}: entry {name!r} cannot be read without pickle ({err}); "
                                 "a minikan file holds only numeric arrays") from None
            except (zipfile.BadZipFile, EOFError, OSError, KeyError) as err:
                raise ValueError(f"{path}: entry {name!r} is damaged or truncated ({err})") from None
    return arrays


def _check_metadata(arrays):
    """The JSON metadata as a dict with every value checked; widths normalised."""
    raw = arrays.get("metadata")
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ValueError("entry 'metadata' is missing or is not a uint8 vector of JSON text")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"metadata is not valid UTF-8 JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"metadata 'format' must be {FORMAT!r}; this is not a minikan model file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"format version {meta.get('format_version')!r} is not supported; this "
                         f"minikan reads format version {FORMAT_VERSION}")
    missing, extra = set(META_KEYS) - set(meta), set(meta) - set(META_KEYS)
    if missing or extra:
        raise ValueError(f"metadata keys: missing {sorted(missing)}, unexpected {sorted(extra)}")
    try:
        meta["width"], meta["mult_arity"] = nodes.normalize_width(meta["width"], meta["mult_arity"])
    except (ValueError, TypeError) as err:
        raise ValueError(f"metadata width/mult_arity: {err}") from None
    depth = len(meta["width"]) - 1
    if not _is_int(meta["k"], 1) or not (isinstance(meta["grid"], list) and len(meta["grid"]) == depth
                                         and all(_is_int(g, 1) for g in meta["grid"])):
        raise ValueError(f"metadata k must be an int >= 1 and grid a list of {depth} ints >= 1, "
                         f"got k={meta['k']!r}, grid={meta['grid']!r}")
    if not (isinstance(meta["grid_eps"], (int, float)) and 0 <= meta["grid_eps"] <= 1):
        raise ValueError(f"metadata grid_eps must be a number in [0, 1], got {meta['grid_eps']!r}")
    for key, n in (("input_names", sum(meta["width"][0])), ("output_names", sum(meta["width"][-1]))):
        names = meta[key]
        if not (isinstance(names, list) and len(names) == n and all(isinstance(v, str) and v for v in names)):
            raise ValueError(f"metadata {key} must be {n} non-empty strings, got {names!r}")
    if not isinstance(meta["normalization"], bool):
        raise ValueError(f"metadata normalization must be true or false, got {meta['normalization']!r}")
    seen = set()
    for entry in meta["symbolic"] if isinstance(meta["symbolic"], list) else [None]:
        if not (isinstance(entry, list) and len(entry) == 4 and all(_is_int(v, 0) for v in entry[:3])
                and entry[0] < depth):
            raise ValueError(f"metadata symbolic entries must be [l, i, j, name] with 0 <= l < {depth}, "
                             f"got {entry!r}")
        l, i, j, name = entry
        in_l, out_l = _layer_dims(meta, l)
        if i >= in_l or j >= out_l or (l, i, j) in seen:
            raise ValueError(f"metadata symbolic edge ({l}, {i}, {j}) is outside layer {l} "
                             f"({in_l} -> {out_l}) or listed twice")
        if name not in LIBRARY:
            raise ValueError(f"symbolic edge ({l}, {i}, {j}) is {name!r}, which is not a library "
                             f"function ({', '.join(LIBRARY)})")
        seen.add((l, i, j))
    return meta


def _is_int(v, minimum):
    return isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _layer_dims(meta, l):
    """(in_l, out_l) of KAN layer l: nodes in, sub-nodes out (sums, then factors)."""
    return sum(meta["width"][l]), meta["width"][l + 1][0] + sum(meta["mult_arity"][l + 1])


def _expected_shapes(meta, n_train):
    k, shapes = meta["k"], {}
    for l, G in enumerate(meta["grid"]):
        n_in, n_out = _layer_dims(meta, l)
        shapes.update({f"layers.{l}.coef": (n_in, n_out, G + k), f"layers.{l}.sym_affine": (n_in, n_out, 4),
                       f"layers.{l}.knots": (n_in, G + 2 * k + 1)})
        shapes.update({f"layers.{l}.{n}": (n_in, n_out) for n in ("scale_base", "scale_sp", "mask")})
    d, m = sum(meta["width"][0]), sum(meta["width"][-1])
    if meta["normalization"]:
        shapes.update({f"normalization.{n}": (d if n[0] == "x" else m,) for n in NORM_ARRAYS})
    if n_train is not None:
        shapes["train_input"] = (n_train, d)
    return shapes


def _check_arrays(arrays, meta):
    """Keys, dtypes, shapes and values of every array against the metadata."""
    n_train = len(arrays["train_input"]) if getattr(arrays.get("train_input"), "ndim", 0) >= 1 else None
    shapes = _expected_shapes(meta, n_train)
    missing, extra = set(shapes) - set(arrays), set(arrays) - set(shapes) - {"metadata"}
    if missing or extra:
        raise ValueError(f"entries: missing {sorted(missing)}, unexpected {sorted(extra)}")
    for name, shape in shapes.items():
        v = arrays[name]
        if v.dtype != np.float64:
            raise ValueError(f"{name} must be float64, got {v.dtype}")
        if v.shape != shape:
            raise ValueError(f"{name} must have shape {shape} for width {meta['width']}, k={meta['k']}, "
                             f"grid={meta['grid']}; got {v.shape}")
        if not np.isfinite(v).all():
            raise ValueError(f"{name} contains {v.size - np.isfinite(v).sum()} NaN or inf values")
        if name.endswith(".knots") and not ((np.diff(v, axis=1) >= 0).all() and (v[:, -1] > v[:, 0]).all()):
            raise ValueError(f"{name} must be non-decreasing along each row, spanning an interval")
        if name.endswith(".mask") and not np.isin(v, (0.0, 1.0)).all():
            raise ValueError(f"{name} must hold only 0 and 1")
        if name.endswith("_std") and not (v > 0).all():
            raise ValueError(f"{name} must be positive")


def _build(arrays, meta, model_class):
    """A KAN with exactly the stored state (bit for bit)."""
    model = model_class(meta["width"], grid=meta["grid"][0], k=meta["k"], mult_arity=meta["mult_arity"],
                grid_eps=meta["grid_eps"], input_names=meta["input_names"],
                output_names=meta["output_names"])
    for l, layer in enumerate(model.layers):
        for name in layer.params:
            layer.params[name] = np.ascontiguousarray(arrays[f"layers.{l}.{name}"])
        layer.knots = np.ascontiguousarray(arrays[f"layers.{l}.knots"])
        layer.mask = np.ascontiguousarray(arrays[f"layers.{l}.mask"])
        layer.symbolic = {(i, j): name for ll, i, j, name in meta["symbolic"] if ll == l}
    if meta["normalization"]:
        model.normalization = Normalization(*(arrays[f"normalization.{n}"] for n in NORM_ARRAYS))
    model.train_input = arrays.get("train_input")
    return model
