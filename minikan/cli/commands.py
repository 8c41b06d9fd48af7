"""The data commands: fit a CSV, read a model's formula, plot it, predict with it.

``fit`` is the KAN recipe on a user's data (KAN arXiv:2404.19756 §2.4, §2.5.1), run by
``minikan.discover``: train (with sparsity when pruning), prune nodes and edges and then the
inputs that carry nothing, re-train, extend the grid, fix every edge to a library function,
fine-tune. The model standardises its inputs and targets inside (``minikan/units.py``), so
everything a command prints is in the data's units and formulas use the CSV's column names.
"""
import csv
import sys
from pathlib import Path

import numpy as np

from minikan import discover, formula_rmse
from minikan.cli.csvfile import CliError, check_variable_name, columns, read_csv
from minikan.cli.demo import DEMO_LAMB
from minikan.data import dataset_from_arrays
from minikan.model import KAN
from minikan.symbolic.formula import unfixed_edges

# Rows needed to fit: after the train/test split at least 2 training rows (a standard
# deviation for the normalisation) and 1 test row; fewer cannot be fitted and checked.
MIN_FIT_ROWS = 3
# The recipe's choices, measured by benchmarks/cli_lamb.py: 3 formulas in real units, each
# with one irrelevant column (3 sin(x/10) + z/2; exp(sin(πx/10) + (y/5)²); x²/2 − 2z),
# seeds 0–4, 400 rows, 30 steps a stage; a run counts when the formula names exactly the
# relevant columns and its test RMSE is below 1e-3 of the target's spread.
#
#   recovered of 15         lamb=0.01   lamb=0.003   lamb=0.001
#   no grid extension         10          8            8
#   --refine 10,20            12          8            -
#   --refine 10,20, through discover (3 starts, knots updated
#   during the sparsity fit, the formula checked)        15    (148 s for the 15 runs)
#   the same with --lib's default GENERAL_LIB, not the demo's six functions   15    (88 s)
#
# Pruning by the KAN 2.0 attribution score: with the L1 score's absolute thresholds, 0 of
# 5 seeds of the first formula pruned correctly at any lamb from 5e-4 to 1e-2 (the first
# layer's edges shrink to ~0.03 on standardised inputs while the next layer scales them
# back up, so z's edges fell under edge_th = 0.03 or every node did); attribution scores
# are shares of each node's spread, so that scale does not matter (``prune``'s default now).
REFINE_GRIDS = [10, 20]  # grid extension before auto_symbolic (the demo's), the default with --symbolic
SNAP_TOL = 1e-3          # the demo's: constants within 1e-3 of a simple value are shown as it
SNAP_FIDELITY = 1e-3     # a snapped formula may differ from its model by this share of the output's spread


def _names(text):
    return [s.strip() for s in text.split(",") if s.strip()]


def _load_xy(args):
    """Inputs X (n, d), targets y, and the names, from the CSV and --target/--inputs."""
    header, table = read_csv(args.data)
    targets = _names(args.target)
    inputs = _names(args.inputs) if args.inputs else [n for n in header if n not in targets]
    if (not targets or not inputs or set(targets) & set(inputs) or len(set(inputs)) < len(inputs)
            or len(set(targets)) < len(targets)):
        raise CliError(f"--target and --inputs must name different columns of {args.data}, each once, "
                       f"got target {targets}, inputs {inputs}", code=2)
    X, y = columns(args.data, header, table, inputs, "input"), columns(args.data, header, table, targets, "target")
    for name in inputs:
        check_variable_name(args.data, name)
    if len(X) < MIN_FIT_ROWS:
        raise CliError(f"{args.data}: {len(X)} data row(s); fitting needs at least {MIN_FIT_ROWS} "
                       "(training rows for the normalisation and a test row)")
    if args.classify:
        if len(targets) != 1 or (y != np.round(y)).any() or (y < 0).any():
            bad = "several columns" if len(targets) != 1 else "values that are not integers >= 0"
            raise CliError(f"{args.data}: --classify needs one target column of class labels 0, 1, 2, …; "
                           f"column(s) {targets} have {bad}")
        y = y[:, 0].astype(np.int64)                                   # (n,) class labels
    return X, y, inputs, targets


def _width(args, d, m):
    if args.width is None:
        return [d, 2 * d + 1, m]       # the Kolmogorov–Arnold theorem's shape [n, 2n + 1, 1]
    if args.width[0] != d or args.width[-1] != m:
        shown = ",".join(str(w) if isinstance(w, int) else "+".join(map(str, w)) for w in args.width)
        raise CliError(f"--width must start with the {d} inputs and end with the {m} outputs, "
                       f"got {shown}", code=2)
    return args.width


def _pipeline(data, args, inputs, outputs):
    """``minikan.discover`` with the command's options, printing each stage as it ends.

    Fit (with sparsity when pruning) → prune → drop the inputs that carry nothing → re-fit
    → grid extension → auto_symbolic → fine-tune → prune the symbolic edges that vanished:
    the recipe is ``discover``'s, in one place. The model standardises inputs and targets
    inside (``normalize=True``), so --lamb is on the standardised scale and the formula is in
    the CSV's columns; ``discover`` checks the formula and may try the next-best start.
    """
    loss = "ce" if args.classify else "mse"
    m = len(outputs) if loss == "mse" else int(data["train_label"].max()) + 1
    names = outputs if loss == "mse" else [f"{outputs[0]}_{c}" for c in range(m)]
    lamb = (DEMO_LAMB if args.prune else 0.0) if args.lamb is None else args.lamb
    grids = args.refine if args.refine is not None else (REFINE_GRIDS if args.symbolic else [])
    result = discover(data, lib=_names(args.lib), width=_width(args, len(inputs), m), seed=args.seed,
                      lamb=lamb, steps=args.steps, grid=args.grid, k=args.k, refine=grids,
                      input_names=inputs, output_names=names, log=args.log, normalize=True,
                      loss_fn=loss, prune=args.prune, drop_inputs=args.prune, symbolic=args.symbolic,
                      on_stage=_print_stage)
    return result.model


def _print_stage(stage, model, data, info):
    """One line per finished stage of ``discover`` (its ``on_stage``)."""
    if stage == "sparsity":
        print(f"1. fit {model} (start {info + 1}): {_score(model, data)}")
    elif stage == "prune":
        print(f"2. prune -> {model}")
    elif stage == "refit":
        print(f"   re-fit: {_score(model, data)}")
    elif stage.startswith("refine_"):
        print(f"   grid extension to G={stage[len('refine_'):]}: {_score(model, data)}")
    elif stage == "auto_symbolic":
        print("3. auto_symbolic: " + ", ".join(f"({l},{i},{j}) {name or 'spline kept'} R^2={r2:.6f}"
                                               for l, i, j, name, r2 in info))
    elif stage == "finetune":
        print(f"4. fine-tune the affine parameters: {_score(model, data)}")
    elif stage == "prune_symbolic":
        print(f"5. prune the symbolic edges that vanished -> {model}: {_score(model, data)}")
    elif stage == "simplify":
        print(f"6. simpler functions in disguise: {switches(info)}; fine-tuned: {_score(model, data)}")


def switches(info):
    """``discover``'s "simplify" stage info, the edges switched, as one line of text."""
    return ", ".join(f"({l},{i},{j}) {old} -> {new}" for l, i, j, old, new in info)


def _score(model, data):
    out = model.evaluate(data)
    if "test_rmse" in out:
        return f"test RMSE {out['test_rmse']:.4g}"
    return f"test accuracy {out['test_accuracy']:.4f}"


def write_png(model, path, x=None):
    """The network's picture at ``path`` (``minikan.plot``); False, with a note, if it cannot be drawn."""
    # Imported here, not at the top: the plot tests swap the module.
    from minikan import plot
    try:
        plot.plot_model(model, path=str(path), x=x)      # imports matplotlib on first use
    except ImportError as err:           # a broken matplotlib install: the model is saved, go on
        print(f"note: {path} not written: {err}", file=sys.stderr)
        return False
    return True


def cmd_fit(args):
    if not Path(args.out).resolve().parent.is_dir():      # before training, not after
        raise CliError(f"--out {args.out}: the directory {Path(args.out).resolve().parent} does not exist", code=2)
    X, y, inputs, targets = _load_xy(args)
    data = dataset_from_arrays(X, y, test_fraction=args.test_fraction, seed=args.seed)
    print(f"{args.data}: {len(X)} rows; inputs {', '.join(inputs)}; target {', '.join(targets)}; "
          f"{len(data['train_input'])} train / {len(data['test_input'])} test")
    model = _pipeline(data, args, inputs, targets)
    model.save(args.out, keep_inputs=True)
    print(f"saved {args.out}")
    if not args.no_plot and write_png(model, Path(args.out).with_suffix(".png"), model.train_input):
        print(f"plot {Path(args.out).with_suffix('.png')}")
    if not unfixed_edges(model):
        exprs = readable_formula(model, SNAP_TOL)
        for name, e in zip(model.output_names, exprs):
            print(f"{name} = {e}")
        if not args.classify:
            print(f"formula test RMSE {formula_rmse(exprs, data, inputs):.4g}")
    return 0


def readable_formula(model, snap, digits=None):
    """The model's formulas, snapped when that keeps them true to the model on its inputs.

    Snapping is absolute (a constant within ``snap`` of a simple value becomes it), and in
    the data's units a real coefficient can be that small (5e-4·x on x ∈ [0, 1e4] would
    become 0). So, when the model holds its training inputs, the snapped formula's RMSE
    against the model's own outputs must stay below SNAP_FIDELITY × their spread (plus
    what the exact formula already differs by); otherwise the exact formula is returned,
    with a note on stderr.
    """
    snapped = model.symbolic_formula(digits=digits, snap=snap or None)
    x = model.train_input
    if not snap or x is None:
        return snapped
    ref = model.predict(x)                                             # (n, m)
    exact_err = formula_rmse(model.symbolic_formula(), (x, ref), model.input_names)
    err = formula_rmse(snapped, (x, ref), model.input_names)
    if err <= exact_err + SNAP_FIDELITY * float(ref.std()):
        return snapped
    print(f"note: snapping constants to within {snap} changes the formula by RMSE {err:.3g} on the "
          "training inputs; showing the exact constants", file=sys.stderr)
    return model.symbolic_formula(digits=digits)


def _load_model(path):
    try:
        return KAN.load(path)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None


def cmd_formula(args):
    model = _load_model(args.model)
    todo = unfixed_edges(model)
    if todo:
        edges = ", ".join(f"({l},{i},{j})" for l, i, j in todo)
        raise CliError(f"{args.model}: no formula yet; these edges are still splines: {edges} "
                       "(fit with --symbolic)")
    for name, e in zip(model.output_names, readable_formula(model, args.snap, args.digits)):
        print(f"{name} = {e}")
    return 0


def cmd_plot(args):
    model = _load_model(args.model)
    if not write_png(model, args.png, model.train_input):
        raise CliError("minikan.plot is not available, so nothing can be drawn")
    return 0


def cmd_predict(args):
    model = _load_model(args.model)
    header, table = read_csv(args.data)
    if len(table) == 0:
        raise CliError(f"{args.data}: no data rows; expected rows of numbers after the header")
    x = columns(args.data, header, table, model.input_names, "input")
    out = model.predict(x)                                             # (n, m)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    if args.classes:
        writer.writerow(["class"])
        writer.writerows([[int(c)] for c in out.argmax(axis=1)])
    else:
        writer.writerow(model.output_names)
        writer.writerows([[repr(float(v)) for v in row] for row in out])   # repr: exact float64
    return 0
