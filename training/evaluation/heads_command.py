"""``conflict-eval heads``: score a saved model's heads on labelled data, exactly as training scores its dev sets.

    conflict-eval heads --model runs/default --data dev.jsonl [--heads entities,roles] [--out scores.json]
    conflict-eval heads --model runs/default --dataset re3d --root ../shared/data [--split dev]

Every head of the model that the data annotates is scored (strict span P/R/F1 for token heads, accuracy and
micro / macro / weighted F1 for sequence heads, example-based F1 for multi-label heads, per label) with the span
and label decoding inference uses and the thresholds saved in the model. Data whose labels the model never had is
one clear error, not silent misses.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from inference.model.configuration import TOKEN, HeadSpec
from training.data.canonical import DataError, Example, load_examples
from training.data.mix import DevSet, fill_none_labels
from training.evaluation.command import CommandError, load_data_and_tagger
from training.evaluation.dev_scores import evaluate, summary_lines
from training.evaluation.reporting import write_json


def check_eval_labels(specs: list[HeadSpec], examples: list[Example], source: str, model: str) -> None:
    """Evaluating a saved model on data with labels its heads do not know would score them silently as errors:
    one DataError naming the data file, the example, the model and the fix instead."""
    by_name = {s.name: s for s in specs}
    for ex in examples:
        found = [(f"spans.{h}", h, x[2]) for h, spans in ex.spans.items() if h in by_name for x in spans]
        found += [(f"labels.{h}", h, x) for h, labels in ex.labels.items() if h in by_name for x in labels]
        for fld, head, label in found:
            if label not in by_name[head].labels:
                raise DataError(
                    f"example '{ex.id}': label '{label}' is not a label of head '{head}' of the model {model} "
                    f"(its labels: {by_name[head].labels}): the model was trained with a different label set "
                    "than this data; evaluate a model trained with these labels, or map the data's labels to "
                    "the model's first",
                    file=source,
                    field=fld,
                )


def load_labelled(args) -> tuple[list[Example], str]:
    """The examples to score: a canonical JSONL (``--data``) or a converter's split (``--dataset``, ``--root``)."""
    if args.data:
        return load_examples(args.data), str(args.data)
    from training.data.registry import get_converter

    try:
        converter = get_converter(args.dataset)
    except KeyError as e:
        raise ValueError(str(e.args[0])) from None
    conversion = converter(args.root, skip_bad=True)
    if args.split not in conversion.splits:
        raise ValueError(
            f"dataset '{args.dataset}' has no '{args.split}' split (it has: {', '.join(sorted(conversion.splits))})"
        )
    return conversion.splits[args.split], f"{args.dataset}:{args.split} ({args.root})"


def annotated_heads(examples: list[Example], specs) -> list[str]:
    """Heads of the model that at least one example annotates (spans for token heads, labels for the others)."""
    return [
        s.name
        for s in specs
        if any(s.name in (ex.spans if s.kind == TOKEN else ex.labels) for ex in examples)
    ]


def score_heads(
    model,
    tokenizer,
    examples: list[Example],
    heads: list[str],
    source: str,
    model_name: str,
    *,
    batch_size: int = 32,
) -> dict[str, dict[str, Any]]:
    """``{head: metrics}`` of ``heads`` on ``examples`` (checked against the model's labels first)."""
    specs = [s for s in model.config.head_specs if s.name in heads]
    check_eval_labels(specs, examples, source, model_name)
    fill_none_labels(examples, specs)
    result = evaluate(model, tokenizer, [DevSet("data", examples, heads, source)], batch_size=batch_size)
    return result.scores.get("data", {})


def meta_filter(where: str) -> tuple[str, set[str]]:
    """``"source=ceha,glocon_sentence"`` -> ``("source", {"ceha", "glocon_sentence"})``."""
    key, sep, values = where.partition("=")
    wanted = {v.strip() for v in values.split(",") if v.strip()}
    if not sep or not key.strip() or not wanted:
        raise CommandError(
            f"--where {where!r}: expected KEY=VALUE[,VALUE...], e.g. source=ceha,glocon_sentence"
        )
    return key.strip(), wanted


def run_heads(args) -> int:
    where = meta_filter(args.where) if getattr(args, "where", None) else None
    examples, source, tagger = load_data_and_tagger(load_labelled, args)
    if where is not None:
        key, wanted = where
        seen = sorted({str(ex.meta.get(key)) for ex in examples})
        examples = [ex for ex in examples if str(ex.meta.get(key)) in wanted]
        if not examples:
            raise CommandError(
                f"no example of {source} has meta {key!r} in {sorted(wanted)} (it has: {seen[:20]})"
            )
        source = f"{source} where {key} in {sorted(wanted)}"
    specs = tagger.model.config.head_specs
    heads = annotated_heads(examples, specs)
    if args.heads:
        wanted = [h.strip() for h in args.heads.split(",") if h.strip()]
        unknown = [h for h in wanted if h not in {s.name for s in specs}]
        if unknown:
            raise CommandError(
                f"--heads {unknown} are not heads of {args.model} (its heads: {[s.name for s in specs]})"
            )
        heads = [h for h in heads if h in wanted]
    if not heads:
        raise CommandError(
            f"{source} annotates none of the heads of {args.model} "
            f"({[s.name for s in specs]}); its examples need spans or labels under those names"
        )
    t0 = time.perf_counter()
    try:
        scores = score_heads(
            tagger.model, tagger.tokenizer, examples, heads, source, args.model, batch_size=args.batch_size
        )
    except DataError as e:
        raise CommandError(str(e)) from None
    print(f"{len(examples)} examples from {source}, model {args.model} ({time.perf_counter() - t0:.1f} s)")
    for line in summary_lines_for(scores, specs):
        print(line)
    if args.out:
        write_json(
            Path(args.out),
            {"data": source, "model": tagger.model_info, "examples": len(examples), "scores": scores},
        )
    return 0


def summary_lines_for(scores: dict[str, dict[str, Any]], specs) -> list[str]:
    """One line per head, then each label's F1 and support."""
    from training.evaluation.dev_scores import EvalResult

    lines = []
    for line, metrics in zip(summary_lines(EvalResult(scores={"data": scores}), specs), scores.values()):
        lines.append(line.replace(" on data ", " "))
        per_label = metrics.get("per_label") or {}
        lines.extend(
            f"  {label:<32} F1 {m['f1']:.3f}  support {m.get('support', '-')}"
            for label, m in per_label.items()
        )
    return lines
