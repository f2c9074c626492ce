import time

import pytest
from sqlalchemy import URL, create_engine

from {{ cookiecutter.project }}.prestart import DatabaseUnavailable, wait_for_database


def test_wait_returns_once_the_database_answers(db_url: URL) -> None:
    engine = create_engine(db_url)
    wait_for_database(engine, timeout=5)
    engine.dispose()


@pytest.mark.mysql
def test_wrong_password_fails_within_the_timeout(mysql_url: URL) -> None:
    engine = create_engine(mysql_url.set(username="no_such_user", password="wrong"))
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as raised:
        wait_for_database(engine, timeout=2, first_delay=0.2)
    assert time.monotonic() - started < 10
    message = str(raised.value)
    assert "not reachable after 2s" in message
    assert "Access denied" in message
    assert "wrong" not in message


def test_unreachable_server_fails_with_a_clear_message() -> None:
    engine = create_engine(URL.create("mysql+mysqldb", "app", "pw", "127.0.0.1", 1, "app"))
    with pytest.raises(DatabaseUnavailable, match=r"127.0.0.1:1/app as app not reachable"):
        wait_for_database(engine, timeout=0.5, first_delay=0.1)
