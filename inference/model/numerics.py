"""One short name for the arithmetic a loaded model runs with (device class, weights dtype, quantization).

Runs that differ in it give (slightly) different scores and labels, so it is part of a batch run's identity and
of every output record's ``model`` field: "cpu float32", "cpu int8", "cuda bfloat16 autocast", "cuda float16".
"""

from __future__ import annotations

import torch


def describe_numerics(
    device: torch.device, dtype: torch.dtype | None, quantize: str | None, autocast_dtype: torch.dtype | None
) -> str:
    """``"<device type> <weights dtype or int8>[ <autocast dtype> autocast]"``."""
    if quantize:
        return f"{device.type} {quantize}"
    weights = str(dtype or torch.float32).removeprefix("torch.")
    if autocast_dtype is not None:
        return f"{device.type} {str(autocast_dtype).removeprefix('torch.')} autocast"
    return f"{device.type} {weights}"
