#!/usr/bin/python3
"""PyTorch 1.13's Python AOTAutograd pipeline timed on the six peer models, as JSON on stdout (for `aotviz bench`).

For each model, `reps` fresh aot_module / aot_function compilations with functorch's config.use_fake_tensor = True
(metadata collection, the joint trace with make_fx, min_cut_rematerialization_partition), timed from the first call
until the backward compiler is handed its graph (1.13 compiles the backward during the first forward call), so
neither side's execution is counted. Also the min-cut partition's saved bytes. Models: tests/fidelity/torch113_partitions.py.

Run with Debian's python3-torch: /usr/bin/python3 tests/bench/torch113_pipeline.py --reps 5 [--models mlp,cnn]
"""
import argparse
import json
import os
import sys
import time
import warnings

import torch
from functorch.compile import aot_function, aot_module, make_boxed_func, min_cut_rematerialization_partition
import functorch.compile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fidelity"))
import torch113_partitions as models  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)


def compile_once(name):
    """Seconds from the first call to the backward compiler, and the saved bytes of the partition."""
    torch.manual_seed(0)
    rec = models.Recorder(min_cut_rematerialization_partition)
    stamp = {}

    def bw_compiler(gm, example):
        stamp["end"] = time.perf_counter()
        return rec.bw_compiler(gm, example)

    if name == "mutation_fn":
        a = torch.randn(16, 16)
        b = torch.randn(16, 16).requires_grad_(True)
        f = aot_function(models.mutation_fn, rec.fw_compiler, bw_compiler, partition_fn=rec.partition)
        t0 = time.perf_counter()
        outs = f(a.clone(), b)
    else:
        build, shape = models.MODULES[name]
        model = build()
        model.train()
        x = torch.randn(*shape)
        f = aot_module(model, rec.fw_compiler, bw_compiler, partition_fn=rec.partition)
        t0 = time.perf_counter()
        outs = f(x)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    sum(o.sum() for o in outs if o.requires_grad).backward()
    return stamp["end"] - t0, rec.summary()["saved_bytes"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="mlp,mlp_gelu_ln,cnn,attn_block,mutation_fn,deep_mlp")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    functorch.compile.config.use_fake_tensor = True
    result = {"torch": torch.__version__, "use_fake_tensor": True, "models": {}}
    for name in args.models.split(","):
        compile_once(name)  # warm-up (imports, dispatcher caches)
        times, saved = [], 0
        for _ in range(args.reps):
            s, saved = compile_once(name)
            times.append(s * 1e3)
        times.sort()
        result["models"][name] = {"pipeline_ms": {"median": times[len(times) // 2], "min": times[0], "max": times[-1],
                                                  "all": times},
                                  "saved_bytes": saved}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
