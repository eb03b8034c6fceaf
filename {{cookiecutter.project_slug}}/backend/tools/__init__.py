"""The project's tooling, run from backend/: not part of the app, nor of its image."""
