#!/usr/bin/env python3
"""PyTorch 2.11's own AOTAutograd on aotviz's built-in models, TorchScript scenario modules and torch.export
archives (assets/export/*.pt2: torch.export.load(...).module() on the archive's sample inputs), as JSON on stdout.

Run with the project's virtual environment (PyTorch 2.11, networkx for the min-cut partitioner):
    OMP_NUM_THREADS=1 .venv/bin/python tests/fidelity/torch211_aot.py [--models a,b] [--graphs DIR] [--time N]
A C++ GoogleTest compares aotviz's joint graph, ViewAndMutationMeta and partitions with this output.

What runs: each model is wrapped with torch._functorch.aot_autograd.aot_module (aot_function for mutation_fn)
with keep_inference_input_mutations=False (the default), no decompositions, static shapes, and called once on
real eager inputs; AOTAutograd fakifies them itself, so metadata collection, joint tracing and partitioning all
run on FakeTensors. Each model is compiled twice, once per partitioner (default_partition,
min_cut_rematerialization_partition with its default compiler="inductor"); the joint graph and metadata come
from the first compile (the second's joint op multiset is checked to be the same).

How the ViewAndMutationMeta is obtained: aot_function looks the pipeline stages up as globals of
torch._functorch.aot_autograd, so this script wraps two of them there (and puts them back afterwards):
  * create_aot_state(...) returns an AOTState whose .fw_metadata is the ViewAndMutationMeta computed by
    run_functionalized_fw_and_collect_metadata for the user-visible flat inputs (params, buffers, user inputs,
    duplicates and aliases included), already downgraded to is_train=False when AOTAutograd decided that the
    graph is an inference graph. It is serialised at once -> "meta".
  * aot_stage1_graph_capture(aot_state, ...) runs the pre-compile wrappers (dedupe of duplicate inputs,
    synthetic bases for aliased inputs), which replace aot_state.fw_metadata with the metadata of the graph that
    is actually traced; it is serialised right after the stage returns -> "meta_traced". Serialising at once
    matters: stage 2 calls make_runtime_safe(), which empties traced_tangents.
The joint graph is the fx.GraphModule handed to the partition function (a recording wrapper, which also gets
num_fwd_outputs from AOTAutograd); the forward/backward graphs are the partitioner's return values, summarised
before AOTAutograd post-processes or compiles them. An inference graph is the one handed to inference_compiler.
With --time N (N > 0) the recording wrapper also times N more calls of the partition function, each on a
copy.deepcopy of the joint graph made before the real call (min-cut mutates its input), with the very arguments
AOTAutograd passed -> partitions.<name>.partition_ms; the real call and everything recorded from it are unchanged.
"""
import argparse
import collections
import copy
import dataclasses
import importlib.util
import json
import math
import operator
import os
import statistics
import sys
import time
import traceback
import warnings

warnings.filterwarnings("ignore")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.utils._pytree as pytree  # noqa: E402
import torch._functorch.aot_autograd as aot_mod  # noqa: E402
from torch._functorch.aot_autograd import aot_function, aot_module, make_boxed_func  # noqa: E402
from torch._functorch.partitioners import default_partition, min_cut_rematerialization_partition  # noqa: E402

torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
KEEP_INPUT_MUTATIONS = False

# ---------------------------------------------------------------------------------------------------------------
# The six peer models (same architectures, sizes and seeds as tests/fidelity/torch113_partitions.py).


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


# ---------------------------------------------------------------------------------------------------------------
# gpt and resnet18: re-implementations of core/models/zoo.cpp. Module attributes are registered in the order in
# which zoo.cpp's Params adds them, so aot_module's flat inputs (named_parameters(), named_buffers(), user inputs)
# have zoo.cpp's order and names. Initial values follow zoo.cpp's distributions but not its exact numbers (the
# graphs and metadata do not depend on them).

def _aten_slice(t, dim, start, end):
    # zoo.cpp calls Tensor::slice, i.e. aten.slice.Tensor, even for a full-length slice; Python's t[:n] may skip a
    # full-length slice, so call the op itself.
    return torch.ops.aten.slice.Tensor(t, dim, start, end)


class GptAttn(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)


class GptMlp(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)


class GptBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = GptAttn(d)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = GptMlp(d)


class Gpt(nn.Module):
    """zoo.cpp gpt(): d_model 256, 4 heads, 4 layers, T 128, vocab 512, batch 2 by default (build("gpt:...")
    sizes it, see GPT_OPTIONS); logits are the only output."""

    def __init__(self, d=256, heads=4, layers=4, T=128, vocab=512):
        super().__init__()
        self.heads = heads
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(T, d)
        self.h = nn.ModuleList([GptBlock(d) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("causal_mask", torch.triu(torch.ones(T, T, dtype=torch.bool), 1))
        with torch.no_grad():
            self.wte.weight.normal_(0, 0.02)
            self.wpe.weight.normal_(0, 0.02)

    @staticmethod
    def _ln(m, x):
        return F.layer_norm(x, (x.size(-1),), m.weight, m.bias, 1e-5)

    def forward(self, idx):
        B, Tn = idx.shape
        x = F.embedding(idx, self.wte.weight)                      # at::embedding(wte, tokens)
        x = torch.add(x, _aten_slice(self.wpe.weight, 0, 0, Tn))   # wpe.weight.slice(0, 0, T)
        for blk in self.h:
            h = self._ln(blk.ln_1, x)
            C = h.size(2)
            H = self.heads
            D = C // H
            qkv = F.linear(h, blk.attn.c_attn.weight, blk.attn.c_attn.bias).split(C, 2)
            q = qkv[0].view(B, Tn, H, D).transpose(1, 2)
            k = qkv[1].view(B, Tn, H, D).transpose(1, 2)
            v = qkv[2].view(B, Tn, H, D).transpose(1, 2)
            att = torch.mul(torch.matmul(q, k.transpose(-2, -1)), 1.0 / math.sqrt(D))
            mask = _aten_slice(_aten_slice(self.causal_mask, 0, 0, Tn), 1, 0, Tn)
            att = torch.masked_fill(att, mask, float("-inf"))       # masked_fill.Scalar
            att = torch.softmax(att, -1)
            y = torch.matmul(att, v).transpose(1, 2).contiguous().view(B, Tn, C)
            y = F.linear(y, blk.attn.c_proj.weight, blk.attn.c_proj.bias)
            x = torch.add(x, y)
            f = F.linear(self._ln(blk.ln_2, x), blk.mlp.c_fc.weight, blk.mlp.c_fc.bias)
            f = F.gelu(f)
            x = torch.add(x, F.linear(f, blk.mlp.c_proj.weight, blk.mlp.c_proj.bias))
        x = self._ln(self.ln_f, x)
        return F.linear(x, self.wte.weight)                        # LM head tied to wte, no bias


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, downsample):
        super().__init__()
        self.stride = stride
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if downsample:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False), nn.BatchNorm2d(cout))
        else:
            self.downsample = None

    def forward(self, x):
        # zoo.cpp's block: out-of-place relu and add (torchvision uses relu(inplace=True) and out += identity,
        # which functionalize to the same ops).
        identity = x
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.downsample is not None:
            identity = self.downsample(x)
        return F.relu(torch.add(y, identity))


class ResNet18(nn.Module):
    """zoo.cpp resnet18(): torchvision's resnet18 layout, BatchNorm in train mode (num_batches_tracked.add_(1),
    then batch_norm with momentum 0.1, eps 1e-5), input 2x3x64x64, logits are the only output."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        widths = [64, 128, 256, 512]
        cin = 64
        for li, w in enumerate(widths):
            blocks = []
            for b in range(2):
                down = b == 0 and li > 0
                blocks.append(BasicBlock(cin, w, 2 if down else 1, down))
                cin = w
            setattr(self, f"layer{li + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(512, 1000)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(self.bn1(x))
        x = F.max_pool2d(x, [3, 3], [2, 2], [1, 1])
        for li in range(4):
            x = getattr(self, f"layer{li + 1}")(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, [1, 1]), 1)
        return self.fc(x)


# ---------------------------------------------------------------------------------------------------------------
# Model table: name -> callable returning (kind, fn_or_module, args).

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

BUILTIN = ["mlp", "mlp_gelu_ln", "cnn", "attn_block", "mutation_fn", "deep_mlp", "gpt", "resnet18"]
SCENARIOS = ["scoped_mlp", "buffer_mutation", "output_aliasing", "duplicate_inputs", "duplicate_mutation",
             "aliased_mutation", "metadata_mutation"]
# torch.export archives (assets/export/): the unlifted module of torch.export.load, on the archive's sample inputs.
EXPORTED = ["scoped_mlp.pt2", "scoped_mlp_decomposed.pt2", "buffer_mutation.pt2", "buffer_mutation_decomposed.pt2",
            "tiny_decoder.pt2", "tiny_decoder_decomposed.pt2"]
SKIPPED = {
    "data_dependent": "branches on a tensor value (bool(x.sum() > 0)): data-dependent control flow cannot be "
                      "traced on fake tensors; aotviz's own test checks its clear error",
    "forward_raises": "an error scenario (raises ValueError for a 3-d input); with its good 2-d spec it is an "
                      "ordinary Linear+ReLU and adds nothing",
    "out_of_memory": "an error scenario: a 256 GiB intermediate that only fails when run for real",
    "python_state": "an error scenario: a Python-side call counter that tracing freezes, so compiled and eager "
                    "disagree when run; its graph is an ordinary mul",
}

_SCRIPT_MODULE = None


def scenario_module():
    """scripts/make_torchscript_assets.py, imported by path: it writes files only in main(), under __main__; at
    import it only defines the classes and builds its SCENARIOS table (module instances and input specs)."""
    global _SCRIPT_MODULE
    if _SCRIPT_MODULE is None:
        path = os.path.join(ROOT, "scripts", "make_torchscript_assets.py")
        spec = importlib.util.spec_from_file_location("make_torchscript_assets", path)
        mod = importlib.util.module_from_spec(spec)
        torch.manual_seed(0)
        spec.loader.exec_module(mod)
        _SCRIPT_MODULE = mod
    return _SCRIPT_MODULE


DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "int64": torch.int64, "int32": torch.int32, "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool}


def make_spec_inputs(spec):
    """Builds the user inputs of an assets/torchscript/<name>.json input spec (README, "TorchScript modules and
    input specs"): leaf:false -> leaf.add(1) of a grad-requiring leaf; same_as -> the very same tensor;
    view_of -> base.as_strided(size, stride, offset) (as core/models/input_spec.cpp makes it)."""
    entries = spec["inputs"] if isinstance(spec, dict) else spec
    seed = spec.get("seed", 0) if isinstance(spec, dict) else 0
    gen = torch.Generator().manual_seed(seed)
    out, names = [], {}

    def ref(v):
        return names[v] if isinstance(v, str) else int(v)

    for i, e in enumerate(entries):
        if "same_as" in e:
            t = out[ref(e["same_as"])]
        elif "view_of" in e:
            base = out[ref(e["view_of"])]
            size = e["size"]
            stride = e.get("stride")
            if stride is None:
                stride = [int(math.prod(size[j + 1:])) for j in range(len(size))]
            t = base.as_strided(size, stride, e.get("offset", 0))
        else:
            dt = DTYPES[e.get("dtype", "float32")]
            shape = e["shape"]
            init = e.get("init", "randn" if dt.is_floating_point else "randint")
            if init == "randn":
                t = torch.randn(shape, generator=gen, dtype=dt)
            elif init == "rand":
                t = torch.rand(shape, generator=gen, dtype=dt)
            elif init == "zeros":
                t = torch.zeros(shape, dtype=dt)
            elif init == "ones":
                t = torch.ones(shape, dtype=dt)
            elif init == "arange":
                t = torch.arange(int(math.prod(shape)), dtype=dt).view(shape)
            else:
                t = torch.randint(e.get("low", 0), e.get("high", 10), shape, generator=gen, dtype=dt)
            if e.get("requires_grad", False):
                t.requires_grad_(True)
                if not e.get("leaf", True):
                    t = t.add(1)
        names[e.get("name", f"input_{i}")] = i
        out.append(t)
    grad_mode = spec.get("grad_mode", "enabled") if isinstance(spec, dict) else "enabled"
    return out, grad_mode


def retie(module):
    """torch.export.load's module() makes one Parameter per name, also where the exported model had one tied
    tensor (an LM head tied to its embedding: both names read one weight record, so they share storage). Ties them
    again, as in the model that was exported and as aotviz's importer does (README, "torch.export archives")."""
    first = {}
    for name, p in list(module.named_parameters(remove_duplicate=False)):
        key = (p.untyped_storage().data_ptr(), p.storage_offset(), tuple(p.shape), tuple(p.stride()), p.dtype)
        if key not in first:
            first[key] = p
            continue
        owner, _, leaf = name.rpartition(".")
        setattr(module.get_submodule(owner) if owner else module, leaf, first[key])
    return module


# zoo.cpp's gpt size options and their defaults (its registry entry); `gpt:layers=48,width=64,seq=16` overrides any
# subset, as `aotviz compile gpt --layers 48 --width 64 --seq 16` does. Plain "gpt" is all defaults.
GPT_OPTIONS = {"layers": 4, "width": 256, "heads": 4, "seq": 128, "vocab": 512, "batch": 2}


def gpt_options(name):
    """The size options of a gpt name: "gpt" -> the defaults; "gpt:k=v,k=v" -> the defaults with those overrides.
    Raises ValueError for an unknown option name, a repeated or malformed option, a value below 1, or a width
    that heads does not divide (zoo.cpp's checks)."""
    opts = dict(GPT_OPTIONS)
    if name == "gpt":
        return opts
    if not name.startswith("gpt:"):
        raise ValueError(f"{name!r} is not a gpt name (gpt or gpt:k=v,...)")
    given = set()
    for item in name[len("gpt:"):].split(","):
        item = item.strip()
        if not item:
            continue
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if key not in GPT_OPTIONS:
            raise ValueError(f"{name}: no gpt size option {key!r}; its size options are: "
                             + ", ".join(f"{k} (default {v})" for k, v in GPT_OPTIONS.items()))
        if not eq or not value.lstrip("+").isdigit():
            raise ValueError(f"{name}: size option {key} needs an integer value ({key}=N), got {item!r}")
        if key in given:
            raise ValueError(f"{name}: size option {key} given twice")
        given.add(key)
        opts[key] = int(value)
        if opts[key] < 1:
            raise ValueError(f"{name}: size option {key} must be at least 1, got {opts[key]}")
    if opts["width"] % opts["heads"] != 0:
        raise ValueError(f"{name}: width {opts['width']} is not a multiple of heads {opts['heads']}")
    return opts


def build(name):
    """Returns (fn_or_module, args, is_module, grad_mode)."""
    if name in MODULES:
        torch.manual_seed(0)
        ctor, shape = MODULES[name]
        model = ctor()
        model.train()
        return model, [torch.randn(*shape)], True, "enabled"
    if name == "mutation_fn":
        torch.manual_seed(0)
        a = torch.randn(16, 16)
        b = torch.randn(16, 16).requires_grad_(True)
        return mutation_fn, [a.clone(), b], False, "enabled"
    if name == "gpt" or name.startswith("gpt:"):
        o = gpt_options(name)  # plain "gpt": Gpt()'s defaults, i.e. d 256, 4 heads, 4 layers, T 128, vocab 512, batch 2
        torch.manual_seed(0)
        model = Gpt(d=o["width"], heads=o["heads"], layers=o["layers"], T=o["seq"], vocab=o["vocab"]).train()
        torch.manual_seed(1)
        return model, [torch.randint(o["vocab"], (o["batch"], o["seq"]), dtype=torch.long)], True, "enabled"
    if ":" in name and name.partition(":")[0] in BUILTIN:
        raise ValueError(f"{name}: only gpt takes size options (gpt:layers=N,width=N,...)")
    if name == "resnet18":
        torch.manual_seed(0)
        model = ResNet18().train()
        torch.manual_seed(1)
        return model, [torch.randn(2, 3, 64, 64)], True, "enabled"
    if name in EXPORTED:
        ep = torch.export.load(os.path.join(ROOT, "assets", "export", name))
        args, kwargs = ep.example_inputs
        if kwargs:
            raise ValueError(f"{name}: keyword sample inputs are not supported here")
        return retie(ep.module()), list(args), True, "enabled"  # the graph keeps the mode it was exported in
    if name in SCENARIOS:
        mod = scenario_module()
        model = mod.SCENARIOS[name][0]
        model.train()
        with open(os.path.join(ROOT, "assets", "torchscript", name + ".json")) as fh:
            spec = json.load(fh)
        args, grad_mode = make_spec_inputs(spec)
        return model, args, True, grad_mode
    raise KeyError(f"unknown model {name!r}")


# ---------------------------------------------------------------------------------------------------------------
# Graph and metadata summaries.

def is_getitem(node):
    return node.op == "call_function" and node.target is operator.getitem


def op_name(node):
    return str(node.target) if node.op == "call_function" else node.op


def op_multiset(nodes):
    """call_function targets as str(node.target); operator.getitem is left out (counted separately)."""
    return dict(sorted(collections.Counter(op_name(n) for n in nodes
                                           if n.op == "call_function" and not is_getitem(n)).items()))


def val_of(node):
    return node.meta.get("val", node.meta.get("tensor_meta"))


def size_of(node):
    v = val_of(node)
    if isinstance(v, torch.Tensor):
        return int(v.numel()) * v.element_size()
    if v is not None and hasattr(v, "shape") and hasattr(v, "dtype"):  # TensorMetadata
        return int(math.prod(v.shape)) * torch.empty((), dtype=v.dtype).element_size()
    return 0


def is_detach(node):
    return node.op == "call_function" and node.target is torch.ops.aten.detach.default


def resolve_detach(node):
    """Follows a chain of aten.detach.default nodes back to its first non-detach source (a placeholder stays)."""
    while is_detach(node) and isinstance(node.args[0], torch.fx.Node):
        node = node.args[0]
    return node


def output_args(gm):
    out = next(n for n in gm.graph.nodes if n.op == "output")
    return pytree.tree_leaves(out.args[0])


def graph_summary(gm):
    nodes = list(gm.graph.nodes)
    calls = [n for n in nodes if n.op == "call_function"]
    placeholders = [n.name for n in nodes if n.op == "placeholder"]
    outs = output_args(gm)
    return {
        "ops": op_multiset(calls),
        "nodes": len(calls),
        "num_getitem": sum(1 for n in calls if is_getitem(n)),
        "placeholders": placeholders,
        "num_outputs": len(outs),
        "num_none_outputs": sum(1 for o in outs if o is None),
    }


def produced_by(node):
    """(op, output index) of the value a node holds: a getitem resolves to the multi-output op it indexes."""
    if node.op == "placeholder":
        return ("primal" if node.name.startswith("primals") else "placeholder"), None
    if is_getitem(node) and isinstance(node.args[0], torch.fx.Node):
        op, _ = produced_by(node.args[0])
        return op, node.args[1]
    return op_name(node), None


def enum_name(e):
    return e.name.lower() if e is not None else None


def plain(v):
    """JSON for a plain field value, or a marker for objects that are not plain."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, torch.SymInt):
        return str(v)
    if isinstance(v, (list, tuple)) and all(x is None or isinstance(x, (bool, int, str)) for x in v):
        return list(v)
    if isinstance(v, (set, frozenset)) and all(isinstance(x, int) for x in v):
        return sorted(v)
    return None


def tangent_desc(t):
    if isinstance(t, torch.Tensor):
        return {"shape": [int(s) if isinstance(s, int) else str(s) for s in t.shape],
                "dtype": str(t.dtype).replace("torch.", ""),
                "stride": [int(s) if isinstance(s, int) else str(s) for s in t.stride()]}
    return {"type": type(t).__name__, "value": str(t)}


def meta_summary(m):
    """Every field of ViewAndMutationMeta that is plain JSON, plus input_info / output_info / traced_tangents in
    full and the counters computed in __post_init__ (under "derived")."""
    inputs = []
    for ii in m.input_info:
        d = {f.name: getattr(ii, f.name) for f in dataclasses.fields(ii)}
        d["mutation_type"] = enum_name(ii.mutation_type)
        inputs.append(d)
    outputs = []
    for oi in m.output_info:
        d = {}
        for f in dataclasses.fields(oi):
            v = getattr(oi, f.name)
            if f.name == "output_type":
                d[f.name] = enum_name(v)
            elif f.name == "raw_type":
                d[f.name] = getattr(v, "__name__", str(v))
            elif f.name == "dynamic_dims":
                d[f.name] = sorted(v) if v is not None else None
            elif f.name == "view_meta_sequence":
                d[f.name] = ([type(vm).__name__ for vm in v.sequence] if v is not None else None)
            else:
                d[f.name] = plain(v)
        outputs.append(d)
    res = {"input_info": inputs, "output_info": outputs,
           "traced_tangents": [tangent_desc(t) for t in m.traced_tangents],
           "traced_tangents_descs": [str(d) for d in m.traced_tangents_descs],
           "num_tokens": len(m.tokens)}
    field_names = set()
    for f in dataclasses.fields(m):
        field_names.add(f.name)
        if f.name in res or f.name in ("input_info", "output_info", "tokens"):
            continue
        v = getattr(m, f.name)
        p = plain(v)
        if p is not None or v is None:
            res[f.name] = p
    derived = {}
    for k, v in sorted(vars(m).items()):
        if k in field_names:
            continue
        p = plain(v)
        if p is not None and not isinstance(v, str):
            derived[k] = p
        elif isinstance(v, dict) and not v:
            derived[k] = {}
    res["derived"] = derived
    return res


class Recorder:
    """Recording partition function and compilers for one aot_function/aot_module compile."""

    def __init__(self, partition_fn, label, graphs, time_n=0):
        self.partition_fn = partition_fn
        self.label = label
        self.graphs = graphs  # dict part -> printed code, or None
        self.time_n = time_n  # extra timed partition calls (0: none)
        self.joint = None
        self.partition = None
        self.inference = None
        self.partition_kwargs = None

    def _code(self, part, gm):
        if self.graphs is not None:
            self.graphs[part] = gm.print_readable(print_output=False)

    def partition_fn_wrapper(self, joint, joint_inputs, **kwargs):
        num_fwd_outputs = kwargs["num_fwd_outputs"]
        self.partition_kwargs = {k: plain(v) for k, v in kwargs.items()}
        s = graph_summary(joint)
        self.joint = {
            "ops": s["ops"],
            "nodes": s["nodes"],
            "num_getitem": s["num_getitem"],
            "placeholders": s["placeholders"],
            "num_primals": sum(1 for p in s["placeholders"] if p.startswith("primals")),
            "num_tangents": sum(1 for p in s["placeholders"] if p.startswith("tangents")),
            "num_outputs": s["num_outputs"],
            "num_none_outputs": s["num_none_outputs"],
            "num_fwd_outputs": num_fwd_outputs,
            "outputs": [o.name if isinstance(o, torch.fx.Node) else (None if o is None else str(o))
                        for o in output_args(joint)],
        }
        self._code("joint", joint)
        # Copies for the timed calls are made before the real call, which may mutate joint (min-cut does).
        copies = [copy.deepcopy(joint) for _ in range(self.time_n)]
        fw, bw = self.partition_fn(joint, joint_inputs, **kwargs)
        self.partition = self._partition_summary(fw, bw, num_fwd_outputs)
        self._code(f"{self.label}_forward", fw)
        self._code(f"{self.label}_backward", bw)
        if copies:
            ms = []
            while copies:
                g = copies.pop(0)
                t0 = time.perf_counter()
                self.partition_fn(g, joint_inputs, **kwargs)
                ms.append((time.perf_counter() - t0) * 1e3)
                del g
            self.partition["partition_ms"] = {"median": statistics.median(ms), "min": min(ms), "max": max(ms)}
        return fw, bw

    def _partition_summary(self, fw, bw, num_fwd_outputs):
        fw_nodes = list(fw.graph.nodes)
        bw_nodes = list(bw.graph.nodes)
        fw_calls = [n for n in fw_nodes if n.op == "call_function"]
        bw_calls = [n for n in bw_nodes if n.op == "call_function"]
        fw_names = {n.name for n in fw_calls}
        saved = [n for n in output_args(fw)[num_fwd_outputs:] if n is not None]
        saved_tensors = [n for n in saved if isinstance(val_of(n), torch.Tensor) or
                         (val_of(n) is not None and hasattr(val_of(n), "dtype"))]
        saved_symints = [n for n in saved if n not in saved_tensors]
        resolved = list(dict.fromkeys(resolve_detach(n) for n in saved))  # distinct, first-appearance order
        return {
            "forward_ops": op_multiset(fw_calls),
            "backward_ops": op_multiset(bw_calls),
            "dead_ops": {"forward": dead_ops(fw), "backward": dead_ops(bw)},
            "forward_nodes": len(fw_calls),
            "backward_nodes": len(bw_calls),
            "forward_getitem": sum(1 for n in fw_calls if is_getitem(n)),
            "backward_getitem": sum(1 for n in bw_calls if is_getitem(n)),
            "forward_placeholders": [n.name for n in fw_nodes if n.op == "placeholder"],
            "backward_placeholders": [n.name for n in bw_nodes if n.op == "placeholder"],
            "num_forward_outputs": len(output_args(fw)),
            "num_backward_outputs": len(output_args(bw)),
            "saved": [n.name for n in saved],                       # in forward-output order
            "saved_tensors": [n.name for n in saved_tensors],
            "saved_symints": [n.name for n in saved_symints],
            "saved_bytes": sum(size_of(n) for n in saved_tensors),
            "saved_ops": dict(sorted(collections.Counter(produced_by(n)[0] for n in saved).items())),
            "saved_producers": [{"name": n.name, "op": produced_by(n)[0], "index": produced_by(n)[1]}
                                for n in saved],
            "recomputed": sorted(n.name for n in bw_calls if n.name in fw_names),
            "saved_resolved": [n.name for n in resolved],
            "saved_resolved_bytes": sum(size_of(n) for n in resolved),
            "recomputed_resolved": sorted(n.name for n in bw_calls if n.name in fw_names and not is_detach(n)),
        }

    def fw_compiler(self, gm, _):
        return make_boxed_func(gm)

    def bw_compiler(self, gm, _):
        return make_boxed_func(gm)

    def inference_compiler(self, gm, _):
        s = graph_summary(gm)
        self.inference = s
        self._code("inference", gm)
        return make_boxed_func(gm)


class MetaCapture:
    """Wraps create_aot_state and aot_stage1_graph_capture in torch._functorch.aot_autograd (see docstring)."""

    def __init__(self):
        self.meta = None
        self.meta_traced = None
        self.needs_autograd = None

    def __enter__(self):
        self._orig_state = aot_mod.create_aot_state
        self._orig_stage1 = aot_mod.aot_stage1_graph_capture
        cap = self

        def create_aot_state(*args, **kwargs):
            st = cap._orig_state(*args, **kwargs)
            cap.meta = meta_summary(st.fw_metadata)
            cap.needs_autograd = st.needs_autograd
            return st

        def aot_stage1_graph_capture(aot_state, *args, **kwargs):
            r = cap._orig_stage1(aot_state, *args, **kwargs)
            cap.meta_traced = meta_summary(aot_state.fw_metadata)
            return r

        aot_mod.create_aot_state = create_aot_state
        aot_mod.aot_stage1_graph_capture = aot_stage1_graph_capture
        return self

    def __exit__(self, *exc):
        aot_mod.create_aot_state = self._orig_state
        aot_mod.aot_stage1_graph_capture = self._orig_stage1
        return False


PARTITIONERS = {"default": default_partition, "mincut": min_cut_rematerialization_partition}


def dead_ops(gm):
    """Op multiset of the call_function nodes of `gm` whose results nothing live uses: what FX's
    eliminate_dead_code keeps because the node is impure (random ops such as native_dropout, bernoulli) and the
    nodes that only feed such nodes."""
    dead = set()
    for n in reversed(list(gm.graph.nodes)):
        if n.op == "call_function" and all(u in dead for u in n.users):
            dead.add(n)
    return op_multiset(dead)


def tied_parameters(model):
    """Names under which a parameter appears a second time (named_parameters(remove_duplicate=False))."""
    seen, tied = set(), []
    for n, p in model.named_parameters(remove_duplicate=False):
        if id(p) in seen:
            tied.append(n)
        seen.add(id(p))
    return tied


def aot_module_once_per_parameter(mod, **kw):
    """aot_module with each parameter and buffer passed once (named_parameters(), duplicates removed), as
    torch.compile's Dynamo lifts them. PyTorch 2.11's aot_module passes a tied parameter under each of its names,
    and torch.func.functional_call then refuses ("functional_call got multiple values for keys ..., which are
    tied"); with one value per tensor functional_call ties the other names to it itself."""
    named_params = dict(mod.named_parameters())
    named_buffers = dict(mod.named_buffers())

    def functional_call(params, buffers, *args):
        return torch.func.functional_call(mod, {**params, **buffers}, args)

    compiled = aot_function(functional_call, num_params_buffers=len(named_params) + len(named_buffers), **kw)
    return lambda *args: compiled(named_params, named_buffers, *args)


def compile_once(name, label, partition_fn, graphs, time_n=0):
    fn, args, is_module, grad_mode = build(name)
    rec = Recorder(partition_fn, label, graphs, time_n)
    kw = dict(fw_compiler=rec.fw_compiler, bw_compiler=rec.bw_compiler, partition_fn=rec.partition_fn_wrapper,
              inference_compiler=rec.inference_compiler, keep_inference_input_mutations=KEEP_INPUT_MUTATIONS)
    cap = MetaCapture()
    runtime_error = None
    with cap:
        if not is_module:
            compiled = aot_function(fn, **kw)
        else:
            compiled = aot_module_once_per_parameter(fn, **kw) if tied_parameters(fn) else aot_module(fn, **kw)
        ctx = torch.no_grad() if grad_mode == "no_grad" else torch.enable_grad()
        try:
            with ctx:
                compiled(*args)
        except Exception as e:  # a failure after compiling (in AOTAutograd's runtime wrappers) is kept apart
            if cap.meta is None or (rec.joint is None and rec.inference is None):
                raise
            runtime_error = f"{type(e).__name__}: {e}"
    return rec, cap, runtime_error


def run_model(name, graphs_dir, time_n=0):
    graphs = {} if graphs_dir else None
    entry = {}
    try:
        first_joint = None
        for label, pfn in PARTITIONERS.items():
            rec, cap, runtime_error = compile_once(name, label, pfn, graphs, time_n)
            if first_joint is None:
                entry["meta"] = cap.meta
                entry["meta_traced"] = cap.meta_traced
                entry["is_train"] = bool(cap.needs_autograd)
                if runtime_error:
                    entry["runtime_error"] = runtime_error
                if not cap.needs_autograd:
                    entry["joint"] = None
                    entry["inference"] = rec.inference
                    entry["partitions"] = None
                    break
                entry["joint"] = rec.joint
                entry["partition_kwargs"] = rec.partition_kwargs
                entry["partitions"] = {}
                first_joint = rec.joint
            elif rec.joint["ops"] != first_joint["ops"]:
                entry.setdefault("warnings", []).append(f"joint graph of the {label} compile differs")
            entry["partitions"][label] = rec.partition
    except Exception as e:
        entry = {"error": f"{type(e).__name__}: {e}",
                 "traceback": traceback.format_exc(limit=-6).splitlines()[-12:]}
    if graphs_dir and graphs:
        os.makedirs(graphs_dir, exist_ok=True)
        for part, code in graphs.items():
            with open(os.path.join(graphs_dir, f"{name}_{part}.txt"), "w") as fh:
                fh.write(code)
    return entry


NOTES = [
    "op multisets count call_function nodes by str(node.target) (e.g. aten.mm.default); operator.getitem is left "
    "out of every multiset and counted in num_getitem / forward_getitem / backward_getitem; nodes / "
    "forward_nodes / backward_nodes count all call_function nodes, getitem included",
    "joint: the fx graph handed to the partition function; placeholders in order; num_primals / num_tangents "
    "count placeholders named primals* / tangents*; num_outputs counts the flattened output leaves (None "
    "gradients included, see num_none_outputs); num_fwd_outputs is the num_fwd_outputs AOTAutograd passes to "
    "the partitioner (mutated inputs + user outputs + intermediate bases [+ rng offsets + tokens])",
    "meta: ViewAndMutationMeta returned in AOTState by create_aot_state (user-visible flat inputs: params, "
    "buffers, user inputs, duplicates and aliases included); meta_traced: aot_state.fw_metadata after "
    "aot_stage1_graph_capture's pre-compile wrappers (dedupe, synthetic bases), i.e. the metadata of the graph "
    "that was traced. Enums are lower-case names; derived holds the counters ViewAndMutationMeta.__post_init__ "
    "computes",
    "keep_inference_input_mutations=False (aot_function's default), no decompositions, static shapes, "
    "min_cut_rematerialization_partition with its default compiler='inductor'",
    "partitions.*.saved: forward graph outputs after the first num_fwd_outputs, in output order (saved tensors "
    "then saved symints); saved_bytes: numel x element size of each saved tensor from node.meta['val'] (views "
    "count their own size); saved_ops: multiset of the op that produced each saved value, 'primal' for a "
    "primals* placeholder, a getitem resolved to the multi-output op it indexes (e.g. "
    "aten.native_layer_norm.default); saved_producers: per saved value, name, that op and the output index "
    "(null unless a getitem); recomputed: backward call_function nodes whose name is also a forward call_function name",
    "partitions.*.saved_resolved: saved with every chain of aten.detach.default nodes followed back to its first "
    "non-detach source (PyTorch's Python autograd saves detach(x) where aotviz saves x), deduplicated, in "
    "first-appearance order (a placeholder stays its name); saved_resolved_bytes: numel x element size of the "
    "distinct values in saved_resolved (symints count 0); recomputed_resolved: recomputed without backward "
    "aten.detach.default nodes",
    "joint.outputs: per flattened joint graph output leaf, in order, the name of the node it is (null for None)",
    "is_train false: AOTAutograd traced an inference graph; joint and partitions are null and inference holds "
    "the graph handed to inference_compiler",
    "runtime_error (if present): the compiled function failed when called on the real inputs after all graphs "
    "were captured",
    "scenario user inputs follow assets/torchscript/<name>.json: leaf:false is leaf.add(1), same_as the same "
    "tensor object, view_of base.as_strided(size, stride, offset); flat inputs are named_parameters(), "
    "named_buffers() (remove_duplicate=False), then user inputs",
]

TIME_NOTE = ("partitions.*.partition_ms (--time {n}): median / min / max wall time in ms (time.perf_counter) of "
             "{n} extra calls of the partition function, each on a copy.deepcopy of the joint graph made before "
             "the real call (copying not timed), with the arguments AOTAutograd passed to the real call")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(BUILTIN + SCENARIOS + EXPORTED), help="comma-separated model names")
    ap.add_argument("--graphs", help="also write each joint/forward/backward/inference graph's code to DIR")
    ap.add_argument("--time", type=int, default=0, metavar="N",
                    help="also time N partition calls per model and partitioner (on deep copies of the joint "
                         "graph) -> partitions.<name>.partition_ms {median, min, max}; 0 (default): no timing")
    args = ap.parse_args()
    if args.time < 0:
        ap.error("--time must be >= 0")
    names = [n for n in args.models.split(",") if n]
    known = BUILTIN + SCENARIOS + EXPORTED
    unknown = [n for n in names if n not in known and n not in SKIPPED]
    if unknown:
        ap.error(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(known)}")
    notes = NOTES if args.time <= 0 else NOTES + [TIME_NOTE.format(n=args.time)]
    result = {"torch": torch.__version__, "keep_input_mutations": KEEP_INPUT_MUTATIONS, "notes": notes,
              "skipped": dict(SKIPPED), "models": {}}
    total = time.perf_counter()
    for name in names:
        if name in SKIPPED:
            continue
        t0 = time.perf_counter()
        result["models"][name] = run_model(name, args.graphs, args.time)
        status = "error" if "error" in result["models"][name] else "ok"
        print(f"{name}: {time.perf_counter() - t0:.2f} s ({status})", file=sys.stderr)
    print(f"total: {time.perf_counter() - total:.2f} s", file=sys.stderr)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
