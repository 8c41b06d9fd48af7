"""Reading a user's CSV file for the command line: a header, then one number per cell.

Standard library ``csv`` only (no pandas). Cells are separated by commas, semicolons or tabs:
whichever of the three the header row holds most of (spreadsheets saved in a locale whose
decimal mark is a comma write semicolons). Every problem becomes one ``CliError`` line that
names the file, the row (counted from 1, the header being row 1) and the column, and says
what was expected. Blank lines are skipped; missing values (empty cells, NaN, inf) are
refused rather than guessed.
"""
import csv
import io

import numpy as np
import sympy as sp


class CliError(Exception):
    """A failure to report as one line on stderr; ``code`` is the exit status (1, or 2 for usage)."""

    def __init__(self, message, code=1):
        super().__init__(" ".join(str(message).split()))               # always one line
        self.code = code


def read_csv(path):
    """The header (list of c names) and the data (n, c) float64 of a CSV file with a header row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:       # -sig: a BOM from spreadsheets
            text = f.read()
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except OSError as err:
        raise CliError(f"{path}: cannot read the file ({err.strerror})") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise CliError(f"{path}: not a UTF-8 CSV file ({err})") from None
    rows = [(r, row) for r, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise CliError(f"{path}: the file is empty; expected a header row of column names, then rows of numbers")
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    _check_header(path, header)
    data = np.empty((len(body), len(header)))                          # (n, c)
    for n, (r, row) in enumerate(body):
        if len(row) != len(header):
            raise CliError(f"{path}: row {r} has {len(row)} cells, expected {len(header)} as in the header")
        for c, cell in enumerate(row):
            data[n, c] = _number(path, r, header[c], cell)
    return header, data


DELIMITERS = ",;\t"


def _delimiter(text):
    """The one of ``DELIMITERS`` the first non-blank line holds most of (a comma on a tie or none)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=header.count)


def _number(path, r, column, cell):
    where = f"{path}: row {r}, column {column!r}"
    if not cell.strip():
        raise CliError(f"{where}: empty cell; expected a number (missing values are not supported)")
    try:
        v = float(cell)
    except ValueError:
        hint = "; the decimal mark must be '.'" if _is_number(cell.replace(",", ".", 1)) else ""
        raise CliError(f"{where}: {cell.strip()!r} is not a number{hint}") from None
    if not np.isfinite(v):
        raise CliError(f"{where}: {cell.strip()!r}; expected a finite number (missing values are not supported)")
    return v


def _check_header(path, header):
    for c, name in enumerate(header, start=1):
        if not name:
            raise CliError(f"{path}: row 1 (the header), column {c} has no name")
        if _is_number(name):
            raise CliError(f"{path}: row 1 must be a header of column names, got the number {name!r} "
                           f"in column {c}")
    dup = sorted({n for n in header if header.count(n) > 1})
    if dup:
        raise CliError(f"{path}: column name(s) {dup} appear more than once in the header")


def _is_number(s):
    try:
        float(s)
    except ValueError:
        return False
    return True


def check_variable_name(path, name):
    """Raise unless ``name`` reads back in sympy as a symbol of that name (formulas are pasted back)."""
    try:
        ok = sp.sympify(name) == sp.Symbol(name)
    except (sp.SympifyError, SyntaxError, TypeError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise CliError(f"{path}: column {name!r} cannot be a variable of a formula (sympy would read it "
                       "as something else); rename it to letters, digits and _, e.g. 'x_1'", code=2)


def columns(path, header, data, names, what):
    """The columns called ``names`` (n, len(names)), or a usage error naming the missing ones."""
    missing = [n for n in names if n not in header]
    if missing:
        raise CliError(f"{path}: {what} column(s) {missing} not in the header (columns: {', '.join(header)})",
                       code=2)
    return data[:, [header.index(n) for n in names]]
