#!/usr/bin/env python3
"""Writes real PyTorch structured compile logs (TORCH_TRACE, the files tlparse reads) under assets/trace/.

Run with the project venv's torch (2.11): .venv/bin/python scripts/make_trace_assets.py [--out DIR] [--only NAME ...]

Each scenario runs in a fresh subprocess (this script re-invoked with --scenario NAME) whose environment has
TORCH_TRACE=DIR/NAME, because torch reads TORCH_TRACE once, when it is imported. All scenarios run on the CPU, are
seeded, and (unless said otherwise) run one forward and one backward in training mode:

  mlp_aot_eager          3-layer MLP (64->128->128->10, ReLU, batch 8), torch.compile(backend="aot_eager")
  mlp_inductor           the same with the default Inductor backend (post-grad graphs, generated C++ code)
  gpt_block_aot_eager    a GPT-style block (LayerNorm, causal F.scaled_dot_product_attention, GELU MLP, residuals;
                         d=64, 4 heads, seq 16, batch 2) with aot_eager; partitioner debug records on, activation
                         memory budget 0.1 (so the partitioner recomputes most activations in the backward)
  gpt_block_inductor     the same with Inductor, the same partitioner settings
  graph_break_aot_eager  a module with torch._dynamo.graph_break() between two Linear layers: two frames, two
                         compiled graphs, with aot_eager
  multi_rank_aot_eager   the MLP with aot_eager in each of 2 processes of a CPU torch.distributed group (gloo,
                         world size 2), started the way torchrun starts them: RANK, LOCAL_RANK, WORLD_SIZE,
                         LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT in the environment, and the
                         process group initialised (init_method="env://") before anything is compiled. The model is
                         not DDP-wrapped: each rank compiles it on its own. One log per rank (see below), every
                         record with context carries "rank": R
  recompile_aot_eager    the MLP with aot_eager and torch.compile(dynamic=False), called with batch 8 and then
                         batch 4 (one forward and backward each): the size guard fails, so the same frame compiles
                         twice (compile ids 0/0 and 0/1, two joint graphs) and 0/1 has a "recompile_reasons" record
  inference_aot_eager    the MLP with aot_eager, called once under torch.no_grad() (input without requires_grad):
                         an aot_inference_graph, no joint, forward or backward graph
  cache_hit_inductor     the MLP with Inductor, run in two processes one after the other that share one Inductor
                         cache directory, with caches enabled (no TORCHINDUCTOR_FORCE_DISABLE_CACHES): the first
                         fills the caches (its log is thrown away), the log kept is the second's, an AOTAutograd
                         cache hit. The cache entry replays the joint, forward and backward graphs (aot_joint_graph
                         etc., written by aot_autograd_result.py, not graph_compile.py) and, for each of the forward
                         and the backward, an "fx_graph_cache_hit" artifact, the post-grad graph as a top-level
                         "inductor_post_grad_graph" record (an artifact in a real compile) and the output code, all
                         before one "aotautograd_cache_hit" artifact and the one compilation_metrics (the backward
                         is loaded with the forward: no bwd_compilation_metrics). No torch._functorch.config, no
                         before_post_grad_graph. The cache hit records carry the cache keys' 541 components each,
                         which makes this log about twice mlp_inductor's

and one scenario that only runs when named with --only, and never into assets/ (the driver refuses):

  gpt_big_aot_eager      a stack of --big LAYERS GPT blocks (the gpt_block_aot_eager block, the same tiny sizes) with
                         aot_eager, default partitioner settings; the default, 100 blocks, gives a joint graph of
                         10,003 nodes as aotviz reads it (an 8.9 MB log), e.g. .venv/bin/python scripts/make_trace_assets.py
                         --out /tmp/bigtrace --only gpt_big_aot_eager

Partitioner debug records (the "min_cut_information" JSON artifact) need both AOT_PARTITIONER_DEBUG=1 in the
environment (torch/_functorch/config.py reads it into config.debug_partitioner when torch is imported and
torch/_functorch/partitioners.py copies it into the module constant AOT_PARTITIONER_DEBUG when that module is
imported, so setting the config afterwards has no effect) and an activation memory budget below 1
(torch._functorch.config.activation_memory_budget), because the record is written only when the partitioner falls
through to its knapsack solver (choose_saved_values_set in partitioners.py).

Every scenario also gets a fresh, empty Inductor cache directory and TORCHINDUCTOR_FORCE_DISABLE_CACHES=1, so the
logs always show a full compile (never an FX-graph or AOTAutograd cache hit), except cache_hit_inductor (see above),
and PYTHONHASHSEED=0. Each log file is renamed from torch's random NamedTemporaryFile name
(dedicated_log_torch_trace_XXXXXXXX.log) to dedicated_log_torch_trace_NAME.log. A process in an initialised
torch.distributed group names its log dedicated_log_torch_trace_rank_R_XXXXXXXX.log instead (LazyTraceHandler in
torch/_logging/_internal.py opens the file at the first record, and asks torch.distributed for the rank then), and
this is renamed to dedicated_log_torch_trace_rank_R_NAME.log. The contents are left exactly as torch wrote them, so
timestamps, process ids, absolute paths, durations and temporary directories differ between runs; the graphs do not.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
DEFAULT_OUT = os.path.join(ROOT, "assets", "trace")
LOG_PREFIX = "dedicated_log_torch_trace_"
# The only variables of the caller's environment a scenario's subprocess sees (see write_scenario).
KEPT_ENV = ("PATH", "HOME", "USER", "LANG", "LC_ALL", "TMPDIR", "CC", "CXX", "OMP_NUM_THREADS")

# Scenarios that run with the partitioner's debug records on, and the activation memory budget they use. 0.1 is
# low enough for the GPT block to reach the knapsack solver (at 0.5 the "more aggressive" min cut already fits).
PARTITIONER_DEBUG = {"gpt_block_aot_eager": 0.1, "gpt_block_inductor": 0.1}


# ----------------------------------------------------------------------------------------------------------------
# Scenarios (run in the child process, where torch is imported after TORCH_TRACE is set)


def scenario_models():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 128)
            self.fc2 = nn.Linear(128, 128)
            self.fc3 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    class CausalSelfAttention(nn.Module):
        def __init__(self, d, heads):
            super().__init__()
            self.heads = heads
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(x).split(d, dim=2)
            q = q.view(b, t, self.heads, d // self.heads).transpose(1, 2)
            k = k.view(b, t, self.heads, d // self.heads).transpose(1, 2)
            v = v.view(b, t, self.heads, d // self.heads).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(b, t, d)
            return self.proj(y)

    class GPTBlock(nn.Module):
        def __init__(self, d=64, heads=4):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.attn = CausalSelfAttention(d, heads)
            self.ln2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.gelu = nn.GELU()
            self.out = nn.Linear(4 * d, d)

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            x = x + self.out(self.gelu(self.fc(self.ln2(x))))
            return x

    class GraphBreak(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(32, 64)
            self.fc2 = nn.Linear(64, 16)

        def forward(self, x):
            h = torch.tanh(self.fc1(x))
            torch._dynamo.graph_break()  # dynamo ends the first graph here and resumes in a second frame
            return torch.sigmoid(self.fc2(h))

    def gpt_big(layers):
        return nn.Sequential(*[GPTBlock() for _ in range(layers)])

    return {
        "mlp": (MLP, lambda: torch.randn(8, 64)),
        "gpt_block": (GPTBlock, lambda: torch.randn(2, 16, 64)),
        "graph_break": (GraphBreak, lambda: torch.randn(8, 32)),
        "gpt_big": (gpt_big, lambda: torch.randn(2, 16, 64)),
    }


def check_against_eager(name, model, x, out):
    """A cheap check that the compiled result matches eager."""
    import torch

    with torch.no_grad():
        ref = model(x.detach())
    if not torch.allclose(out.detach(), ref, atol=1e-5, rtol=1e-4):
        raise SystemExit(f"{name}: compiled output differs from eager")


def scenario_multi_rank_aot_eager(name, big):
    import torch
    import torch.distributed as dist

    # The driver set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, as torchrun does. The group must exist before
    # the first trace record, which is when LazyTraceHandler opens the log and reads the rank for its name.
    dist.init_process_group("gloo", init_method="env://")
    try:
        torch.manual_seed(0)
        make_model, make_input = scenario_models()["mlp"]
        model = make_model()
        model.train()
        x = make_input().requires_grad_(True)
        out = torch.compile(model, backend="aot_eager")(x)
        out.sum().backward()
        check_against_eager(name, model, x, out)
        # Both ranks computed the same loss (same seed, same input): a cheap check that the group works.
        loss = out.detach().sum().reshape(1)
        losses = [torch.zeros(1) for _ in range(dist.get_world_size())]
        dist.all_gather(losses, loss)
        if not all(torch.equal(other, loss) for other in losses):
            raise SystemExit(f"{name}: the ranks computed different losses {losses}")
    finally:
        dist.destroy_process_group()


def scenario_recompile_aot_eager(name, big):
    import torch

    torch.manual_seed(0)
    make_model, _ = scenario_models()["mlp"]
    model = make_model()
    model.train()
    # dynamic=False: no automatic dynamic shapes on the recompile, so batch 4 gets a second static graph.
    compiled = torch.compile(model, backend="aot_eager", dynamic=False)
    for batch in (8, 4):
        x = torch.randn(batch, 64, requires_grad=True)
        out = compiled(x)
        out.sum().backward()
        check_against_eager(name, model, x, out)


def scenario_inference_aot_eager(name, big):
    import torch

    torch.manual_seed(0)
    make_model, make_input = scenario_models()["mlp"]
    model = make_model()
    model.train()
    compiled = torch.compile(model, backend="aot_eager")
    x = make_input()
    with torch.no_grad():
        out = compiled(x)
    check_against_eager(name, model, x, out)


def scenario_cache_hit_inductor(name, big):
    # Run twice by the driver, sharing one cache directory; the process itself is mlp_inductor's.
    run_model(name, "mlp", "inductor")


def scenario_gpt_big_aot_eager(name, big):
    run_model(name, "gpt_big", "aot_eager", big)


def run_scenario(name, big):
    import warnings

    # Expected with TORCHINDUCTOR_FORCE_DISABLE_CACHES=1; it says nothing about the scenario.
    warnings.filterwarnings("ignore", message="dynamo_pgo force disabled")

    special = globals().get("scenario_" + name)
    if special is not None:
        special(name, big)
        return
    if name.endswith("_inductor"):
        model_name, backend = name[: -len("_inductor")], "inductor"
    else:
        model_name, backend = name[: -len("_aot_eager")], "aot_eager"
    run_model(name, model_name, backend)


def run_model(name, model_name, backend, *model_args):
    """One forward and one backward of a scenario_models() model in training mode, compiled with backend."""
    import torch

    if name in PARTITIONER_DEBUG:
        import torch._functorch.config as functorch_config
        import torch._functorch.partitioners as partitioners

        if not partitioners.AOT_PARTITIONER_DEBUG:
            raise SystemExit(f"{name}: AOT_PARTITIONER_DEBUG did not reach torch._functorch.partitioners")
        functorch_config.activation_memory_budget = PARTITIONER_DEBUG[name]

    torch.manual_seed(0)
    make_model, make_input = scenario_models()[model_name]
    model = make_model(*model_args)
    model.train()
    x = make_input().requires_grad_(True)
    compiled = torch.compile(model, backend=backend)
    out = compiled(x)
    out.sum().backward()
    check_against_eager(name, model, x, out)


SCENARIOS = [
    "mlp_aot_eager",
    "mlp_inductor",
    "gpt_block_aot_eager",
    "gpt_block_inductor",
    "graph_break_aot_eager",
    "multi_rank_aot_eager",
    "recompile_aot_eager",
    "inference_aot_eager",
    "cache_hit_inductor",
]
# Run only when named with --only, and never into assets/ (too big to commit).
EXTRA_SCENARIOS = ["gpt_big_aot_eager"]
# gpt_big_aot_eager's default number of GPT blocks. The joint graph has 100 nodes a block as aotviz reads it (the
# getitem lines of a multi-output op are its outputs, not nodes) and 3 more (the input, the tangent, the output):
# 100 blocks give 10,003 nodes (the log is about 8.9 MB and takes about 20 s to write, on a CPU core).
BIG_LAYERS = 100
WORLD_SIZE = 2  # multi_rank_aot_eager's processes
# Artifact or record names that must (or must not) be in a scenario's log, and how often, where it matters.
REQUIRED = {
    "recompile_aot_eager": {"recompile_reasons": 1, "aot_joint_graph": 2},
    "inference_aot_eager": {"aot_inference_graph": 1},
    "cache_hit_inductor": {"aotautograd_cache_hit": 1, "fx_graph_cache_hit": 2, "aot_joint_graph": 1},
}
FORBIDDEN = {
    "inference_aot_eager": ("aot_joint_graph", "aot_forward_graph", "aot_backward_graph"),
    "cache_hit_inductor": (
        "aotautograd_cache_miss",
        "aotautograd_cache_bypass",
        "fx_graph_cache_miss",
        "fx_graph_cache_bypass",
        "before_post_grad_graph",
        "bwd_compilation_metrics",
    ),
}


# ----------------------------------------------------------------------------------------------------------------
# Driver (the parent process never imports torch)


GLOG_PREFIX = re.compile(r"^V\d{4} \d\d:\d\d:\d\d\.\d{6} \d+ [^:]+:\d+\] (?=\{)")


def check_log(name, path, rank=None):
    """Checks the log reads the way docs/torch_trace_format.md says, has the records REQUIRED and FORBIDDEN ask for,
    and (with rank) that every record with a "rank" field has that rank and some do: returns the number of records."""
    records, expected, payload = 0, None, []

    def finish():
        if expected is not None and hashlib.md5("\n".join(payload).encode("utf-8")).hexdigest() != expected:
            raise SystemExit(f"{name}: payload md5 mismatch before {path}:{lineno}")

    names, ranks = {}, set()  # names: record name (the first key) or artifact name -> count
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f.read().split("\n"), 1):
            if line.startswith("\t"):
                if expected is None:
                    raise SystemExit(f"{name}: payload line without has_payload at {path}:{lineno}")
                payload.append(line[1:])
                continue
            finish()
            expected, payload = None, []
            if not line:
                continue
            m = GLOG_PREFIX.match(line)
            if not m:
                raise SystemExit(f"{name}: unexpected line {path}:{lineno}: {line[:80]!r}")
            record = json.loads(line[m.end():])
            expected = record.get("has_payload")
            records += 1
            key = next(iter(record))
            key = record["artifact"]["name"] if key == "artifact" else key
            names[key] = names.get(key, 0) + 1
            if "rank" in record:
                ranks.add(record["rank"])
    finish()
    if name in PARTITIONER_DEBUG and "min_cut_information" not in names:
        raise SystemExit(f"{name}: no min_cut_information artifact in {path}")
    for wanted, count in REQUIRED.get(name, {}).items():
        if names.get(wanted, 0) != count:
            raise SystemExit(f"{name}: {names.get(wanted, 0)} {wanted} records in {path}, expected {count}")
    for unwanted in FORBIDDEN.get(name, ()):
        if unwanted in names:
            raise SystemExit(f"{name}: unexpected {unwanted} record in {path}")
    if ranks != (set() if rank is None else {rank}):
        raise SystemExit(f"{name}: ranks {sorted(ranks)} in {path}, expected {'none' if rank is None else rank}")
    return records


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (the rendezvous binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_children(name, envs, big):
    """Runs this script with --scenario NAME once per environment, all at once; fails if any of them fails."""
    command = [sys.executable, os.path.abspath(__file__), "--scenario", name, "--big", str(big)]
    children = [subprocess.Popen(command, env=env, cwd=ROOT) for env in envs]
    try:
        while True:
            codes = [child.poll() for child in children]
            failed = [code for code in codes if code not in (None, 0)]
            if failed:  # don't let the others wait forever for a rank that is gone
                raise SystemExit(f"scenario {name} failed with exit status {failed[0]}")
            if all(code == 0 for code in codes):
                return
            time.sleep(0.1)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def write_scenario(name, out_dir, big):
    target = os.path.join(out_dir, name)
    os.makedirs(target, exist_ok=True)
    for old in glob.glob(os.path.join(target, LOG_PREFIX + "*.log")):
        os.remove(old)
    with tempfile.TemporaryDirectory(prefix="aotviz_trace_cache_") as cache:
        # A minimal environment: Inductor copies every variable whose name contains TORCH, DYNAMO, INDUCTOR or
        # TRITON into the fx_graph_runnable artifact (generate_env_vars_string in torch/_dynamo/debug_utils.py),
        # so nothing from the caller's environment but these few reaches the logs.
        env = {var: os.environ[var] for var in KEPT_ENV if var in os.environ}
        env.update(
            TORCH_TRACE=target,
            TORCHINDUCTOR_CACHE_DIR=os.path.join(cache, "inductor"),
            TORCHINDUCTOR_FORCE_DISABLE_CACHES="1",
            TORCHINDUCTOR_COMPILE_THREADS="1",
            PYTHONHASHSEED="0",
            CUDA_VISIBLE_DEVICES="",
        )
        env.setdefault("OMP_NUM_THREADS", "1")
        if name in PARTITIONER_DEBUG:
            env["AOT_PARTITIONER_DEBUG"] = "1"
        start = time.monotonic()
        if name == "multi_rank_aot_eager":
            port = str(free_port())
            envs = [
                dict(env, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(WORLD_SIZE),
                     LOCAL_WORLD_SIZE=str(WORLD_SIZE), MASTER_ADDR="127.0.0.1", MASTER_PORT=port)
                for rank in range(WORLD_SIZE)
            ]
            run_children(name, envs, big)
        elif name == "cache_hit_inductor":
            del env["TORCHINDUCTOR_FORCE_DISABLE_CACHES"]
            # The first run fills the cache; its log goes to a directory thrown away with the cache.
            run_children(name, [dict(env, TORCH_TRACE=os.path.join(cache, "first_run"))], big)
            run_children(name, [env], big)
        else:
            run_children(name, [env], big)
        seconds = time.monotonic() - start
    # (rank, the part of the file name torch puts after LOG_PREFIX for it) for each log the scenario writes
    if name == "multi_rank_aot_eager":
        parts = [(rank, f"rank_{rank}_") for rank in range(WORLD_SIZE)]
    else:
        parts = [(None, "")]
    logs = sorted(glob.glob(os.path.join(target, LOG_PREFIX + "*.log")))
    if len(logs) != len(parts):
        raise SystemExit(f"scenario {name}: expected {len(parts)} trace log(s) in {target}, found {logs}")
    size = 0
    for rank, part in parts:
        found = sorted(glob.glob(os.path.join(target, LOG_PREFIX + part + "*.log")))
        if len(found) != 1:
            raise SystemExit(f"scenario {name}: expected one {LOG_PREFIX}{part}*.log in {target}, found {found}")
        final = os.path.join(target, f"{LOG_PREFIX}{part}{name}.log")
        os.rename(found[0], final)
        os.chmod(final, 0o644)  # NamedTemporaryFile creates it 0600
        size += os.path.getsize(final)
        records = check_log(name, final, rank)
        shown = os.path.relpath(final, ROOT) if final.startswith(ROOT + os.sep) else final
        print(f"{name}: {shown} ({os.path.getsize(final)} bytes, {records} records, {seconds:.1f} s)", flush=True)
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="directory to write one subdirectory per scenario into")
    parser.add_argument(
        "--only", nargs="+", choices=SCENARIOS + EXTRA_SCENARIOS,
        help=f"write only these scenarios ({', '.join(EXTRA_SCENARIOS)} runs only when named here)",
    )
    parser.add_argument(
        "--big", type=int, default=BIG_LAYERS, metavar="LAYERS",
        help=f"the number of GPT blocks in gpt_big_aot_eager (default {BIG_LAYERS})",
    )
    parser.add_argument("--scenario", choices=SCENARIOS + EXTRA_SCENARIOS, help=argparse.SUPPRESS)  # in the child
    args = parser.parse_args()
    if args.big < 1:
        parser.error("--big must be at least 1")

    if args.scenario:
        if "TORCH_TRACE" not in os.environ:
            raise SystemExit("--scenario is run by the driver, with TORCH_TRACE set")
        run_scenario(args.scenario, args.big)
        return

    out_dir = os.path.abspath(args.out)
    names = args.only or SCENARIOS
    extra = [name for name in names if name in EXTRA_SCENARIOS]
    if extra and (out_dir + os.sep).startswith(os.path.join(ROOT, "assets") + os.sep):
        parser.error(f"{', '.join(extra)} writes a big log: give an --out outside assets/")
    os.makedirs(out_dir, exist_ok=True)
    start = time.monotonic()
    total = sum(write_scenario(name, out_dir, args.big) for name in names)
    print(f"total: {total} bytes in {time.monotonic() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
