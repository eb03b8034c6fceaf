#!/usr/bin/env bash
# Bake a project: scripts/bake.sh [--no-input] [-f] [name=value ...], e.g.
#   scripts/bake.sh                                   (asks each question, checking each answer)
#   scripts/bake.sh --no-input database=postgresql    (defaults, but PostgreSQL)
# The project lands in build/ (set OUTPUT_DIR to change that; -f bakes over a folder that exists).
# scripts/bake.py checks every answer before anything is written; plain cookiecutter works too.
source "$(dirname "$0")/bootstrap.sh"
OUTPUT_DIR="${OUTPUT_DIR:-$REPO_DIR/build}"

# Bake from what a clone would hold: the work tree's ignored files (node_modules, builds) stay out.
TEMPLATE="$REPO_DIR"
if git -C "$REPO_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    TEMPLATE="$(mktemp -d)"
    trap 'rm -rf "$TEMPLATE"' EXIT
    git -C "$REPO_DIR" ls-files -z --cached --others --exclude-standard \
        | tar -C "$REPO_DIR" --null --files-from=- --ignore-failed-read -cf - 2>/dev/null \
        | tar -C "$TEMPLATE" -xf -
fi

"$UV" run --locked --project "$REPO_DIR" python "$REPO_DIR/scripts/bake.py" \
    --template "$TEMPLATE" --output-dir "$OUTPUT_DIR" "$@"
