"""The push's shortcut for the predicted merge agrees with sources.three_way."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hooks_manager.pushreads import apply_changes
from hooks_manager.sources import three_way

trees = st.dictionaries(st.sampled_from(["a.py", "b.py", "c.py", "d/e.py"]),
                        st.sampled_from(["1" * 40, "2" * 40, "3" * 40]))


@given(trees, trees, trees)
def test_changes_since_base_give_the_three_way_merge(
    base: dict[str, str], ours: dict[str, str], theirs: dict[str, str]
) -> None:
    changes = [(path, base.get(path), theirs.get(path))
               for path in sorted(set(base) | set(theirs)) if base.get(path) != theirs.get(path)]
    assert apply_changes(ours, changes) == three_way(base, ours, theirs)
