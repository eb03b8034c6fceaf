# Sourced by the other scripts: makes sure uv, .env and the backend's packages are there.
# Needs only python3 (3.11 or newer) on a fresh machine; nothing else is downloaded at run time.
set -euo pipefail
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never

if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
else
    UV="$PROJECT_DIR/.tools/bin/uv"
    if [ ! -x "$UV" ]; then
        echo "Installing uv $UV_VERSION into .tools/ ..." >&2
        python3 -m venv "$PROJECT_DIR/.tools"
        "$PROJECT_DIR/.tools/bin/pip" install --quiet "uv==$UV_VERSION"
    fi
fi

python3 "$PROJECT_DIR/scripts/make_env.py"
"$UV" sync --quiet --project "$PROJECT_DIR/backend"
