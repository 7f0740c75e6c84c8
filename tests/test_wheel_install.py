"""A wheel, installed where the source tree cannot be seen, trains the packaged tiny config and tags with the result.

Builds the wheel from a copy of the working tree (so the checkout gets no build/ or egg-info), installs it with
``--no-deps`` into a fresh venv whose only view of third-party packages is a ``.pth`` line naming this venv's
site-packages (a plain path line: the editable install's finder there is never activated), then runs the console
scripts from an empty folder. About 1-2 minutes on 2 busy cores (wheel ~10 s, install ~5 s, training and tagging
the rest).
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LIST_TINY_PATHS = """
from training.config import CONFIG_DIR, load_config
cfg = load_config(CONFIG_DIR / "tiny.yaml").config
for head in cfg.heads.values():
    print(head.schema or head.datasets[0].path)
print(cfg.dev[0].path)
"""
ARTICLE = "Gunmen attacked a police post in Maiduguri on Monday, killing two officers, the army said.\n"


def _copy_tree(dest: Path) -> None:
    """The files git would commit (tracked and new, not ignored), links kept as links."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for rel in filter(None, (name.decode() for name in listed)):
        src = PROJECT_ROOT / rel
        if not src.is_symlink() and not src.exists():  # deleted in the working tree, not yet committed
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel, follow_symlinks=False)


def _run(cmd: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_wheel_trains_the_packaged_tiny_config_and_tags_from_anywhere(tmp_path):
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.fail("this test builds the wheel from a git checkout")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_DATASETS_OFFLINE="1", OMP_NUM_THREADS="1")
    src, dist, venv, work = (tmp_path / name for name in ("src", "dist", "venv", "work"))
    _copy_tree(src)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, src],
        tmp_path,
        env,
    )
    (wheel,) = dist.glob("conflict_events-*.whl")

    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path, env
        ).stdout.strip()
    )
    (site / "third_party.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel], tmp_path, env
    )

    work.mkdir()
    where = _run(
        [python, "-c", "import training, inference; print(training.__file__); print(inference.__file__)"],
        work,
        env,
    )
    for file in where.stdout.split():
        assert Path(file).resolve().is_relative_to(site.resolve()), f"imported from {file}, not the wheel"

    # the packaged tiny.yaml by path: its schema and sample data resolve inside the installed package
    paths = _run([python, "-c", LIST_TINY_PATHS], work, env).stdout.split()
    assert len(paths) == 5 and all(
        Path(p).is_file() and Path(p).is_relative_to(site.resolve()) for p in paths
    )

    train = _run(
        [
            venv / "bin" / "conflict-train",
            "tiny",
            "-o",
            "model",
            "--set",
            "train.epochs=1",
            "--set",
            "train.zero_shot_baseline=false",
        ],
        work,
        env,
    )
    assert (work / "model" / "config.json").is_file(), train.stdout + train.stderr
    config = json.loads((work / "model" / "config.json").read_text(encoding="utf-8"))
    assert [h["name"] for h in config["heads"]] == ["entities", "roles", "event_type", "sub_event_type"]
    assert config["training_config"]["config_files"][-1].endswith("training/configs/tiny.yaml")

    (work / "in.txt").write_text(ARTICLE, encoding="utf-8")
    _run([venv / "bin" / "conflict-tag", "--model", "model", "in.txt", "-o", "out.jsonl", "-q"], work, env)
    records = [json.loads(line) for line in (work / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1 and records[0]["id"] == "in.txt", records
    labels = {h["name"]: h["labels"] for h in config["heads"]}
    for head in ("event_type", "sub_event_type"):  # one label per multi_class head, from the packaged schema
        assert [x["label"] in labels[head] for x in records[0][head]] == [True], records[0][head]
    assert {s["label"] for s in records[0]["entities"]} <= set(labels["entities"])
    assert not (PROJECT_ROOT / "build").exists()
