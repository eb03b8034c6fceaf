"""scripts/bake.sh (scripts/bake.py): every problem with the answers told at once, one line each, before
anything is written and without a traceback; defaults that follow the answers; where the bake went."""

from __future__ import annotations

import json
import os
import select
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


def bake_in_a_terminal(env: dict[str, str], output: Path, typed: list[str]) -> tuple[int, str]:
    """scripts/bake.sh asking its questions in a terminal (a pseudo-terminal here), given these lines."""
    controller, terminal = os.openpty()
    with subprocess.Popen(
        ["bash", str(REPO_ROOT / "scripts" / "bake.sh")],
        env={**env, "OUTPUT_DIR": str(output), "TERM": "dumb", "COLUMNS": "200"},
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
    ) as process:
        os.close(terminal)
        os.write(controller, "".join(f"{line}\n" for line in typed).encode())
        shown = b""
        # Until the terminal closes, or stays silent for 30 s (a question no typed line answers).
        while select.select([controller], [], [], 30)[0]:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the bake is over
                break
            if not chunk:
                break
            shown += chunk
        try:
            status = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()  # still waiting for an answer
            status = process.wait()
    os.close(controller)
    return status, shown.decode(errors="replace")


def test_a_terminal_bake_asks_again_after_a_bad_answer_and_offers_only_what_works(
    script_env: dict[str, str], tmp_path: Path
) -> None:
    typed = [
        "Chat Room",  # 1: project_name
        "bad-slug",  # 2: project_slug, refused, so asked again
        "chat_room_x",
        *[""] * 6,  # 3-8: description to database: the defaults
        "2",  # 9: use_websockets=no; then no frontend or broker question, as only one answer works
        *[""] * 4,  # 12-15: the defaults
    ]

    status, shown = bake_in_a_terminal(script_env, tmp_path, typed)

    assert status == 0, shown
    # The slug's default follows the name; the bad one is refused at once, and the question comes back.
    assert "(chat_room):" in shown
    problem = pre_gen_project.check_slug({"project_slug": "bad-slug"})
    assert problem is not None
    assert problem in shown
    assert shown.count("[2/15]") == 2
    assert "[10/15]" not in shown
    assert "[11/15]" not in shown
    project = tmp_path / "chat_room_x"
    assert not (project / "frontend").exists()
    context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert (context["use_websockets"], context["frontend"], context["realtime_broker"]) == ("no", "none", "memory")
