"""The journal: applied changesets are recorded; editing one afterwards is refused until the
edit is accepted on purpose."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from {{ cookiecutter.project }}.changesets import journal
from {{ cookiecutter.project }}.changesets.errors import ChangesetError

from .changeset_project import ChangesetProject
from .test_changeset_ops import BASE


def test_journal_records_each_applied_changeset(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path)
    project.add(BASE)
    project.add({"ops": [{"op": "delete", "table": "orders", "where": {"reference": "O1"}}]})
    project.upgrade()
    with engine.connect() as connection:
        entries = connection.execute(
            text("SELECT revision, file, checksum, applied_at FROM changeset_journal")
        ).all()
    assert [(r.revision, r.file) for r in entries] == [
        ("r001", "r001_test.json"),
        ("r002", "r002_test.json"),
    ]
    assert all(len(r.checksum) == 64 and r.applied_at for r in entries)

    project.downgrade("r001")
    with engine.connect() as connection:
        revisions = connection.execute(text("SELECT revision FROM changeset_journal")).scalars()
        assert list(revisions) == ["r001"]
        orders = connection.execute(text("SELECT reference FROM orders ORDER BY 1")).scalars()
        assert list(orders) == ["O1", "O2"]


def test_edited_changeset_is_refused_until_accepted(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = ChangesetProject(tmp_path)
    first = project.add(BASE)
    project.upgrade()
    path = project.changeset_path(first)
    path.write_text(path.read_text().replace('"B"', '"Bea"'))
    project.add({"ops": [{"op": "delete", "table": "orders", "where": {"reference": "O1"}}]})

    with pytest.raises(ChangesetError) as raised:
        project.upgrade()
    message = str(raised.value)
    assert message.startswith("r001_test.json: changed after it was applied (revision r001")
    assert "make accept-checksum rev=r001" in message

    monkeypatch.chdir(project.root)
    assert journal.main(["accept", first]) == 0
    project.upgrade()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM orders")).scalar() == 1


def test_accept_names_an_unknown_revision(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    project = ChangesetProject(tmp_path)
    project.add(BASE)
    project.upgrade()
    monkeypatch.chdir(project.root)
    assert journal.main(["accept", "nope"]) == 1
    assert "revision 'nope' is not in the journal" in capsys.readouterr().err


def test_reformatting_is_not_an_edit(tmp_path: Path, engine: Engine) -> None:
    project = ChangesetProject(tmp_path)
    first = project.add(BASE)
    project.upgrade()
    path = project.changeset_path(first)
    path.write_text(path.read_text().replace("\n", "\n\n  "))  # canonical JSON is unchanged
    project.upgrade()
