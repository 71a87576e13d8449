#!/usr/bin/env python3
"""PyTorch 2.11's Python AOTAutograd pipeline timed on aotviz's built-in models, as JSON on stdout (for `aotviz bench`).

Run with the project's virtual environment (PyTorch 2.11):
    OMP_NUM_THREADS=1 .venv/bin/python tests/bench/torch211_pipeline.py [--mode warm] [--reps 5] [--models mlp,cnn]
    OMP_NUM_THREADS=1 .venv/bin/python tests/bench/torch211_pipeline.py --mode cold --models gpt
    OMP_NUM_THREADS=1 .venv/bin/python tests/bench/torch211_pipeline.py --reps 1 --models gpt:layers=48,width=64,seq=16
Models (architectures, sizes, seeds, inputs) come from tests/fidelity/torch211_aot.py's build(); default: all eight
built-in zoo models (mlp, mlp_gelu_ln, cnn, attn_block, mutation_fn, deep_mlp, gpt, resnet18).

Sized gpt: `gpt:k=v,k=v,...` sets any of zoo.cpp's gpt size options (layers, width, heads, seq, vocab, batch;
defaults 4, 256, 4, 128, 512, 2, as `aotviz compile gpt --layers N ...` takes them); plain gpt is all defaults.
In --models, commas separate models, and a comma-separated item of the form k=v (no ':') continues the sized name
before it (model names never contain '='), so no shell quoting is needed:
    --models mlp,gpt:layers=48,width=64,seq=16,cnn   means mlp, gpt:layers=48,width=64,seq=16, cnn
An unknown option name, a value below 1 or a width that heads does not divide is an error. The output's key for a
sized gpt is its name as given (e.g. "gpt:layers=48,width=64,seq=16"), and its entry also has "options": all six
sizes it was built with.

What one compilation is: a fresh model (or mutation_fn) wrapped with torch._functorch.aot_autograd.aot_module
(aot_function for mutation_fn) with partition_fn=min_cut_rematerialization_partition (its default
compiler="inductor"), no decompositions, keep_inference_input_mutations=False, static shapes, and fw/bw compilers
that only record and return make_boxed_func(gm). It is called once on real eager inputs in grad mode.
AOTAutograd fakifies the inputs itself (construct_fake_mode + process_inputs build a fresh FakeTensorMode and
FakeTensors for params, buffers and user inputs), so metadata collection, the joint trace and the partition all
run on FakeTensors; the script checks that the forward compiler's example inputs are FakeTensors of one
FakeTensorMode and that no real tensor reaches the compilers.

What is timed (pipeline_ms): time.perf_counter() from just before the first call of the wrapped callable until the
backward compiler is entered. By default aot_function compiles the backward lazily (at the first backward) when no
symints are saved; this script sets AOTConfig.force_non_lazy_backward_lowering = True (by wrapping
aot_autograd.create_aot_state, which receives the AOTConfig) so that the backward is compiled during the first
call, after the partition and the forward compile, as PyTorch 1.13 did. The window therefore covers: flattening
and fakifying the inputs, create_aot_state (functionalized metadata collection, ViewAndMutationMeta), stage 1 (the
pre-compile wrappers and the joint trace with make_fx), stage 2a (min-cut partition), the no-op forward compile,
and stage 2b's preparation of the backward (placeholder list, the copy.deepcopy(bw_module) PyTorch makes before
handing the graph to any bw compiler, lazy or not). Not timed: building the model and inputs, stage 2c (the
autograd.Function and runtime wrappers), and the real execution of the compiled forward that the first call
performs after compiling (it starts after the bw compiler stamp). The backward is never run. The script's own
bookkeeping inside the window (counting the joint graph's call_function nodes and summarising the min-cut forward's
saved values in the recording partition function) is timed separately and subtracted (overhead_ms, microseconds to
a few ms). fw_compiler_ms: the same start until the forward compiler is entered (i.e. through the partition).

Modes:
  warm (default): per model one warm-up compilation, then `reps` fresh compilations in the same process.
  cold: only the first compilation of the single model given by --models in this fresh process (the C++ side
        starts one process per rep); import_ms is the time from the first line of this script (time.perf_counter()
        before `import torch`; interpreter start-up before it is not counted) until torch, torch._functorch and
        torch211_aot are imported; pipeline_ms is that first compilation only.
Caches: aot_function never consults AOTAutogradCache (only aot_module_simplified / torch.compile do) nor dynamo's
caches, and the no-op compilers never reach Inductor's FX graph cache; all are switched off anyway
(torch._functorch.config.enable_autograd_cache, torch._inductor.config.fx_graph_cache and their
TORCHINDUCTOR_* environment variables). FakeTensorMode's dispatch cache is class-level, so it would carry over
from one compilation to the next in the same process: it stays on (PyTorch's default, it also hits within one
compilation) but is cleared before every compilation, so every warm rep starts with an empty dispatch cache as a
first compilation does. gc.collect() runs before each compilation (outside the window).

Per model: pipeline_ms {median, min, max, all}; fw_compiler_ms, overhead_ms {median, min, max}; saved_bytes: total
numel x element size of the distinct values the min-cut forward saves for the backward, every aten.detach.default
chain followed back to its source (PyTorch's autograd saves detach(x) where aotviz's engine saves x; for min-cut the
raw count is the same on these models, it is also given as saved_bytes_raw); joint_nodes: call_function nodes
(getitem included) of the joint graph handed to the partitioner.
"""
import time

_T_START = time.perf_counter()

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "0")
os.environ.setdefault("TORCHINDUCTOR_AUTOGRAD_CACHE", "0")
warnings.filterwarnings("ignore")

import torch  # noqa: E402
import torch._functorch.aot_autograd as aot_mod  # noqa: E402
import torch._functorch.config  # noqa: E402
import torch._inductor.config  # noqa: E402
from torch._functorch.aot_autograd import aot_function, aot_module, make_boxed_func  # noqa: E402
from torch._functorch.partitioners import min_cut_rematerialization_partition  # noqa: E402
from torch._subclasses.fake_tensor import FakeTensor, FakeTensorMode  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fidelity"))
import torch211_aot as models  # noqa: E402

_T_IMPORTED = time.perf_counter()

torch.set_num_threads(1)
torch._functorch.config.enable_autograd_cache = False
torch._functorch.config.enable_remote_autograd_cache = False
torch._inductor.config.fx_graph_cache = False
torch._inductor.config.fx_graph_remote_cache = False

BUILTIN = list(models.BUILTIN)

# Set by compile_once for the compilation in progress.
_CURRENT = {}
_orig_create_aot_state = aot_mod.create_aot_state


def _create_aot_state(stack, flat_fn, fake_flat_args, flat_args_descs, aot_config, fake_mode, shape_env):
    # Eager backward lowering (see the docstring); the fake mode is kept for the check after the call.
    aot_config.force_non_lazy_backward_lowering = True
    _CURRENT["fake_mode"] = fake_mode
    _CURRENT["fake_flat_args"] = fake_flat_args
    return _orig_create_aot_state(stack, flat_fn, fake_flat_args, flat_args_descs, aot_config, fake_mode, shape_env)


aot_mod.create_aot_state = _create_aot_state  # aot_function looks it up as a module global at its first call


def _saved_bytes(fw, num_fwd_outputs):
    saved = [n for n in models.output_args(fw)[num_fwd_outputs:] if n is not None]
    resolved = list(dict.fromkeys(models.resolve_detach(n) for n in saved))
    raw = sum(models.size_of(n) for n in saved)
    return sum(models.size_of(n) for n in resolved), raw


def compile_once(name):
    """One fresh compilation; returns a dict with the stamps and summaries (seconds)."""
    fn, args, is_module, grad_mode = models.build(name)
    assert grad_mode == "enabled"
    st = {"overhead": 0.0}
    _CURRENT.clear()

    def partition_fn(joint, joint_inputs, **kwargs):
        t = time.perf_counter()
        st["joint_nodes"] = sum(1 for n in joint.graph.nodes if n.op == "call_function")
        st["overhead"] += time.perf_counter() - t
        fw, bw = min_cut_rematerialization_partition(joint, joint_inputs, **kwargs)
        t = time.perf_counter()
        st["saved_bytes"], st["saved_bytes_raw"] = _saved_bytes(fw, kwargs["num_fwd_outputs"])
        st["overhead"] += time.perf_counter() - t
        return fw, bw

    def fw_compiler(gm, example_inputs):
        st.setdefault("fw", time.perf_counter())
        st["fw_inputs"] = list(example_inputs)
        return make_boxed_func(gm)

    def bw_compiler(gm, example_inputs):
        st.setdefault("bw", time.perf_counter())
        st["bw_inputs"] = list(example_inputs)
        return make_boxed_func(gm)

    def inference_compiler(gm, example_inputs):
        raise RuntimeError(f"{name}: AOTAutograd traced an inference graph")

    kw = dict(fw_compiler=fw_compiler, bw_compiler=bw_compiler, partition_fn=partition_fn,
              inference_compiler=inference_compiler, keep_inference_input_mutations=False)
    compiled = aot_module(fn, **kw) if is_module else aot_function(fn, **kw)
    FakeTensorMode.cache_clear()
    gc.collect()
    with torch.enable_grad():
        t0 = time.perf_counter()
        compiled(*args)
    if "bw" not in st:
        raise RuntimeError(f"{name}: the backward compiler was not called during the first call")
    # Everything the compilers saw was fake, from the FakeTensorMode AOTAutograd built for this call.
    mode = _CURRENT.get("fake_mode")
    assert isinstance(mode, FakeTensorMode), name
    tensors = [a for a in _CURRENT["fake_flat_args"] + st["fw_inputs"] + st["bw_inputs"]
               if isinstance(a, torch.Tensor)]
    assert tensors and all(isinstance(a, FakeTensor) and a.fake_mode is mode for a in tensors), name
    return {"pipeline": st["bw"] - t0 - st["overhead"], "fw": st["fw"] - t0, "overhead": st["overhead"],
            "saved_bytes": st["saved_bytes"], "saved_bytes_raw": st["saved_bytes_raw"],
            "joint_nodes": st["joint_nodes"]}


def stats(v, with_all=False):
    v = sorted(v)
    r = {"median": v[len(v) // 2], "min": v[0], "max": v[-1]}
    if with_all:
        r["all"] = v
    return r


def entry(runs):
    ms = lambda k: [r[k] * 1e3 for r in runs]  # noqa: E731
    last = runs[-1]
    return {"pipeline_ms": stats(ms("pipeline"), True), "fw_compiler_ms": stats(ms("fw")),
            "overhead_ms": stats(ms("overhead")), "saved_bytes": last["saved_bytes"],
            "saved_bytes_raw": last["saved_bytes_raw"], "joint_nodes": last["joint_nodes"]}


def parse_models(spec):
    """--models' value -> model names: split on commas, a k=v item (no ':') joins the sized name before it.
    Raises ValueError for a stray k=v item, an unknown name or a bad gpt size option."""
    names = []
    for item in (i.strip() for i in spec.split(",")):
        if not item:
            continue
        if "=" in item and ":" not in item.partition("=")[0]:
            if not names or ":" not in names[-1]:
                raise ValueError(f"size option {item!r} does not follow a sized model name (gpt:k=v,...)")
            names[-1] += "," + item
        else:
            names.append(item)
    for n in names:
        if n.startswith("gpt:"):
            models.gpt_options(n)  # raises ValueError with the reason
        elif ":" in n and n.partition(":")[0] in BUILTIN:
            raise ValueError(f"{n}: only gpt takes size options (gpt:layers=N,width=N,...)")
        elif n not in BUILTIN:
            raise ValueError(f"unknown model {n!r}; known: {', '.join(BUILTIN)}, or gpt:k=v,... with k in "
                             f"{', '.join(models.GPT_OPTIONS)}")
    return names


def model_entry(name, runs):
    e = entry(runs)
    if name.startswith("gpt:"):
        e["options"] = models.gpt_options(name)
    return e


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=",".join(BUILTIN),
                    help="comma-separated model names; gpt:layers=N,width=N,... for a sized gpt (see above)")
    ap.add_argument("--reps", type=int, default=5, help="warm mode: compilations per model after the warm-up")
    ap.add_argument("--mode", choices=["warm", "cold"], default="warm")
    args = ap.parse_args()
    try:
        names = parse_models(args.models)
    except ValueError as e:
        ap.error(str(e))
    if not names:
        ap.error(f"no models given; known: {', '.join(BUILTIN)}")
    if args.reps < 1:
        ap.error("--reps must be at least 1")
    if args.mode == "cold" and len(names) != 1:
        ap.error("--mode cold times the first compilation of one model: give exactly one with --models")
    result = {"torch": torch.__version__, "mode": args.mode, "partitioner": "min_cut_rematerialization_partition",
              "backward_lowering": "eager (force_non_lazy_backward_lowering)", "models": {}}
    if args.mode == "cold":
        import_ms = (_T_IMPORTED - _T_START) * 1e3
        result["import_ms"] = import_ms
        e = model_entry(names[0], [compile_once(names[0])])
        e["import_ms"] = import_ms
        result["models"][names[0]] = e
    else:
        result["reps"] = args.reps
        for name in names:
            compile_once(name)  # warm-up: lazy imports, dispatcher and Python-level caches
            result["models"][name] = model_entry(name, [compile_once(name) for _ in range(args.reps)])
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
