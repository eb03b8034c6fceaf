"""Bake a project with every answer checked first: run by scripts/bake.sh (see there).

What it adds to plain `cookiecutter <template>`, which works too:
- every problem with the answers (the template's own checks, a value that is not one of an
  option's choices, a name the template does not ask, a project folder that exists already) is
  told at once, one line each, before anything is written, and without a traceback;
- asked in a terminal, each answer is checked as it is given and asked again when it is wrong,
  and an option offers only the choices that work with the answers before it (no React page
  without the socket layer);
- given on the command line, an option left out takes the first choice that works with the
  others, the way a question asked would;
- a bake ends by saying where the project is and what to run next;
- the project's .cruft.json names this checkout and its last commit, though the bake reads a copy
  of the work tree (see bake.sh), so that cruft can bring the template's later commits in.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import CookiecutterException
from cookiecutter.generate import generate_context
from cookiecutter.main import cookiecutter
from cookiecutter.prompt import read_user_choice, read_user_variable, render_variable

REPO_DIR = Path(__file__).resolve().parents[1]
# Exit status when the answers are refused (nothing was written).
REFUSED = 2


def load_hook(template: Path, name: str) -> ModuleType:
    """One of the template's hooks, as a module (unrendered, each is plain Python)."""
    spec = importlib.util.spec_from_file_location(f"bake_{name}", template / "hooks" / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the template's {name} from {template / 'hooks'}")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs: dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def load_checks(template: Path) -> ModuleType:
    """The template's pre-generation hook: the checks cookiecutter runs once every answer is in."""
    return load_hook(template, "pre_gen_project")


def record_template(project: Path, template: Path, questions: Mapping[str, Any], answers: Mapping[str, str]) -> None:
    """Write the project's .cruft.json naming this checkout (REPO_DIR), not the copy `template` baked from.

    Nothing is written when REPO_DIR is not a git checkout: cruft finds templates in git.
    """
    post = load_hook(template, "post_gen_project")
    source = post.template_source(REPO_DIR, cloned=False)
    if source is not None:
        (project / post.CRUFT_FILE).write_text(post.cruft_json(post.cruft_state(questions, answers, source)))


def field_checks(pre: ModuleType) -> dict[str, Callable[[Mapping[str, str]], str | None]]:
    """The hook's check of each free-text answer, by the answer's name."""
    return {
        "project_name": pre.check_project_name,
        "project_slug": pre.check_slug,
        "description": pre.check_description,
        "author_name": pre.check_author_name,
        "author_email": pre.check_author_email,
        "domain": pre.check_domain,
        "first_superuser_email": pre.check_first_superuser_email,
    }


def parse_answers(pairs: list[str], questions: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """`key=value` arguments as answers, and a line for each that is not one."""
    answers: dict[str, str] = {}
    problems = []
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals:
            problems.append(f"{pair!r} is not an answer; type name=value, e.g. database=postgresql.")
        elif name not in questions or name.startswith("_"):
            asked = ", ".join(key for key in questions if not key.startswith("_"))
            problems.append(f"the template asks no {name!r}; it asks: {asked}.")
        elif isinstance(questions[name], list) and value not in questions[name]:
            choices = ", ".join(questions[name])
            problems.append(f"{name}={value!r} is not one of {choices}; type e.g. {name}={questions[name][0]}.")
        else:
            answers[name] = value
    return answers, problems


def answer(questions: Mapping[str, Any], given: Mapping[str, str], pre: ModuleType, *, ask: bool) -> dict[str, str]:
    """Every answer, in the template's order: given, asked (and checked) in a terminal, or its default.

    A default is rendered from the answers before it; an option's choices are those that work
    with the answers before it.
    """
    prompts = questions.get("__prompts__", {})
    environment = StrictEnvironment(context={"cookiecutter": dict(questions)})
    checks = field_checks(pre)
    answers: dict[str, str] = {}
    names = [name for name in questions if not name.startswith("_")]
    for number, name in enumerate(names, start=1):
        raw = questions[name]
        prefix = f"  [{number}/{len(names)}] "
        if isinstance(raw, list):
            workable = [choice for choice in raw if pre.check_combinations({**answers, name: choice}) is None]
            if name in given:
                value = given[name]
            elif ask and len(workable) > 1:
                value = read_user_choice(name, workable, prompts, prefix)
            else:
                value = (workable or raw)[0]
        elif name in given:
            value = given[name]
        else:
            default = render_variable(environment, raw, answers)
            value = default
            while ask:
                value = read_user_variable(name, default, prompts, prefix)
                check = checks.get(name)
                problem = check({**answers, name: value}) if check else None
                if problem is None:
                    break
                print(f"    {problem}", file=sys.stderr)
        answers[name] = str(value)
    return answers


def shown(path: Path) -> str:
    """`path` relative to the working folder when it is under it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bake.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-input", action="store_true", help="ask nothing: the answers given, else the defaults")
    parser.add_argument("-f", "--overwrite-if-exists", action="store_true", help="bake into an existing project folder")
    parser.add_argument("--output-dir", type=Path, default=Path(os.environ.get("OUTPUT_DIR", REPO_DIR / "build")))
    parser.add_argument("--template", type=Path, default=REPO_DIR, help=argparse.SUPPRESS)
    # scripts/demo.sh says itself what comes next.
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("answers", nargs="*", metavar="name=value")
    options, unknown = parser.parse_known_args(argv)
    problems = [f"{option!r} is not an option of scripts/bake.sh (see --help)." for option in unknown]

    questions = generate_context(str(options.template / "cookiecutter.json"))["cookiecutter"]
    pre = load_checks(options.template)
    given, wrong = parse_answers(options.answers, questions)
    problems += wrong
    # Nobody is asked anything while the command line is wrong: it is told what is, at once.
    ask = not options.no_input and not problems and sys.stdin.isatty()
    try:
        answers = answer(questions, given, pre, ask=ask)
    except (KeyboardInterrupt, EOFError):
        print("\nNothing was baked.", file=sys.stderr)
        return REFUSED
    problems += pre.problems(answers)
    output_dir = options.output_dir.resolve()
    project = output_dir / answers["project_slug"]
    if not problems and project.exists() and not options.overwrite_if_exists:
        problems.append(
            f"{shown(project)} exists already: bake under another name (project_name=... or project_slug=...), "
            f"into another folder (OUTPUT_DIR=... scripts/bake.sh ...), or over it (-f)."
        )
    if problems:
        print("Nothing was baked:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return REFUSED

    output_dir.mkdir(parents=True, exist_ok=True)
    try:
        cookiecutter(
            str(options.template),
            no_input=True,
            extra_context=answers,
            output_dir=str(output_dir),
            overwrite_if_exists=options.overwrite_if_exists,
        )
    except CookiecutterException as error:
        print(f"The bake failed: {error}", file=sys.stderr)
        return 1
    record_template(project, options.template, questions, answers)
    if options.quiet:
        return 0
    print(f"\nBaked {shown(project)}. Next:\n  cd {shown(project)} && scripts/run.sh", file=sys.stderr)
    print("(its README says more; scripts/test.sh runs its tests)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
