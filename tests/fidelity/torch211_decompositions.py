#!/usr/bin/env python3
"""PyTorch 2.11's own AOTAutograd on small functions that go through the Python dispatcher's decompositions.

Run with the project's virtual environment:
    OMP_NUM_THREADS=1 .venv/bin/python tests/fidelity/torch211_decompositions.py
tests/core/test_python_decompositions.cpp captures the same functions with aotviz and compares, case by case, its
graph with this output; the decompositions it checks are those of core/capture/python_decompositions.h (matmul,
dropout, unsafe_chunk, upsample_nearest*, hardshrink, softshrink).

What runs: each function is wrapped with torch._functorch.aot_autograd.aot_function (no decompositions, static
shapes, default_partition) and called once on real eager inputs; AOTAutograd fakifies them and traces with the
Python dispatcher enabled, which is what applies the py_impl decompositions. The graph recorded is the joint graph
handed to the partition function, or, when no input requires grad, the inference graph handed to
inference_compiler.

Output: one JSON object on stdout,
    {"torch": torch.__version__, "cases": {name: [op, ...]}}
where each case's list is the graph's call_function targets in graph order, as str(node.target)
("aten.mm.default"), with operator.getitem and aten.detach.default left out (aotviz's graphs have neither: its
nodes return all their outputs, and it records no detach for values autograd saves).
"""
import json
import operator
import sys
import warnings

warnings.filterwarnings("ignore")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch._functorch.aot_autograd import aot_function, make_boxed_func  # noqa: E402
from torch._functorch.partitioners import default_partition  # noqa: E402

torch.set_num_threads(1)

SET_ASIDE = {operator.getitem, torch.ops.aten.detach.default}


def traced_ops(fn, args):
    """The call_function targets of the graph AOTAutograd traces for fn(*args), in graph order."""
    graphs = []

    def partition(joint, joint_inputs, **kwargs):
        graphs.append(joint)
        return default_partition(joint, joint_inputs, **kwargs)

    def inference(gm, example_inputs):
        graphs.append(gm)
        return make_boxed_func(gm)

    def boxed(gm, example_inputs):
        return make_boxed_func(gm)

    aot_function(fn, fw_compiler=boxed, bw_compiler=boxed, inference_compiler=inference, partition_fn=partition)(*args)
    assert len(graphs) == 1, f"{len(graphs)} graphs traced"
    return [str(n.target) for n in graphs[0].graph.nodes if n.op == "call_function" and n.target not in SET_ASIDE]


def r(*shape, grad=True):
    return torch.randn(*shape, requires_grad=grad)


def matmul(a, b):
    return torch.matmul(a, b)


def up2(a):
    return F.interpolate(a, scale_factor=2, mode="nearest")


def cases():
    """name -> (function, inputs); the same names, functions and inputs as the C++ test."""
    torch.manual_seed(0)
    return {
        "mm4d": (matmul, [r(2, 4, 8, 16), r(2, 4, 16, 8)]),
        "mm3d2d": (matmul, [r(2, 8, 16), r(16, 4)]),
        "mm3d2d_nograd_w": (matmul, [r(2, 8, 16), r(16, 4, grad=False)]),
        "mm3d2d_noncontig": (lambda a, b: torch.matmul(a.transpose(0, 1), b), [r(8, 2, 16, grad=False),
                                                                               r(16, 4, grad=False)]),
        "mm2d3d": (matmul, [r(8, 16), r(2, 16, 4)]),
        "mm1d3d": (matmul, [r(16), r(2, 16, 4)]),
        "mm3d1d": (matmul, [r(2, 8, 16), r(16)]),
        "mm3d3d_bcast": (matmul, [r(1, 8, 16), r(3, 16, 4)]),
        "mm4d3d_bcast": (matmul, [r(2, 3, 8, 16), r(3, 16, 4)]),
        "mm1d1d": (matmul, [r(16), r(16)]),
        "mm2d1d": (matmul, [r(4, 16), r(16)]),
        "mm1d2d": (matmul, [r(16), r(16, 4)]),
        "linear3d_nobias": (lambda a, w: F.linear(a, w), [r(2, 8, 16), r(4, 16)]),
        "dropout_p0": (lambda a: F.dropout(a, 0.0, True) * 2, [r(4, 8)]),
        "dropout_eval": (lambda a: F.dropout(a, 0.5, False) * 2, [r(4, 8)]),
        "unsafe_chunk": (lambda a: [t * 2 for t in torch.unsafe_chunk(a, 3, 1)], [r(4, 8)]),
        "up_nearest2d_scale": (up2, [r(1, 3, 4, 5)]),
        "up_nearest2d_size": (lambda a: F.interpolate(a, size=(7, 9), mode="nearest"), [r(1, 3, 4, 5)]),
        "up_nearest_exact1d": (lambda a: F.interpolate(a, scale_factor=1.5, mode="nearest-exact"), [r(1, 3, 4)]),
        "up_nearest3d": (up2, [r(1, 2, 3, 4, 5)]),
        "up_channels_last": (up2, [r(1, 3, 4, 5, grad=False).contiguous(memory_format=torch.channels_last)
                                   .requires_grad_()]),
        "up_bf16": (up2, [r(1, 3, 4, 5, grad=False).to(torch.bfloat16).requires_grad_()]),
        "up_default2d": (lambda a: torch.ops.aten.upsample_nearest2d.default(a, [8, 10]), [r(1, 3, 4, 5)]),
        "up_default_exact3d": (lambda a: torch.ops.aten._upsample_nearest_exact3d.default(a, [4, 6, 7], 1.5),
                               [r(1, 2, 3, 4, 5)]),
        "hardshrink": (lambda a: F.hardshrink(a, 0.5), [r(4, 8)]),
        "softshrink": (lambda a: F.softshrink(a, 0.5), [r(4, 8)]),
    }


def main():
    out = {"torch": torch.__version__, "cases": {name: traced_ops(fn, args) for name, (fn, args) in cases().items()}}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
