"""AnyOf gives exactly the yes/no answer of the plain alternation it replaces."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.regexes import AnyOf, anchored_at_start

_PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"
MARKERS = yaml.safe_load((_PIPELINE / "split" / "data" / "markers.yaml").read_text(encoding="utf-8"))
NOISE = yaml.safe_load((_PIPELINE / "clean" / "data" / "noise.yaml").read_text(encoding="utf-8"))
VOCABS = {"collection_lines": NOISE["collection_lines"],
          **{k: MARKERS[k] for k in ("closings", "datelines")}}
CORPORA = Path(__file__).resolve().parents[1] / "corpora"


def union(patterns):
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def test_anchored_patterns_are_recognised():
    assert anchored_at_start(r"^目录\s*$")
    assert anchored_at_start(r"^资源描述\s*$|^目录\s*$")
    assert anchored_at_start(r"(?:^a|^b)c")
    assert not anchored_at_start(r"^a|b")          # one branch can match anywhere
    assert not anchored_at_start(r"小编|范文网")
    assert not anchored_at_start(r"a^")


def test_same_answer_as_the_union_on_every_corpus_line():
    lines = [ln for p in sorted(CORPORA.rglob("*.txt"))
             for ln in p.read_text(encoding="utf-8", errors="replace").splitlines()]
    assert len(lines) > 2000
    for name, patterns in VOCABS.items():
        fast, slow = AnyOf(patterns), union(patterns)
        hits = 0
        for ln in lines:
            expected = bool(slow.search(ln))
            assert fast.search(ln) == expected, (name, ln)
            hits += expected
        assert hits > 0, name  # the test exercises both answers


# text made of the characters the patterns use, plus a few others
_ALPHABET = sorted({c for ps in VOCABS.values() for p in ps for c in p if not c.isspace()}
                   | set("年月日 \t:：0123456789工会总结"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40),
       st.sampled_from(sorted(VOCABS)))
def test_same_answer_as_the_union_on_generated_text(text, name):
    patterns = VOCABS[name]
    assert AnyOf(patterns).search(text) == bool(union(patterns).search(text))


def test_guarded_finds_the_same_matches():
    from pipeline.regexes import first_chars, guarded
    pattern = r"(?:(?:支行|分行)(?:工会)?|(?:街道|社区)(?:工会|总工会))"
    assert first_chars(pattern) is not None
    text = "东湖支行工会和西岭街道总工会、南港分行及北山社区工会"
    assert [m.span() for m in re.finditer(guarded(pattern), text)] == \
        [m.span() for m in re.finditer(pattern, text)]
    # unknown first characters (empty match, look-behind, category): no guard
    for p in (r"a*", r"(?<!x)b", r"\d+", r"(?i)ab"):
        assert first_chars(p) is None and guarded(p) == p


def test_holds_one_of():
    from pipeline.regexes import holds_one_of
    assert holds_one_of(r"[0-9]+\s*篇", ["篇"])
    assert holds_one_of(r"希望对大家|希望能帮助", ["希望"])
    assert not holds_one_of(r"以下.{0,10}(?:范文|文章)", ["范文"])  # 文章 has none
    assert not holds_one_of(r"(?:共\d+篇)?目录", ["篇"])  # the optional part may be skipped
