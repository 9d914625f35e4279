from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def hermetic_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No developer's global git config, CI flag or hookman switch leaks into a test; tests
    that need one set it for the processes they start."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test User")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test User")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    for name in ("CI", "HOOKMAN", "SKIP", "HOOKMAN_AUTO_MERGE", "ALEMBIC_CONFIG", "GIT_DIR",
                 "GIT_INDEX_FILE", "GIT_WORK_TREE", "HOOKMAN_CACHE_DIR", "HOOKMAN_NO_CACHE",
                 # a test run inside a pipeline must not look like that pipeline to `hookman ci`
                 "GITHUB_ACTIONS", "GITLAB_CI", "BITBUCKET_BUILD_NUMBER", "BITBUCKET_COMMIT",
                 "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repository holding an alembic project with no revisions yet."""
    from tests.helpers import init_repo, make_project

    return make_project(init_repo(tmp_path / "repo"))
