#!/usr/bin/env python3
"""The real-model corpus: torchvision classifiers and torch.nn sequence models, scripted, with PyTorch 2.11's own
AOTAutograd and eager results as the reference.

    OMP_NUM_THREADS=1 .venv/bin/python tests/corpus/corpus.py --out DIR [--models a,b,...] [--list]

For each model (all of them, or those of --models) it writes into DIR:
  <name>.pt        torch.jit.save(torch.jit.script(model)) of the model in training mode (seeded weights);
  <name>.json      its input spec (README, "TorchScript modules and input specs"; assets/torchscript/*.json);
  <name>.ref.json  the reference, written last (its presence means the other two are complete):
     - "pytorch": PyTorch 2.11's AOTAutograd on the very same nn.Module (same weights), run as
       tests/fidelity/torch211_aot.py runs it (aot_module, fake tensors, no decompositions, static shapes,
       keep_inference_input_mutations=False) with that script's recording compilers and partition function
       around default_partition: "is_train", "joint" (op multiset, getitem and detach as torch211_aot.py counts
       them, placeholders, num_primals / num_tangents / num_outputs / num_fwd_outputs), "partition_kwargs",
       "partitions.default" (forward/backward op multisets, saved values), "dead_ops" (per graph, joint /
       forward / backward, the op multiset of the nodes whose results nothing uses: impure random ops that FX's
       dead-code elimination keeps, and their inputs), "runtime_error" when the graphs were captured but the
       compiled function then failed on the real inputs, "api" (aot_module, or for a model with tied parameters
       aot_function over functional_call with each parameter once); or "error" when PyTorch fails;
     - "eager": one eager training step in Python, as aotviz's execution stage takes it (core/execution): the
       user inputs of the spec, the forward in training mode from torch.manual_seed(0), then gradients of the
       differentiable outputs with torch.manual_seed(5) randn tangents with respect to the parameters; checksums
       (shape, dtype, sum, abs sum, max |x|) of the outputs (flattened as aotviz flattens them), of every
       parameter's gradient and of every buffer after the call. "random_ops" lists the ops of the forward tagged
       nondeterministic_seeded whose result depends on the RNG (a dropout with p = 0 does not), "stochastic" is
       true when there are any; "scripted_max_abs_diff" is the largest |difference| of the outputs of the scripted
       module (TorchScript, in this process, same RNG state) from the eager ones;
     - timings (seconds): "script_s" (build, script, save), "eager_s", "reference_s" (PyTorch AOTAutograd).
--list prints one line per model: "<name> <description>"; --stale the names of the models whose files in --out are
missing or older than this script or torch211_aot.py (the rule of tests/core/test_corpus.cpp's cache).
Files are replaced atomically (temporary name, then rename), so concurrent generators of different models, or of
the same one, leave complete files.

Models that torch.jit.script cannot compile are not in the corpus; NOT_SCRIPTABLE below says which and why.
The C++ side is tests/core/test_corpus.cpp; the README's "Real-model corpus" section lists the current results.
"""
import argparse
import copy
import json
import os
import sys
import time
import traceback
import warnings

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "fidelity"))
sys.dont_write_bytecode = True  # importing torch211_aot must not leave __pycache__ in the source tree

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.utils._pytree as pytree  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402
import torchvision  # noqa: E402
import torchvision.models as tvm  # noqa: E402
from torchvision.models import convnext, efficientnet, resnet, swin_transformer, vision_transformer  # noqa: E402

import torch211_aot as aot  # noqa: E402  (its recording compilers, metadata capture and input-spec builder)

torch.set_num_threads(1)

# ---------------------------------------------------------------------------------------------------------------
# Sequence models (torch.nn). Each returns plain tensors or tuples of them.


class LSTMModel(nn.Module):
    """Two stacked LSTM layers; the sequence output and the final (h, c)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return out, h, c


class BiLSTMModel(nn.Module):
    """A bidirectional two-layer LSTM (dropout 0.1 between the layers) with a linear head on the last step."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True, bidirectional=True, dropout=0.1)
        self.head = nn.Linear(32, 4)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class GRUModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 16, batch_first=True)

    def forward(self, x):
        out, h = self.gru(x)
        return out, h


class EncoderModel(nn.Module):
    """nn.TransformerEncoder: two post-norm layers with their default dropout (0.1), batch first."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)


class DecoderModel(nn.Module):
    """nn.TransformerDecoder: two pre-norm layers over a memory, causal target mask built in forward."""

    def __init__(self):
        super().__init__()
        layer = nn.TransformerDecoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True, norm_first=True)
        self.decoder = nn.TransformerDecoder(layer, num_layers=2)

    def forward(self, tgt, memory):
        T = tgt.size(1)
        mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        # tgt_is_causal=True: otherwise nn.TransformerDecoder compares the mask with a causal one (torch.equal), a
        # data-dependent test that tracing on fake tensors refuses, in PyTorch's AOTAutograd as in aotviz.
        return self.decoder(tgt, memory, tgt_mask=mask, tgt_is_causal=True)


class TransformerModel(nn.Module):
    """nn.Transformer (one encoder and one decoder layer, GELU, dropout 0.1)."""

    def __init__(self):
        super().__init__()
        self.t = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                dim_feedforward=64, activation="gelu", batch_first=True)

    def forward(self, src, tgt):
        return self.t(src, tgt)


class MHAModel(nn.Module):
    """nn.MultiheadAttention self-attention (packed in-projection, need_weights: averaged attention weights)."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x):
        out, weights = self.attn(x, x, x)
        return out, weights


class MHACrossModel(nn.Module):
    """nn.MultiheadAttention cross-attention with kdim/vdim != embed_dim (separate projections), a bias_kv, a
    boolean key padding mask built in forward, dropout 0.1, no weights returned."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, dropout=0.1, kdim=16, vdim=24, add_bias_kv=True, batch_first=True)

    def forward(self, q, k, v):
        pad = torch.zeros(k.size(0), k.size(1), dtype=torch.bool)
        pad[:, -2:] = True
        out, _ = self.attn(q, k, v, key_padding_mask=pad, need_weights=False)
        return out


class EmbeddingMLP(nn.Module):
    """Token embedding (padding_idx 0), mean over the sequence, a two-layer MLP classifier."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32, padding_idx=0)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, tokens):
        return self.mlp(self.emb(tokens).mean(1))


class EmbeddingBagModel(nn.Module):
    """nn.EmbeddingBag (mode "mean") over fixed-length bags, then a linear classifier."""

    def __init__(self):
        super().__init__()
        self.bag = nn.EmbeddingBag(100, 32, mode="mean")
        self.fc = nn.Linear(32, 10)

    def forward(self, tokens):
        return self.fc(self.bag(tokens))


class EmbeddingLSTM(nn.Module):
    """Embedding, one LSTM layer, a linear head on the last hidden state."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.fc = nn.Linear(32, 10)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.emb(tokens))
        return self.fc(h[-1])


class TinyLM(nn.Module):
    """A GPT-style language model from torch.nn parts: token and position embeddings, a causal two-layer pre-norm
    nn.TransformerEncoder (dropout 0.1, GELU), final LayerNorm, LM head tied to the token embedding."""

    def __init__(self, vocab=100, d=32, T=16):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(T, d)
        layer = nn.TransformerEncoderLayer(d, 4, 64, activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, tokens):
        T = tokens.size(1)
        x = self.tok(tokens) + self.pos(torch.arange(T))
        mask = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln(x))


# ---------------------------------------------------------------------------------------------------------------
# The corpus: name -> (builder, user inputs of the input spec, description). Every model is built with
# torch.manual_seed(0) and put in training mode. Images are 2x3x64x64 unless a model needs more; torchvision's
# builders where they are small at 64x64, the families' own classes with fewer or narrower stages otherwise.


def image(size=64, batch=2):
    return [{"name": "x", "shape": [batch, 3, size, size]}]


def seq(*shape, name="x"):
    return {"name": name, "shape": list(shape)}


def tokens(batch=2, T=12, vocab=100, name="tokens"):
    return {"name": name, "shape": [batch, T], "dtype": "int64", "init": "randint", "low": 0, "high": vocab}


def small_convnext():
    C = convnext.CNBlockConfig
    return convnext.ConvNeXt([C(24, 48, 1), C(48, 96, 1), C(96, 192, 2), C(192, None, 1)], stochastic_depth_prob=0.1,
                             num_classes=10)


def small_efficientnet_v2():
    # The first four stages of efficientnet_v2_s (FusedMBConv x3, MBConv with SE), one layer each.
    setting, _ = efficientnet._efficientnet_conf("efficientnet_v2_s")
    for cnf in setting:
        cnf.num_layers = 1
    return efficientnet.EfficientNet(setting[:4], dropout=0.2, stochastic_depth_prob=0.2, num_classes=10,
                                     last_channel=256)


def small_vit():
    return vision_transformer.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64,
                                                mlp_dim=128, dropout=0.1, num_classes=10)


def small_swin(v2=False):
    kw = {}
    if v2:
        kw = dict(block=swin_transformer.SwinTransformerBlockV2, downsample_layer=swin_transformer.PatchMergingV2)
    return swin_transformer.SwinTransformer(patch_size=[4, 4], embed_dim=32, depths=[2, 2], num_heads=[2, 4],
                                            window_size=[4, 4], stochastic_depth_prob=0.1, num_classes=10, **kw)


MODELS = {
    # torchvision classifiers
    "resnet18": (lambda: tvm.resnet18(num_classes=10), image(), "torchvision resnet18 (BasicBlock)"),
    "resnet_bottleneck": (lambda: resnet.ResNet(resnet.Bottleneck, [1, 1, 1, 1], num_classes=10), image(),
                          "torchvision ResNet with Bottleneck blocks, one per stage (resnet50's block)"),
    "resnext_small": (lambda: resnet.ResNet(resnet.Bottleneck, [1, 1, 1, 1], groups=32, width_per_group=4,
                                            num_classes=10), image(),
                      "torchvision ResNeXt (grouped 3x3 convolutions, 32x4d), one block per stage"),
    "mobilenet_v2": (lambda: tvm.mobilenet_v2(num_classes=10), image(), "torchvision mobilenet_v2 (dropout 0.2)"),
    "mobilenet_v3_small": (lambda: tvm.mobilenet_v3_small(num_classes=10), image(),
                           "torchvision mobilenet_v3_small (hardswish, squeeze-excitation, dropout 0.2)"),
    "efficientnet_b0": (lambda: tvm.efficientnet_b0(num_classes=10), image(),
                        "torchvision efficientnet_b0 (SiLU, SE, stochastic depth 0.2, dropout 0.2)"),
    "efficientnet_v2_small": (small_efficientnet_v2, image(),
                              "torchvision EfficientNet with efficientnet_v2_s's first four stages (FusedMBConv)"),
    "squeezenet1_1": (lambda: tvm.squeezenet1_1(num_classes=10), image(), "torchvision squeezenet1_1 (dropout 0.5)"),
    "densenet121": (lambda: tvm.densenet121(num_classes=10), image(), "torchvision densenet121"),
    "shufflenet_v2_x0_5": (lambda: tvm.shufflenet_v2_x0_5(num_classes=10), image(),
                           "torchvision shufflenet_v2_x0_5 (channel shuffle)"),
    "convnext_small": (small_convnext, image(),
                       "torchvision ConvNeXt, narrow (24-192 channels, 1-2 blocks per stage), stochastic depth 0.1"),
    "vit_small": (small_vit, image(32), "torchvision VisionTransformer 32x32, patch 8, 2 layers, d 64, dropout 0.1"),
    "swin_small": (lambda: small_swin(), image(32),
                   "torchvision SwinTransformer 32x32, d 32, depths [2, 2], window 4, stochastic depth 0.1"),
    "swin_v2_small": (lambda: small_swin(v2=True), image(32),
                      "torchvision SwinTransformer V2 blocks and patch merging, as swin_small"),
    "regnet_y_400mf": (lambda: tvm.regnet_y_400mf(num_classes=10), image(), "torchvision regnet_y_400mf (SE)"),
    "regnet_x_400mf": (lambda: tvm.regnet_x_400mf(num_classes=10), image(), "torchvision regnet_x_400mf"),
    "googlenet": (lambda: tvm.googlenet(num_classes=10, aux_logits=True, init_weights=True), image(),
                  "torchvision googlenet with both auxiliary classifiers (three outputs in training)"),
    "inception_v3": (lambda: tvm.inception_v3(num_classes=10, aux_logits=True, init_weights=True), image(299),
                     "torchvision inception_v3 with its auxiliary classifier (two outputs in training); 299x299, "
                     "the smallest input its auxiliary classifier takes"),
    # torch.nn sequence models
    "lstm": (LSTMModel, [seq(2, 5, 8)], "nn.LSTM, 2 layers, batch first; output, h and c"),
    "lstm_bidirectional": (BiLSTMModel, [seq(2, 5, 8)],
                           "nn.LSTM bidirectional, 2 layers, dropout 0.1 between them, linear head"),
    "gru": (GRUModel, [seq(2, 5, 8)], "nn.GRU, 1 layer, batch first; output and h"),
    "transformer_encoder": (EncoderModel, [seq(2, 10, 32)], "nn.TransformerEncoder, 2 layers, d 32, 4 heads"),
    "transformer_decoder": (DecoderModel, [seq(2, 6, 32, name="tgt"), seq(2, 10, 32, name="memory")],
                            "nn.TransformerDecoder, 2 pre-norm layers, causal mask"),
    "transformer": (TransformerModel, [seq(2, 10, 32, name="src"), seq(2, 6, 32, name="tgt")],
                    "nn.Transformer, 1+1 layers, GELU"),
    "multihead_attention": (MHAModel, [seq(2, 10, 32)], "nn.MultiheadAttention self-attention with weights"),
    "multihead_attention_cross": (MHACrossModel, [seq(2, 6, 32, name="q"), seq(2, 10, 16, name="k"),
                                                  seq(2, 10, 24, name="v")],
                                  "nn.MultiheadAttention kdim/vdim, bias_kv, key padding mask, dropout 0.1"),
    "embedding_mlp": (EmbeddingMLP, [tokens()], "nn.Embedding (padding_idx) + mean + MLP"),
    "embedding_bag": (EmbeddingBagModel, [tokens()], "nn.EmbeddingBag (mean) + linear"),
    "embedding_lstm": (EmbeddingLSTM, [tokens()], "nn.Embedding + nn.LSTM + linear on the last hidden state"),
    "tiny_lm": (TinyLM, [tokens(T=16)], "embeddings, causal nn.TransformerEncoder, tied LM head"),
}

# Left out because torch.jit.script cannot compile them (name -> reason). Empty: every family the corpus asked for
# scripts in torchvision 0.26.0 / torch 2.11 in training mode (googlenet and inception_v3 through their
# torch.jit.is_scripting() branches, which return the namedtuple of logits and auxiliary logits).
NOT_SCRIPTABLE = {}

# ---------------------------------------------------------------------------------------------------------------


def build(name):
    ctor, inputs, _ = MODELS[name]
    torch.manual_seed(0)
    model = ctor()
    model.train()
    spec = {"inputs": inputs, "seed": 0, "module": f"{name}.pt", "description": MODELS[name][2]}
    return model, spec


def write_atomic(path, write):
    tmp = f"{path}.{os.getpid()}.tmp"
    write(tmp)
    os.replace(tmp, path)


def checksum(t):
    if t is None:
        return None
    d = t.detach().double()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "sum": float(d.sum()),
            "abs_sum": float(d.abs().sum()), "max_abs": float(d.abs().max()) if t.numel() else 0.0}


def flat_outputs(out):
    return [t for t in pytree.tree_leaves(out) if isinstance(t, torch.Tensor)]


class SeededOps(TorchDispatchMode):
    """Records the ops of a run that are tagged nondeterministic_seeded (bernoulli, native_dropout, rand, ...)."""

    def __init__(self):
        super().__init__()
        self.ops = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if torch.Tag.nondeterministic_seeded in func.tags and not self._certain(func, args, kwargs):
            self.ops.add(str(func))
        return func(*args, **kwargs)

    @staticmethod
    def _certain(func, args, kwargs):
        """True when a probability argument (p, dropout_p) is 0 or 1: the result does not depend on the RNG."""
        for i, a in enumerate(func._schema.arguments):
            if a.name in ("p", "dropout_p"):
                v = kwargs.get(a.name, args[i] if i < len(args) else a.default_value)
                return isinstance(v, (int, float)) and v in (0, 1)
        return False


def eager_reference(model, scripted, spec):
    """One training step as aotviz's execution stage takes it (core/execution/execution.cpp, step()): the forward
    from torch.manual_seed(0), tangents from torch.manual_seed(5)."""
    t0 = time.perf_counter()
    m = copy.deepcopy(model)
    args, _ = aot.make_spec_inputs(spec)
    seeded = SeededOps()
    torch.manual_seed(0)
    with torch.enable_grad(), seeded:
        out = flat_outputs(m(*args))
    # The scripted module run by TorchScript in this process, from the same RNG state and on fresh copies: whether
    # TorchScript itself reproduces the eager forward (it should, random draws included).
    s = copy.deepcopy(scripted)
    s_args, _ = aot.make_spec_inputs(spec)
    torch.manual_seed(0)
    with torch.no_grad():
        s_out = flat_outputs(s(*s_args))
    scripted_diff = max((float((a.detach().double() - b.double()).abs().max()) if a.numel() else 0.0
                         for a, b in zip(out, s_out)), default=0.0) if len(out) == len(s_out) else None
    diff = [o for o in out if o.requires_grad]
    torch.manual_seed(5)
    tangents = [torch.randn(o.shape, dtype=o.dtype) for o in diff]
    params = [(n, p) for n, p in m.named_parameters() if p.requires_grad]
    grads = torch.autograd.grad(diff, [p for _, p in params], tangents, allow_unused=True) if diff else []
    return {
        "stochastic": bool(seeded.ops),
        "random_ops": sorted(seeded.ops),
        "scripted_max_abs_diff": scripted_diff,
        "outputs": [checksum(o) for o in out],
        "grads": {n: checksum(g) for (n, _), g in zip(params, grads)},
        "buffers": {n: checksum(b) for n, b in m.named_buffers()},
        "eager_s": time.perf_counter() - t0,
    }


def pytorch_reference(model, spec):
    """PyTorch 2.11's AOTAutograd on `model` as torch211_aot.py's compile_once runs it, default partitioner."""
    t0 = time.perf_counter()
    m = copy.deepcopy(model)
    args, grad_mode = aot.make_spec_inputs(spec)
    rec = aot.Recorder(aot.default_partition, "default", None)
    dead = {}

    def partition_fn(joint, joint_inputs, **kwargs):
        dead["joint"] = aot.dead_ops(joint)
        fw, bw = rec.partition_fn_wrapper(joint, joint_inputs, **kwargs)
        dead["forward"], dead["backward"] = aot.dead_ops(fw), aot.dead_ops(bw)
        return fw, bw

    kw = dict(fw_compiler=rec.fw_compiler, bw_compiler=rec.bw_compiler, partition_fn=partition_fn,
              inference_compiler=rec.inference_compiler, keep_inference_input_mutations=aot.KEEP_INPUT_MUTATIONS)
    cap = aot.MetaCapture()
    tied = aot.tied_parameters(m)
    res = {"api": "aot_function, each parameter once (tied: " + ", ".join(tied) + ")" if tied else "aot_module"}
    try:
        with cap:
            compiled = aot.aot_module_once_per_parameter(m, **kw) if tied else aot.aot_module(m, **kw)
            with torch.enable_grad() if grad_mode != "no_grad" else torch.no_grad():
                compiled(*args)
    except Exception as e:
        if rec.joint is None and rec.inference is None:
            res.update({"error": f"{type(e).__name__}: {e}".splitlines()[0][:2000],
                        "traceback": traceback.format_exc(limit=-6).splitlines()[-12:],
                        "reference_s": time.perf_counter() - t0})
            return res
        res["runtime_error"] = f"{type(e).__name__}: {e}".splitlines()[0][:2000]
    res.update({"is_train": bool(cap.needs_autograd), "joint": rec.joint, "partition_kwargs": rec.partition_kwargs,
                "dead_ops": dead,
                "partitions": {"default": rec.partition} if rec.partition else None, "inference": rec.inference,
                "reference_s": time.perf_counter() - t0})
    return res


def generate(name, out_dir):
    result = {"model": name, "description": MODELS[name][2], "torch": torch.__version__,
              "torchvision": torchvision.__version__}
    t0 = time.perf_counter()
    model, spec = build(name)
    pt = os.path.join(out_dir, f"{name}.pt")
    try:
        scripted = torch.jit.script(model)
        write_atomic(pt, lambda p: torch.jit.save(scripted, p))
    except Exception as e:
        result["script_error"] = f"{type(e).__name__}: {e}".splitlines()[0][:2000]
    write_atomic(os.path.join(out_dir, f"{name}.json"), lambda p: open(p, "w").write(json.dumps(spec, indent=1)))
    result["script_s"] = time.perf_counter() - t0
    if "script_error" not in result:
        try:
            result["eager"] = eager_reference(model, scripted, spec)
        except Exception as e:
            result["eager"] = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:2000]}
        result["pytorch"] = pytorch_reference(model, spec)
    write_atomic(os.path.join(out_dir, f"{name}.ref.json"),
                 lambda p: open(p, "w").write(json.dumps(result, indent=1)))
    return result


def fresh(name, out_dir):
    """The rule tests/core/test_corpus.cpp applies: <name>.ref.json (written last) and <name>.json exist and the
    reference is at least as new as this script and torch211_aot.py."""
    ref = os.path.join(out_dir, f"{name}.ref.json")
    if not (os.path.exists(ref) and os.path.exists(os.path.join(out_dir, f"{name}.json"))):
        return False
    sources = (os.path.abspath(__file__), os.path.join(ROOT, "tests", "fidelity", "torch211_aot.py"))
    return all(os.path.getmtime(ref) >= os.path.getmtime(s) for s in sources)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="directory for <name>.pt, <name>.json and <name>.ref.json")
    ap.add_argument("--models", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--list", action="store_true", help="print the models ('<name> <description>') and exit")
    ap.add_argument("--stale", action="store_true",
                    help="print the names of the models whose files in --out are missing or older than this script "
                         "or torch211_aot.py, and exit")
    args = ap.parse_args()
    if args.list:
        for name, (_, _, desc) in MODELS.items():
            print(f"{name} {desc}")
        return
    if not args.out:
        ap.error("--out DIR is required")
    if args.stale:
        for name in MODELS:
            if not fresh(name, args.out):
                print(name)
        return
    names = [n for n in args.models.split(",") if n] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        ap.error(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    total = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        r = generate(name, args.out)
        status = ("script error" if "script_error" in r else
                  "pytorch error" if "error" in r["pytorch"] else "ok")
        times = " ".join(f"{k} {v:.2f} s" for k, v in (("script", r.get("script_s")),
                                                       ("eager", r.get("eager", {}).get("eager_s")),
                                                       ("reference", r.get("pytorch", {}).get("reference_s")))
                         if v is not None)
        print(f"{name}: {time.perf_counter() - t0:.2f} s ({times}; {status})", file=sys.stderr, flush=True)
    print(f"total: {time.perf_counter() - total:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
