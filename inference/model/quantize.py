"""Dynamic int8 for CPU inference: the encoder's Linear layers get int8 weights (one scale per output channel) and
quantise their input per pass; the heads, embeddings, layer norms and attention stay float32.

Kernel choice, measured with MiniLM on a 2-core Xeon with AVX512-VNNI and AMX (bench/README.md): oneDNN's int8
Linear is 3-5x faster than fbgemm's (torch's default "x86" engine) there, and on a CPU with VNNI the input can use
all 8 bits (``reduce_range=False``), which halves the quantisation error against the 7 bits fbgemm keeps to avoid
int16 overflow on older CPUs. Without VNNI the layers use torch's default engine with 7-bit inputs, as
``torch.ao.quantization.quantize_dynamic`` does. Built on torch's quantized ops (``torch.ops.quantized``) directly:
the ``torch.ao.quantization`` wrappers are deprecated and torchao is not a dependency.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import warnings
from pathlib import Path

import torch

logger = logging.getLogger(__name__)

VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})


@functools.cache
def cpu_has_vnni() -> bool:
    """Whether this CPU has int8 dot-product instructions (VNNI or AMX), from /proc/cpuinfo (False elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(VNNI_FLAGS & set(line.split(":", 1)[1].split()))
    return False


def int8_engine() -> tuple[str, bool]:
    """``(quantized engine, reduce_range)`` for this CPU: oneDNN with 8-bit inputs on VNNI, else torch's default."""
    if cpu_has_vnni() and "onednn" in torch.backends.quantized.supported_engines:
        return "onednn", False
    return torch.backends.quantized.engine, True


@contextlib.contextmanager
def _engine(name: str):
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = name
    try:
        yield
    finally:
        torch.backends.quantized.engine = previous


class Int8Linear(torch.nn.Module):
    """A Linear layer with int8 weights (symmetric, one scale per output channel) and dynamically quantised input.

    The weights are packed for ``engine`` once; the packed weights carry their kernel, so the process-wide
    ``torch.backends.quantized.engine`` is only switched while packing.
    """

    def __init__(self, linear: torch.nn.Linear, *, engine: str, reduce_range: bool):
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.engine, self.reduce_range = engine, reduce_range
        weight = linear.weight.detach().float()
        scales = (weight.abs().amax(dim=1) / 127.0).clamp(min=1e-12).double()
        bias = None if linear.bias is None else linear.bias.detach().float()
        with _engine(engine), warnings.catch_warnings():
            # torch flags every quantized-tensor constructor as deprecated (in favour of torchao).
            warnings.filterwarnings("ignore", message=r".*quantized tensor.*deprecated", category=UserWarning)
            qweight = torch.quantize_per_channel(
                weight, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8
            )
            self._packed = torch.ops.quantized.linear_prepack(qweight, bias)

    def weight_scales(self) -> torch.Tensor:
        """The per-output-channel weight scales ([out_features])."""
        qweight, _ = torch.ops.quantized.linear_unpack(self._packed)
        return qweight.q_per_channel_scales()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic(x, self._packed, reduce_range=self.reduce_range).to(x.dtype)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, engine={self.engine}, "
            f"reduce_range={self.reduce_range}"
        )


def quantize_int8(model: torch.nn.Module, *, within: str = "encoder") -> torch.nn.Module:
    """``model`` with every ``nn.Linear`` under its ``within`` submodule replaced, in place, by ``Int8Linear``.

    The token and sequence heads stay float32: they are a sliver of the compute, and their few outputs per token
    are what the labels are read from.
    """
    engine, reduce_range = int8_engine()
    root = model.get_submodule(within)
    targets = [(name, m) for name, m in root.named_modules() if isinstance(m, torch.nn.Linear)]
    for name, linear in targets:
        parent, _, child = name.rpartition(".")
        setattr(
            root.get_submodule(parent) if parent else root,
            child,
            Int8Linear(linear, engine=engine, reduce_range=reduce_range),
        )
    logger.info(
        "int8: %d Linear layers of the %s (engine %s, %d-bit inputs); heads in float32",
        len(targets),
        within,
        engine,
        7 if reduce_range else 8,
    )
    return model
