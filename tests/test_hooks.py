"""The pre-generation hook refuses answers that would bake a broken project."""

import pytest

BAD_ANSWERS = [
    ({"project": "My-Api"}, "must be a lowercase Python identifier"),
    ({"project": "1api"}, "must be a lowercase Python identifier"),
    ({"project": "tests"}, "not a folder the project uses"),
    ({"db_name": "shop-db"}, "db_name 'shop-db' must be letters, digits and underscores"),
    ({"db_name": "d" * 65}, "at most 64 characters"),
    ({"db_name": "x`; DROP DATABASE y; --"}, "db_name"),
    ({"db_user": "u" * 33}, "at most 32 characters"),
    ({"db_user": "app user"}, "db_user 'app user' must be letters"),
    ({"db_user": "root"}, "db_user 'root' is reserved"),
    ({"api_port": "0"}, "api_port '0' must be a whole number from 1 to 65535"),
    ({"db_port": "70000"}, "db_port '70000' must be a whole number from 1 to 65535"),
    ({"api_port": "http"}, "api_port 'http' must be a whole number"),
    ({"api_port": "3306", "db_port": "3306"}, "api_port and db_port are both 3306"),
]


@pytest.mark.parametrize(("answers", "message"), BAD_ANSWERS, ids=[m for _, m in BAD_ANSWERS])
def test_bad_answer_fails_the_bake_with_its_reason(cookies, capfd, answers, message) -> None:
    result = cookies.bake(extra_context=answers)
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "FailedHookException"
    assert message in capfd.readouterr().err
    assert result.project_path is None or not result.project_path.exists()


def test_good_edge_answers_bake(cookies) -> None:
    result = cookies.bake(
        extra_context={"project": "a", "db_name": "D" * 64, "db_user": "u" * 32, "api_port": "1"}
    )
    assert result.exit_code == 0, result.exception
