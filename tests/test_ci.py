"""`hookman ci` in real depth-1 clones of a real remote, with each provider's variables set as
that provider sets them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from hooks_manager.ci import detect_target
from hooks_manager.ci_output import gh_data, gh_property
from tests.helpers import git
from tests.offsitekit import (
    BASE,
    FIRST,
    SECOND,
    Origin,
    clean_env,
    github_env,
    run_hookman,
)


@pytest.fixture
def origin(tmp_path: Path) -> Origin:
    return Origin(tmp_path)


def down_line(path: Path) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.startswith("down_revision"))


def stale_pr(origin: Origin) -> tuple[Path, Mapping[str, object]]:
    """feature adds SECOND on BASE; after the PR event, FIRST lands on main (stale green)."""
    origin.branch("feature", SECOND, BASE)
    payload = {"pull_request": {"number": 7, "base": {"ref": "main", "sha": origin.base_commit}}}
    origin.land(FIRST, BASE)
    return origin.shallow_clone("feature"), payload


def test_github_pull_request_sees_the_base_tip_now_not_the_events(origin: Origin,
                                                                  tmp_path: Path) -> None:
    clone, payload = stale_pr(origin)
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    env = github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main")
    done = run_hookman(clone, "ci", "--format", "github", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "target: pull request into main" in done.stdout
    assert "fetched origin/main" in done.stdout
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 2
    second = next(a for a in annotations if f"{SECOND}_rev.py" in a)
    # The annotation sits on the head's down_revision line.
    line = down_line(clone / "migrations" / "versions" / f"{SECOND}_rev.py")
    assert f"file=migrations/versions/{SECOND}_rev.py,line={line}," in second
    assert "title=alembic%3A 2 heads (fork at aaaa00000001)::" in second
    summary = (tmp_path / "step-summary.md").read_text()
    assert "```mermaid\nflowchart BT" in summary
    # the drawing the terminal shows, as mermaid: heads and the fork point marked by class
    nodes = dict(line.strip().split("[", 1) for line in summary.splitlines()
                 if line.startswith("  r") and "[" in line)
    by_rev = {label.strip('"]').split(":")[0]: node for node, label in nodes.items()}
    assert f"class {by_rev[BASE]} fork" in summary
    assert by_rev[SECOND] in next(line for line in summary.splitlines() if line.endswith(" head"))
    assert f"{SECOND}: line {SECOND}: create table" in summary  # what each line changes


def test_github_pull_request_healthy_when_main_did_not_move(origin: Origin,
                                                            tmp_path: Path) -> None:
    origin.branch("feature", SECOND, BASE)
    clone = origin.shallow_clone("feature")
    payload = {"pull_request": {"base": {"ref": "main", "sha": origin.base_commit}}}
    env = github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main")
    done = run_hookman(clone, "ci", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "it already contains origin/main" in done.stdout
    assert f"head {SECOND}" in done.stdout


def test_github_merge_group_checks_the_speculative_merge(origin: Origin,
                                                         tmp_path: Path) -> None:
    feature = origin.branch("feature", SECOND, BASE)
    main = origin.land(FIRST, BASE)
    queued = origin.merge_commit("gh-readonly-queue/main/pr-7", main, feature)
    clone = origin.shallow_clone("gh-readonly-queue/main/pr-7")
    payload = {"merge_group": {"head_sha": queued, "base_sha": main,
                               "base_ref": "refs/heads/main"}}
    env = github_env(tmp_path, "merge_group", payload)  # GITHUB_BASE_REF is unset there
    done = run_hookman(clone, "ci", "--format", "json", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["checked"] is True
    assert data["target"]["event"] == "merge_group"
    assert data["target"]["sha"] == main
    assert [h["revision"] for h in data["own"]["projects"][0]["heads"]] == [FIRST, SECOND]


def test_github_push_to_default_branch_checks_the_tip_alone(origin: Origin,
                                                            tmp_path: Path) -> None:
    origin.land(FIRST, BASE)
    clone = origin.shallow_clone("main")
    payload = {"repository": {"default_branch": "main"}, "ref": "refs/heads/main"}
    env = github_env(tmp_path, "push", payload, GITHUB_REF="refs/heads/main")
    done = run_hookman(clone, "ci", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "push to the default branch main: the pushed tip is its history" in done.stdout


def test_gitlab_merged_results_uses_the_target_sha(origin: Origin, tmp_path: Path) -> None:
    feature = origin.branch("feature", SECOND, BASE)
    main = origin.land(FIRST, BASE)
    merged = origin.merge_commit("refs-merge-requests-7-merge", main, feature)
    clone = origin.shallow_clone("refs-merge-requests-7-merge")
    env = clean_env(CI="true", GITLAB_CI="true", CI_PIPELINE_SOURCE="merge_request_event",
                    CI_MERGE_REQUEST_IID="7", CI_MERGE_REQUEST_EVENT_TYPE="merged_result",
                    CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
                    CI_MERGE_REQUEST_TARGET_BRANCH_SHA=main, CI_COMMIT_SHA=merged)
    report = tmp_path / "cq.json"
    done = run_hookman(clone, "ci", "--format", "gitlab", "--output", str(report), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "merge request (merged_result) into main" in done.stdout
    issues = json.loads(report.read_text())
    assert {i["location"]["path"] for i in issues} == {
        f"migrations/versions/{FIRST}_rev.py", f"migrations/versions/{SECOND}_rev.py"}
    assert all(i["severity"] == "blocker" and i["check_name"] == "hookman/multiple-heads"
               for i in issues)
    assert {i["location"]["lines"]["begin"] for i in issues} == {
        down_line(clone / "migrations" / "versions" / f"{SECOND}_rev.py")}
    again = run_hookman(clone, "ci", "--format", "gitlab", "--output", str(report), env=env)
    assert again.returncode == 1
    assert [i["fingerprint"] for i in json.loads(report.read_text())] == [
        i["fingerprint"] for i in issues]  # stable: re-runs dedupe
    assert len({i["fingerprint"] for i in issues}) == 2


def test_gitlab_plain_merge_request_fetches_the_target_branch(origin: Origin,
                                                              tmp_path: Path) -> None:
    clone, _ = stale_pr(origin)
    env = clean_env(CI="true", GITLAB_CI="true", CI_PIPELINE_SOURCE="merge_request_event",
                    CI_MERGE_REQUEST_IID="7", CI_MERGE_REQUEST_EVENT_TYPE="detached",
                    CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
                    CI_MERGE_REQUEST_TARGET_BRANCH_SHA="",
                    CI_MERGE_REQUEST_DIFF_BASE_SHA=origin.base_commit)
    done = run_hookman(clone, "ci", "--format", "gitlab", "--output",
                       str(tmp_path / "r.json"), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "merge request into main: its tip now" in done.stdout
    assert "were merged with origin/main)" in done.stdout


def test_bitbucket_pull_request(origin: Origin) -> None:
    clone, _ = stale_pr(origin)
    env = clean_env(CI="true", BITBUCKET_BUILD_NUMBER="12", BITBUCKET_BRANCH="feature",
                    BITBUCKET_PR_DESTINATION_BRANCH="main", BITBUCKET_PR_ID="7")
    done = run_hookman(clone, "ci", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pull request into main" in done.stdout


def test_shallow_clone_is_deepened_until_the_merge_base_is_there(origin: Origin) -> None:
    origin.branch("feature", SECOND, BASE, extra_commits=4)
    origin.land(FIRST, BASE, extra_commits=6)
    clone = origin.shallow_clone("feature")
    done = run_hookman(clone, "ci", "--against", "origin/main", env=clean_env())
    assert done.returncode == 1, done.stdout + done.stderr
    assert "deepened the shallow clone by 50 commits" in done.stdout
    assert f"they fork at {BASE}" in done.stdout


def test_unreadable_base_is_not_checked_exit_2(origin: Origin, tmp_path: Path) -> None:
    clone, payload = stale_pr(origin)
    git(clone, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    env = github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main")
    done = run_hookman(clone, "ci", "--format", "github", env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not checked" in done.stderr
    assert "git fetch origin main failed" in done.stderr
    assert "::error title=hookman%3A not checked::" in done.stdout
    assert "NOT CHECKED" in (tmp_path / "step-summary.md").read_text()


def test_no_target_outside_ci_says_so(origin: Origin) -> None:
    origin.branch("feature", SECOND, BASE)
    clone = origin.shallow_clone("feature")
    done = run_hookman(clone, "ci", env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no CI provider detected and no --against: the commit alone" in done.stdout


def test_configuration_is_read_at_the_commit_not_the_work_tree(origin: Origin) -> None:
    origin.branch("feature", SECOND, BASE)
    clone = origin.shallow_clone("feature")
    # The work tree says the versions live elsewhere; the commit does not.
    (clone / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    done = run_hookman(clone, "ci", env=clean_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"head {SECOND}" in done.stdout


def test_bad_option_is_one_line(origin: Origin) -> None:
    clone = origin.shallow_clone("main")
    done = run_hookman(clone, "ci", "--format", "xml", env=clean_env())
    assert done.returncode == 2
    assert done.stderr.strip() == ("hookman: error: --format 'xml' is not one of text, json, "
                                   "github, gitlab")


def test_target_detection_per_provider(tmp_path: Path) -> None:
    event = tmp_path / "e.json"
    event.write_text(json.dumps({"merge_group": {"base_sha": "b" * 40,
                                                 "base_ref": "refs/heads/main"}}))
    queue = detect_target({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "merge_group",
                           "GITHUB_EVENT_PATH": str(event)}, None)
    assert (queue.exact, queue.branch) == ("b" * 40, "main")
    train = detect_target({"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "1",
                           "CI_MERGE_REQUEST_EVENT_TYPE": "merge_train",
                           "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                           "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "c" * 40}, None)
    assert (train.event, train.exact) == ("merge_train", "c" * 40)
    push = detect_target({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push",
                          "CI_COMMIT_BRANCH": "topic", "CI_DEFAULT_BRANCH": "main"}, None)
    assert (push.branch, push.alone) == ("main", False)
    default = detect_target({"GITLAB_CI": "true", "CI_PIPELINE_SOURCE": "push",
                             "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}, None)
    assert default.alone
    assert detect_target({"GITHUB_ACTIONS": "true"}, "origin/dev").exact == "origin/dev"


def test_github_escaping_follows_the_toolkit() -> None:
    assert gh_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert gh_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_checkout_of_the_pull_request_merge_ref(origin: Origin, tmp_path: Path) -> None:
    # What actions/checkout does for pull_request: fetch refs/pull/N/merge at depth 1 (the
    # merge GitHub made with main at the event) and check it out detached. main then moves.
    feature = origin.branch("feature", SECOND, BASE)
    merge = origin.merge_commit("pull-7-merge", "main", feature)
    git(origin.bare, "update-ref", "refs/pull/7/merge", merge)
    git(origin.bare, "update-ref", "-d", "refs/heads/pull-7-merge")
    payload = {"pull_request": {"base": {"ref": "main", "sha": origin.base_commit}}}
    origin.land(FIRST, BASE)
    clone = tmp_path / "checkout"
    git(tmp_path, "init", "-q", str(clone))
    git(clone, "remote", "add", "origin", origin.url)
    git(clone, "fetch", "-q", "--no-tags", "--depth=1", "origin",
        "+refs/pull/7/merge:refs/remotes/pull/7/merge")
    git(clone, "checkout", "-q", "--detach", "refs/remotes/pull/7/merge")
    env = github_env(tmp_path, "pull_request", payload, GITHUB_BASE_REF="main")
    done = run_hookman(clone, "ci", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"checking {merge[:12]} and its merge with origin/main" in done.stdout
    assert f"they fork at {BASE}" in done.stdout
