"""The shims start Python with -S (no site, no .pth files: a third of start-up) and put only
hookman's own folder on sys.path; hookman loads site itself before it imports a third-party
library. These tests run with coverage's child-process switch cleared (NO_COVERAGE): a
measured child loads site on purpose, which would hide the -S start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import hooks_manager
from tests.helpers import NO_COVERAGE, add_revision, commit_all, git, init_repo, make_project
from tests.pushkit import FIRST, SECOND, forked_setup, install_hooks, push, remote_sha

HOOKMAN_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(hooks_manager.__file__)))


def _marker_site(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A sitecustomize that leaves a marker: site.main() imports it, -S never does."""
    folder = tmp_path / "customize"
    folder.mkdir()
    marker = tmp_path / "site-ran"
    (folder / "sitecustomize.py").write_text(
        f"open({str(marker)!r}, 'a').write('site\\n')\n")
    return marker, {**NO_COVERAGE, "PYTHONPATH": str(folder)}


def test_the_shim_names_hookmans_folder_and_starts_without_site(tmp_path: Path) -> None:
    repo = make_project(init_repo(tmp_path / "repo"))
    install_hooks(repo)
    shim = (repo / ".git" / "hooks" / "pre-commit").read_text()
    assert f"INSTALL_PATH='{HOOKMAN_FOLDER}'" in shim
    assert '"$INSTALL_PYTHON" -S -P -c "$HOOKMAN_START" "$INSTALL_PATH"' in shim


def test_a_healthy_commit_never_loads_site(tmp_path: Path) -> None:
    marker, env = _marker_site(tmp_path)
    repo = make_project(init_repo(tmp_path / "repo"))
    add_revision(repo, "aaaa00000001", None)
    commit_all(repo, "base")
    install_hooks(repo)
    add_revision(repo, "bbbb00000002", "aaaa00000001")
    git(repo, "add", "-A")
    done = subprocess.run(["git", "commit", "-q", "-m", "second"], cwd=repo,
                          capture_output=True, text=True, env={**os.environ, **env},
                          check=False)
    assert done.returncode == 0, done.stderr
    assert git(repo, "log", "-1", "--format=%s") == "second"
    assert not marker.exists(), "the commit hook loaded site"
    # The same interpreter without -S runs sitecustomize: the marker works.
    subprocess.run([sys.executable, "-c", "pass"], env={**os.environ, **env}, check=True)
    assert marker.read_text() == "site\n"


def test_site_loads_only_when_a_library_is_imported(tmp_path: Path) -> None:
    marker, env = _marker_site(tmp_path)
    code = (
        "import os, sys\n"
        f"sys.path.append({HOOKMAN_FOLDER!r})\n"
        "import hooks_manager.hook, hooks_manager.check, hooks_manager.headfile\n"
        f"print(os.path.exists({str(marker)!r}))\n"
        "import hooks_manager.gitops, hooks_manager.merge\n"
        "import alembic.command, git\n"
        f"print(os.path.exists({str(marker)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-S", "-P", "-c", code], capture_output=True,
                          text=True, env={**os.environ, **env}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_a_fork_is_merged_through_the_site_less_shim(tmp_path: Path) -> None:
    # auto_merge imports alembic and GitPython inside the -S hook process.
    setup = forked_setup(tmp_path, settings="auto_merge = true\n")
    git(setup.clone, "config", "hookman.trustRepoCode", "true")
    done = push(setup.clone, "-u", "origin", "feature-b", env={"CI": "1", **NO_COVERAGE})
    assert done.returncode != 0
    assert "merged origin/main into feature-b" in done.stderr, done.stderr
    names = git(setup.clone, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert any(FIRST in name and "merge" in name for name in names), names
    assert SECOND in git(setup.clone, "log", "--format=%s", "-3")


def _status_lines(repo: Path, python: str) -> list[str]:
    done = subprocess.run([python, "-m", "hooks_manager", "status"], cwd=repo,
                          capture_output=True, text=True, env={**os.environ, **NO_COVERAGE},
                          check=False)
    lines = [line for line in (done.stdout + done.stderr).splitlines()
             if line.strip().startswith(("pre-commit", "pre-push", "pre-merge-commit"))]
    assert len(lines) == 3, done.stdout + done.stderr
    return lines


def test_status_from_a_sibling_name_of_the_same_python_sees_no_stale_shim(
        tmp_path: Path) -> None:
    # A venv's bin/python and bin/python3 are one interpreter: the console script's shebang
    # names one, `python -m hooks_manager` often the other. Status once called every shim
    # "differs from the current template" because INSTALL_PATH was judged by path spelling.
    folder = os.path.dirname(sys.executable)
    names = [n for n in ("python", "python3", f"python3.{sys.version_info[1]}")
             if os.path.exists(os.path.join(folder, n))
             and os.path.samefile(os.path.join(folder, n), sys.executable)]
    others = [n for n in names if os.path.join(folder, n) != sys.executable]
    assert others, f"no second name for {sys.executable} in {folder}"
    repo = make_project(init_repo(tmp_path / "repo"))
    subprocess.run([os.path.join(folder, others[0]), "-m", "hooks_manager", "install"],
                   cwd=repo, capture_output=True, env={**os.environ, **NO_COVERAGE},
                   check=True)
    shim = (repo / ".git" / "hooks" / "pre-commit").read_text()
    assert f"INSTALL_PATH='{HOOKMAN_FOLDER}'" in shim  # the -S start is kept for the sibling
    for line in _status_lines(repo, sys.executable):
        assert "stale" not in line, line


def test_status_from_another_interpreter_keeps_the_shims_install_path(tmp_path: Path) -> None:
    # Shims written by hookman in one environment, status asked of hookman in another (pipx
    # beside a project venv): the other one cannot know that INSTALL_PATH, so it must not
    # call the shims stale for it.
    other = tmp_path / "other-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True)
    purelib = subprocess.run([str(other / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    import sysconfig

    # The second venv sees this one's packages (typer, alembic) and this hookman via a .pth.
    Path(purelib, "borrow.pth").write_text(
        f"{sysconfig.get_path('purelib')}\n{HOOKMAN_FOLDER}\n")
    repo = make_project(init_repo(tmp_path / "repo"))
    subprocess.run([str(other / "bin" / "python"), "-m", "hooks_manager", "install"],
                   cwd=repo, capture_output=True, env={**os.environ, **NO_COVERAGE},
                   check=True)
    shim = (repo / ".git" / "hooks" / "pre-commit").read_text()
    assert f"INSTALL_PYTHON='{other / 'bin' / 'python'}'" in shim
    assert f"INSTALL_PATH='{HOOKMAN_FOLDER}'" in shim
    for line in _status_lines(repo, sys.executable):
        assert "stale" not in line, line
    # A real difference is still seen: a shim with its settings edited is stale.
    path = repo / ".git" / "hooks" / "pre-push"
    path.write_text(path.read_text().replace("SKIP_HINT='git push --no-verify'",
                                             "SKIP_HINT='edited'"))
    assert "stale" in _status_lines(repo, sys.executable)[1]


def _bare_venv(where: Path) -> tuple[str, str]:
    """A real venv with nothing installed: (its python, its site-packages folder)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = str(where / "bin" / "python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                              "'purelib'))"], capture_output=True, text=True,
                             check=True).stdout.strip()
    return python, purelib


def test_a_venv_rebuilt_without_hookman_fails_the_fix_with_a_clear_line(
        tmp_path: Path) -> None:
    # An editable install's source (INSTALL_PATH) outlives its venv: rebuilt without hookman,
    # the -S shim still imports hooks_manager from the source, and the check runs; the fix
    # then needs GitPython and alembic, which are gone with the old venv. It once ended as
    # "internal error: ModuleNotFoundError: No module named 'git'".
    setup = forked_setup(tmp_path, settings="auto_merge = true\n")
    git(setup.clone, "config", "hookman.trustRepoCode", "true")
    python, purelib = _bare_venv(tmp_path / "venv")
    import sysconfig

    borrowed = Path(purelib, "borrow.pth")
    borrowed.write_text(f"{sysconfig.get_path('purelib')}\n{HOOKMAN_FOLDER}\n")
    subprocess.run([python, "-m", "hooks_manager", "install"], cwd=setup.clone,
                   capture_output=True, env={**os.environ, **NO_COVERAGE}, check=True)
    borrowed.unlink()  # the venv, rebuilt at the same path, without hookman or its libraries
    before = git(setup.clone, "rev-parse", "HEAD")
    done = push(setup.clone, "-u", "origin", "feature-b",
                env={"CI": "1", **NO_COVERAGE, "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "internal error" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert f"{python} (the interpreter the hooks run) cannot import hookman's libraries" \
        in done.stderr, done.stderr
    assert git(setup.clone, "rev-parse", "HEAD") == before  # nothing half done
    assert remote_sha(setup, "feature-b") == ""


def test_a_moved_install_folder_falls_back_to_a_normal_start(tmp_path: Path) -> None:
    # INSTALL_PATH is where hooks_manager was at install time; a venv rebuilt on a newer Python
    # (lib/python3.X changes) or an editable checkout moved leaves it pointing nowhere while
    # the interpreter's own site still finds hookman. The -S start then exits 112; the shim
    # must try that Python the usual way before it says "not found".
    import shutil
    import sysconfig

    checkout = tmp_path / "checkout"
    for part in ("hooks_manager", "templates"):
        shutil.copytree(Path(HOOKMAN_FOLDER, part), checkout / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    python, purelib = _bare_venv(tmp_path / "venv")
    found = Path(purelib, "hookman-editable.pth")  # what `pip install -e` leaves, in effect
    found.write_text(f"{sysconfig.get_path('purelib')}\n{checkout}\n")
    repo = make_project(init_repo(tmp_path / "repo"))
    add_revision(repo, "aaaa00000001", None)
    commit_all(repo, "base")
    subprocess.run([python, "-m", "hooks_manager", "install"], cwd=repo, capture_output=True,
                   env={**os.environ, **NO_COVERAGE}, check=True)
    shim = (repo / ".git" / "hooks" / "pre-commit").read_text()
    assert f"INSTALL_PATH='{checkout}'" in shim
    moved = checkout.rename(tmp_path / "moved")
    found.write_text(f"{sysconfig.get_path('purelib')}\n{moved}\n")  # `pip install -e` again
    add_revision(repo, "bbbb00000002", "aaaa00000001")
    add_revision(repo, "cccc00000003", "aaaa00000001")
    git(repo, "add", "-A")
    done = subprocess.run(["git", "commit", "-q", "-m", "fork"], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, **NO_COVERAGE, "PATH": "/usr/bin:/bin"},
                          check=False)
    assert "not found" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert "multiple-heads" in done.stderr, done.stderr  # hookman ran, from the moved folder
    assert git(repo, "log", "-1", "--format=%s") == "base"
