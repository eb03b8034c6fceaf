"""scripts/bake.sh (scripts/bake.py): every problem with the answers told at once, one line each, before
anything is written and without a traceback; defaults that follow the answers; where the bake went."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.baking import REPO_ROOT
from tests.template_hooks import load_bake_script, pre_gen_project

bake_script = load_bake_script()


def bake(env: dict[str, str], output: Path, *arguments: str) -> tuple[int, list[str]]:
    """scripts/bake.sh's exit status and the lines it wrote."""
    result = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "bake.sh"), *arguments],
        env={**env, "OUTPUT_DIR": str(output)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return result.returncode, (result.stdout + result.stderr).splitlines()


def test_every_problem_is_one_line_told_at_once_and_nothing_is_written(
    script_env: dict[str, str], tmp_path: Path
) -> None:
    status, lines = bake(
        script_env,
        tmp_path,
        "--no-input",
        "--colour",
        "database=mongodb",
        "favourite=blue",
        "project_slug=My-App",
        "use_websockets=no",
        "frontend=react",
        "realtime_broker=redis",
    )

    answers = {"project_slug": "My-App", "use_websockets": "no", "frontend": "react", "realtime_broker": "redis"}
    assert status == bake_script.REFUSED
    assert (
        lines[-6:]
        == [
            "Nothing was baked:",
            "  '--colour' is not an option of scripts/bake.sh (see --help).",
            "  database='mongodb' is not one of sqlite, postgresql; type e.g. database=sqlite.",
            "  the template asks no 'favourite'; it asks: "
            "project_name, project_slug, description, author_name, author_email, domain, first_superuser_email, "
            "database, use_websockets, frontend, realtime_broker, auth_magic_link, auth_totp, use_docker, ci.",
            f"  {pre_gen_project.check_slug(answers)}",
            *(f"  {reason}" for reason in pre_gen_project.combination_problems(answers)),
        ][-6:]
    )
    assert not any("Traceback" in line for line in lines)
    assert list(tmp_path.iterdir()) == []


def test_a_bake_says_where_it_went_then_a_second_one_there_is_told_the_ways_out(
    script_env: dict[str, str], tmp_path: Path
) -> None:
    status, lines = bake(script_env, tmp_path, "--no-input", "use_websockets=no")

    project = tmp_path / "my_realtime_app"
    assert status == 0, "\n".join(lines)
    assert lines[-3:] == [
        f"Baked {project}. Next:",
        f"  cd {project} && scripts/run.sh",
        "(its README says more; scripts/test.sh runs its tests)",
    ]
    # The options left out follow the answer given: no page and no Redis without the socket layer.
    assert not (project / "frontend").exists()
    assert "REDIS_URL" not in (project / ".env.example").read_text()

    status, lines = bake(script_env, tmp_path, "--no-input", "use_websockets=no")

    assert status == bake_script.REFUSED
    assert lines == [
        "Nothing was baked:",
        f"  {project} exists already: bake under another name (project_name=... or project_slug=...), "
        "into another folder (OUTPUT_DIR=... scripts/bake.sh ...), or over it (-f).",
    ]
