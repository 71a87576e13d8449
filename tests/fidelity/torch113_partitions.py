#!/usr/bin/python3
"""PyTorch 1.13's own AOTAutograd partitioners on the six peer models, as JSON on stdout.

Run with Debian's python3-torch: /usr/bin/python3 tests/fidelity/torch113_partitions.py [--graphs DIR]
The models are those of ../shared/peer/peer_aot_baseline.py (same architectures, sizes and seeds); aotviz's
fidelity test (tests/core/test_partition_fidelity.cpp) compares its own partitions with this output.
"""
import argparse
import collections
import copy
import json
import math
import os
import sys
import time
import warnings

import torch
import torch.nn as nn
from functorch.compile import aot_function, aot_module, default_partition, make_boxed_func
from functorch.compile import min_cut_rematerialization_partition

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


class AttnBlock(nn.Module):
    def __init__(self, d_model=128, n_heads=4, mlp_ratio=4, p=0.0):
        super().__init__()
        self.h = n_heads
        self.ln1 = nn.LayerNorm(d_model)
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        self.attn_drop = nn.Dropout(p)
        self.resid_drop = nn.Dropout(p)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, mlp_ratio * d_model)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(mlp_ratio * d_model, d_model)
        self.mlp_drop = nn.Dropout(p)

    def forward(self, x):
        B, T, C = x.shape
        H = self.h
        D = C // H
        hdn = self.ln1(x)
        q = self.q(hdn).view(B, T, H, D).transpose(1, 2)
        k = self.k(hdn).view(B, T, H, D).transpose(1, 2)
        v = self.v(hdn).view(B, T, H, D).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(D))
        att = torch.softmax(att, dim=-1)
        att = self.attn_drop(att)
        y = torch.matmul(att, v)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.resid_drop(self.o(y))
        x = x + self.mlp_drop(self.fc2(self.act(self.fc1(self.ln2(x)))))
        return x


def mutation_fn(a, b):
    a.add_(1)
    c = a * b
    c.mul_(2)
    return c, a.view(-1)


MODULES = {
    "mlp": (lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                                  nn.Linear(128, 10)), (32, 64)),
    "mlp_gelu_ln": (lambda: nn.Sequential(nn.Linear(256, 1024), nn.GELU(), nn.LayerNorm(1024),
                                          nn.Linear(1024, 256)), (16, 256)),
    "cnn": (lambda: nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(16, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(32, 10)), (8, 3, 32, 32)),
    "attn_block": (lambda: AttnBlock(), (4, 64, 128)),
    "deep_mlp": (lambda: nn.Sequential(*[m for _ in range(24) for m in (nn.Linear(256, 256), nn.Tanh())]),
                 (64, 256)),
}
PARTITIONERS = {"default": default_partition, "mincut": min_cut_rematerialization_partition}


def op_name(node):
    return str(node.target) if node.op == "call_function" else node.op


def size_of(node):
    meta = node.meta.get("tensor_meta")
    if meta is None or not hasattr(meta, "shape"):
        return 0
    return int(math.prod(meta.shape)) * torch.tensor([], dtype=meta.dtype).element_size()


class Recorder:
    def __init__(self, partition_fn, time_reps=0):
        self.partition_fn = partition_fn
        self.time_reps = time_reps
        self.partition_ms = None
        self.joint_ops = None
        self.num_fwd_outputs = None
        self.fw = self.bw = None

    def partition(self, joint, joint_inputs):
        ops = collections.Counter(op_name(n) for n in joint.graph.nodes if n.op == "call_function")
        self.joint_ops = dict(ops)
        self.num_fwd_outputs = joint._out_spec.children_specs[0].num_leaves
        if self.time_reps:
            times = []
            for _ in range(self.time_reps):
                copy_ = copy.deepcopy(joint)  # min-cut runs DCE + CSE in place
                t0 = time.perf_counter()
                self.partition_fn(copy_, joint_inputs)
                times.append((time.perf_counter() - t0) * 1e3)
            times.sort()
            self.partition_ms = {"median": times[len(times) // 2], "min": times[0], "max": times[-1]}
        return self.partition_fn(joint, joint_inputs)

    def fw_compiler(self, gm, _):
        self.fw = gm
        return make_boxed_func(gm)

    def bw_compiler(self, gm, _):
        self.bw = gm
        return make_boxed_func(gm)

    def summary(self):
        out = [n for n in self.fw.graph.nodes if n.op == "output"][0]
        saved = list(out.args[0])[self.num_fwd_outputs:]
        fw_calls = [n for n in self.fw.graph.nodes if n.op == "call_function"]
        bw_calls = [n for n in self.bw.graph.nodes if n.op == "call_function"]
        fw_names = {n.name for n in fw_calls}

        def resolve(n):  # 1.13's Python autograd saves detach(x); aotviz's C++ engine saves x itself
            while n.op == "call_function" and "detach" in str(n.target):
                n = n.args[0]
            return n.name
        return {
            "joint_ops": self.joint_ops,
            "num_fwd_outputs": self.num_fwd_outputs,
            "forward_nodes": len(fw_calls),
            "backward_nodes": len(bw_calls),
            "forward_ops": dict(collections.Counter(op_name(n) for n in fw_calls)),
            "backward_ops": dict(collections.Counter(op_name(n) for n in bw_calls)),
            "recomputed": sorted(n.name for n in bw_calls if n.name in fw_names),
            "saved": sorted(n.name for n in saved),
            "saved_resolved": sorted(resolve(n) for n in saved),
            "saved_bytes": sum(size_of(n) for n in saved),
            "partition_ms": self.partition_ms,
        }


def run(name, partitioner, graphs_dir, time_reps):
    torch.manual_seed(0)
    rec = Recorder(PARTITIONERS[partitioner], time_reps)
    if name == "mutation_fn":
        a = torch.randn(16, 16)
        b = torch.randn(16, 16).requires_grad_(True)
        f = aot_function(mutation_fn, rec.fw_compiler, rec.bw_compiler, partition_fn=rec.partition)
        outs = f(a.clone(), b)
    else:
        build, shape = MODULES[name]
        model = build()
        model.train()
        x = torch.randn(*shape)
        f = aot_module(model, rec.fw_compiler, rec.bw_compiler, partition_fn=rec.partition)
        outs = f(x)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    sum(o.sum() for o in outs if o.requires_grad).backward()
    if graphs_dir:
        os.makedirs(graphs_dir, exist_ok=True)
        with open(os.path.join(graphs_dir, f"{name}_{partitioner}.txt"), "w") as fh:
            fh.write(rec.fw.code + "\n" + rec.bw.code)
    return rec.summary()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--graphs", help="also write each forward/backward graph's code to this directory")
    ap.add_argument("--models", default="mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp")
    ap.add_argument("--time", type=int, default=0, help="time each partitioner call this many times (median ms)")
    args = ap.parse_args()
    result = {"torch": torch.__version__, "models": {}}
    for name in args.models.split(","):
        result["models"][name] = {p: run(name, p, args.graphs, args.time) for p in PARTITIONERS}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
