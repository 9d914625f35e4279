"""The pure graph logic, fed plain records (no files, no git)."""

from __future__ import annotations

from hooks_manager.graph import Policy, Record, analyze, fork_points


def rec(rev: str, *down: str, labels: tuple[str, ...] = (), deps: tuple[str, ...] = ()) -> Record:
    return Record(rev, tuple(down), deps, labels, path=f"versions/{rev}.py", line=3)


def kinds(records: list[Record], policy: Policy | None = None) -> list[str]:
    return [p.kind for p in analyze(records, policy).problems]


def test_empty_history_is_healthy() -> None:
    verdict = analyze([])
    assert verdict.ok
    assert verdict.heads == []
    assert verdict.bases == []


def test_linear_history_has_one_head_and_one_base() -> None:
    verdict = analyze([rec("a"), rec("b", "a"), rec("c", "b")])
    assert verdict.ok
    assert verdict.head_ids == ["c"]
    assert verdict.bases == ["a"]


def test_fork_is_two_heads_until_merged() -> None:
    forked = [rec("a"), rec("b", "a"), rec("c", "a")]
    verdict = analyze(forked)
    assert sorted(verdict.head_ids) == ["b", "c"]
    assert kinds(forked) == ["multiple-heads"]
    assert fork_points(forked, verdict.head_ids) == ["a"]
    assert analyze([*forked, rec("m", "b", "c")]).ok


def test_fork_point_is_the_newest_common_ancestor() -> None:
    records = [rec("a"), rec("b", "a"), rec("c", "b"), rec("d", "c"), rec("e", "c")]
    assert fork_points(records, ["d", "e"]) == ["c"]


def test_allowed_heads_are_not_a_fork() -> None:
    forked = [rec("a"), rec("b", "a"), rec("c", "a")]
    assert analyze(forked, Policy(allowed_heads=frozenset({"c"}))).ok


def test_one_head_per_branch_label() -> None:
    two_lines = [rec("a"), rec("b", "a", labels=("billing",)), rec("c", "a", labels=("auth",)),
                 rec("d", "b")]
    assert not analyze(two_lines).ok
    assert analyze(two_lines, Policy(heads_per_branch_label=True)).ok
    forked_line = [*two_lines, rec("e", "b")]
    assert kinds(forked_line, Policy(heads_per_branch_label=True)) == ["multiple-heads"]


def test_depends_on_does_not_merge_heads_but_changes_effective_heads() -> None:
    verdict = analyze([rec("a"), rec("b", "a"), rec("x"), rec("y", "x", deps=("b",))])
    assert sorted(verdict.head_ids) == ["b", "y"]
    assert verdict.effective_heads == ["y"]


def test_depends_on_a_branch_label_resolves_to_that_revision() -> None:
    verdict = analyze([rec("a", labels=("core",)), rec("x", deps=("core",))])
    assert "missing-parent" not in [p.kind for p in verdict.problems]
    assert verdict.effective_heads == ["x"]


def test_defects_are_named() -> None:
    assert "missing-parent" in kinds([rec("a"), rec("b", "zzz")])
    assert "missing-parent" in kinds([rec("a", deps=("nope",))])
    assert "duplicate-revision" in kinds([rec("a"), rec("a")])
    assert "cycle" in kinds([rec("a", "b"), rec("b", "a")])
    assert "cycle" in kinds([rec("a", "a")])
    assert "dependency-cycle" in kinds([rec("a", deps=("a",))])  # as the README promises
    assert "dependency-cycle" in kinds([rec("a"), rec("b", "a", deps=("c",)),
                                        rec("c", "a", deps=("b",))])
    assert "duplicate-branch-label" in kinds([rec("a", labels=("x",)),
                                              rec("b", "a", labels=("x",))])
    assert "duplicate-branch-label" in kinds([rec("a"), rec("b", "a", labels=("a",))])
    assert "illegal-revision-id" in kinds([rec("a-b")])


def test_duplicate_id_keeps_the_later_file_like_alembic() -> None:
    # Both files count as heads (alembic lists "003 (head)" twice), and the earlier file's
    # parent stays a head too: only the kept file is linked. The verdict keeps alembic's view.
    verdict = analyze([rec("a"), rec("b"), rec("c", "a"), rec("c", "b")])
    assert sorted(verdict.head_ids) == ["a", "c", "c"]


def test_duplicate_id_is_named_as_a_duplicate_never_as_extra_heads() -> None:
    # curie-eng/curie#1894: two branches both wrote 0031 on 0030; "3 heads, merge them" was
    # the wrong advice. Only the duplicate is reported.
    assert kinds([rec("0030"), rec("0031", "0030"), rec("0031", "0030")]) == [
        "duplicate-revision"]
    # the dropped file's parent is a head only because of the duplicate: still no fork
    assert kinds([rec("a"), rec("b", "a"), rec("c", "a"), rec("c", "b")]) == [
        "duplicate-revision"]
    # a real fork next to a duplicate is still a fork
    both = kinds([rec("a"), rec("b", "a"), rec("c", "a"), rec("d", "a"), rec("d", "a")])
    assert sorted(both) == ["duplicate-revision", "multiple-heads"]


def test_labels_are_inherited_along_down_revision_only() -> None:
    # alembic: `c1 (contract)`, `e2 (expand)`; a label does not cross a depends_on edge.
    verdict = analyze([rec("base"), rec("e1", "base", labels=("expand",)),
                       rec("c1", "base", labels=("contract",), deps=("e1",)),
                       rec("e2", "e1", deps=("c1",))], Policy(heads_per_branch_label=True))
    assert verdict.labels_of["c1"] == {"contract"}
    assert verdict.labels_of["e2"] == {"expand"}
    assert verdict.ok, verdict.problems  # one head per label: the intended layout


def test_a_revision_naming_itself_keeps_its_place_and_is_named() -> None:
    # alembic raises LoopDetected; the rest of the graph stays as it is (no false heads, no
    # missing parent), and no merge of heads can be offered.
    verdict = analyze([rec("a"), rec("b", "a", "b"), rec("c", "b")])
    assert [p.kind for p in verdict.errors] == ["cycle"]
    assert verdict.errors[0].revisions == ("b",)
    assert "b names itself" in verdict.errors[0].message
    assert verdict.head_ids == ["c"]
    assert not verdict.heads_meaningful


def test_self_dependency_is_a_dependency_cycle() -> None:
    verdict = analyze([rec("a"), rec("b", "a", deps=("b",))])
    assert [p.kind for p in verdict.errors] == ["dependency-cycle"]
    assert verdict.head_ids == ["b"]


def test_missing_parent_makes_heads_meaningless() -> None:
    verdict = analyze([rec("a"), rec("b", "a"), rec("c", "zzz")])
    assert "multiple-heads" in [p.kind for p in verdict.problems]
    assert not verdict.heads_meaningful
    assert analyze([rec("a"), rec("b", "a"), rec("c", "a")]).heads_meaningful


def test_empty_string_base_is_a_base_with_a_warning() -> None:
    verdict = analyze([rec("a", ""), rec("b", "a")])
    assert verdict.ok
    assert verdict.bases == ["a"]
    assert verdict.head_ids == ["b"]
    [warning] = verdict.problems
    assert warning.kind == "empty-down-revision"
    assert "1.12.1" in warning.message


def test_fork_heads_under_a_policy_are_only_those_that_break_it() -> None:
    records = [rec("a"), rec("b", "a"), rec("c", "a"), rec("d", "a")]
    verdict = analyze(records, Policy(allowed_heads=frozenset({"d"})))
    assert sorted(verdict.head_ids) == ["b", "c", "d"]
    assert sorted(verdict.fork_heads) == ["b", "c"]
