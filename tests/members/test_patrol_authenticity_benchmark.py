"""The authenticity rules against the labelled patrols of demo.labelled_patrols, as
bench/patrols.py runs them with 500 (here fewer, for time)."""

import pytest

from demo.labelled_patrols import KINDS, labelled_patrols_score, labelled_patrols_seed
from members.services.authenticity import patrols_assess
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


@pytest.mark.parametrize("seed", [7, 11])
def test_the_rules_find_hollow_patrols_with_precision_and_recall_of_090(db, seed):
    labels = labelled_patrols_seed(n=200, seed=seed, now=NOW)
    patrols_assess(ids=list(labels))

    score = labelled_patrols_score(labels)

    assert score.n == 200
    assert len(set(score.recall_by_kind) & set(KINDS)) >= 5, score
    assert 0.15 < score.hollow / score.n < 0.6
    assert score.precision >= 0.9, score
    assert score.recall >= 0.9, score
