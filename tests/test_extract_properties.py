"""Every extractor, on arbitrary text: no exception, exact offsets, no value from a mask."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract import activity, amount, award, count, placeholder, rate
from pipeline.extract.masks import contains_mask
from tests.extract_support import run_extractor

# Characters that make numbers, units, masks, quotes and dates likely.
ALPHABET = ("0123456789,.%％ 、-至零一二两三四五六七八九十百千万亿余多近约上人名次家个份元美xX×*_"
            "第年月日荣获评为奖称号省市区“”《》,。\n")


@pytest.mark.parametrize("module", [count, rate, amount, award, activity, placeholder],
                         ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@given(text=st.text(alphabet=ALPHABET, max_size=80) | st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_never_crashes_offsets_hold_no_masked_value(module, text):
    for f in run_extractor(module, text):
        if f.type in ("count", "rate", "amount"):
            assert not contains_mask(f.text)
