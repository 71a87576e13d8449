#!/usr/bin/env python3
"""Writes real PyTorch structured compile logs (TORCH_TRACE, the files tlparse reads) under assets/trace/.

Run with the project venv's torch (2.11): .venv/bin/python scripts/make_trace_assets.py [--out DIR] [--only NAME ...]

Each scenario runs in a fresh subprocess (this script re-invoked with --scenario NAME) whose environment has
TORCH_TRACE=DIR/NAME, because torch reads TORCH_TRACE once, when it is imported. All scenarios run on the CPU, are
seeded, and run one forward and one backward in training mode:

  mlp_aot_eager          3-layer MLP (64->128->128->10, ReLU, batch 8), torch.compile(backend="aot_eager")
  mlp_inductor           the same with the default Inductor backend (post-grad graphs, generated C++ code)
  gpt_block_aot_eager    a GPT-style block (LayerNorm, causal F.scaled_dot_product_attention, GELU MLP, residuals;
                         d=64, 4 heads, seq 16, batch 2) with aot_eager; partitioner debug records on, activation
                         memory budget 0.1 (so the partitioner recomputes most activations in the backward)
  gpt_block_inductor     the same with Inductor, the same partitioner settings
  graph_break_aot_eager  a module with torch._dynamo.graph_break() between two Linear layers: two frames, two
                         compiled graphs, with aot_eager

Partitioner debug records (the "min_cut_information" JSON artifact) need both AOT_PARTITIONER_DEBUG=1 in the
environment (torch/_functorch/config.py reads it into config.debug_partitioner when torch is imported and
torch/_functorch/partitioners.py copies it into the module constant AOT_PARTITIONER_DEBUG when that module is
imported, so setting the config afterwards has no effect) and an activation memory budget below 1
(torch._functorch.config.activation_memory_budget), because the record is written only when the partitioner falls
through to its knapsack solver (choose_saved_values_set in partitioners.py).

Every scenario also gets a fresh, empty Inductor cache directory and TORCHINDUCTOR_FORCE_DISABLE_CACHES=1, so the
logs always show a full compile (never an FX-graph or AOTAutograd cache hit), and PYTHONHASHSEED=0. Each log file
is renamed from torch's random NamedTemporaryFile name (dedicated_log_torch_trace_XXXXXXXX.log) to
dedicated_log_torch_trace_NAME.log. The contents are left exactly as torch wrote them, so timestamps, process ids,
absolute paths, durations and temporary directories differ between runs; the graphs do not.
"""
import argparse
import glob
import hashlib
import json
import os
import re
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

    return {
        "mlp": (MLP, lambda: torch.randn(8, 64)),
        "gpt_block": (GPTBlock, lambda: torch.randn(2, 16, 64)),
        "graph_break": (GraphBreak, lambda: torch.randn(8, 32)),
    }


def run_scenario(name):
    import warnings

    import torch

    # Expected with TORCHINDUCTOR_FORCE_DISABLE_CACHES=1; it says nothing about the scenario.
    warnings.filterwarnings("ignore", message="dynamo_pgo force disabled")

    if name.endswith("_inductor"):
        model_name, backend = name[: -len("_inductor")], "inductor"
    else:
        model_name, backend = name[: -len("_aot_eager")], "aot_eager"

    if name in PARTITIONER_DEBUG:
        import torch._functorch.config as functorch_config
        import torch._functorch.partitioners as partitioners

        if not partitioners.AOT_PARTITIONER_DEBUG:
            raise SystemExit(f"{name}: AOT_PARTITIONER_DEBUG did not reach torch._functorch.partitioners")
        functorch_config.activation_memory_budget = PARTITIONER_DEBUG[name]

    torch.manual_seed(0)
    make_model, make_input = scenario_models()[model_name]
    model = make_model()
    model.train()
    x = make_input().requires_grad_(True)
    compiled = torch.compile(model, backend=backend)
    out = compiled(x)
    out.sum().backward()
    # A cheap check that the compiled result matches eager.
    ref = model(x.detach())
    if not torch.allclose(out.detach(), ref, atol=1e-5, rtol=1e-4):
        raise SystemExit(f"{name}: compiled output differs from eager")


SCENARIOS = ["mlp_aot_eager", "mlp_inductor", "gpt_block_aot_eager", "gpt_block_inductor", "graph_break_aot_eager"]


# ----------------------------------------------------------------------------------------------------------------
# Driver (the parent process never imports torch)


GLOG_PREFIX = re.compile(r"^V\d{4} \d\d:\d\d:\d\d\.\d{6} \d+ [^:]+:\d+\] (?=\{)")


def check_log(name, path):
    """Checks the log reads the way docs/torch_trace_format.md says: returns the number of records."""
    records, expected, payload = 0, None, []

    def finish():
        if expected is not None and hashlib.md5("\n".join(payload).encode("utf-8")).hexdigest() != expected:
            raise SystemExit(f"{name}: payload md5 mismatch before {path}:{lineno}")

    names = set()
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
            if "artifact" in record:
                names.add(record["artifact"]["name"])
    finish()
    if name in PARTITIONER_DEBUG and "min_cut_information" not in names:
        raise SystemExit(f"{name}: no min_cut_information artifact in {path}")
    return records


def write_scenario(name, out_dir):
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
        result = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--scenario", name], env=env, cwd=ROOT
        )
        seconds = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f"scenario {name} failed with exit status {result.returncode}")
    logs = sorted(glob.glob(os.path.join(target, LOG_PREFIX + "*.log")))
    if len(logs) != 1:
        raise SystemExit(f"scenario {name}: expected one trace log in {target}, found {logs}")
    final = os.path.join(target, f"{LOG_PREFIX}{name}.log")
    os.rename(logs[0], final)
    os.chmod(final, 0o644)  # NamedTemporaryFile creates it 0600
    size = os.path.getsize(final)
    records = check_log(name, final)
    shown = os.path.relpath(final, ROOT) if final.startswith(ROOT + os.sep) else final
    print(f"{name}: {shown} ({size} bytes, {records} records, {seconds:.1f} s)", flush=True)
    return size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="directory to write one subdirectory per scenario into")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="write only these scenarios")
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)  # internal: run in the child
    args = parser.parse_args()

    if args.scenario:
        if "TORCH_TRACE" not in os.environ:
            raise SystemExit("--scenario is run by the driver, with TORCH_TRACE set")
        run_scenario(args.scenario)
        return

    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    start = time.monotonic()
    total = sum(write_scenario(name, out_dir) for name in (args.only or SCENARIOS))
    print(f"total: {total} bytes in {time.monotonic() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
