"""A tiny Hugging-Face-style decoder-only language model in plain PyTorch (no transformers dependency).

Token embedding, `layers` blocks of (RMSNorm, causal self-attention with rotary embeddings, RMSNorm, SwiGLU MLP),
a final RMSNorm and an LM head tied to the embedding. The rotary cos/sin tables are computed once in __init__ and
kept as non-persistent buffers, so forward has no tensor factory ops (aotviz would lift those as constants).

    .venv/bin/python scripts/export_pt2.py examples/tiny_decoder.py:tiny_decoder -o tiny_decoder.pt2
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    """Root-mean-square layer norm with a learned scale (no bias, no mean subtraction)."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    """(x1, x2) → (-x2, x1) on the last dimension, the rotation rotary embeddings apply."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    """Multi-head causal self-attention with rotary position embeddings on queries and keys."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.o_proj = nn.Linear(dim, dim, bias=False)

    def split_heads(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, cos, sin):
        q, k, v = (self.split_heads(proj(x)) for proj in (self.q_proj, self.k_proj, self.v_proj))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(out.transpose(1, 2).flatten(2))


class MLP(nn.Module):
    """SwiGLU feed-forward: down(silu(gate(x)) * up(x))."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    """Pre-norm transformer block: x + attn(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.input_layernorm = RMSNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.post_attention_layernorm = RMSNorm(dim)
        self.mlp = MLP(dim, hidden)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class TinyDecoder(nn.Module):
    """Decoder-only LM: forward(input_ids of shape (batch, length ≤ seq)) returns logits (batch, length, vocab)."""

    def __init__(self, vocab, dim, layers, heads, seq, rope_theta=10000.0):
        super().__init__()
        self.vocab, self.seq = vocab, seq
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([DecoderLayer(dim, heads, 8 * dim // 3) for _ in range(layers)])
        self.norm = RMSNorm(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.lm_head.weight = self.embed_tokens.weight
        head_dim = dim // heads
        inv_freq = 1.0 / rope_theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
        angles = torch.outer(torch.arange(seq).float(), inv_freq).repeat(1, 2)
        self.register_buffer("rope_cos", angles.cos(), persistent=False)
        self.register_buffer("rope_sin", angles.sin(), persistent=False)

    def forward(self, input_ids):
        length = input_ids.shape[1]
        cos, sin = self.rope_cos[:length], self.rope_sin[:length]
        h = self.embed_tokens(input_ids)
        for layer in self.layers:
            h = layer(h, cos, sin)
        return self.lm_head(self.norm(h))

    def example_inputs(self):
        """A batch of two random token sequences of the full length."""
        return (torch.randint(0, self.vocab, (2, self.seq)),)


def tiny_decoder(vocab=256, dim=64, layers=2, heads=4, seq=16):
    """The factory export_pt2.py calls: a TinyDecoder with the given sizes."""
    return TinyDecoder(vocab, dim, layers, heads, seq)
