"""CPU inference benchmark: the Tagger against the transformers pipelines a user would write, on the same weights.

    .venv/bin/python bench/tagging_speed.py [--n 1000] [--model DIR [--dev DEV.jsonl]] [--threads 2]

Measures, on the same N synthetic news-like articles (bench/articles.py, ~300 MiniLM tokens each):
- articles/s and tokens/s of ``Tagger`` (fp32) and of the baseline: one transformers ``pipeline`` per head
  ("token-classification", aggregation_strategy="simple", per token head; "text-classification" per sequence
  head) on per-head HF models that hold the same encoder weights (so the encoder compute per pipeline is equal);
- ``Tagger(quantize="int8")`` against fp32: speed ratio, label agreement, and with ``--model``/``--dev`` the F1
  change per head on a canonical JSONL dev set;
- tokens/s as a share of this machine's fp32 roofline: a matmul micro-benchmark in the same run and the encoder's
  FLOPs per token (formula at ``encoder_flops_per_token``).
The systems run interleaved, block by block in rotating order, so load from other processes hits them alike;
ratios are the point, absolute numbers move with the machine. Writes bench/results/inference.json.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this module would shadow the `inference`
# package: put the repository root there instead.
REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import yaml  # noqa: E402
from transformers import (  # noqa: E402
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    pipeline,
)
from transformers.utils import logging as hf_logging  # noqa: E402

from bench.articles import make_articles  # noqa: E402
from bench.report import cpu_name, write_report  # noqa: E402
from inference import ConflictEventsModel, Tagger  # noqa: E402
from inference.model.configuration import SEQUENCE, TOKEN  # noqa: E402
from training.data.sources.re3d import LABELS as RE3D_LABELS  # noqa: E402

logger = logging.getLogger("bench.tagging_speed")

SCHEMA = REPO / "configs" / "schemas" / "acled.yaml"
ENTITY_LABELS = list(RE3D_LABELS)  # the re3d converter's entity types
ROLE_LABELS = ["S", "T", "R"]


# ---- the model -------------------------------------------------------------------------------------------------
def default_heads(schema_path: Path = SCHEMA) -> list[dict]:
    """The four default heads (configs/default.yaml): entities, roles, and the ACLED heads of the schema."""
    schema = yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    events, subs = schema["event_type"], schema["sub_event_type"]
    return [
        {"name": "entities", "kind": TOKEN, "labels": ENTITY_LABELS},
        {"name": "roles", "kind": TOKEN, "labels": ROLE_LABELS},
        {
            "name": "event_type",
            "kind": SEQUENCE,
            "labels": list(events),
            "descriptions": {k: " ".join(str(v).split()) for k, v in events.items()},
        },
        {
            "name": "sub_event_type",
            "kind": SEQUENCE,
            "labels": list(subs),
            "parent": "event_type",
            "descriptions": {k: " ".join(str(v["description"]).split()) for k, v in subs.items()},
            "parent_map": {k: v["parent"] for k, v in subs.items()},
        },
    ]


def build_default_model(folder: Path) -> Path:
    """MiniLM with the four default heads (label vectors from the schema's descriptions), saved to ``folder``."""
    from training.pretrained import minilm_dir

    torch.manual_seed(0)
    model = ConflictEventsModel.from_encoder(str(minilm_dir()), default_heads())
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(folder)
    return folder


def build_pipelines(tagger: Tagger) -> dict[str, object]:
    """One transformers pipeline per head, each on its own HF model holding a copy of the Tagger's encoder.

    Token heads: ``AutoModelForTokenClassification`` with the head's Linear copied (same BIO labels). Sequence
    heads: ``AutoModelForSequenceClassification``; its pooler and classifier stay random (seeded), since the
    description head has no HF equivalent: the encoder, which is nearly all of the compute, is the same.
    """
    encoder = tagger.model.encoder
    state = encoder.state_dict()
    pipes = {}
    torch.manual_seed(0)
    for head in tagger.heads:
        labels = head.bio_labels if head.kind == TOKEN else head.labels
        config = encoder.config.__class__.from_dict(encoder.config.to_dict())
        config.num_labels = len(labels)
        config.id2label = dict(enumerate(labels))
        config.label2id = {x: i for i, x in enumerate(labels)}
        auto = AutoModelForTokenClassification if head.kind == TOKEN else AutoModelForSequenceClassification
        hf = auto.from_config(config).eval()
        base = getattr(hf, hf.base_model_prefix)
        missing, unexpected = base.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith("pooler.") for k in missing):
            raise RuntimeError(f"encoder weights do not fit the HF model: {missing} {unexpected}")
        if head.kind == TOKEN:
            with torch.no_grad():
                hf.classifier.weight.copy_(tagger.model.token_heads[head.name].weight)
                hf.classifier.bias.copy_(tagger.model.token_heads[head.name].bias)
            pipes[head.name] = pipeline(
                "token-classification",
                model=hf,
                tokenizer=tagger.tokenizer,
                aggregation_strategy="simple",
                device="cpu",
            )
        else:
            pipes[head.name] = pipeline(
                "text-classification", model=hf, tokenizer=tagger.tokenizer, device="cpu"
            )
    return pipes


# ---- compute bounds ------------------------------------------------------------------------------------------
def encoder_flops_per_token(encoder: torch.nn.Module, attended: float) -> float:
    """FLOPs to encode one token: 2 x (weights of the encoder's Linear layers) + 4 x layers x hidden x attended.

    The Linear term is the projections (Q, K, V, output, and the two feed-forward layers); the attention term is
    QK^T and attention x V over ``attended`` positions (the mean length of the sequences the token sits in).
    Embeddings, layer norms, softmax and the heads are left out (under 1% here).
    """
    linear = sum(m.in_features * m.out_features for m in encoder.modules() if isinstance(m, torch.nn.Linear))
    cfg = encoder.config
    return 2.0 * linear + 4.0 * cfg.num_hidden_layers * cfg.hidden_size * attended


def matmul_flops(hidden: int, intermediate: int, *, seconds: float = 0.6) -> dict[str, float]:
    """Measured fp32 FLOP/s of torch matmuls shaped like the encoder's (2048 tokens x its Linear layers)."""
    rates = {}
    for k, n in ((hidden, hidden), (hidden, intermediate), (intermediate, hidden)):
        a, b = torch.randn(2048, k), torch.randn(k, n)
        torch.mm(a, b)
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            torch.mm(a, b)
            reps += 1
        rates[f"2048x{k}x{n}"] = 2.0 * 2048 * k * n * reps / (time.perf_counter() - t0)
    return rates


# ---- the systems ---------------------------------------------------------------------------------------------
class ModelClock:
    """Seconds spent inside the forward passes of some modules (hooks; the modules stay as they are)."""

    def __init__(self, modules: list[torch.nn.Module]):
        self.seconds = 0.0
        self._t0 = 0.0
        for module in modules:
            module.register_forward_pre_hook(self._start)
            module.register_forward_hook(self._stop)

    def _start(self, *_):
        self._t0 = time.perf_counter()

    def _stop(self, *_):
        self.seconds += time.perf_counter() - self._t0


class EventsClock:
    """Seconds the Tagger spends building event records (``inference.tagger.add_events``), per system."""

    def __init__(self):
        import inference.tagger as tagger_module

        self.seconds: dict[str, float] = {}
        self.current: str | None = None
        inner = tagger_module.add_events

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[self.current] = self.seconds.get(self.current, 0.0) + time.perf_counter() - t0

        tagger_module.add_events = timed


def run_pipelines(pipes: dict[str, object], texts: list[str]) -> list[dict]:
    """What a user writes today: every pipeline over every text (batch_size 1, the pipelines' default)."""
    out = {name: pipe(texts) for name, pipe in pipes.items()}
    return [{name: out[name][i] for name in pipes} for i in range(len(texts))]


def timed_blocks(
    systems: dict[str, callable],
    texts: list[str],
    blocks: int,
    clocks: dict[str, ModelClock],
    events: EventsClock,
) -> tuple[list[dict], dict]:
    """Run every system over ``texts`` in ``blocks`` blocks, rotating which system goes first in each block.

    Returns per block ``{"texts": range, system: {"seconds", "model_seconds", "event_records_seconds"}}`` and
    every system's outputs in input order.
    """
    names = list(systems)
    timings: list[dict] = []
    outputs: dict[str, list] = {name: [] for name in names}
    size = -(-len(texts) // blocks)
    for b in range(blocks):
        part = texts[b * size : (b + 1) * size]
        if not part:
            break
        block: dict = {"texts": (b * size, b * size + len(part))}
        for name in names[b % len(names) :] + names[: b % len(names)]:
            model0, events0, t0 = clocks[name].seconds, events.seconds.get(name, 0.0), time.perf_counter()
            result = systems[name](part)
            block[name] = {
                "seconds": time.perf_counter() - t0,
                "model_seconds": clocks[name].seconds - model0,
                "event_records_seconds": events.seconds.get(name, 0.0) - events0,
            }
            outputs[name].extend(result)
        timings.append(block)
        logger.info("block %d/%d: %s", b + 1, blocks, {k: round(block[k]["seconds"], 1) for k in names})
    return timings, outputs


def median_over_blocks(timings: list[dict], value) -> float:
    """Median over blocks of ``value(block)``: one block slowed by other work does not move it."""
    return statistics.median(value(block) for block in timings)


def mean_sequence_lengths(tagger: Tagger, texts: list[str]) -> dict[str, float]:
    """Mean tokens per encoded sequence: the Tagger's sentence windows, and whole articles (the pipelines')."""
    from inference.text.normalize import normalize_text
    from inference.text.sentences import split_sentences
    from inference.text.windows import tokenize_windows

    normed = [normalize_text(t).text for t in texts]
    pieces = [n[a:b] for n in normed for a, b in split_sentences(n)]
    windows = tokenize_windows(tagger.tokenizer, pieces, max_length=tagger.max_length, stride=tagger.stride)
    whole = [len(ids) for ids in tagger.tokenizer(texts, truncation=True)["input_ids"]]
    return {"tagger": sum(len(w) for w in windows) / len(windows), "pipeline": sum(whole) / len(whole)}


# ---- agreement and F1 ----------------------------------------------------------------------------------------
def _span_set(results, head: str) -> set:
    return {(i, s.start, s.end, s.label) for i, r in enumerate(results) for s in r.spans[head]}


def _f1(pred: set, gold: set) -> float:
    if not pred and not gold:
        return 1.0
    tp = len(pred & gold)
    return 2.0 * tp / (len(pred) + len(gold))


def agreement(reference, other, tagger: Tagger) -> dict[str, dict[str, float]]:
    """How far ``other`` results are from ``reference``: span F1 per token head, label agreement per sequence head."""
    out = {}
    for head in tagger.token_heads:
        out[head.name] = {
            "span_f1_vs_reference": _f1(_span_set(other, head.name), _span_set(reference, head.name))
        }
    for head in tagger.sequence_heads:
        sent_pairs = [
            (tuple(x.label for x in a.labels[head.name]), tuple(x.label for x in b.labels[head.name]))
            for ra, rb in zip(reference, other)
            for a, b in zip(ra.sentences, rb.sentences)
        ]
        art_pairs = [
            ({x.label for x in ra.labels[head.name]}, {x.label for x in rb.labels[head.name]})
            for ra, rb in zip(reference, other)
        ]
        out[head.name] = {
            "sentence_label_agreement": sum(a == b for a, b in sent_pairs) / max(1, len(sent_pairs)),
            "article_label_agreement": sum(a == b for a, b in art_pairs) / max(1, len(art_pairs)),
        }
    return out


def identical(reference, other) -> dict[str, float]:
    """Share of articles whose spans and labels (not scores) are the same, and the largest label-score difference."""
    same, diff = 0, 0.0
    for a, b in zip(reference, other):
        ka = (
            {h: [(s.start, s.end, s.label) for s in v] for h, v in a.spans.items()},
            {h: [x.label for x in v] for h, v in a.labels.items()},
            [(s.start, s.end, {h: [x.label for x in v] for h, v in s.labels.items()}) for s in a.sentences],
        )
        kb = (
            {h: [(s.start, s.end, s.label) for s in v] for h, v in b.spans.items()},
            {h: [x.label for x in v] for h, v in b.labels.items()},
            [(s.start, s.end, {h: [x.label for x in v] for h, v in s.labels.items()}) for s in b.sentences],
        )
        same += ka == kb
        for h in a.labels:
            for x, y in zip(a.labels[h], b.labels[h]):
                diff = max(diff, abs(x.score - y.score))
    return {"identical_share": same / max(1, len(reference)), "max_label_score_diff": diff}


def dev_f1(taggers: dict[str, Tagger], dev_paths: list[Path], batch_size: int) -> dict[str, dict[str, float]]:
    """Micro F1 per head on canonical JSONL dev sets: strict spans for token heads, article labels otherwise.

    Each head is scored on the examples that annotate it (an example without the head's key is skipped). A
    multi_class head's empty gold list means ``none`` (``fill_none_labels``, as training's evaluation reads it),
    so an article the model calls ``none`` is a hit, not a false positive.
    """
    from training.data.canonical import load_examples
    from training.data.mix import fill_none_labels

    examples = [ex for path in dev_paths for ex in load_examples(path)]
    fill_none_labels(examples, next(iter(taggers.values())).heads)
    out: dict[str, dict[str, float]] = {}
    for name, tagger in taggers.items():
        results = tagger(
            [{"id": ex.id, "text": ex.text} for ex in examples], batch_size=batch_size, events=False
        )
        for head in tagger.heads:
            pred, gold = set(), set()
            for i, (ex, res) in enumerate(zip(examples, results)):
                if head.kind == TOKEN and head.name in ex.spans:
                    gold |= {(i, int(s[0]), int(s[1]), s[2]) for s in ex.spans[head.name]}
                    pred |= {(i, s.start, s.end, s.label) for s in res.spans[head.name]}
                elif head.kind == SEQUENCE and head.name in ex.labels:
                    gold |= {(i, x) for x in ex.labels[head.name]}
                    pred |= {(i, x.label) for x in res.labels[head.name]}
            if gold:
                out.setdefault(head.name, {})[name] = _f1(pred, gold)
    for scores in out.values():
        for name in [n for n in scores if n != "tagger_fp32" and "tagger_fp32" in scores]:
            scores[f"{name}_minus_fp32_points"] = 100.0 * (scores[name] - scores["tagger_fp32"])
    return out


SECONDARY_MIN_SCORES = (0.5, 0.8, 0.9, 0.95, 1.0, 1.01)  # 1.01: the pooled text's label alone


def article_label_f1(
    tagger: Tagger, dev_paths: list[Path], batch_size: int, thresholds=SECONDARY_MIN_SCORES
) -> dict[str, dict[str, float]]:
    """Article-label micro F1 per sequence head for each ``secondary_min_score`` (how sure a sentence must be of
    a label other than the pooled text's for it to count; above 1: the pooled text's label alone), from one
    prediction pass: the labels are recomputed from the same predictions with ``text_labels``.
    """
    from inference.decode.text_labels import text_labels
    from training.data.canonical import load_examples
    from training.data.mix import fill_none_labels

    examples = [ex for path in dev_paths for ex in load_examples(path)]
    fill_none_labels(examples, tagger.heads)
    heads = [h for h in tagger.predictor.sequence_heads if any(h.name in ex.labels for ex in examples)]
    idx = [i for i, ex in enumerate(examples) if all(h.name in ex.labels for h in heads)]
    if not heads or not idx:
        return {}
    preds = tagger.predictor.predict([examples[i].text for i in idx], batch_size)
    gold = {h.name: {(k, x) for k, i in enumerate(idx) for x in examples[i].labels[h.name]} for h in heads}
    out: dict[str, dict[str, float]] = {h.name: {} for h in heads}
    for tau in thresholds:
        pred = {h.name: set() for h in heads}
        for k, p in enumerate(preds):
            labels: dict[str, set[str]] = {}
            for h in heads:
                parent = labels.get(h.parent) if h.parent else None
                chosen = text_labels(
                    h,
                    p.pooled[h.name],
                    p.sentence_labels[h.name],
                    parent_labels=parent,
                    secondary_min_score=tau,
                )
                labels[h.name] = {x.label for x in chosen}
                pred[h.name] |= {(k, x) for x in labels[h.name]}
        for h in heads:
            out[h.name][f"secondary_min_score={tau:g}"] = _f1(pred[h.name], gold[h.name])
    return out


# ---- main ----------------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000, help="articles (default 1000)")
    p.add_argument(
        "--model", type=Path, help="trained model folder (default: MiniLM + the four default heads)"
    )
    p.add_argument("--dev", type=Path, action="append", help="canonical JSONL dev set for F1 (repeatable)")
    p.add_argument(
        "--tokens", type=int, default=300, help="MiniLM tokens per synthetic article (default 300)"
    )
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument(
        "--batch-size", type=int, default=32, help="Tagger batch_size (default 32, as conflict-tag)"
    )
    p.add_argument("--blocks", type=int, default=10, help="interleaved blocks (default 10)")
    p.add_argument("--check-n", type=int, default=20, help="articles re-tagged in small batches (default 20)")
    p.add_argument("--skip-pipeline", action="store_true", help="leave the pipelines out (Tagger only)")
    p.add_argument("--skip-bf16", action="store_true", help="leave the bfloat16 Tagger out")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic articles")
    p.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "inference.json")
    return p.parse_args(argv)


def load_taggers(folder: Path, bf16: bool) -> dict[str, Tagger]:
    taggers = {
        "tagger_fp32": Tagger.from_pretrained(folder, device="cpu"),
        "tagger_int8": Tagger.from_pretrained(folder, device="cpu", quantize="int8"),
    }
    if bf16:
        taggers["tagger_bf16"] = Tagger.from_pretrained(folder, device="cpu", dtype="bfloat16")
    return taggers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    load_start, t_start = os.getloadavg(), time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench-model-") as tmp:
        taggers = load_taggers(args.model or build_default_model(Path(tmp)), not args.skip_bf16)
    fp32 = taggers["tagger_fp32"]
    tok = fp32.tokenizer

    def count(text: str) -> int:
        return len(tok(text, add_special_tokens=False)["input_ids"])

    texts = make_articles(args.n, count, target_tokens=args.tokens, seed=args.seed)
    tokens = sum(count(t) for t in texts)
    logger.info("%d articles, %.0f tokens each on average", len(texts), tokens / len(texts))

    systems: dict[str, callable] = {}
    clocks: dict[str, ModelClock] = {}
    if not args.skip_pipeline:
        pipes = build_pipelines(fp32)
        systems["pipeline"] = lambda xs: run_pipelines(pipes, xs)
        clocks["pipeline"] = ModelClock([p.model for p in pipes.values()])
    events = EventsClock()
    for name, tagger in taggers.items():

        def run(xs, t=tagger, name=name):
            events.current = name
            return t(xs, batch_size=args.batch_size)

        systems[name] = run
        clocks[name] = ModelClock([tagger.model])
    for run in systems.values():  # warm-up: first calls allocate and pick kernels
        run(texts[:4])
    for clock in clocks.values():
        clock.seconds = 0.0
    events.seconds.clear()

    enc_cfg = fp32.model.encoder.config
    rates = matmul_flops(enc_cfg.hidden_size, enc_cfg.intermediate_size)
    timings, outputs = timed_blocks(systems, texts, args.blocks, clocks, events)
    rates.update(
        {k + " (after)": v for k, v in matmul_flops(enc_cfg.hidden_size, enc_cfg.intermediate_size).items()}
    )
    peak = max(rates.values())

    lengths = mean_sequence_lengths(fp32, texts[:200])
    rows = {}
    counts = [count(t) for t in texts]

    def block_tokens(block: dict) -> int:
        return sum(counts[block["texts"][0] : block["texts"][1]])

    def block_articles(block: dict) -> int:
        return block["texts"][1] - block["texts"][0]

    for name in systems:
        kind = "pipeline" if name == "pipeline" else "tagger"
        passes = len(fp32.heads) if kind == "pipeline" else 1
        flops = encoder_flops_per_token(fp32.model.encoder, lengths[kind])
        tokens_per_s = median_over_blocks(timings, lambda b, n=name: block_tokens(b) / b[n]["seconds"])
        rows[name] = {
            "articles_per_s": median_over_blocks(
                timings, lambda b, n=name: block_articles(b) / b[n]["seconds"]
            ),
            "tokens_per_s": tokens_per_s,
            "model_share": median_over_blocks(
                timings, lambda b, n=name: b[n]["model_seconds"] / b[n]["seconds"]
            ),
            "event_records_share": median_over_blocks(
                timings, lambda b, n=name: b[n]["event_records_seconds"] / b[n]["seconds"]
            ),
            "seconds_all_blocks": sum(b[name]["seconds"] for b in timings),
            "encoder_passes_per_article": passes,
            "mean_sequence_tokens": lengths[kind],
            "encoder_flops_per_token": flops,
            "roofline_share": tokens_per_s * flops * passes / peak,
        }

    def speedup(fast: str, slow: str, key: str = "seconds") -> float:
        return median_over_blocks(timings, lambda b: b[slow][key] / b[fast][key])

    ratios = {f"{name}_vs_tagger_fp32": speedup(name, "tagger_fp32") for name in rows}
    ratios["tagger_int8_vs_fp32_model_time_only"] = speedup("tagger_int8", "tagger_fp32", "model_seconds")
    ratios["tagger_int8_vs_fp32_without_event_records"] = median_over_blocks(
        timings,
        lambda b: (
            (b["tagger_fp32"]["seconds"] - b["tagger_fp32"]["event_records_seconds"])
            / (b["tagger_int8"]["seconds"] - b["tagger_int8"]["event_records_seconds"])
        ),
    )
    if "pipeline" in rows:
        ratios["tagger_fp32_vs_pipeline"] = speedup("tagger_fp32", "pipeline")

    check = min(args.check_n, len(texts))
    small = fp32(texts[:check], batch_size=1, chunk_size=1)
    report = {
        "command": "bench/tagging_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {
            "platform": platform.platform(),
            "processor": cpu_name(),
            "torch": torch.__version__,
            "threads": args.threads,
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },
        "model": str(args.model) if args.model else "MiniLM-L6 + the four default heads (heads untrained)",
        "articles": len(texts),
        "tokens": tokens,
        "tokens_per_article": tokens / len(texts),
        "batch_size": args.batch_size,
        "blocks": args.blocks,
        "roofline": {
            "matmul_flops_per_s": rates,
            "peak_flops_per_s": peak,
            "formula": "FLOPs/token = 2 x sum(in x out of the encoder's Linear layers) + 4 x layers x hidden x "
            "mean sequence tokens; roofline share = tokens/s x FLOPs/token x encoder passes / peak",
        },
        "systems": rows,
        "blocks_timings": timings,
        "ratios": ratios,
        "vs_fp32": {
            name: agreement(outputs["tagger_fp32"], outputs[name], fp32)
            for name in taggers
            if name != "tagger_fp32"
        },
        "fp32_default_vs_small_batches": {
            "articles": check,
            **identical(small, outputs["tagger_fp32"][:check]),
        },
        "dev_f1": dev_f1(taggers, args.dev, args.batch_size) if args.dev else None,
        "article_label_f1_fp32": article_label_f1(fp32, args.dev, args.batch_size) if args.dev else None,
        "total_seconds": time.perf_counter() - t_start,
    }
    write_report(report, args.output, format_table(report))
    return 0


def format_table(report: dict) -> str:
    """The report as a plain-text table."""
    rf, machine = report["roofline"], report["machine"]
    lines = [
        f"{report['articles']} articles x {report['tokens_per_article']:.0f} tokens; {machine['threads']} threads; "
        f"Tagger batch_size {report['batch_size']}; load {machine['loadavg_start'][0]:.2f} -> "
        f"{machine['loadavg_end'][0]:.2f}; OMP_WAIT_POLICY={machine['omp_wait_policy']}",
        f"fp32 matmul peak {rf['peak_flops_per_s'] / 1e9:.0f} GFLOP/s",
        "",
        f"{'system':<13}{'articles/s':>11}{'tokens/s':>10}{'vs fp32':>9}{'in model':>10}{'events':>8}{'passes':>8}"
        f"{'MFLOP/tok':>11}{'roofline':>10}",
    ]
    for name, row in report["systems"].items():
        lines.append(
            f"{name:<13}{row['articles_per_s']:>11.2f}{row['tokens_per_s']:>10.0f}"
            f"{report['ratios'][name + '_vs_tagger_fp32']:>8.2f}x{100 * row['model_share']:>9.0f}%"
            f"{100 * row['event_records_share']:>7.0f}%"
            f"{row['encoder_passes_per_article']:>8}{row['encoder_flops_per_token'] / 1e6:>11.1f}"
            f"{100 * row['roofline_share']:>9.0f}%"
        )
    lines.append("")
    if "tagger_fp32_vs_pipeline" in report["ratios"]:
        lines.append(
            f"Tagger fp32 / pipelines: {report['ratios']['tagger_fp32_vs_pipeline']:.2f}x (target >= 3x)"
        )
    lines.append(
        f"Tagger int8 / fp32:      {report['ratios']['tagger_int8_vs_tagger_fp32']:.2f}x (target >= 1.5x); "
        f"{report['ratios']['tagger_int8_vs_fp32_model_time_only']:.2f}x counting model time only, "
        f"{report['ratios']['tagger_int8_vs_fp32_without_event_records']:.2f}x without event records"
    )
    lines.append(
        f"(every number: the median over the {report['blocks']} interleaved blocks; all blocks in the JSON)"
    )
    check = report["fp32_default_vs_small_batches"]
    lines.append(
        f"fp32, default vs small batches ({check['articles']} articles): {100 * check['identical_share']:.0f}% "
        f"identical spans and labels, largest label-score difference {check['max_label_score_diff']:.1e}"
    )
    for name, heads in report["vs_fp32"].items():
        lines.append(
            f"{name} vs fp32: "
            + ", ".join(f"{h} " + "/".join(f"{100 * v:.1f}%" for v in m.values()) for h, m in heads.items())
        )
    lines.append(
        "  (token heads: span F1 against fp32; sequence heads: same sentence labels / same article labels)"
    )
    if report["dev_f1"]:
        names = [n for n in next(iter(report["dev_f1"].values())) if not n.endswith("points")]
        lines.append(
            "dev F1 "
            + " / ".join(names)
            + ": "
            + ", ".join(
                f"{h} " + " / ".join(f"{100 * s[n]:.1f}" for n in names) for h, s in report["dev_f1"].items()
            )
        )
    for head, scores in (report.get("article_label_f1_fp32") or {}).items():
        lines.append(
            f"article {head} F1 (fp32, by secondary_min_score): "
            + ", ".join(f"{k.split('=')[-1]} {100 * v:.1f}" for k, v in scores.items())
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
