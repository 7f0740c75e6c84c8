"""A saved model folder, checked before anything trusts it: config, safetensors weights, tokenizer.

Every failure is a ``ModelLoadError`` naming the file and the fix. Pickle weights are refused (they can run code
when loaded) and remote code is never enabled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from transformers import AutoTokenizer

from inference.model.configuration import TOKEN, ConflictEventsConfig
from inference.model.modeling import ConflictEventsModel
from inference.model.tokenizer_check import missing_tokenizer_files, tokenizer_mismatch
from inference.text.windows import check_overflow_windows

_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


class ModelLoadError(RuntimeError):
    """A model folder that cannot be used; the message names the file and the fix."""


def weights_files(folder: Path) -> list[Path]:
    """The safetensors file(s) of a model folder; refuses pickle-only folders."""
    single, index = folder / "model.safetensors", folder / "model.safetensors.index.json"
    if single.is_file():
        return [single]
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
        except (ValueError, KeyError, TypeError) as e:
            raise ModelLoadError(
                f"{index} is not a valid safetensors index ({e}); copy the model folder again"
            ) from e
        missing = [s for s in shards if not (folder / s).is_file()]
        if missing:
            raise ModelLoadError(
                f"{index} lists shards that are missing from {folder}: {missing}; copy them too"
            )
        return [folder / s for s in shards]
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in _PICKLE_SUFFIXES)
    if pickles:
        raise ModelLoadError(
            f"{folder} has only pickle weights ({', '.join(pickles)}); pickles can run code when loaded, so they are "
            "refused. Convert them once, somewhere you trust the file: "
            f"ConflictEventsModel.from_pretrained('{folder}', use_safetensors=False).save_pretrained('{folder}') "
            "writes model.safetensors"
        )
    raise ModelLoadError(
        f"{single} is missing: point at a folder written by save_pretrained "
        "(config.json, model.safetensors and the tokenizer files)"
    )


def weights_sha256(files: list[Path]) -> str:
    """SHA-256 of the weights (of the concatenated shards, in name order, for a sharded model)."""
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def load_config(folder: Path) -> ConflictEventsConfig:
    path = folder / "config.json"
    if not path.is_file():
        raise ModelLoadError(
            f"{path} is missing: point at a folder written by save_pretrained "
            "(config.json, model.safetensors and the tokenizer files)"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelLoadError(
            f"{path} is not valid JSON ({e}): the file is corrupt; copy the model folder again"
        ) from e
    if raw.get("model_type") != ConflictEventsConfig.model_type:
        raise ModelLoadError(
            f"{path} describes a '{raw.get('model_type')}' model, not a conflict-events model "
            f"(model_type '{ConflictEventsConfig.model_type}'): point at a folder saved by training"
        )
    try:
        return ConflictEventsConfig.from_pretrained(folder)
    except (ValueError, TypeError, KeyError) as e:
        raise ModelLoadError(f"{path} is not a usable conflict-events config: {e}") from e


def _weight_heads(weights: list[Path]) -> dict[str, int] | None:
    """Head name -> output rows, read from the safetensors headers; None when a header cannot be read."""
    from safetensors import safe_open

    rows: dict[str, int] = {}
    try:
        for path in weights:
            with safe_open(str(path), framework="pt") as f:
                for key in f.keys():
                    parts = key.split(".")
                    if len(parts) == 3 and (parts[0], parts[2]) in (
                        ("token_heads", "weight"),
                        ("sequence_heads", "label_vectors"),
                    ):
                        rows[parts[1]] = f.get_slice(key).get_shape()[0]
    except Exception:  # a damaged file: the full load below names it
        return None
    return rows


def check_heads(folder: Path, config: ConflictEventsConfig, weights: list[Path]) -> None:
    """The config's heads (names, label counts) must be the ones the weights were trained with."""
    found = _weight_heads(weights)
    if found is None:
        return
    wanted = {s.name: s.num_outputs for s in config.head_specs}
    problems = [f"head '{h}' is in the config but not in the weights" for h in wanted if h not in found]
    problems += [f"head '{h}' is in the weights but not in the config" for h in found if h not in wanted]
    for h in wanted:
        if h in found and found[h] != wanted[h]:
            what = "BIO tags" if config.head(h).kind == TOKEN else "labels"
            problems.append(f"head '{h}' has {wanted[h]} {what} in the config but {found[h]} in the weights")
    if problems:
        raise ModelLoadError(
            f"{folder / 'config.json'} does not match {weights[0].name}: {'; '.join(problems)}. The config was "
            "edited or comes from another model: put back the config.json saved with these weights "
            "(or train again with the heads you want)"
        )


def load_model_and_tokenizer(folder: Path, config: ConflictEventsConfig, weights: list[Path]):
    """The model (float32, eval mode not set) and its fast tokenizer from a checked folder."""
    check_heads(folder, config, weights)
    try:
        model, info = ConflictEventsModel.from_pretrained(
            folder, config=config, use_safetensors=True, output_loading_info=True
        )
    except Exception as e:  # safetensors/transformers raise many types for a damaged file
        names = ", ".join(str(w) for w in weights)
        raise ModelLoadError(
            f"{names} could not be loaded ({type(e).__name__}: {e}); the file is corrupt, "
            "truncated or from another model: copy the model folder again or re-save it"
        ) from e
    if info.get("missing_keys") or info.get("mismatched_keys"):
        raise ModelLoadError(
            f"{weights[0]} does not fit {folder / 'config.json'}: missing "
            f"{sorted(info.get('missing_keys') or [])[:5]}, mismatched "
            f"{sorted(info.get('mismatched_keys') or [])[:5]}: re-save the model folder"
        )
    missing = missing_tokenizer_files(folder)
    if missing:
        raise ModelLoadError(missing)
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    except Exception as e:
        raise ModelLoadError(
            f"no usable tokenizer in {folder} ({type(e).__name__}: {e}): save it next to the "
            f"model with tokenizer.save_pretrained('{folder}')"
        ) from e
    if not getattr(tokenizer, "is_fast", False):
        raise ModelLoadError(
            f"the tokenizer in {folder} is not a fast (tokenizers) tokenizer, which character "
            "offsets need: save a tokenizer.json with it"
        )
    try:
        check_overflow_windows(tokenizer)
    except RuntimeError as e:
        raise ModelLoadError(str(e)) from None
    mismatch = tokenizer_mismatch(
        folder, config, tokenizer, model.encoder.get_input_embeddings().num_embeddings
    )
    if mismatch or tokenizer.pad_token_id is None:
        raise ModelLoadError(
            mismatch
            or f"the tokenizer in {folder} has no padding token: copy the tokenizer files saved with the model"
        )
    return model, tokenizer
