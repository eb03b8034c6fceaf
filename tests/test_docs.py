"""The guides in docs/ are true: every command in them runs, as written, in one checkout of the template
where the README's demo has baked its project already, as a reader's would be (or is one of the few in
NOT_RUN, with its reason, or in RUN_ELSEWHERE, run by another test on the same project), and every excerpt
of a baked file matches that file."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from filelock import FileLock

from tests.baking import REPO_ROOT, copy_clean_template, run_bounded
from tests.combinations import SUPPORTED_CODE, Combination, code_answers, default_combination, suite_combinations
from tests.conftest import BakedProjects
from tests.docs_runner import claimed_file, code_blocks, runnable_commands, shell_script, shown_commands
from tests.template_hooks import load_bake_script

DOCS = REPO_ROOT / "docs"
GUIDES = sorted(path.name for path in DOCS.glob("*.md"))

# Commands the guides show in ```sh blocks and no test runs as written, and why; every other command
# in the guides runs. Keep it short: a command that can run here belongs in a ```bash block.
NOT_RUN = {
    "docker compose -f compose.yml up -d --build": "needs Docker",
    "docker compose -f compose.yml ps": "needs Docker",
    "docker compose -f compose.yml logs -f backend": "needs Docker",
    'docker compose -f compose.yml exec -T db sh -c \'pg_dump -U "$POSTGRES_USER" -Fc "$POSTGRES_DB"\' '
    "> db-$(date +%F).dump": "needs Docker",
    'docker compose -f compose.yml exec -T db sh -c \'pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" '
    "--clean' < db-2026-11-25.dump": "needs Docker",
    "git pull": "needs the reader's own repository",
    "docker compose -f compose.yml build": "needs Docker",
    "docker compose -f compose.yml up -d": "needs Docker",
    "sudo apt-get install caddy postgresql redis-server nodejs npm": "needs root (CI installs these itself)",
    # The deployment without containers: tests/test_reverse_proxy.py runs these steps with a test .env.
    "bash -c 'source scripts/bootstrap.sh && source scripts/frontend.sh && build_frontend'": "a production .env",
    "cd backend": "a production .env",
    ".venv/bin/python -m app.prestart": "a production .env",
    ".venv/bin/python -m app --port 8001 &": "a production .env",
    ".venv/bin/python -m app --port 8002 &": "a production .env",
    "cd ..": "a production .env",
    'SITE_ADDRESS=app.example.com BACKEND_UPSTREAMS="127.0.0.1:8001 127.0.0.1:8002" '
    "caddy run --adapter caddyfile --config proxy/Caddyfile": "needs a domain",
    # A project of its own git repository, baked from one of the template's: tests/test_update.py
    # makes both and runs these (with the template's locked cruft) before and after a later commit.
    "uvx --with cookiecutter==2.7.1 cruft==2.16.0 check": "tests/test_update.py",
    "uvx --with cookiecutter==2.7.1 cruft==2.16.0 diff": "tests/test_update.py",
    "uvx --with cookiecutter==2.7.1 cruft==2.16.0 update": "tests/test_update.py",
}


# Commands of the guides that another test runs on a project baked with the same code answers, so
# running them again here would only repeat it; test_commands_run_elsewhere_are_run_there checks it.
RUN_ELSEWHERE = {
    "scripts/test.sh": "tests/test_baked_suite.py runs the same project's whole suite",
    "scripts/test.sh -k socket": "a part of the suite tests/test_baked_suite.py runs whole",
    "scripts/lint.sh": "tests/test_generation.py::test_baked_lint_passes lints every code combination",
}
BAKE_COMMAND = re.compile(r"^scripts/bake\.sh --no-input(?P<answers>.*)$")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_guides_exist() -> None:
    assert {
        "getting-started.md",
        "development-guide.md",
        "deployment-guide.md",
        "authentication-guide.md",
        "websocket-guide.md",
    } <= set(GUIDES)


@pytest.mark.parametrize("guide", GUIDES)
def test_links_between_guides_resolve(guide: str) -> None:
    text = (DOCS / guide).read_text()
    for target in re.findall(r"\]\((?!https?://)([^)#]+)(?:#[^)]*)?\)", text):
        assert (DOCS / target).exists(), f"{guide} links to {target}, which does not exist"


@pytest.fixture(scope="session")
def reader_checkout(shared_dir: Path, script_env: dict[str, str]) -> Path:
    """The checkout every guide runs in, at once or in any order: a reader's, after the README's first
    command, `scripts/demo.sh`, has baked the default project into build/ (the guides bake under names
    of their own, and the getting-started guide runs the demo itself, over it)."""
    checkout = shared_dir / "reader-checkout"
    with FileLock(f"{checkout}.lock"):
        demo_baked = checkout / ".demo-baked"
        if not demo_baked.exists():
            shutil.rmtree(checkout, ignore_errors=True)
            copy_clean_template(REPO_ROOT, checkout)
            # What the demo leaves in build/: its project (the rest of it serves that project).
            baked = run_bounded(
                ["bash", "scripts/bake.sh", "--no-input"],
                cwd=checkout,
                env=script_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=300,
            )
            assert baked.returncode == 0, baked.stdout
            demo_baked.touch()
    return checkout


@pytest.mark.slow
@pytest.mark.parametrize("guide", [g for g in GUIDES if runnable_commands((DOCS / g).read_text())])
def test_every_command_in_the_guide_runs(
    guide: str, reader_checkout: Path, tmp_path: Path, script_env: dict[str, str]
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    script = shell_script((DOCS / guide).read_text(), port=_free_port(), run_elsewhere=RUN_ELSEWHERE)
    (tmp_path / "guide.sh").write_text(script)
    result = run_bounded(
        ["bash", str(tmp_path / "guide.sh")],
        cwd=reader_checkout,
        env={**script_env, "DOCS_LOGS": str(logs)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=1200,
    )
    server_logs = "\n".join(f"--- {log.name}\n{log.read_text()}" for log in sorted(logs.iterdir()))
    assert result.returncode == 0, (
        f"{guide}: a command failed\n--- script\n{script}\n--- output\n{result.stdout}\n{result.stderr}\n{server_logs}"
    )


def bakes_before(guide: str, command: str) -> list[Combination]:
    """The answers of each bake a guide makes before it shows `command` (the defaults otherwise)."""
    runnable = runnable_commands((DOCS / guide).read_text())
    baked = []
    for shown in runnable[: runnable.index(command)]:
        if found := BAKE_COMMAND.match(shown):
            answers = dict(answer.split("=", 1) for answer in shlex.split(found["answers"]))
            baked.append({name: answers.get(name, value) for name, value in default_combination().items()})
    return baked


def test_commands_run_elsewhere_are_run_there() -> None:
    suites = [code_answers(combination) for combination in suite_combinations()]
    linted = [code_answers(combination) for combination in SUPPORTED_CODE]
    seen = set()
    for guide in GUIDES:
        for command in set(RUN_ELSEWHERE) & set(runnable_commands((DOCS / guide).read_text())):
            seen.add(command)
            project = bakes_before(guide, command)[-1]
            ran = linted if command == "scripts/lint.sh" else suites
            assert code_answers(project) in ran, f"{guide}: `{command}` runs nowhere else on {project}"
    assert seen == set(RUN_ELSEWHERE), f"in no guide: {set(RUN_ELSEWHERE) - seen}"


def test_the_refusal_shown_for_a_bad_slug_is_what_the_bake_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    [shown] = [
        block.body
        for block in code_blocks((DOCS / "getting-started.md").read_text())
        if block.lang == "text" and block.body.startswith("Nothing was baked:")
    ]
    command = "scripts/bake.sh --no-input project_slug=my-app"
    assert f"`{command}` prints" in (DOCS / "getting-started.md").read_text()

    status = load_bake_script().main([*command.split()[1:], "--output-dir", str(tmp_path)])

    assert status != 0
    assert capsys.readouterr().err == shown


def test_each_setting_in_the_development_guide_is_a_real_setting() -> None:
    guide = (DOCS / "development-guide.md").read_text()
    table = guide[guide.index("| setting |") :].split("\n\n")[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    app = REPO_ROOT / "{{cookiecutter.project_slug}}" / "backend" / "app"
    # The settings: the project's own (core/config.py), and those of its mixins (the socket's, two-factor's).
    parts = [path.read_text() for path in app.rglob("*.py") if "BaseSettings):" in path.read_text()]
    assert len(parts) >= 3, "core/config.py, realtime/settings.py and totp_settings.py declare settings"
    config = "".join(parts)
    declared = set(re.findall(r"^    ([A-Z][A-Z0-9_]+): (?!ClassVar)", config, re.MULTILINE))
    assert documented - declared == set(), "documented but not declared"
    assert declared - documented - {"PROJECT_NAME", "API_V1_STR"} == set(), "declared but not documented"


def test_no_guide_mentions_a_command_the_template_lacks() -> None:
    for guide in GUIDES:
        for command in runnable_commands((DOCS / guide).read_text()):
            script = command.split()[0]
            if script.startswith("scripts/"):
                in_template = (REPO_ROOT / script).exists()
                in_project = (REPO_ROOT / "{{cookiecutter.project_slug}}" / script).exists()
                assert in_template or in_project, f"{guide}: {script} exists nowhere"


def test_every_command_not_run_is_listed_with_its_reason() -> None:
    shown = {command for guide in GUIDES for command in shown_commands((DOCS / guide).read_text())}
    assert shown - set(NOT_RUN) == set(), "shown in a ```sh block but not listed in NOT_RUN"
    assert set(NOT_RUN) - shown == set(), "listed in NOT_RUN but in no guide"


@pytest.mark.parametrize("guide", GUIDES)
def test_file_excerpts_match_the_baked_files(guide: str, baked_projects: BakedProjects) -> None:
    project = baked_projects.get(default_combination())
    for block in code_blocks((DOCS / guide).read_text()):
        claim = claimed_file(block)
        if claim is None:
            continue
        path, excerpt = claim
        baked = project / path
        if block.lang == "python" and not baked.exists():
            continue  # a file the reader saves, run by test_every_command_in_the_guide_runs
        assert baked.is_file(), f"{guide}: a block claims to be {path}, which the default bake does not have"
        assert excerpt in baked.read_text(encoding="utf-8"), f"{guide}: the excerpt of {path} is not in the baked file"
