"""minikan: Kolmogorov–Arnold Networks in NumPy, every gradient written by hand.

Reading order: bspline → layer → nodes → model → losses → regularize → optim → train
→ prune → symbolic → discover → data; gradcheck checks any of them. See README.md.
"""
from minikan.data import create_dataset, dataset_from_arrays
from minikan.discover import discover
from minikan.model import KAN

__all__ = ["KAN", "create_dataset", "dataset_from_arrays", "discover"]
__version__ = "0.1.0"
