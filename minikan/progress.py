"""The progress line of ``KAN.fit``: the one place that writes to the terminal while training.

Compute modules never print; ``train.fit`` calls a ``progress`` callback after each step,
and this is the default one. It stays silent for the first couple of seconds, so short
fits print nothing, then rewrites one line on stderr.
"""
import sys
import time

QUIET_SECONDS = 2.0     # runs shorter than this show nothing


class ProgressLine:
    """Callable ``(step, steps, record)`` writing e.g.
    "step 12/50 | 8.1 steps/s | train_loss 1.2e-02 | test_loss 1.3e-02".

    Steps per second are the mean since the start of the fit (``record["time"]``, the
    seconds ``train.fit`` stamps on each record), so a user can tell how long a run will take.
    """

    def __init__(self, every=1, stream=None):
        self.every, self.stream = every, stream or sys.stderr
        self.start, self.shown = time.perf_counter(), False

    def __call__(self, step, steps, record):
        last = step + 1 == steps
        if time.perf_counter() - self.start < QUIET_SECONDS or (step % self.every and not last):
            return
        parts = [f"step {step + 1}/{steps}"]
        if record.get("time", 0.0) > 0.0:
            parts.append(f"{(step + 1) / record['time']:.3g} steps/s")
        parts += [f"{key} {value:.3e}" for key, value in record.items()
                  if key in ("train_loss", "test_loss", "reg")]
        self.stream.write("\r" + " | ".join(parts) + ("\n" if last else ""))
        self.stream.flush()
        self.shown = True
