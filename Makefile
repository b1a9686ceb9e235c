# ghminer — the two Quickstart commands are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test train bench browser formats score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Learned models are trained from the annotated data in corpora/ (seconds).
train: install
	$(BIN)/ghminer train

# Quickstart 1: install and run the main job on the bundled sample corpus.
run: train
	$(BIN)/ghminer run corpora/ --out out/

# Headless Chromium for the dashboard test (Debian package; needs root/sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and no root: the browser test will be skipped"; fi; }

# Readers of scans, Word 97 .doc/.wps and a CJK font for printing test PDFs
# (Debian packages; needs root/sudo): Tesseract with Chinese data, antiword,
# catdoc, WenQuanYi Micro Hei. LibreOffice (the .doc converter of last resort,
# and the maker of .doc files for bench/formats.py) is `make formats-office`.
FORMAT_PKGS := tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-chi-tra antiword catdoc fonts-wqy-microhei
formats:
	@missing=""; for p in $(FORMAT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "not installed and no root:$$missing -- the OCR/.doc tests will be skipped"; fi; fi

formats-office:
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	  else echo "soffice not installed and no root: bench/formats.py makes no .doc files"; fi; }

# Quickstart 2: install and pass the tests.
test: train browser formats
	$(BIN)/python -m pytest

# Referee figures on the dev gold (seeds) and the real set (needs ../shared beside the
# repo); `ghminer eval --causes` on the same output says where the errors come from.
score: install
	$(BIN)/ghminer run ../shared/corpus/seeds --out out/dev --no-report
	$(BIN)/python ../shared/eval/score.py --pred out/dev/reports.jsonl --gold ../shared/gold/dev
	@if [ -d ../shared/gold/real ]; then \
	  $(BIN)/ghminer run ../shared/corpus/real --out out/real --no-report && \
	  echo "referee on ../shared/gold/real:" && \
	  $(BIN)/python ../shared/eval/score.py --pred out/real/reports.jsonl --gold ../shared/gold/real; fi

bench: train
	$(BIN)/python -m bench.run

clean:
	rm -rf out/ .pytest_cache .hypothesis build *.egg-info
