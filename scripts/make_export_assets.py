#!/usr/bin/env python3
"""Writes the torch.export .pt2 archives in assets/export/ and checks that each loads back and runs.

Run with the project venv's torch (2.11): .venv/bin/python scripts/make_export_assets.py

  NAME.pt2, NAME_decomposed.pt2   each scenario of make_torchscript_assets.py that torch.export can export, in the
                                  default IR and after run_decompositions(), with the weights of the committed
                                  assets/torchscript/NAME.pt and example inputs from its NAME.json input spec
  tiny_decoder[_decomposed].pt2   examples/tiny_decoder.py at its default size
  bad/                            archives the loader must reject: wrong_version, wrong_format, missing_weight and
                                  no_model (scoped_mlp.pt2 with one record changed or removed, rewritten with
                                  torch's own zip writer), and custom_op (an operator LibTorch does not know)
"""
import fnmatch
import json
import os
import sys
import tempfile
import zipfile

import torch
import torch.nn as nn
from torch.export.pt2_archive import PT2ArchiveWriter

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
TORCHSCRIPT = os.path.join(ROOT, "assets", "torchscript")
OUT = os.path.join(ROOT, "assets", "export")
BAD = os.path.join(OUT, "bad")
sys.dont_write_bytecode = True  # no __pycache__ next to the imported scripts
sys.path.insert(0, SCRIPTS)
sys.path.insert(0, os.path.join(ROOT, "examples"))

import make_torchscript_assets  # noqa: E402
from tiny_decoder import tiny_decoder  # noqa: E402

# The record torch's zip writer generates afresh for every archive it writes (a random number and a checksum).
SERIALIZATION_ID = ".data/serialization_id"

# Archives that are written but not run when checked, and why.
NOT_RUN = {"out_of_memory": "its forward materialises a 256 GiB intermediate"}


@torch.library.custom_op("aotviz_test::twice", mutates_args=())
def twice(x: torch.Tensor) -> torch.Tensor:
    """A custom operator C++ LibTorch does not know: x * 2."""
    return x * 2


@twice.register_fake
def _(x):
    return torch.empty_like(x)


class CustomOp(nn.Module):
    """Calls aotviz_test::twice between two plain ops."""

    def __init__(self, d=4):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return torch.relu(twice(self.fc(x)))


def spec_inputs(spec):
    """The example inputs an input spec (core/models/input_spec.h) describes, as a tuple of tensors."""
    entries = spec["inputs"] if isinstance(spec, dict) else spec
    torch.manual_seed(spec.get("seed", 0) if isinstance(spec, dict) else 0)
    inputs, index = [], {}
    for i, entry in enumerate(entries):
        index[entry.get("name", f"input_{i}")] = i
        if "same_as" in entry:
            inputs.append(inputs[index.get(entry["same_as"], entry["same_as"])])
        elif "view_of" in entry:
            base = inputs[index.get(entry["view_of"], entry["view_of"])]
            inputs.append(base.as_strided(entry["size"], entry["stride"], entry.get("offset", 0)))
        else:
            inputs.append(fill(entry))
    return tuple(inputs)


def fill(entry):
    """A fresh input tensor for one spec entry; a non-leaf one is computed from a grad-requiring leaf."""
    shape, dtype = entry["shape"], getattr(torch, entry.get("dtype", "float32"))
    init = entry.get("init") or ("randn" if dtype.is_floating_point else "randint")
    if init == "randint":
        low, high = entry.get("low", 0), entry.get("high", 10)
        tensor = torch.randint(low, high, shape, dtype=dtype)
    elif init == "arange":
        tensor = torch.arange(torch.Size(shape).numel(), dtype=dtype).reshape(shape)
    else:
        tensor = getattr(torch, init)(shape, dtype=dtype)
    if entry.get("requires_grad"):
        tensor.requires_grad_(True)
        if not entry.get("leaf", True):
            tensor = tensor + 0
    return tensor


def scenario(name, example):
    """A fresh scenario module with the committed TorchScript asset's weights, in train mode."""
    module = type(example)()
    module.load_state_dict(torch.jit.load(os.path.join(TORCHSCRIPT, name + ".pt")).state_dict())
    return module.train()


def save(ep, path):
    torch.export.save(ep, path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def export_pair(name, module, inputs):
    """Writes NAME.pt2 and NAME_decomposed.pt2, skipping (with the reason) either that fails; returns the written."""
    try:
        ep = torch.export.export(module, inputs)
    except Exception as e:
        print(f"skipped {name}: torch.export.export failed: {type(e).__name__}: {first_line(e)}")
        return []
    written = [os.path.join(OUT, name + ".pt2")]
    save(ep, written[0])
    try:
        decomposed = ep.run_decompositions()
    except Exception as e:
        print(f"skipped {name}_decomposed: run_decompositions failed: {type(e).__name__}: {first_line(e)}")
        return written
    written.append(os.path.join(OUT, name + "_decomposed.pt2"))
    save(decomposed, written[1])
    return written


def first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else "(no message)"


def write_scenarios():
    """Exports every scenario it can; returns {archive path: a function making its example inputs}."""
    written = {}
    for name, (example, _) in make_torchscript_assets.SCENARIOS.items():
        with open(os.path.join(TORCHSCRIPT, name + ".json")) as f:
            spec = json.load(f)
        for path in export_pair(name, scenario(name, example), spec_inputs(spec)):
            written[path] = lambda spec=spec: spec_inputs(spec)
    return written


def write_tiny_decoder():
    torch.manual_seed(0)
    model = tiny_decoder().train()
    torch.manual_seed(0)
    inputs = model.example_inputs()
    return {path: lambda: inputs for path in export_pair("tiny_decoder", model, inputs)}


def write_dynamic():
    """scoped_mlp with a symbolic batch dimension (aotviz specializes it to the example inputs, with a note)."""
    name = "scoped_mlp"
    with open(os.path.join(TORCHSCRIPT, name + ".json")) as f:
        inputs = spec_inputs(json.load(f))
    module = scenario(name, make_torchscript_assets.SCENARIOS[name][0])
    path = os.path.join(OUT, name + "_dynamic.pt2")
    save(torch.export.export(module, inputs, dynamic_shapes=({0: torch.export.Dim("batch")},)), path)
    return {path: lambda: inputs}


def write_custom_op():
    torch.manual_seed(0)
    inputs = (torch.randn(2, 4),)
    path = os.path.join(BAD, "custom_op.pt2")
    save(torch.export.export(CustomOp().train(), inputs), path)
    return {path: lambda: inputs}


def records(path):
    """{record name without the archive's root folder: bytes} in archive order, and the root folder."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        root = names[0].split("/")[0]
        return {name.split("/", 1)[1]: archive.read(name) for name in names}, root


def rewrite(source, target, edit):
    """Writes `target` with source's records changed by edit(records) (in place), through torch's own writer (so
    records stay stored uncompressed and 64-byte aligned) and under source's root folder, which that writer names
    after the file it writes. The writer makes its own serialization id."""
    contents, root = records(source)
    del contents[SERIALIZATION_ID]
    edit(contents)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(target)) as scratch:
        scratch_path = os.path.join(scratch, root + ".pt2")
        with PT2ArchiveWriter(scratch_path) as writer:
            for name, data in contents.items():
                writer.write_bytes(name, data)
        os.replace(scratch_path, target)
    print(f"wrote {os.path.relpath(target, ROOT)} ({os.path.getsize(target)} bytes)")


def set_record(name, data):
    def edit(contents):
        contents[name] = data
    return edit


def remove_records(pattern):
    def edit(contents):
        for name in fnmatch.filter(list(contents), pattern):
            del contents[name]
    return edit


def write_damaged():
    """The damaged copies of scoped_mlp.pt2; returns {path: (changed records, removed records)} to check."""
    source = os.path.join(OUT, "scoped_mlp.pt2")
    cases = {
        "wrong_version": (set_record("archive_version", b"99"), {"archive_version"}, set()),
        "wrong_format": (set_record("archive_format", b"pt3"), {"archive_format"}, set()),
        "missing_weight": (remove_records("data/weights/weight_0"), set(), {"data/weights/weight_0"}),
        "no_model": (remove_records("models/*.json"), set(), {"models/model.json"}),
    }
    expected = {}
    for name, (edit, changed, removed) in cases.items():
        target = os.path.join(BAD, name + ".pt2")
        rewrite(source, target, edit)
        expected[target] = (changed, removed)
    return source, expected


def check_damaged(source, expected):
    """Each damaged archive differs from its source in exactly the intended records (and its serialization id),
    all stored and aligned."""
    original, root = records(source)
    for path, (changed, removed) in expected.items():
        damaged, damaged_root = records(path)
        assert damaged_root == root, (path, damaged_root)
        assert set(original) - set(damaged) == removed and set(damaged) <= set(original), path
        differing = {name for name in damaged if damaged[name] != original[name]} - {SERIALIZATION_ID}
        assert differing == changed, (path, differing)
        check_stored_aligned(path)
        print(f"checked {os.path.relpath(path, ROOT)}: changed {sorted(changed)}, removed {sorted(removed)}")


def check_stored_aligned(path):
    """Every record is stored uncompressed with its data at a 64-byte boundary, as PyTorchStreamReader needs."""
    with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
        for info in archive.infolist():
            raw.seek(info.header_offset + 26)
            name_length, extra_length = (int.from_bytes(raw.read(2), "little") for _ in range(2))
            data_offset = info.header_offset + 30 + name_length + extra_length
            assert info.compress_type == zipfile.ZIP_STORED and data_offset % 64 == 0, (path, info.filename)


def check_loads(written):
    """Each archive loads back with torch.export.load and its module runs on fresh example inputs."""
    for path, make_inputs in written.items():
        ep = torch.export.load(path)
        name = os.path.basename(path).removesuffix(".pt2").removesuffix("_decomposed")
        if name in NOT_RUN:
            print(f"loaded {os.path.relpath(path, ROOT)} (not run: {NOT_RUN[name]})")
            continue
        ep.module()(*make_inputs())
        print(f"loaded and ran {os.path.relpath(path, ROOT)}")


def main():
    os.makedirs(BAD, exist_ok=True)
    written = write_scenarios()
    written.update(write_tiny_decoder())
    written.update(write_dynamic())
    written.update(write_custom_op())
    source, expected = write_damaged()
    check_damaged(source, expected)
    check_loads(written)


if __name__ == "__main__":
    sys.exit(main())
