#!/usr/bin/env python3
"""Exports a PyTorch module to a torch.export .pt2 archive that aotviz can load.

    .venv/bin/python scripts/export_pt2.py SPEC -o OUT.pt2 [--input SHAPE[:DTYPE]]... [--kwarg NAME=VALUE]...
        [--decompose] [--eval] [--seed N] [--dynamic-batch]

SPEC names a callable that takes no arguments (other than the --kwarg ones) and returns an nn.Module, either as
module.path:callable or as path/to/file.py:callable. Each --input is one positional forward argument: a
comma-separated shape with an optional dtype (floating inputs are filled with torch.randn, integer ones with
torch.randint(0, 100), seeded by --seed). Without --input, the module's example_inputs() method (or the SPEC
file's example_inputs() function) supplies them. The module is exported in train mode unless --eval is given, in
torch.export's default IR, or in the core ATen IR after run_decompositions() with --decompose.

Examples:

    .venv/bin/python scripts/export_pt2.py torchvision.models:resnet18 -o resnet18.pt2 --input 2,3,224,224
    .venv/bin/python scripts/export_pt2.py torchvision.models:resnet18 --kwarg num_classes=10 \\
        -o resnet18_10.pt2 --input 2,3,64,64 --eval --decompose
    .venv/bin/python scripts/export_pt2.py examples/tiny_decoder.py:tiny_decoder -o tiny_decoder.pt2
    .venv/bin/python scripts/export_pt2.py examples/tiny_decoder.py:tiny_decoder --kwarg layers=4 \\
        -o tiny_decoder.pt2 --input 4,16:int64 --dynamic-batch
"""
import argparse
import ast
import importlib
import importlib.util
import os
import sys

import torch


class CliError(Exception):
    """A failure reported to the user as one message on stderr (exit status 2)."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Export a PyTorch module to a torch.export .pt2 archive.",
        epilog="SPEC: module.path:callable or path/to/file.py:callable; the callable returns an nn.Module.")
    parser.add_argument("spec", metavar="SPEC", help="module.path:callable or path/to/file.py:callable")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.pt2", help="the archive to write")
    parser.add_argument("--input", action="append", default=[], metavar="SHAPE[:DTYPE]",
                        help="one positional forward argument, e.g. 2,3,224,224 or 2,16:int64 (repeatable)")
    parser.add_argument("--kwarg", action="append", default=[], metavar="NAME=VALUE",
                        help="a keyword argument for the callable, VALUE a Python literal (repeatable)")
    parser.add_argument("--decompose", action="store_true", help="run_decompositions() to the core ATen IR")
    parser.add_argument("--eval", action="store_true", help="export in eval mode (default: train mode)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the example inputs (default 0)")
    parser.add_argument("--dynamic-batch", action="store_true",
                        help='mark dim 0 of every input dynamic (torch.export.Dim("batch"))')
    args = parser.parse_args(argv)
    if not args.spec.rpartition(":")[0] or not args.spec.rpartition(":")[2].isidentifier():
        parser.error(f"SPEC must be module.path:callable or path/to/file.py:callable, not {args.spec!r}")
    try:
        args.kwargs = dict(parse_kwarg(text) for text in args.kwarg)
        args.input_specs = [parse_input(text) for text in args.input]
    except ValueError as e:
        parser.error(str(e))
    return args


def parse_kwarg(text):
    """'name=value' → (name, the Python literal value)."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise ValueError(f"--kwarg must be NAME=VALUE, not {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        raise ValueError(f"--kwarg {name}: {value!r} is not a Python literal") from None


def parse_input(text):
    """'2,3,224,224' or '2,16:int64' → (shape, dtype); an empty shape is a 0-d tensor."""
    shape_text, _, dtype_name = text.partition(":")
    try:
        shape = tuple(int(size) for size in shape_text.split(",")) if shape_text else ()
    except ValueError:
        raise ValueError(f"--input {text!r}: the shape must be comma-separated integers") from None
    if any(size < 0 for size in shape):
        raise ValueError(f"--input {text!r}: sizes must not be negative")
    dtype = getattr(torch, dtype_name or "float32", None)
    if not isinstance(dtype, torch.dtype):
        raise ValueError(f"--input {text!r}: {dtype_name!r} is not a torch dtype (float32, int64, ...)")
    return shape, dtype


def load_callable(spec):
    """Imports SPEC's module (a dotted path or a .py file) and returns (python module, the named callable)."""
    location, _, name = spec.rpartition(":")
    try:
        if location.endswith(".py") or os.sep in location:
            if not os.path.isfile(location):
                raise CliError(f"{location}: no such file")
            module_name = os.path.splitext(os.path.basename(location))[0]
            module_spec = importlib.util.spec_from_file_location(module_name, location)
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_name] = module
            sys.dont_write_bytecode = True  # leave no __pycache__ beside the user's file
            sys.path.insert(0, os.path.dirname(os.path.abspath(location)))  # as `python file.py` would
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(location)
    except CliError:
        raise
    except Exception as e:
        raise CliError(f"cannot import {location}: {type(e).__name__}: {e}") from e
    factory = getattr(module, name, None)
    if not callable(factory):
        raise CliError(f"{location} has no callable {name!r}")
    return module, factory


def build_model(factory, kwargs, spec):
    try:
        model = factory(**kwargs)
    except Exception as e:
        raise CliError(f"{spec}(): {type(e).__name__}: {e}") from e
    if not isinstance(model, torch.nn.Module):
        raise CliError(f"{spec}() returned {type(model).__name__}, not an nn.Module")
    return model


def make_inputs(input_specs, model, module, seed):
    """The example inputs: from --input, else from example_inputs() on the model or the SPEC's module."""
    torch.manual_seed(seed)
    if input_specs:
        return tuple(fill(shape, dtype) for shape, dtype in input_specs)
    source = getattr(model, "example_inputs", None) or getattr(module, "example_inputs", None)
    if not callable(source):
        raise CliError("no --input given and the module has no example_inputs()")
    inputs = source()
    return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)


def fill(shape, dtype):
    if dtype.is_floating_point or dtype.is_complex:
        return torch.randn(shape, dtype=dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape).bool()
    return torch.randint(0, 100, shape, dtype=dtype)


def export(model, inputs, decompose, dynamic_batch):
    """torch.export.export in the default IR, optionally decomposed; torch's message on failure."""
    dynamic_shapes = None
    if dynamic_batch:
        batch = torch.export.Dim("batch")
        dynamic_shapes = tuple({0: batch} if isinstance(x, torch.Tensor) and x.dim() > 0 else None for x in inputs)
    try:
        ep = torch.export.export(model, inputs, dynamic_shapes=dynamic_shapes)
        return ep.run_decompositions() if decompose else ep
    except Exception as e:
        raise CliError(f"export failed: {type(e).__name__}: {e}") from e


def save(ep, path):
    try:
        torch.export.save(ep, path)
    except Exception as e:
        raise CliError(f"cannot write {path}: {type(e).__name__}: {e}") from e


def summary(ep, path):
    """One line: the archive, its size, its graph's node count and its inputs by kind."""
    signature = ep.graph_signature
    return (f"{path}: {os.path.getsize(path)} bytes, {len(ep.graph.nodes)} graph nodes, "
            f"{len(signature.parameters)} parameters, {len(signature.buffers)} buffers, "
            f"{len(signature.lifted_tensor_constants)} tensor constants, {len(signature.user_inputs)} user inputs")


def main(argv=None):
    args = parse_args(argv)
    try:
        module, factory = load_callable(args.spec)
        model = build_model(factory, args.kwargs, args.spec)
        model.train(not args.eval)
        inputs = make_inputs(args.input_specs, model, module, args.seed)
        ep = export(model, inputs, args.decompose, args.dynamic_batch)
        save(ep, args.output)
    except CliError as e:
        print(f"export_pt2.py: error: {e}", file=sys.stderr)
        return 2
    print(summary(ep, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
