"""The Tagger's speed internals keep results exact: pass packing, the single-window fast path, span decoding."""

import numpy as np
import pytest
import torch

from inference import Tagger
from inference.decode.spans import decode_spans, merge_window_probs
from inference.model.quantize import Int8Linear, cpu_has_vnni
from inference.prediction import CPU_PASS_TOKENS
from inference.text.windows import plan_passes, tokenize_windows


@pytest.fixture(scope="module")
def tagger(tiny_model):
    return Tagger.from_pretrained(tiny_model, device="cpu")


def _windows(tagger, texts):
    return tokenize_windows(tagger.tokenizer, texts, max_length=tagger.max_length, stride=tagger.stride)


@pytest.mark.parametrize("batch_size", [1, 3, 32, 1000])
def test_passes_cover_every_window_once_longest_first_within_the_token_budget(tagger, batch_size):
    texts = [
        "Police arrested two men.",
        "the rebels fired " * 40,
        "Short.",
        "",
        "the army attacked the town " * 3,
    ]
    windows = _windows(tagger, texts * 5)
    budget = min(batch_size * tagger.max_length, CPU_PASS_TOKENS)
    batches = plan_passes([len(w) for w in windows], budget)
    assert sorted(i for b in batches for i in b) == list(range(len(windows)))
    lengths = [len(windows[i]) for b in batches for i in b]
    assert lengths == sorted(lengths, reverse=True)
    for b, nxt in zip(batches, batches[1:] + [None]):
        assert len(b) * len(windows[b[0]]) <= budget or len(b) == 1
        if nxt is not None:  # passes are filled: the next window would not have fitted
            assert (len(b) + 1) * len(windows[b[0]]) > budget
    if batch_size == 1000:  # the CPU cap, not batch_size, bounds the pass
        assert len(batches) > 1


def test_single_window_fast_path_equals_merging(tagger):
    texts = ["Rebels attacked the northern village on Monday.", "Two men were arrested in the capital."]
    windows = _windows(tagger, texts)
    probs, in_order, _, _ = tagger.predictor._encode(windows, batch_size=8)
    bio = tagger.config.head("entities").bio_labels
    for i in range(len(windows)):
        assert in_order[i]
        single = probs.window("entities", i)
        merged = merge_window_probs([single])
        assert np.array_equal(single[0], merged[0].astype(np.float32))
        assert np.array_equal(single[1], merged[1]) and np.array_equal(single[2], merged[2])
        assert decode_spans(*single, bio) == decode_spans(*merged, bio)


def test_decode_spans_reads_words_and_scores_means():
    bio = ["O", "B-Location", "I-Location", "B-Person", "I-Person"]
    probs = np.array(
        [
            [0.1, 0.8, 0.05, 0.05, 0.0],  # "north" B-Location
            [0.1, 0.1, 0.6, 0.1, 0.1],  # "##ern" (same word): extends, no score
            [0.2, 0.0, 0.7, 0.1, 0.0],  # "village" I-Location
            [0.9, 0.0, 0.0, 0.1, 0.0],  # "on" O
            [0.1, 0.0, 0.0, 0.3, 0.6],  # "Smith" I-Person after O is invalid: the best valid tag is B-Person
        ]
    )
    offsets = [(0, 5), (5, 8), (9, 16), (17, 19), (20, 25)]
    spans = decode_spans(probs, offsets, [0, 0, 1, 2, 3], bio)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 16, "Location"), (20, 25, "Person")]
    assert spans[0].score == pytest.approx((0.8 + 0.7) / 2) and spans[1].score == pytest.approx(0.3)
    assert decode_spans(np.zeros((0, 0)), [], [], bio) == []


def test_int8_quantizes_the_encoder_linears_per_output_channel_and_keeps_heads_float(tiny_model, tagger):
    q = Tagger.from_pretrained(tiny_model, device="cpu", quantize="int8")
    assert isinstance(q.model.token_heads["entities"], torch.nn.Linear)  # heads stay float32
    layers = dict(q.model.encoder.named_modules())
    floats = dict(tagger.model.encoder.named_modules())
    int8 = [name for name, m in layers.items() if isinstance(m, Int8Linear)]
    assert int8 and sorted(int8) == sorted(n for n, m in floats.items() if isinstance(m, torch.nn.Linear))
    for name in int8:
        expected = floats[name].weight.abs().amax(dim=1) / 127.0
        assert torch.allclose(layers[name].weight_scales().float(), expected, rtol=1e-5)


@pytest.mark.parametrize("engine, reduce_range", [("onednn", False), ("x86", True), ("fbgemm", True)])
def test_int8_linear_is_close_to_float(engine, reduce_range):
    if engine not in torch.backends.quantized.supported_engines:
        pytest.skip(f"torch has no {engine} quantized engine here")
    if not reduce_range and not cpu_has_vnni():
        # 8-bit inputs saturate without VNNI's int8 dot products; int8_engine never picks them there
        pytest.skip("this CPU has no VNNI/AMX: int8 inputs of full range are not used here")
    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    x = torch.randn(3, 10, 64)
    before = torch.backends.quantized.engine
    q = Int8Linear(linear, engine=engine, reduce_range=reduce_range)
    assert torch.backends.quantized.engine == before  # the engine is only switched while packing
    ref = linear(x)
    out = q(x)
    assert out.shape == ref.shape and out.dtype == torch.float32
    # 8-bit inputs halve the error of 7-bit ones; both stay within a few percent.
    assert (out - ref).norm() / ref.norm() < (0.015 if not reduce_range else 0.03)


def test_int8_engine_is_onednn_with_8_bit_inputs_only_on_vnni(monkeypatch):
    import inference.model.quantize as quantize

    monkeypatch.setattr(quantize, "cpu_has_vnni", lambda: False)
    assert quantize.int8_engine() == (torch.backends.quantized.engine, True)
    monkeypatch.setattr(quantize, "cpu_has_vnni", lambda: True)
    if "onednn" in torch.backends.quantized.supported_engines:
        assert quantize.int8_engine() == ("onednn", False)
