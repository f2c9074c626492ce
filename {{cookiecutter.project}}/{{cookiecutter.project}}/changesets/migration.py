"""Alembic glue: `op.upgrade_changeset(revision, file)` and `op.downgrade_changeset(...)`.

Revision files (from migrations/script.py.mako) call these and hold nothing else; importing this
module (migrations/env.py does) registers them. The changeset lives in `changesets/` beside
the revision scripts, and the schema it starts from is replayed from the changesets of the
revisions before it.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.operations import MigrateOperation, Operations
from alembic.script import ScriptDirectory
from alembic.util import to_tuple
from sqlalchemy import literal, select, table
from sqlalchemy.schema import CreateTable

from .apply import Executor
from .catalog import Catalog
from .errors import ChangesetError
from .journal import forget, images_of, journal, record
from .load import LoadedChangeset, load_changeset
from .validate import HasRows, Step, plan

CHANGESETS_DIR = "changesets"


@Operations.register_operation("upgrade_changeset")
class UpgradeChangeset(MigrateOperation):
    def __init__(self, revision: str, file: str) -> None:
        self.revision = revision
        self.file = file

    @classmethod
    def upgrade_changeset(cls, operations: Operations, revision: str, file: str) -> None:
        """Validate and apply migrations/changesets/<file>, journaled under `revision`."""
        operations.invoke(cls(revision, file))


@Operations.register_operation("downgrade_changeset")
class DowngradeChangeset(UpgradeChangeset):
    @classmethod
    def downgrade_changeset(cls, operations: Operations, revision: str, file: str) -> None:
        """Undo migrations/changesets/<file> (its "downgrade": auto, explicit, irreversible)."""
        operations.invoke(cls(revision, file))


@Operations.implementation_for(UpgradeChangeset)
def upgrade(operations: Operations, operation: UpgradeChangeset) -> None:
    script = _script(operations)
    base = catalog_before(script, operation.revision)
    loaded = load_changeset(changesets_dir(script) / operation.file)
    executor = Executor(operations)
    connection = executor.connection
    steps, _ = prepare(loaded, base, _probe(executor, base))
    if connection is not None:
        executor.relax_sqlite_foreign_keys()
        connection.execute(CreateTable(journal, if_not_exists=True))
        # Drops a stale entry; on SQLite this first write also opens the one transaction.
        connection.execute(forget(operation.revision))
    elif script.get_revision(operation.revision).down_revision is None:
        operations.execute(CreateTable(journal, if_not_exists=True))
    # The checksum of a big changeset is computed while the database works on its rows.
    with ThreadPoolExecutor(max_workers=1) as background:
        checksum = background.submit(lambda: loaded.checksum)
        images = executor.upgrade(steps, loaded)
        executor.check_foreign_keys(loaded)
        operations.execute(record(operation.revision, loaded.name, checksum.result(), images))


@Operations.implementation_for(DowngradeChangeset)
def downgrade(operations: Operations, operation: DowngradeChangeset) -> None:
    script = _script(operations)
    base = catalog_before(script, operation.revision)
    loaded = load_changeset(changesets_dir(script) / operation.file)
    if loaded.changeset.downgrade == "irreversible":
        raise ChangesetError(
            'is marked "downgrade": "irreversible"; it cannot be undone', file=loaded.name
        )
    executor = Executor(operations)
    connection = executor.connection
    steps, explicit = prepare(loaded, base, lambda _table: False)
    images = images_of(connection, operation.revision) if connection is not None else None
    if connection is not None:
        executor.relax_sqlite_foreign_keys()
    # First write: on SQLite it opens the transaction the whole downgrade runs in.
    operations.execute(forget(operation.revision))
    if explicit is not None:
        executor.upgrade(explicit, loaded)
    else:
        executor.revert(steps, loaded, images)
    executor.check_foreign_keys(loaded)


def prepare(
    loaded: LoadedChangeset, base: Catalog, has_rows: HasRows
) -> tuple[list[Step], list[Step] | None]:
    """Validate the ops and an explicit downgrade list (against the schema the ops leave)."""
    steps = plan(loaded, base, has_rows)
    downgrade = loaded.changeset.downgrade
    if not isinstance(downgrade, list):
        return steps, None
    after = base.copy()
    for step in steps:
        after.apply(step.op)
    return steps, plan(loaded, after, lambda _table: False, ops=downgrade, prefix="downgrade")


def catalog_before(script: ScriptDirectory, revision: str) -> Catalog:
    """The schema the changesets of all of `revision`'s ancestors create, in order."""
    ancestors = list(script.iterate_revisions(revision, "base"))[::-1][:-1]
    after: dict[str, Catalog] = {}
    for ancestor in ancestors:
        catalog = _merged(after, to_tuple(ancestor.down_revision, default=()))
        file = getattr(ancestor.module, "changeset", None)
        if file:
            for op in _loaded(changesets_dir(script) / file).changeset.ops:
                catalog.apply(op)
        after[ancestor.revision] = catalog
    current = script.get_revision(revision)
    return _merged(after, to_tuple(current.down_revision, default=()))


def changesets_dir(script: ScriptDirectory) -> Path:
    return Path(script.dir) / CHANGESETS_DIR


def changesets_dir_of(config_file: str) -> Path:
    """The changesets folder of the Alembic project configured in `config_file`."""
    return changesets_dir(ScriptDirectory.from_config(Config(config_file)))


_cache: dict[tuple[Path, int, int], LoadedChangeset] = {}


def _loaded(path: Path) -> LoadedChangeset:
    """Parsed changesets of earlier revisions, kept while their file is unchanged."""
    stat = path.stat()
    key = (path, stat.st_mtime_ns, stat.st_size)
    if key not in _cache:
        _cache[key] = load_changeset(path)
    return _cache[key]


def _merged(after: dict[str, Catalog], parents: tuple[str, ...]) -> Catalog:
    catalog = Catalog()
    for parent in parents:
        earlier = after[parent].copy()
        catalog.tables |= earlier.tables
        catalog.opaque |= earlier.opaque
    return catalog


def _script(operations: Operations) -> ScriptDirectory:
    script = operations.get_context().script
    if script is None:
        raise ChangesetError("changesets run inside alembic's environment (migrations/env.py)")
    return script


def _probe(executor: Executor, base: Catalog) -> HasRows:
    """Online: does a table that existed before this revision hold rows?"""
    connection = executor.connection
    if connection is None:
        return lambda _table: False

    def has_rows(name: str) -> bool:
        if name not in base.tables:
            return False
        query: Any = select(literal(1)).select_from(table(name)).limit(1)
        return connection.execute(query).first() is not None

    return has_rows
