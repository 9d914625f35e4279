"""`hookman doctor` finds setups that hide a fork, from sample files of each kind, in a real git
clone; only tracked files are read."""

from __future__ import annotations

from pathlib import Path

from hooks_manager.masking import find_masking
from tests.helpers import add_revision, commit_all, git, hookman

SAMPLES = {
    "Dockerfile": "FROM python:3.12\nCOPY . /app\nRUN pip install -e .\n"
                  "CMD alembic upgrade heads && gunicorn app:app\n",
    "docker/entrypoint.sh": "#!/bin/sh\nset -e\n# alembic upgrade heads (a comment: not run)\n"
                            "alembic -c /app/alembic.ini upgrade heads\nexec \"$@\"\n",
    "docker-compose.yml": "services:\n  migrate:\n    image: app\n"
                          "    command: [\"alembic\", \"upgrade\", \"heads\"]\n",
    "tests/conftest.py": "import pytest\nfrom alembic import command\n\n\n@pytest.fixture\n"
                         "def db(cfg):\n    command.upgrade(cfg, \"heads\")\n",
    ".pre-commit-config.yaml": "repos:\n- repo: local\n  hooks:\n  - id: heads\n"
                              "    entry: bash -c '[ $(alembic heads 2>/dev/null | wc -l) "
                              "-le 1 ]'\n"
                              "    language: system\n",
    ".github/workflows/migrations.yml": (
        "name: migrations\n"
        "on:\n"
        "  pull_request:\n"
        "    paths:\n"
        "      - 'migrations/**'\n"
        "jobs:\n"
        "  heads:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - run: pip install hookman\n"
        "      - run: hookman check --against origin/${{ github.base_ref }}\n"),
    ".github/workflows/deep.yml": (
        "on: [pull_request]\n"
        "jobs:\n"
        "  heads:\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          fetch-depth: 0\n"
        "      - run: hookman check --against origin/main\n"),
    "migrations/versions/1f2e3d4c5b6a_dyn.py": (
        "from alembic_git_revisions import get_down_revision\n"
        "revision = '1f2e3d4c5b6a'\n"
        "down_revision = get_down_revision(revision)\n"),
}


def test_each_masking_setup_is_found_with_file_line_and_fix(project: Path) -> None:
    for name, text in SAMPLES.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (project / "untracked").mkdir()
    (project / "untracked" / "Dockerfile").write_text("RUN alembic upgrade heads\n")
    (project / ".gitignore").write_text("app.db\n__pycache__/\nuntracked/\n")
    commit_all(project, "setups")
    findings, read = find_masking(str(project))
    got = sorted((f.kind, f.path, f.line) for f in findings)
    assert got == sorted([
        ("upgrade-heads", "Dockerfile", 4),
        ("upgrade-heads", "docker/entrypoint.sh", 4),
        ("upgrade-heads", "docker-compose.yml", 4),
        ("upgrade-heads", "tests/conftest.py", 7),
        ("wc-heads", ".pre-commit-config.yaml", 5),
        ("paths-filter", ".github/workflows/migrations.yml", 4),
        ("shallow-checkout", ".github/workflows/migrations.yml", 10),
        ("non-literal-down-revision", "migrations/versions/1f2e3d4c5b6a_dyn.py", 3),
    ])
    assert read >= len(SAMPLES)
    done = hookman(project, "doctor")
    assert done.returncode == 1
    assert ("  FIX   Dockerfile:4: `upgrade heads` applies every head, so a fork passes here "
            "unnoticed; fix: use `alembic upgrade head` (singular)") in done.stdout
    assert "  FIX   .github/workflows/migrations.yml:10: actions/checkout fetches depth 1" \
        in done.stdout
    assert "untracked/Dockerfile" not in done.stdout


def test_a_clean_setup_says_what_was_read(project: Path) -> None:
    add_revision(project, "ae1027a6acf0", None)
    (project / "Dockerfile").write_text("CMD alembic upgrade head && gunicorn app:app\n")
    commit_all(project, "clean")
    findings, read = find_masking(str(project))
    assert findings == []
    assert read >= 2
    done = hookman(project, "doctor")
    assert "setups that could hide a fork:" in done.stdout
    assert "none found in" in done.stdout


def test_outside_a_clone_it_says_not_checked(tmp_path: Path) -> None:
    from hooks_manager.doctor import Findings
    from hooks_manager.masking import report_masking

    found = Findings()
    report_masking(str(tmp_path), found)
    assert found.lines[-1] == "  note  not checked: not a git clone (only tracked files are read)"
    assert git(tmp_path, "status", check=False) == ""
