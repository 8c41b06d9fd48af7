"""Command line: ``python -m minikan COMMAND …`` or ``minikan COMMAND …``.

fit DATA.csv      a KAN on a CSV file (header row, one number per cell), down to a formula
formula MODEL     the formula of a fitted model, one ``target = expression`` line per output
plot MODEL PNG    the network, every edge's learned function drawn on it
predict MODEL CSV the model's outputs for the rows of a CSV file, as CSV on stdout
gradcheck         every hand-written backward in minikan against central finite differences
demo              the KAN paper's worked example exp(sin(πx) + y²): train, prune, refine, read the formula

Exit status: 0 success, 1 failure (a bad file, a model without a formula), 2 usage error.
Errors are one line on stderr naming the file, the row or column and what was expected;
``--debug`` shows the traceback instead. Modules: ``csvfile.py`` (reading CSV),
``commands.py`` (fit, formula, plot, predict), ``demo.py`` (demo, gradcheck).
"""
import argparse
import sys

from minikan.cli import commands, demo
from minikan.cli.csvfile import CliError
from minikan.cli.demo import DEMO_LAMB, DEMO_LAMB_ENTROPY, DEMO_LIB, gradcheck_reports
from minikan.symbolic.library import GENERAL_LIB, LIBRARY

__all__ = ["main", "CliError", "DEMO_LAMB", "DEMO_LAMB_ENTROPY", "DEMO_LIB", "gradcheck_reports"]




def _width_list(text):
    """Layer sizes such as 3,7,1; a hidden layer written a+b has a sum and b multiplication
    nodes (KAN 2.0): 2,0+1,1 is ``KAN(width=[2, [0, 1], 1])``. The model checks the rest."""
    try:
        layers = [[int(v) for v in part.split("+")] for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes such as 3,7,1 or 2,0+1,1, "
                                         f"got {text!r}") from None
    def valid(sizes):                 # n ≥ 1, or a+b with a, b ≥ 0 and at least one node
        return (len(sizes) == 1 and sizes[0] >= 1) or (len(sizes) == 2 and min(sizes) >= 0 and sum(sizes) >= 1)
    if len(layers) < 2 or not all(valid(sizes) for sizes in layers):
        raise argparse.ArgumentTypeError(f"expected at least 2 layer sizes >= 1, each an integer or "
                                         f"sums+products such as 0+1, got {text!r}")
    return [sizes[0] if len(sizes) == 1 else sizes for sizes in layers]


def _grids(text):
    """Grids such as 10,20 ('' for none), each an integer >= 1."""
    try:
        values = [int(v) for v in text.split(",")] if text.strip() else []
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 10,20, got {text!r}") from None
    if min(values, default=1) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def _number(kind, ok, wanted, kind_name):
    """An argparse type: text → ``kind``, refused unless ``ok(value)``; the words name both rules."""
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind_name}, got {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return v
    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer", "an integer")
_non_negative = _number(float, lambda v: v >= 0, "a number >= 0", "a number")
_fraction = _number(float, lambda v: 0 < v < 1, "a fraction in (0, 1)", "a number")


def _lib(text):
    names = [v.strip() for v in text.split(",") if v.strip()]
    unknown = [v for v in names if v not in LIBRARY]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"expected library functions from {','.join(LIBRARY)}; "
                                         f"unknown: {unknown or text!r}")
    return ",".join(names)


def _add_fit(sub, common):
    p = sub.add_parser("fit", parents=[common], help="fit a KAN to a CSV file, down to a formula",
                       description="Fit a KAN to the columns of a CSV file (with a header row): split "
                       "train/test, standardise inside the model, train, and optionally prune and make "
                       "every edge symbolic. Saves the model (with its training inputs) and a PNG of it.")
    p.add_argument("data", metavar="DATA.csv", help="CSV file: a header of column names, then numbers")
    p.add_argument("--target", required=True, metavar="COL", help="the column to predict (COL1,COL2 for several)")
    p.add_argument("--inputs", metavar="COLS", help="comma-separated input columns (default: all others)")
    p.add_argument("--out", required=True, metavar="MODEL.npz", help="where to save the model; the PNG "
                   "goes beside it (MODEL.png)")
    p.add_argument("--width", type=_width_list, metavar="W", help="layer sizes, e.g. 3,7,1: inputs first, "
                   "outputs last (default: d,2d+1,1, the Kolmogorov-Arnold shape); a hidden layer a+b has "
                   "a sum and b multiplication nodes, e.g. 2,0+1,1 for a product")
    p.add_argument("--grid", type=_positive_int, default=5, metavar="G", help="spline intervals G (default 5)")
    p.add_argument("--k", type=_positive_int, default=3, help="spline degree (default 3, cubic)")
    p.add_argument("--steps", type=_positive_int, default=50, metavar="N", help="L-BFGS steps per stage (default 50)")
    p.add_argument("--lamb", type=_non_negative, metavar="L", help="sparsity weight on the standardised scale "
                   f"(default {DEMO_LAMB} with --prune, else 0)")
    p.add_argument("--prune", action="store_true", help="train for sparsity, prune nodes, edges and the "
                   "input columns that carry nothing, re-fit")
    p.add_argument("--symbolic", action="store_true", help="fix every edge to a library function "
                   "(auto_symbolic) and fine-tune; prints the formula")
    p.add_argument("--refine", type=_grids, metavar="G1,G2",
                   help="grid extension: re-fit on these finer grids in turn (default 10,20 with --symbolic, "
                   "else none; '' for none)")
    p.add_argument("--lib", type=_lib, default=",".join(GENERAL_LIB),
                   help=f"functions for --symbolic (default {','.join(GENERAL_LIB)})")
    p.add_argument("--classify", action="store_true", help="the target holds class labels 0, 1, …: "
                   "cross-entropy, prints the test accuracy")
    p.add_argument("--test-fraction", type=_fraction, default=0.2, metavar="F",
                   help="share of rows held out (default 0.2)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seeds the split and the initialisation (default 0)")
    p.add_argument("--log", type=int, default=1, metavar="N", help="progress line every N steps; 0 for none")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG")
    p.set_defaults(run=commands.cmd_fit)


def _add_model_command(sub, common, name, run, help, description):
    """A subcommand that reads a saved model first (formula, plot, predict); returns its parser."""
    p = sub.add_parser(name, parents=[common], help=help, description=description)
    p.add_argument("model", metavar="MODEL.npz")
    p.set_defaults(run=run)
    return p


def build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser = argparse.ArgumentParser(prog="minikan", description="minikan: Kolmogorov-Arnold networks "
                                     "from the shell, from a CSV file to a formula.",
                                     epilog="'minikan COMMAND --help' describes each command.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_fit(sub, common)
    p = _add_model_command(sub, common, "formula", commands.cmd_formula, "print a fitted model's formula",
                           "One 'target = expression' line per output, in sympy's string form with the CSV's "
                           "column names; exit 1 (listing them) if edges are still splines.")
    p.add_argument("--snap", type=_non_negative, default=commands.SNAP_TOL,
                   help=f"show constants within SNAP of a simple value as it (default {commands.SNAP_TOL}; 0: exact)")
    p.add_argument("--digits", type=int, help="round the constants to DIGITS decimals")
    p = _add_model_command(sub, common, "plot", commands.cmd_plot, "draw a model's network as a PNG",
                           "Draw the network with every edge's learned function, on the training inputs "
                           "stored in the model file.")
    p.add_argument("png", metavar="OUT.png")
    p = _add_model_command(sub, common, "predict", commands.cmd_predict,
                           "predict the rows of a CSV file (CSV to stdout)",
                           "Read the model's input columns (by name) from a CSV file and write one row of "
                           "outputs per row to stdout, headed by the output names.")
    p.add_argument("data", metavar="DATA.csv")
    p.add_argument("--classes", action="store_true", help="for a classifier: the predicted class, not the logits")
    p = sub.add_parser("gradcheck", parents=[common], help="check every backward pass against finite differences")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=demo.cmd_gradcheck)
    p = sub.add_parser("demo", parents=[common], help="the exp(sin(pi x) + y^2) story, end to end")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="fewer steps (for tests)")
    p.add_argument("--log", type=int, default=1, help="progress every LOG steps; 0 for none")
    p.add_argument("--plots", metavar="DIR", help="write the network before and after pruning as PNGs in DIR")
    p.set_defaults(run=demo.cmd_demo)
    return parser


def main(argv=None):
    """Run one command; returns the exit status (argparse exits with 2 on usage errors)."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CliError, ValueError, TypeError, OSError) as err:
        if args.debug:
            raise
        code = err.code if isinstance(err, CliError) else 1
        print(f"minikan {args.command}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return code
