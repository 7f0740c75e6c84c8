"""Training configs: base.yaml is complete, shipped configs load, errors name the key, the file and a fix."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from training.config import (
    BASE_CONFIG,
    PROJECT_ROOT,
    ConfigError,
    EarlyStopping,
    HeadConfig,
    TrainConfig,
    TrainingConfig,
    load_config,
)

SHIPPED = [p for p in sorted((PROJECT_ROOT / "configs").glob("*.yaml")) if p.name != "base.yaml"] + sorted(
    (PROJECT_ROOT / "configs" / "benchmarks").glob("*.yaml")
)
HEAD = {"kind": "token", "labels": ["Location"], "datasets": [{"path": "examples/sample/train.jsonl"}]}


def _write(tmp_path: Path, data: dict, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_base_yaml_states_every_key_with_a_default():
    base = yaml.safe_load(BASE_CONFIG.read_text(encoding="utf-8"))
    assert set(base) == _fields(TrainingConfig)
    assert set(base["head_defaults"]) == _fields(HeadConfig)
    assert set(base["train"]) == _fields(TrainConfig)
    assert set(base["train"]["early_stopping"]) == _fields(EarlyStopping)
    # and the defaults agree with the dataclasses' own
    for cls, section in ((TrainConfig, base["train"]), (HeadConfig, base["head_defaults"])):
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                assert section[f.name] == f.default, f"{cls.__name__}.{f.name}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_configs_load(path):
    loaded = load_config(path)
    assert loaded.config.heads and loaded.files[0].endswith("base.yaml")
    es = loaded.config.train.early_stopping.metric
    assert es is None or es.split("/")[0] in loaded.config.heads


def test_overrides_merge_deeply_and_set_parses_yaml(tmp_path):
    path = _write(tmp_path, {"heads": {"ent": HEAD}, "train": {"epochs": 5}})
    loaded = load_config(
        path, ["train.lr=3e-5", "train.early_stopping.patience=2", "heads.ent.loss_weight=2"]
    )
    cfg = loaded.config
    assert cfg.train.lr == pytest.approx(3e-5) and cfg.train.epochs == 5
    assert cfg.train.batch_size == 16  # from base.yaml
    assert cfg.train.early_stopping.patience == 2 and cfg.train.early_stopping.mode == "max"
    assert cfg.heads["ent"].loss_weight == 2.0 and cfg.heads["ent"].kind == "token"
    assert cfg.heads["ent"].datasets[0].weight == 1.0  # dataclass default
    saved = loaded.to_saved_dict()
    assert saved["config_files"][-1].endswith("run.yaml") and saved["overrides"][0] == "train.lr=3e-5"
    assert saved["heads"]["ent"]["datasets"] == [{"path": "examples/sample/train.jsonl"}]  # as written


def test_unknown_key_names_key_file_and_closest_key(tmp_path):
    path = _write(tmp_path, {"heads": {"ent": HEAD}, "train": {"epoch": 2}})
    with pytest.raises(ConfigError) as err:
        load_config(path)
    msg = str(err.value)
    assert "train.epoch" in msg and str(path.name) in msg and "did you mean 'epochs'" in msg
    nested = _write(
        tmp_path, {"heads": {"ent": {**HEAD, "datasets": [{"path": "x.jsonl", "wieght": 2}]}}}, "b.yaml"
    )
    with pytest.raises(ConfigError, match=r"heads\.ent\.datasets\[0\]\.wieght.*did you mean 'weight'") as err:
        load_config(nested)
    assert err.value.file.endswith("b.yaml")


def test_set_of_unknown_key_is_the_same_error(tmp_path):
    path = _write(tmp_path, {"heads": {"ent": HEAD}})
    with pytest.raises(ConfigError, match=r"train\.lrr: unknown key 'lrr' \(did you mean 'lr'\?\)") as err:
        load_config(path, ["train.lrr=1"])
    assert err.value.file == "--set"
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(path, ["train.lr"])


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("train.batch_size=eight", "train.batch_size: expected a valid integer"),
        ("train.class_balanced=3", "train.class_balanced: expected a valid boolean"),
        ("heads.ent.labels=Location", "heads.ent.labels: expected a valid list"),
        ("train.early_stopping.mode=up", "mode: expected 'max' or 'min'"),
        ("train.batch_size=0", "batch_size: expected greater than or equal to 1"),
        ("heads.ent.kind=span", "kind: expected 'token' or 'sequence'"),
        ("stride=300", "stride must be in [0, max_length - 2)"),
    ],
)
def test_bad_values_say_what_was_expected(tmp_path, override, fragment):
    path = _write(tmp_path, {"heads": {"ent": HEAD}})
    with pytest.raises(ConfigError) as err:
        load_config(path, [override])
    assert fragment in str(err.value)
    assert err.value.file == "--set"


def test_type_error_names_the_file_that_set_the_value(tmp_path):
    _write(tmp_path, {"heads": {"ent": HEAD}, "train": {"lr": "fast"}}, "parent.yaml")
    child = _write(tmp_path, {"base": "parent.yaml", "seed": 3}, "child.yaml")
    with pytest.raises(ConfigError) as err:
        load_config(child)
    assert err.value.file.endswith("parent.yaml") and err.value.key == "train.lr"
    loaded = load_config(_write(tmp_path, {"base": "parent.yaml", "train": {"lr": 0.1}}, "fixed.yaml"))
    assert loaded.config.train.lr == 0.1 and [Path(f).name for f in loaded.files] == [
        "base.yaml",
        "parent.yaml",
        "fixed.yaml",
    ]
    loop = _write(tmp_path, {"base": "loop.yaml"}, "loop.yaml")
    with pytest.raises(ConfigError, match="loops"):
        load_config(loop)


@pytest.mark.parametrize(
    "ref, fragment",
    [
        ({"name": "news_dev"}, "dev-only"),
        ({"name": "acled", "split": "dev"}, "never train on dev"),
        ({"name": "acled", "path": "x.jsonl"}, "exactly one of"),
    ],
)
def test_training_on_held_out_data_is_refused(tmp_path, ref, fragment):
    path = _write(tmp_path, {"heads": {"ent": {**HEAD, "datasets": [ref]}}})
    with pytest.raises(ConfigError, match=fragment) as err:
        load_config(path)
    assert err.value.key.startswith("heads.ent.datasets[0]")


def test_unknown_dataset_name_lists_the_known_ones(tmp_path):
    from training.data.mix import build_training_pool

    path = _write(tmp_path, {"heads": {"ent": {**HEAD, "datasets": [{"name": "acledd"}]}}})
    loaded = load_config(path)
    with pytest.raises(ConfigError) as err:
        build_training_pool(loaded)
    msg = str(err.value)
    assert "unknown dataset 'acledd'" in msg and "acled" in msg and "heads.ent.datasets[0].name" in msg
    assert err.value.file.endswith("run.yaml")


def test_relative_paths_resolve_from_the_project_root_when_not_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded = load_config(PROJECT_ROOT / "configs" / "tiny.yaml")
    path = loaded.resolve_path("examples/sample/train.jsonl", "heads.entities.datasets[0].path")
    assert path == (PROJECT_ROOT / "examples/sample/train.jsonl").resolve()
    with pytest.raises(ConfigError, match=r"'nowhere\.jsonl' not found \(looked in"):
        loaded.resolve_path("nowhere.jsonl", "heads.entities.datasets[0].path")


@pytest.mark.parametrize("section, cls", [("", TrainingConfig), ("train.", TrainConfig)])
def test_a_wrong_type_for_any_key_names_the_key_and_what_was_expected(tmp_path, section, cls):
    path = _write(tmp_path, {"heads": {"ent": HEAD}})
    for f in dataclasses.fields(cls):
        with pytest.raises(ConfigError) as err:
            load_config(path, [f"{section}{f.name}=[[1]]"])  # a list of lists: no key takes one
        assert err.value.key.startswith(f"{section}{f.name}") and err.value.file == "--set"
        assert "expected" in err.value.reason, str(err.value)


def test_head_labels_come_from_the_schema_an_explicit_list_or_the_data(tmp_path):
    from training.data.canonical import Example
    from training.heads import resolve_heads

    schema = tmp_path / "schema.yaml"
    schema.write_text(
        yaml.safe_dump(
            {
                "ev": {"none": "no event", "Battles": "armed groups fight"},
                "sub": {
                    "none": {"parent": "none"},
                    "Armed clash": {"parent": "Battles", "description": "firefight"},
                },
            },
            sort_keys=False,
        )
    )
    data = {
        "heads": {
            "ev": {
                "schema": str(schema),
                "descriptions": {"none": "nothing happened"},
                "datasets": [{"path": "x"}],
            },
            "sub": {"schema": str(schema), "parent": "ev", "datasets": [{"path": "x"}]},
            "topic": {"problem_type": "multi_label", "datasets": [{"path": "x"}]},
            "ent": {"kind": "token", "labels": ["Location"], "datasets": [{"path": "x"}]},
        }
    }
    loaded = load_config(_write(tmp_path, data))
    pool = [Example("a", "t", labels={"topic": ["b", "a"]}), Example("b", "t", labels={"topic": []})]
    specs = {s.name: s for s in resolve_heads(loaded, pool)}
    assert specs["ev"].labels == ["none", "Battles"]
    assert specs["ev"].descriptions == {"none": "nothing happened", "Battles": "armed groups fight"}
    assert specs["sub"].parent == "ev" and specs["sub"].parent_map == {
        "none": "none",
        "Armed clash": "Battles",
    }
    assert specs["sub"].descriptions == {"Armed clash": "firefight"}
    assert specs["topic"].labels == ["a", "b"] and specs["topic"].problem_type == "multi_label"
    assert specs["ent"].labels == ["Location"] and specs["ent"].kind == "token"


@pytest.mark.parametrize(
    "head, fragment",
    [
        ({"schema": "SCHEMA", "schema_key": "nope"}, "has no section 'nope'"),
        ({"schema": "SCHEMA", "labels": ["none", "Riots"]}, "labels ['Riots'] are not in schema"),
        ({"labels": ["none"]}, "at least two labels"),
    ],
)
def test_head_label_errors_name_the_head(tmp_path, head, fragment):
    from training.heads import resolve_heads

    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump({"ev": {"none": "no event", "Battles": "fight"}}))
    head = {k: (str(schema) if v == "SCHEMA" else v) for k, v in head.items()}
    loaded = load_config(_write(tmp_path, {"heads": {"ev": {**head, "datasets": [{"path": "x"}]}}}))
    with pytest.raises(ConfigError) as err:
        resolve_heads(loaded, [])
    assert fragment in str(err.value) and err.value.key.startswith("heads.ev")


def test_paths_are_resolved_at_load_beside_the_config_that_set_them(tmp_path, monkeypatch):
    (tmp_path / "exp").mkdir()
    (tmp_path / "exp" / "data.jsonl").write_text("")
    path = _write(tmp_path / "exp", {"heads": {"ent": {**HEAD, "datasets": [{"path": "data.jsonl"}]}}})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(path, ["dev=[{path: nowhere.jsonl}]"]).config
    assert cfg.heads["ent"].datasets[0].path == tmp_path / "exp" / "data.jsonl"
    assert cfg.dev[0].path == elsewhere / "nowhere.jsonl"  # not found: --set values are relative to the cwd


def test_a_packaged_config_loads_by_name_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    by_name = load_config("tiny")
    assert by_name.config == load_config(PROJECT_ROOT / "configs" / "tiny.yaml").config
    assert (
        by_name.config.heads["event_type"].schema == (PROJECT_ROOT / "configs/schemas/acled.yaml").resolve()
    )
    with pytest.raises(
        ConfigError, match=r"config file not found: tiyn \(packaged configs: default, demo, tiny\)"
    ):
        load_config("tiyn")
