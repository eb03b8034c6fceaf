# Sourced by the other scripts: makes sure uv and the template's tooling (.venv) are there.
# Needs only python3 (3.11 or newer): uv comes from PATH, or is installed into .tools/ from PyPI.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never

if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
else
    UV="$REPO_DIR/.tools/bin/uv"
    if [ ! -x "$UV" ]; then
        echo "Installing uv $UV_VERSION into .tools/ ..." >&2
        python3 -m venv "$REPO_DIR/.tools"
        "$REPO_DIR/.tools/bin/pip" install --quiet "uv==$UV_VERSION"
    fi
fi

"$UV" sync --quiet --locked --project "$REPO_DIR"
