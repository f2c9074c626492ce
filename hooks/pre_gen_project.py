"""Reject answers that would bake a broken project, with a one-line reason each."""

import re
import sys

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# Unquoted MySQL identifiers; we also refuse `$` and leading digits to stay portable.
MYSQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MYSQL_DB_NAME_MAX = 64
MYSQL_USER_MAX = 32  # MySQL's limit; MariaDB allows 80, so 32 works on both.
PROJECT_FOLDERS = {"tests", "migrations", "seeds", "scripts"}
RESERVED_USERS = {"root", "mysql", "mariadb.sys", "mysql.sys", "mysql.session", "mysql.infoschema"}

answers = {
    "project": "{{ cookiecutter.project }}",
    "db_name": "{{ cookiecutter.db_name }}",
    "db_user": "{{ cookiecutter.db_user }}",
    "api_port": "{{ cookiecutter.api_port }}",
    "db_port": "{{ cookiecutter.db_port }}",
}


def problems(a: dict[str, str]) -> list[str]:
    found = []
    if not IDENTIFIER.match(a["project"]) or a["project"] in PROJECT_FOLDERS:
        found.append(
            f"project slug {a['project']!r} must be a lowercase Python identifier (letters, "
            "digits, underscores; not starting with a digit) and not a folder the project uses"
        )
    if not MYSQL_NAME.match(a["db_name"]) or len(a["db_name"]) > MYSQL_DB_NAME_MAX:
        found.append(
            f"db_name {a['db_name']!r} must be letters, digits and underscores, "
            f"not starting with a digit, at most {MYSQL_DB_NAME_MAX} characters"
        )
    if not MYSQL_NAME.match(a["db_user"]) or len(a["db_user"]) > MYSQL_USER_MAX:
        found.append(
            f"db_user {a['db_user']!r} must be letters, digits and underscores, "
            f"not starting with a digit, at most {MYSQL_USER_MAX} characters"
        )
    elif a["db_user"].lower() in RESERVED_USERS:
        found.append(f"db_user {a['db_user']!r} is reserved: the app connects as its own user")
    ports = {}
    for key in ("api_port", "db_port"):
        value = a[key]
        if not value.isdigit() or not 1 <= int(value) <= 65535:
            found.append(f"{key} {value!r} must be a whole number from 1 to 65535")
        else:
            ports[key] = int(value)
    if len(ports) == 2 and ports["api_port"] == ports["db_port"]:
        found.append(f"api_port and db_port are both {ports['api_port']}: they must differ")
    return found


if __name__ == "__main__":
    errors = problems(answers)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)
