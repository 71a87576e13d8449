"""A ~100 MB model for bench_pt2_open: six Linear(2048, 2048) layers with ReLU (25.2M parameters, 100.7 MB).

Exported by bench_pt2_open with scripts/export_pt2.py tests/bench/big_pt2.py:big_mlp --input 8,2048.
"""
import torch.nn as nn


def big_mlp(width=2048, layers=6):
    return nn.Sequential(*[m for _ in range(layers) for m in (nn.Linear(width, width), nn.ReLU())])
