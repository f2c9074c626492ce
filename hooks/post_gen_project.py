"""Write .env from .env.example with secrets that belong to this project alone."""

import secrets
from pathlib import Path

SECRET_KEYS = ("DB_PASSWORD", "DB_ROOT_PASSWORD")


def render_env(example: str) -> str:
    lines = []
    for line in example.splitlines():
        key, sep, _ = line.partition("=")
        if sep and key.strip() in SECRET_KEYS:
            # token_urlsafe stays safe inside URLs, compose files and shell words.
            line = f"{key}={secrets.token_urlsafe(24)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    env = Path(".env")
    env.write_text(render_env(Path(".env.example").read_text()))
    env.chmod(0o600)
