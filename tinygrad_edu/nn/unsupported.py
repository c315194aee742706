"""PyTorch ``nn`` names that tinygrad_edu does not have, each with what to use instead: reading
``nn.Transformer`` raises an AttributeError that says so (``hasattr(nn, "Transformer")`` stays
False).

Examples:
    >>> from tinygrad_edu import nn
    >>> hasattr(nn, "Transformer")
    False
    >>> try:
    ...     nn.Conv3d
    ... except AttributeError as error:
    ...     print(str(error).split(":")[0])
    tinygrad_edu.nn has no Conv3d
"""

from __future__ import annotations

_ATTENTION = ("build it from nn.TransformerEncoderLayer, nn.MultiheadAttention (for the "
              "cross-attention), nn.Linear, nn.LayerNorm and nn.Dropout")
_NORM = ("use nn.LayerNorm or nn.GroupNorm (per sample) or nn.BatchNorm2d (per channel), on "
         "the input reshaped to 2-D images")
_NONE = "it is not part of this educational library (docs/pytorch.md: 'What is not here')"

UNSUPPORTED: dict[str, str] = {
    **dict.fromkeys(("Transformer", "TransformerDecoder", "TransformerDecoderLayer"),
                    _ATTENTION),
    **dict.fromkeys(("BatchNorm3d", "InstanceNorm3d", "LocalResponseNorm"), _NORM),
    "EmbeddingBag": "use nn.Embedding, then .sum(1) or .mean(1) over the bag axis",
    **dict.fromkeys(("Conv3d", "ConvTranspose1d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d",
                     "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "PixelShuffle",
                     "CTCLoss", "DataParallel", "SyncBatchNorm"), _NONE),
}


def missing(name: str) -> AttributeError:
    """The AttributeError for ``nn.<name>``: what to use instead when the name is PyTorch's."""
    if name in UNSUPPORTED:
        return AttributeError(f"tinygrad_edu.nn has no {name}: {UNSUPPORTED[name]}")
    return AttributeError(f"module 'tinygrad_edu.nn' has no attribute {name!r}")
