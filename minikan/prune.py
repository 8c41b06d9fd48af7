"""Attribution scores and pruning (placeholder constants; pruning follows)."""
NODE_TH = 1e-2
EDGE_TH = 3e-2
