#!/usr/bin/env python3
"""Writes the TorchScript scenario modules in assets/torchscript/ and their input specs.

Run with the project venv's torch (2.11): .venv/bin/python scripts/make_torchscript_assets.py
The modules are scripted (not traced) so control flow, module hierarchy and source lines survive.
"""
import json
import os
import sys

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "assets", "torchscript")


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)

    def forward(self, x):
        return self.norm(torch.relu(self.fc(x)) + x)


class ScopedMLP(nn.Module):
    """Nested submodules: scopes must read encoder.layers.0.fc and so on."""

    def __init__(self, d=16, depth=2):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([Block(d) for _ in range(depth)])
        self.head = nn.Linear(d, 4)

    def forward(self, x):
        for layer in self.encoder.layers:
            x = layer(x)
        return self.head(x).sum(dim=-1)


class BufferMutation(nn.Module):
    """Mutates a buffer (a running mean) and its input in place, as BatchNorm-style code does."""

    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.register_buffer("running_mean", torch.zeros(d))

    def forward(self, x, counter):
        y = self.fc(x)
        self.running_mean.mul_(0.9).add_(0.1 * y.detach().mean(dim=0))
        counter.add_(1)
        return torch.tanh(y)


class OutputAliasing(nn.Module):
    """Returns views of its input and of an intermediate next to a plain output."""

    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        h = self.fc(x)
        return x.t(), h.view(-1), h.relu()


class TwoInputs(nn.Module):
    """Called with the same tensor twice in duplicate_inputs.json (AOTAutograd dedupes such inputs)."""

    def forward(self, a, b):
        return (a * b).sum() + a.sin().sum()


class AliasedMutation(nn.Module):
    """Mutates an input that another input is a view of: AOTAutograd merges both into a synthetic base."""

    def forward(self, a, b):
        a.add_(1)
        return a * b


class DuplicateMutation(nn.Module):
    """Mutates an input passed twice (same_as): AOTAutograd's dedupe keeps one graph input."""

    def forward(self, a, b):
        a.mul_(2)
        return a + b


class MetadataMutation(nn.Module):
    """Transposes its input in place (a metadata mutation): the caller sees the new sizes and strides."""

    def forward(self, x):
        x.t_()
        return x * 2


class DataDependent(nn.Module):
    """Branches on a tensor's value, which a capture on fake tensors cannot do (a clear error, not a crash)."""

    def forward(self, x):
        if bool(x.sum() > 0):
            return x * 2
        return x - 1


class ForwardRaises(nn.Module):
    """Checks its input's rank and raises, as user code does: the message must reach the user unchanged."""

    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        if x.dim() != 2:
            raise ValueError("ForwardRaises expects a 2-d input (batch, 8)")
        return torch.relu(self.fc(x))


class OutOfMemory(nn.Module):
    """Materialises a 256 GiB intermediate: capture (on fake tensors) succeeds, running it runs out of memory."""

    def forward(self, x):
        return x.expand(1 << 18, 1 << 18).contiguous().sum()


class PythonState(nn.Module):
    """Keeps Python-side state (a call counter) that the traced graph freezes: compiled and eager disagree, and the
    execution stage's check must say so (an error scenario)."""

    def __init__(self, d=8):
        super().__init__()
        self.w = nn.Parameter(torch.randn(d))
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * self.w * float(self.calls)


SCENARIOS = {
    "scoped_mlp": (ScopedMLP(), {"inputs": [{"name": "x", "shape": [8, 16]}]}),
    "buffer_mutation": (BufferMutation(), {"inputs": [
        {"name": "x", "shape": [4, 8]},
        {"name": "counter", "shape": [1], "init": "zeros"}]}),
    "output_aliasing": (OutputAliasing(), {"inputs": [{"name": "x", "shape": [4, 8], "requires_grad": True}]}),
    "duplicate_inputs": (TwoInputs(), {"inputs": [
        {"name": "a", "shape": [6], "requires_grad": True},
        {"name": "b", "same_as": "a"}]}),
    "data_dependent": (DataDependent(), {"inputs": [{"name": "x", "shape": [3]}]}),
    "metadata_mutation": (MetadataMutation(), {"inputs": [{"name": "x", "shape": [3, 5]}]}),
    # forward_raises.json is the good spec; tests give it a 3-d input to make it raise.
    "forward_raises": (ForwardRaises(), {"inputs": [{"name": "x", "shape": [4, 8], "requires_grad": True}]}),
    "out_of_memory": (OutOfMemory(), {"inputs": [{"name": "x", "shape": [1, 1], "requires_grad": True}]}),
    "python_state": (PythonState(), {"inputs": [{"name": "x", "shape": [4, 8]}]}),
    # The list form of the input spec (README, "Input specs").
    "aliased_mutation": (AliasedMutation(), [
        {"shape": [4, 2], "requires_grad": True, "leaf": False},
        {"view_of": 0, "size": [2], "stride": [1], "offset": 2}]),
    "duplicate_mutation": (DuplicateMutation(), [
        {"shape": [3], "requires_grad": True, "leaf": False},
        {"same_as": 0}]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    only = set(sys.argv[1:])  # names to (re)write; all when none are given
    for name, (module, spec) in SCENARIOS.items():
        if only and name not in only:
            continue
        module.train()
        scripted = torch.jit.script(module)
        scripted.save(os.path.join(OUT, name + ".pt"))
        if isinstance(spec, dict):
            spec = dict(spec, module=name + ".pt", description=(module.__doc__ or "").strip())
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(spec, f, indent=2)
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    sys.exit(main())
