"""LiteMedSAM in plain torch, written from the published architecture.

Only used to convert the checkpoint to ONNX and, in the tests, as the reference the
ONNX/C++ pipeline is checked against.  Module and parameter names follow the
checkpoint's state dict so it loads with ``load_state_dict``; nothing here imports
timm (whose dependency chain would pull a CUDA build of torch).

Architecture: TinyViT-5M variant with a stride-1 patch embedding (so a 256x256 input
yields 64x64 embeddings), SAM's prompt encoder (boxes only) and SAM's mask decoder.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

EMBED_DIMS = (64, 128, 160, 320)
DEPTHS = (2, 2, 6, 2)
NUM_HEADS = (2, 4, 5, 10)
WINDOW_SIZES = (7, 7, 14, 7)
IMAGE_SIZE = 256
EMBED_SIZE = 64
PROMPT_DIM = 256


# --------------------------------------------------------------------------- encoder
class Conv2dBN(nn.Sequential):
    """Convolution without bias followed by batch norm (names c / bn as in the checkpoint)."""

    def __init__(self, cin, cout, ks=1, stride=1, pad=0, groups=1):
        super().__init__()
        self.add_module("c", nn.Conv2d(cin, cout, ks, stride, pad, groups=groups, bias=False))
        self.add_module("bn", nn.BatchNorm2d(cout))


class PatchEmbed(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.seq = nn.Sequential(Conv2dBN(cin, dim // 2), nn.GELU(), Conv2dBN(dim // 2, dim))

    def forward(self, x):
        return self.seq(x)


class MBConv(nn.Module):
    def __init__(self, dim, expand=4.0):
        super().__init__()
        hidden = int(dim * expand)
        self.conv1 = Conv2dBN(dim, hidden)
        self.conv2 = Conv2dBN(hidden, hidden, 3, 1, 1, groups=hidden)
        self.conv3 = Conv2dBN(hidden, dim)

    def forward(self, x):
        y = F.gelu(self.conv1(x))
        y = F.gelu(self.conv2(y))
        return F.gelu(self.conv3(y) + x)


class PatchMerging(nn.Module):
    """Channel expansion with a depthwise 3x3; it halves the resolution except into 320 channels."""

    def __init__(self, resolution, dim, out_dim):
        super().__init__()
        self.resolution = resolution
        stride = 1 if out_dim == 320 else 2
        self.conv1 = Conv2dBN(dim, out_dim)
        self.conv2 = Conv2dBN(out_dim, out_dim, 3, stride, 1, groups=out_dim)
        self.conv3 = Conv2dBN(out_dim, out_dim)

    def forward(self, x):
        if x.ndim == 3:  # tokens (B, L, C) -> (B, C, H, W)
            h, w = self.resolution
            x = x.view(x.shape[0], h, w, -1).permute(0, 3, 1, 2)
        x = F.gelu(self.conv1(x))
        x = F.gelu(self.conv2(x))
        x = self.conv3(x)
        return x.flatten(2).transpose(1, 2)


class ConvLayer(nn.Module):
    def __init__(self, dim, resolution, depth, out_dim):
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim) for _ in range(depth))
        self.downsample = PatchMerging(resolution, dim, out_dim)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.downsample(x)


class WindowAttention(nn.Module):
    """Multi-head attention inside a window, with a learned bias per relative offset."""

    def __init__(self, dim, num_heads, window):
        super().__init__()
        self.num_heads = num_heads
        self.key_dim = dim // num_heads
        self.scale = self.key_dim**-0.5
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        points = list(itertools.product(range(window), range(window)))
        offsets: dict[tuple[int, int], int] = {}
        idxs = []
        for p in points:
            for q in points:
                off = (abs(p[0] - q[0]), abs(p[1] - q[1]))
                idxs.append(offsets.setdefault(off, len(offsets)))
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, len(offsets)))
        n = len(points)
        self.register_buffer("bias_idxs", torch.tensor(idxs).view(n, n), persistent=False)

    def forward(self, x):
        b, n, _ = x.shape
        x = self.norm(x)
        q, k, v = self.qkv(x).view(b, n, self.num_heads, -1).split(self.key_dim, dim=3)
        q, k, v = (t.permute(0, 2, 1, 3) for t in (q, k, v))
        attn = (q @ k.transpose(-2, -1)) * self.scale + self.attention_biases[:, self.bias_idxs]
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, -1)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.norm(x))))


class TinyViTBlock(nn.Module):
    def __init__(self, dim, resolution, num_heads, window):
        super().__init__()
        self.resolution = resolution
        self.window = window
        self.attn = WindowAttention(dim, num_heads, window)
        self.mlp = Mlp(dim, 4 * dim)
        self.local_conv = Conv2dBN(dim, dim, 3, 1, 1, groups=dim)

    def _windowed_attention(self, x):
        h, w = self.resolution
        b, tokens, c = x.shape
        ws = self.window
        if h == ws and w == ws:
            return self.attn(x)
        x = x.view(b, h, w, c)
        pad_b, pad_r = (ws - h % ws) % ws, (ws - w % ws) % ws
        # Zero padding takes part in attention, as in the trained model.
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        ph, pw = h + pad_b, w + pad_r
        nh, nw = ph // ws, pw // ws
        x = x.view(b, nh, ws, nw, ws, c).transpose(2, 3).reshape(b * nh * nw, ws * ws, c)
        x = self.attn(x)
        x = x.view(b, nh, nw, ws, ws, c).transpose(2, 3).reshape(b, ph, pw, c)
        return x[:, :h, :w].reshape(b, tokens, c)

    def forward(self, x):
        h, w = self.resolution
        b, tokens, c = x.shape
        x = x + self._windowed_attention(x)
        x = self.local_conv(x.transpose(1, 2).reshape(b, c, h, w)).view(b, c, tokens)
        x = x.transpose(1, 2)
        return x + self.mlp(x)


class BasicLayer(nn.Module):
    def __init__(self, dim, resolution, depth, num_heads, window, out_dim=None):
        super().__init__()
        self.blocks = nn.ModuleList(
            TinyViTBlock(dim, resolution, num_heads, window) for _ in range(depth)
        )
        self.downsample = PatchMerging(resolution, dim, out_dim) if out_dim else None

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.downsample(x) if self.downsample is not None else x


class LayerNorm2d(nn.Module):
    def __init__(self, channels, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class TinyViT(nn.Module):
    def __init__(self):
        super().__init__()
        d = EMBED_DIMS
        self.patch_embed = PatchEmbed(3, d[0])
        resolutions = [IMAGE_SIZE, IMAGE_SIZE // 2, IMAGE_SIZE // 4, IMAGE_SIZE // 4]
        self.layers = nn.ModuleList([ConvLayer(d[0], (IMAGE_SIZE, IMAGE_SIZE), DEPTHS[0], d[1])])
        for i in range(1, 4):
            r = resolutions[i]
            out = d[i + 1] if i < 3 else None
            self.layers.append(
                BasicLayer(d[i], (r, r), DEPTHS[i], NUM_HEADS[i], WINDOW_SIZES[i], out)
            )
        self.neck = nn.Sequential(
            nn.Conv2d(d[3], PROMPT_DIM, 1, bias=False),
            LayerNorm2d(PROMPT_DIM),
            nn.Conv2d(PROMPT_DIM, PROMPT_DIM, 3, padding=1, bias=False),
            LayerNorm2d(PROMPT_DIM),
        )

    def forward(self, x):
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        b, _, c = x.shape
        x = x.view(b, EMBED_SIZE, EMBED_SIZE, c).permute(0, 3, 1, 2)
        return self.neck(x)


# ------------------------------------------------------------------- prompt encoder
class RandomPositionEmbedding(nn.Module):
    def __init__(self, num_feats=PROMPT_DIM // 2):
        super().__init__()
        self.register_buffer("positional_encoding_gaussian_matrix", torch.randn(2, num_feats))

    def encode(self, coords01):
        """coords01 in [0,1]^2 (..., 2) -> (..., 2*num_feats)."""
        c = (2 * coords01 - 1) @ self.positional_encoding_gaussian_matrix
        c = 2 * math.pi * c
        return torch.cat([torch.sin(c), torch.cos(c)], dim=-1)

    def dense(self, size=EMBED_SIZE):
        """The encoding of every cell centre of a size x size grid, (1, 2*num_feats, size,
        size), on the matrix's device.  Computed in float64 by numpy, element by element,
        and rounded to float32 once: in float32, torch's threaded matmul and sine now and
        then gave values off by up to 1.5e-4 in one process out of dozens, so two
        conversions of one checkpoint could give different decoders."""
        matrix = self.positional_encoding_gaussian_matrix
        g = matrix.detach().cpu().double().numpy()
        centres = (np.arange(size, dtype=np.float64) + 0.5) / size
        y, x = np.meshgrid(2 * centres - 1, 2 * centres - 1, indexing="ij")
        c = 2 * math.pi * (x[..., None] * g[0] + y[..., None] * g[1])
        pe = np.concatenate([np.sin(c), np.cos(c)], axis=-1).astype(np.float32)
        pe = torch.from_numpy(np.ascontiguousarray(pe.transpose(2, 0, 1)[None]))
        return pe.to(matrix.device)


class PromptEncoder(nn.Module):
    """SAM's prompt encoder, box prompts only (the mask branch is unused by LiteMedSAM)."""

    def __init__(self):
        super().__init__()
        self.pe_layer = RandomPositionEmbedding()
        self.point_embeddings = nn.ModuleList(nn.Embedding(1, PROMPT_DIM) for _ in range(4))
        self.not_a_point_embed = nn.Embedding(1, PROMPT_DIM)
        self.no_mask_embed = nn.Embedding(1, PROMPT_DIM)

    def forward(self, boxes):
        """boxes (N, 4) in the 256 frame -> sparse (N, 2, 256), dense (N, 256, 64, 64)."""
        corners = (boxes + 0.5).reshape(-1, 2, 2) / IMAGE_SIZE
        sparse = self.pe_layer.encode(corners)
        sparse = torch.stack(
            [
                sparse[:, 0] + self.point_embeddings[2].weight[0],
                sparse[:, 1] + self.point_embeddings[3].weight[0],
            ],
            dim=1,
        )
        dense = self.no_mask_embed.weight.reshape(1, -1, 1, 1).expand(
            boxes.shape[0], -1, EMBED_SIZE, EMBED_SIZE
        )
        return sparse, dense


# --------------------------------------------------------------------- mask decoder
class Attention(nn.Module):
    def __init__(self, dim, num_heads, downsample=1):
        super().__init__()
        inner = dim // downsample
        self.num_heads = num_heads
        self.q_proj = nn.Linear(dim, inner)
        self.k_proj = nn.Linear(dim, inner)
        self.v_proj = nn.Linear(dim, inner)
        self.out_proj = nn.Linear(inner, dim)

    def _heads(self, x):
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def forward(self, q, k, v):
        q, k, v = (
            self._heads(self.q_proj(q)),
            self._heads(self.k_proj(k)),
            self._heads(self.v_proj(v)),
        )
        attn = (q @ k.permute(0, 1, 3, 2)) / math.sqrt(q.shape[-1])
        out = attn.softmax(dim=-1) @ v
        b, h, n, c = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, h * c))


class MLPBlock(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.lin1 = nn.Linear(dim, hidden)
        self.lin2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.lin2(F.relu(self.lin1(x)))


class TwoWayAttentionBlock(nn.Module):
    def __init__(self, dim, num_heads, mlp_dim, skip_first_layer_pe):
        super().__init__()
        self.self_attn = Attention(dim, num_heads)
        self.norm1 = nn.LayerNorm(dim)
        self.cross_attn_token_to_image = Attention(dim, num_heads, 2)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim, mlp_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.norm4 = nn.LayerNorm(dim)
        self.cross_attn_image_to_token = Attention(dim, num_heads, 2)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(self, queries, keys, query_pe, key_pe):
        if self.skip_first_layer_pe:
            queries = self.self_attn(queries, queries, queries)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries)
        queries = self.norm1(queries)
        q, k = queries + query_pe, keys + key_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image(q, k, keys))
        queries = self.norm3(queries + self.mlp(queries))
        q, k = queries + query_pe, keys + key_pe
        keys = self.norm4(keys + self.cross_attn_image_to_token(k, q, queries))
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(self, depth=2, dim=PROMPT_DIM, num_heads=8, mlp_dim=2048):
        super().__init__()
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(dim, num_heads, mlp_dim, i == 0) for i in range(depth)
        )
        self.final_attn_token_to_image = Attention(dim, num_heads, 2)
        self.norm_final_attn = nn.LayerNorm(dim)

    def forward(self, image, image_pe, tokens):
        image = image.flatten(2).permute(0, 2, 1)
        image_pe = image_pe.flatten(2).permute(0, 2, 1)
        return self.forward_tokens(image, image_pe, tokens)

    def forward_tokens(self, image, image_pe, tokens):
        """``forward`` on an image and positional encoding already token-major (B, HW, C);
        B may be 1 for N tokens' boxes (the attention broadcasts)."""
        queries, keys = tokens, image
        for layer in self.layers:
            queries, keys = layer(queries, keys, tokens, image_pe)
        attn = self.final_attn_token_to_image(queries + tokens, keys + image_pe, keys)
        return self.norm_final_attn(queries + attn), keys


class HyperMLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:], strict=True)
        )

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class MaskDecoder(nn.Module):
    """SAM's mask decoder; ``forward`` returns the single-mask output (mask token 0),
    ``forward_with_iou`` that and the IoU head's prediction for it."""

    NUM_MASK_TOKENS = 4

    def __init__(self, dim=PROMPT_DIM):
        super().__init__()
        self.transformer = TwoWayTransformer()
        self.iou_token = nn.Embedding(1, dim)
        self.mask_tokens = nn.Embedding(self.NUM_MASK_TOKENS, dim)
        self.output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim // 4, 2, 2),
            LayerNorm2d(dim // 4),
            nn.GELU(),
            nn.ConvTranspose2d(dim // 4, dim // 8, 2, 2),
            nn.GELU(),
        )
        self.output_hypernetworks_mlps = nn.ModuleList(
            HyperMLP((dim, dim, dim, dim // 8)) for _ in range(self.NUM_MASK_TOKENS)
        )
        # SAM's IoU head: one predicted IoU per mask token, from the IoU token's output.
        self.iou_prediction_head = HyperMLP((dim, 256, 256, self.NUM_MASK_TOKENS))

    def forward(self, image_embeddings, image_pe, sparse, dense):
        """image_embeddings (1 or N, 256, 64, 64) -> low-res logits (N, 1, 256, 256)."""
        return self.forward_with_iou(image_embeddings, image_pe, sparse, dense)[0]

    def forward_with_iou(self, image_embeddings, image_pe, sparse, dense):
        """-> (low-res logits (N, 1, 256, 256), predicted IoU of that mask (N, 1))."""
        n = sparse.shape[0]
        tokens = self.output_tokens(sparse)
        src = image_embeddings.expand(n, -1, -1, -1) + dense
        pos = image_pe.expand(n, -1, -1, -1)
        _, c, h, w = src.shape
        hs, keys = self.transformer(src, pos, tokens)
        return self.masks_and_iou(hs, keys.transpose(1, 2).reshape(n, c, h, w))

    def output_tokens(self, sparse):
        """The IoU and mask tokens followed by each box's prompt tokens: (N, 7, C)."""
        out_tokens = torch.cat([self.iou_token.weight, self.mask_tokens.weight], dim=0)
        return torch.cat([out_tokens.unsqueeze(0).expand(sparse.shape[0], -1, -1), sparse], dim=1)

    def masks_and_iou(self, hs, src):
        """The transformer's token outputs ``hs`` and image ``src`` (N, C, H, W) ->
        (low-res logits (N, 1, 256, 256), predicted IoU (N, 1))."""
        upscaled = self.output_upscaling(src)
        # multimask_output=False keeps mask token 0 only; the other three are not computed.
        hyper = self.output_hypernetworks_mlps[0](hs[:, 1, :]).unsqueeze(1)
        b, c2, h2, w2 = upscaled.shape
        logits = (hyper @ upscaled.view(b, c2, h2 * w2)).view(b, 1, h2, w2)
        return logits, self.iou_prediction_head(hs[:, 0, :])[:, :1]


class LiteMedSAM(nn.Module):
    def __init__(self):
        super().__init__()
        self.image_encoder = TinyViT()
        self.prompt_encoder = PromptEncoder()
        self.mask_decoder = MaskDecoder()

    def decode(self, image_embeddings, boxes256):
        sparse, dense = self.prompt_encoder(boxes256)
        return self.mask_decoder(
            image_embeddings, self.prompt_encoder.pe_layer.dense(), sparse, dense
        )


# Parameters in the checkpoint that box-only, single-mask inference never reads.
UNUSED_PREFIXES = ("prompt_encoder.mask_downscaling.",)


def load_litemedsam(checkpoint_path) -> LiteMedSAM:
    state = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    model = LiteMedSAM()
    result = model.load_state_dict(state, strict=False)
    unexpected = [k for k in result.unexpected_keys if not k.startswith(UNUSED_PREFIXES)]
    if result.missing_keys or unexpected:
        raise ValueError(
            f"{checkpoint_path}: not a LiteMedSAM checkpoint "
            f"(missing {result.missing_keys[:5]}, unexpected {unexpected[:5]})"
        )
    return model.eval()
