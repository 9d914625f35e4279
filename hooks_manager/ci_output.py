"""`hookman ci` output: text for people, JSON for machines, GitHub workflow commands and step
summary, GitLab Code Quality report. Renderers take the result; the only git they ask is for
the line of a head's `down_revision` (to put an annotation on it) and who added a file.
"""

from __future__ import annotations

import os
import sys

from hooks_manager.check import ProjectReport
from hooks_manager.errors import GitError
from hooks_manager.graph import ERROR, Problem, Record, fork_points
from hooks_manager.report import render_json, render_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hooks_manager.ci import CiResult, NotChecked

GITHUB_ANNOTATIONS_PER_STEP = 10  # GitHub shows at most 10 error annotations per step
DEFAULT_GITLAB_REPORT = "gl-code-quality-report.json"


def _print(text: str, err: bool = False) -> None:
    from hooks_manager.output import print_out

    if err:
        print(text, file=sys.stderr, flush=True)
    else:
        print_out(text)


# --- text --------------------------------------------------------------------------------------


def render_ci_text(result: CiResult) -> str:
    lines = [f"hookman ci: target: {result.target.why}"]
    lines += [f"  {note}" for note in result.notes]
    base = result.base
    if base is None:
        lines.append(f"hookman ci: checking {result.head[:12]} (the commit's history)")
    elif base.sha in (result.head, base.merge_base):
        lines.append(f"hookman ci: checking {result.head[:12]}; it already contains {base.name} "
                     f"({base.sha[:12]}), so its history is the merged one")
    else:
        lines.append(f"hookman ci: checking {result.head[:12]} and its merge with {base.name} "
                     f"({base.sha[:12]}; merge base "
                     f"{base.merge_base[:12] if base.merge_base else 'none'})")
    own_text = render_text(result.own)
    if own_text:
        lines.append(own_text)
    shown = []
    for report in result.predicted:
        if not any(report.verdict is o.verdict for o in result.own):
            shown.append(report)
        elif report.verdict.ok and base is not None:
            lines.append(f"hookman: {report.project.name} merged with {base.name}: ok — the "
                         "target changed no revision file since the merge base")
    if shown:
        lines.append(render_text(shown))
    lines.append("hookman ci: ok" if result.ok else
                 "hookman ci: FAILED — the history above would break `alembic upgrade head`")
    return "\n".join(line for line in lines if line)


def render_ci_json(result: CiResult) -> dict[str, object]:
    base = result.base
    return {
        "schema": 1,
        "checked": True,
        "ok": result.ok,
        "target": {**result.target.describe(), "why": result.target.why,
                   "name": base.name if base else None, "sha": base.sha if base else None,
                   "merge_base": base.merge_base if base else None},
        "notes": result.notes,
        "head": result.head,
        "own": render_json(result.own),
        "predicted": render_json(result.predicted) if result.predicted else None,
    }


# --- where a head's annotation goes ------------------------------------------------------------


def down_revision_line(report: ProjectReport, record: Record) -> int:
    """The line of ``down_revision`` in the head's file, read from the commit(s) checked; the
    revision's own line when it cannot be found."""
    from hooks_manager.sources import Commit, PredictedMerge, read_blobs

    source = report.source
    revs: list[str] = []
    if isinstance(source, PredictedMerge):
        revs = [source.ours, getattr(source, "theirs_sha", source.theirs)]
    elif isinstance(source, Commit):
        revs = [source.rev]
    for rev in revs:
        try:
            data = read_blobs(source.root, [f"{rev}:{record.path}"])[f"{rev}:{record.path}"]
        except GitError:  # not on this side: try the other
            continue
        for number, line in enumerate(data.split(b"\n"), 1):
            if line.startswith(b"down_revision"):
                return number
    return record.line or 1


# --- GitHub ------------------------------------------------------------------------------------


def gh_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """A workflow command's property value (escapeProperty): also ':' and ','."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


class Finding:
    """One thing to annotate or report: where, what, and a stable identity."""

    __slots__ = ("check", "fingerprint_parts", "line", "message", "path", "severity", "title")

    def __init__(self, path: str, line: int, title: str, message: str, check: str,
                 severity: str, fingerprint_parts: tuple[str, ...]) -> None:
        self.path = path
        self.line = line
        self.title = title
        self.message = message
        self.check = check
        self.severity = severity
        self.fingerprint_parts = fingerprint_parts

    @property
    def fingerprint(self) -> str:
        import hashlib

        return hashlib.sha256("\0".join(self.fingerprint_parts).encode()).hexdigest()


def findings(result: CiResult) -> list[Finding]:
    out: list[Finding] = []
    for report in result.failing():
        out += _report_findings(report)
    return out


def _report_findings(report: ProjectReport) -> list[Finding]:
    verdict = report.verdict
    name = report.project.name
    where = _where(report)
    out: list[Finding] = []
    for problem in verdict.problems:
        if problem.kind == "multiple-heads":
            heads = verdict.head_ids
            forks = fork_points(report.records, heads)
            parent = ",".join(forks) or "none"
            for rec in verdict.heads:
                others = ", ".join(h for h in heads if h != rec.revision)
                message = (f"{name}: {len(heads)} heads{where}; {rec.revision} and {others} "
                           f"both build on {parent}: `alembic upgrade head` fails until they "
                           "are merged (hookman merge --commit)")
                out.append(Finding(rec.path, down_revision_line(report, rec),
                                   f"alembic: {len(heads)} heads (fork at {parent})", message,
                                   "hookman/multiple-heads", ERROR,
                                   (name, "multiple-heads", parent, *sorted(heads), rec.revision)))
        elif problem.severity == ERROR:
            out.append(_problem_finding(name, problem, where))
    return out


def _problem_finding(name: str, problem: Problem, where: str) -> Finding:
    return Finding(problem.path or "alembic.ini", problem.line or 1,
                   f"alembic: {problem.kind}", f"{name}{where}: {problem.message}",
                   f"hookman/{problem.kind}", problem.severity,
                   (name, problem.kind, problem.path, *problem.revisions))


def _where(report: ProjectReport) -> str:
    from hooks_manager.sources import PredictedMerge

    source = report.source
    if isinstance(source, PredictedMerge):
        return f" once merged with {source.theirs}"
    return ""


def github_commands(result: CiResult) -> list[str]:
    found = findings(result)
    lines = []
    for item in found[:GITHUB_ANNOTATIONS_PER_STEP]:
        props = (f"file={gh_property(item.path)},line={item.line},"
                 f"title={gh_property(item.title)}")
        lines.append(f"::error {props}::{gh_data(item.message)}")
    extra = len(found) - GITHUB_ANNOTATIONS_PER_STEP
    if extra > 0:
        lines.append(f"hookman ci: {extra} more problem(s) not annotated (GitHub shows "
                     f"{GITHUB_ANNOTATIONS_PER_STEP} per step); all are in the text above")
    return lines


def step_summary(result: CiResult) -> str:
    """Markdown for GITHUB_STEP_SUMMARY: the verdict, the heads, the fork drawn."""
    lines = ["## hookman: alembic history", "",
             f"**{'ok' if result.ok else 'FAILED'}** — target: {_md(result.target.why)}", ""]
    for note in result.notes:
        lines.append(f"- {_md(note)}")
    if result.notes:
        lines.append("")
    for report in (*result.own, *result.predicted):
        if report not in result.failing() and not report.verdict.ok:
            continue
        verdict = report.verdict
        what = f"{report.project.name}{_where(report)}"
        if verdict.ok:
            lines.append(f"- {_md(what)}: ok, head {_md(', '.join(verdict.head_ids) or 'none')}")
            continue
        lines.append(f"### {_md(what)}: {len(verdict.errors)} problem(s)")
        lines.append("")
        if verdict.forked:
            lines += ["| head | file |", "| --- | --- |"]
            lines += [f"| `{_md(r.revision)}` | `{_md(r.path)}` |" for r in verdict.heads]
            from hooks_manager.explain import markdown, overlap_of, overlap_text

            # The same drawing as the terminal's, as mermaid (GitHub renders it in summaries).
            lines += ["", markdown(report).rstrip("\n"), ""]
            changes = overlap_text(overlap_of(report), indent="")
            if changes:
                lines += ["```text", *changes, "```", ""]
            lines.append("Fix, on the branch (after merging the target into it): "
                         "`hookman rebase --commit` re-points an unpublished migration, or "
                         "`hookman merge --commit` writes the merge revision.")
        for problem in verdict.problems:
            if problem.kind != "multiple-heads":
                lines.append(f"- `{problem.kind}`: {_md(problem.message)}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    # Repository bytes in Markdown: no raw HTML, no table breaks, no code-span escapes.
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("`", "'").replace("\n", " "))


# --- GitLab ------------------------------------------------------------------------------------


def code_quality(result: CiResult) -> list[dict[str, object]]:
    """GitLab Code Quality issues (artifacts:reports:codequality), fingerprints stable across
    runs: a hash of project, fork parent and revision ids."""
    return [{"description": f.message, "check_name": f.check, "fingerprint": f.fingerprint,
             "severity": "blocker" if f.severity == ERROR else "minor",
             "location": {"path": f.path, "lines": {"begin": f.line}}}
            for f in findings(result)]


def write_report(path: str, data: object) -> None:
    import json
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(prefix=".hookman-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.replace(temp, path)


# --- entry points ------------------------------------------------------------------------------


def emit(fmt: str, result: CiResult, options: dict[str, str | bool]) -> None:
    if fmt == "json":
        import json

        _print(json.dumps(render_ci_json(result), indent=2))
        return
    _print(render_ci_text(result))
    if fmt == "github":
        commands = github_commands(result)
        if commands:
            _print("\n".join(commands))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            _append(summary, step_summary(result))
    elif fmt == "gitlab":
        path = str(options.get("output") or DEFAULT_GITLAB_REPORT)
        write_report(path, code_quality(result))
        _print(f"hookman ci: Code Quality report written to {path} "
               f"({len(code_quality(result))} issue(s))")


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        _print(f"hookman ci: warning: cannot append the step summary to {path} "
               f"({exc.strerror})", err=True)


def not_checked(fmt: str, exc: NotChecked, options: dict[str, str | bool]) -> None:
    """Exit 2's words, in every format: a pipeline reading any of them sees "not checked"."""
    text = exc.render().replace("hookman: error: ", "hookman ci: ")
    if fmt == "json":
        import json

        _print(json.dumps({"schema": 1, "checked": False, "ok": False,
                           "reason": exc.message, "hint": exc.hint}, indent=2))
        return
    _print(text, err=True)
    if fmt == "github":
        _print(f"::error title={gh_property('hookman: not checked')}::{gh_data(exc.message)}")
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            _append(summary, f"## hookman: alembic history\n\n**NOT CHECKED** — "
                             f"{_md(exc.message)}\n\n{_md(exc.hint)}\n")
    elif fmt == "gitlab":
        path = str(options.get("output") or DEFAULT_GITLAB_REPORT)
        write_report(path, [{"description": exc.message, "check_name": "hookman/not-checked",
                             "fingerprint": Finding("", 0, "", "", "", "", ("not-checked",)
                                                    ).fingerprint,
                             "severity": "blocker",
                             "location": {"path": ".gitlab-ci.yml", "lines": {"begin": 1}}}])
