#!/usr/bin/env python3
"""PyTorch 2.11's own AOTAutograd on small functions that go through the Python dispatcher's decompositions.

Run with the project's virtual environment:
    OMP_NUM_THREADS=1 .venv/bin/python tests/fidelity/torch211_decompositions.py
tests/core/test_python_decompositions.cpp captures the same functions with aotviz and compares, case by case, its
graph with this output; the decompositions it checks are those of core/capture/python_decompositions.h (matmul,
dropout, unsafe_chunk, upsample_nearest*, hardshrink, softshrink, lstm / gru / rnn_tanh / rnn_relu .input), and the
scaled_dot_product_attention backend choice of Note [Attention on the trace device].

What runs: each function is wrapped with torch._functorch.aot_autograd.aot_function (no decompositions, static
shapes, default_partition) and called once on real eager inputs; AOTAutograd fakifies them and traces with the
Python dispatcher enabled, which is what applies the py_impl decompositions. The graph recorded is the joint graph
handed to the partition function, or, when no input requires grad, the inference graph handed to
inference_compiler.

Output: one JSON object on stdout,
    {"torch": torch.__version__, "cases": {name: [op, ...]}}
and two records of where aotviz differs from 2.11 on purpose (core/capture/python_decompositions.h):
"lstm_x_nograd_with_mkldnn", the ops of the graph 2.11 traces, but cannot run, for case "lstm_x_nograd" with mkldnn
enabled (Note [LSTM on the CPU]); "lstm_without_fix", {"ops", "compiled_shapes", "eager_shapes"} of case "lstm"
traced by 2.11 as it is (Note [LSTM final states]). Each case's list is the graph's call_function targets in graph
order, as str(node.target) ("aten.mm.default"), with operator.getitem and aten.detach.default left out (aotviz's
graphs have neither: its nodes return all their outputs, and it records no detach for values autograd saves).
"""
import contextlib
import inspect
import json
import operator
import sys
import warnings

warnings.filterwarnings("ignore")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch._decomp import decompositions  # noqa: E402
from torch._functorch.aot_autograd import aot_function, make_boxed_func  # noqa: E402
from torch._functorch.partitioners import default_partition  # noqa: E402

torch.set_num_threads(1)

SET_ASIDE = {operator.getitem, torch.ops.aten.detach.default}


def traced_ops(fn, args, may_fail=False):
    """The call_function targets of the graph AOTAutograd traces for fn(*args), in graph order. may_fail: the
    compiled function may raise an AssertionError when it runs (after the graph was traced)."""
    graphs = []

    def partition(joint, joint_inputs, **kwargs):
        graphs.append(joint)
        return default_partition(joint, joint_inputs, **kwargs)

    def inference(gm, example_inputs):
        graphs.append(gm)
        return make_boxed_func(gm)

    def boxed(gm, example_inputs):
        return make_boxed_func(gm)

    try:
        aot_function(fn, fw_compiler=boxed, bw_compiler=boxed, inference_compiler=inference,
                     partition_fn=partition)(*args)
    except AssertionError:
        if not may_fail:
            raise
    assert len(graphs) == 1, f"{len(graphs)} graphs traced"
    return [str(n.target) for n in graphs[0].graph.nodes if n.op == "call_function" and n.target not in SET_ASIDE]


def r(*shape, grad=True):
    return torch.randn(*shape, requires_grad=grad)


def matmul(a, b):
    return torch.matmul(a, b)


def up2(a):
    return F.interpolate(a, scale_factor=2, mode="nearest")


@contextlib.contextmanager
def lstm_final_states_fix():
    """decompositions.py one_layer_lstm with the fix aotviz has (Note [LSTM final states] in
    core/capture/python_decompositions.h; pytorch/pytorch#185716, after 2.11): hx.squeeze(0), cx.squeeze(0) where
    2.11 has squeeze(1). Only that token changes; lstm_impl looks the function up when it runs."""
    original = decompositions.one_layer_lstm
    source = inspect.getsource(original)
    assert source.count("hx.squeeze(1), cx.squeeze(1)") == 1, "one_layer_lstm changed; revisit the Note"
    namespace = dict(vars(decompositions))
    exec(compile(source.replace("hx.squeeze(1), cx.squeeze(1)", "hx.squeeze(0), cx.squeeze(0)"),
                 decompositions.__file__, "exec"), namespace)
    decompositions.one_layer_lstm = namespace["one_layer_lstm"]
    try:
        yield
    finally:
        decompositions.one_layer_lstm = original


def rnn(cls, seq=5, batch=2, size=8, hidden=16, grad_x=True, grad_w=True, mkldnn=True, out_only=False, **kwargs):
    """nn.LSTM / nn.GRU / nn.RNN(size, hidden, **kwargs) in training mode, called as a module (so its forward makes
    the zero initial state) on x of (seq, batch, size) (batch-first: (batch, seq, size)) with its weights as inputs,
    in named_parameters() order; returns [output, *final states], or [output] when out_only. mkldnn=False traces
    with mkldnn disabled. LSTMs that return their final states are traced with lstm_final_states_fix(); the graphs
    of those that do not are 2.11's as it is."""
    module = cls(size, hidden, **kwargs)
    names = [name for name, _ in module.named_parameters()]
    fix = lstm_final_states_fix if cls is torch.nn.LSTM and not out_only else contextlib.nullcontext

    def fn(x, *weights):
        with torch.backends.mkldnn.flags(enabled=mkldnn), fix():
            out, state = torch.func.functional_call(module, dict(zip(names, weights)), (x,))
        if out_only:
            return [out]
        return [out, *state] if isinstance(state, tuple) else [out, state]

    x_shape = (batch, seq, size) if kwargs.get("batch_first") else (seq, batch, size)
    return fn, [r(*x_shape, grad=grad_x)] + [r(*p.shape, grad=grad_w) for _, p in module.named_parameters()]


def sdpa(**kwargs):
    return lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs)


def mha(embed=16, heads=4):
    """nn.MultiheadAttention(embed, heads, batch_first=True) in training mode, self-attention on x of (2, 5, embed)
    with need_weights=False (the scaled_dot_product_attention path of F.multi_head_attention_forward), its weights as
    inputs in named_parameters() order."""
    module = torch.nn.MultiheadAttention(embed, heads, batch_first=True)
    names = [name for name, _ in module.named_parameters()]

    def fn(x, *weights):
        return torch.func.functional_call(module, dict(zip(names, weights)), (x, x, x), {"need_weights": False})[0]

    return fn, [r(2, 5, embed)] + [r(*p.shape) for _, p in module.named_parameters()]


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
        # x requires grad: one_layer_lstm everywhere. Only the output sequence: PyTorch 2.11 as it is.
        "lstm_out_only": rnn(torch.nn.LSTM, out_only=True),
        "lstm_2layers_bidirectional_out_only": rnn(torch.nn.LSTM, num_layers=2, bidirectional=True, out_only=True),
        # With the final states: 2.11 with lstm_final_states_fix().
        "lstm": rnn(torch.nn.LSTM),
        "lstm_2layers_batch_first": rnn(torch.nn.LSTM, num_layers=2, batch_first=True),
        "lstm_bidirectional": rnn(torch.nn.LSTM, bidirectional=True),
        "lstm_2layers_bidirectional_batch_first": rnn(torch.nn.LSTM, num_layers=2, bidirectional=True,
                                                      batch_first=True),
        "lstm_no_bias": rnn(torch.nn.LSTM, bias=False),
        "lstm_proj": rnn(torch.nn.LSTM, num_layers=2, proj_size=4),
        # Dropout between layers: none in PyTorch's graph (_rnn_helper's test never holds). Not replayed.
        "lstm_dropout": rnn(torch.nn.LSTM, num_layers=2, dropout=0.5),
        # The usual training step (x does not require grad): PyTorch 2.11 would trace mkldnn_rnn_layer, which its
        # compiled function cannot run; aotviz traces what PyTorch traces without mkldnn. Note [LSTM on the CPU].
        "lstm_x_nograd": rnn(torch.nn.LSTM, num_layers=2, grad_x=False, mkldnn=False),
        # Inference: mkldnn_rnn_layer, as in PyTorch.
        "lstm_inference": rnn(torch.nn.LSTM, num_layers=2, grad_x=False, grad_w=False),
        "lstm_inference_bidirectional_no_bias": rnn(torch.nn.LSTM, bidirectional=True, bias=False, grad_x=False,
                                                    grad_w=False),
        "gru": rnn(torch.nn.GRU),
        "gru_2layers_bidirectional_batch_first": rnn(torch.nn.GRU, num_layers=2, bidirectional=True,
                                                     batch_first=True),
        "gru_x_nograd": rnn(torch.nn.GRU, grad_x=False),
        "gru_no_bias": rnn(torch.nn.GRU, bias=False),
        "rnn_tanh": rnn(torch.nn.RNN, num_layers=2),
        "rnn_relu_bidirectional": rnn(torch.nn.RNN, nonlinearity="relu", bidirectional=True, batch_first=True),
        # scaled_dot_product_attention on the CPU: the CPU's backend choice (Note [Attention on the trace device]),
        # _scaled_dot_product_flash_attention_for_cpu where it picks flash attention, the math decomposition where
        # it does not (a mask that requires grad, dropout).
        "sdpa": (sdpa(), [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8)]),
        "sdpa_causal": (sdpa(is_causal=True), [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8)]),
        "sdpa_scale_cross": (sdpa(scale=0.5), [r(2, 3, 5, 8), r(2, 3, 7, 8), r(2, 3, 7, 8)]),
        "sdpa_value_head_dim": (sdpa(), [r(2, 3, 5, 8), r(2, 3, 7, 8), r(2, 3, 7, 4)]),
        "sdpa_mask": (lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                      [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8), r(5, 5, grad=False)]),
        "sdpa_bool_mask": (lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m > 0),
                           [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8), r(5, 5, grad=False)]),
        "sdpa_mask_grad": (lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
                           [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8), r(5, 5)]),
        "sdpa_heads_last": (lambda q, k, v: F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                                                           v.transpose(1, 2)).transpose(1, 2)
                            .reshape(2, 5, 24), [r(2, 5, 3, 8), r(2, 5, 3, 8), r(2, 5, 3, 8)]),
        "sdpa_inference": (sdpa(is_causal=True), [r(2, 3, 5, 8, grad=False), r(2, 3, 5, 8, grad=False),
                                                   r(2, 3, 5, 8, grad=False)]),
        "sdpa_dropout": (sdpa(dropout_p=0.5), [r(2, 3, 5, 8), r(2, 3, 5, 8), r(2, 3, 5, 8)]),
        "mha": mha(),
    }


def lstm_final_states_211():
    """The 2.11 graph (no fix) of case "lstm", and the shapes of its outputs next to eager's."""
    torch.manual_seed(0)
    module = torch.nn.LSTM(8, 16)
    names = [name for name, _ in module.named_parameters()]

    def fn(x, *weights):
        out, (h, c) = torch.func.functional_call(module, dict(zip(names, weights)), (x,))
        return [out, h, c]

    def boxed(gm, example_inputs):
        return make_boxed_func(gm)

    args = [r(5, 2, 8)] + [r(*p.shape) for p in module.parameters()]
    compiled = aot_function(fn, fw_compiler=boxed, bw_compiler=boxed)(*args)
    return {"ops": traced_ops(fn, args), "compiled_shapes": [list(t.shape) for t in compiled],
            "eager_shapes": [list(t.shape) for t in fn(*args)]}


def mkldnn_training_ops():
    """What PyTorch 2.11 traces for "lstm_x_nograd" with mkldnn enabled (the graph aotviz does not follow)."""
    torch.manual_seed(0)
    fn, args = rnn(torch.nn.LSTM, num_layers=2, grad_x=False)
    return traced_ops(fn, args, may_fail=True)  # the compiled function cannot run that graph


def main():
    out = {"torch": torch.__version__, "cases": {name: traced_ops(fn, args) for name, (fn, args) in cases().items()},
           "lstm_x_nograd_with_mkldnn": mkldnn_training_ops(), "lstm_without_fix": lstm_final_states_211()}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
