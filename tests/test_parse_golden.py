import json

import pytest

from pipelines.parse.compare import compare_to_expected
from tests.support import golden_cases, parse_case

CASES = list(golden_cases())


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_golden_fixture_parses_to_its_expected_form(source, expected):
    comparison = compare_to_expected(parse_case(source), json.loads(expected.read_text()))
    assert comparison.mismatches == []


def test_every_golden_fixture_has_an_input_and_is_scored():
    golden = [c for c in CASES if not c[0].startswith("seed")]
    assert len(golden) >= 18
    for _, source, expected in golden:
        assert source.exists()
        assert compare_to_expected({}, json.loads(expected.read_text())).scored > 0
