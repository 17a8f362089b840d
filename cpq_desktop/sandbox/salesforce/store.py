"""The emulated org's data: one SQLite file, one table per sObject, created from :mod:`.schema`.

API (all names case-insensitive; 15- and 18-character ids accepted; every failure is a
:class:`~.errors.SalesforceApiError` carrying the HTTP status and the REST error envelope)::

    store = OrgStore(path)                          # creates or reopens the org (multi_currency=True on creation)
    store.schema                                    # the org's Schema (standard + custom fields)
    store.organization_id, store.default_user_id    # the Organization row and the integration user, made on creation
    new_id = store.insert("Account", {"Name": "Acme"})          # REST create rules (createable, required, types,
                                                                # lookups must point at live records)
    ids = store.insert_many("OrderItem", rows)                  # trusted bulk load for the generator: executemany,
                                                                # may set read-only fields (CreatedDate, TotalAmount…),
                                                                # lookups only checked for shape and object type
    store.get("Account", new_id, fields=None)       # REST JSON of one record: attributes + fields in describe order
    store.update("Account", new_id, {"Phone": "1"}) # REST update rules
    store.delete("Account", new_id)                 # soft delete (IsDeleted), cascades to master-detail children
    store.find_ids_by_field("Order", "Zuora_Order_Number__c", "O-1")   # upsert lookups (external ids)
    store.add_custom_field("Order", FieldDef(...))  # persisted; visible to describe and SOQL at once
    store.query(soql, include_deleted=False)        # QueryResult(total_size, records) — every row
    cursor = store.open_query(soql, include_deleted=False)
    cursor.total_size; cursor.page(start, count)    # rows built page by page (for nextRecordsUrl paging)
    with store.transaction(): ...                   # all-or-nothing group of writes (collections allOrNone)

What the org computes itself, as a real one does: ids, auto-numbers (OrderNumber, Q-00001…), system fields
(CreatedDate, SystemModstamp…, owner = the integration user), compound names (Contact.Name), copies from parents
(PricebookEntry.Name, OrderItem.ListPrice/Product2Id…), OrderItem.TotalPrice, and — for insert/update/delete, not for
insert_many — roll-ups (Order.TotalAmount, SBQQ__Quote__c.SBQQ__NetAmount__c, ConsumptionSchedule.NumberOfRates).

The store is safe to share between the HTTP server's threads: one connection, serialised by a lock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import ids
from .errors import SalesforceApiError, entity_is_deleted, not_found
from .schema import FieldDef, ObjectDef, Schema, build_schema
from .values import format_datetime, from_db, sql_type, to_db

if TYPE_CHECKING:
    from .soql.engine import QueryCursor, QueryResult, SoqlEngine

DEFAULT_API_VERSION = "59.0"

# Read-only fields the store fills from a parent record when the caller did not: (field, lookup, parent field).
_COPIED_FROM_PARENT: dict[str, tuple[tuple[str, str, str], ...]] = {
    "pricebookentry": (("Name", "Product2Id", "Name"), ("ProductCode", "Product2Id", "ProductCode")),
    "sbqq__subscription__c": (
        ("SBQQ__ProductName__c", "SBQQ__Product__c", "Name"),
        ("SBQQ__ContractNumber__c", "SBQQ__Contract__c", "ContractNumber"),
    ),
    "orderitem": (("ListPrice", "PricebookEntryId", "UnitPrice"), ("Product2Id", "PricebookEntryId", "Product2Id")),
}
# Roll-up summary fields kept current by API writes: child object → (parent, lookup, parent field, aggregate).
# Trusted bulk loads (insert_many) write the values they are given instead.
_ROLLUPS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "orderitem": (("Order", "OrderId", "TotalAmount", "SUM(TotalPrice)"),),
    "sbqq__quoteline__c": (("SBQQ__Quote__c", "SBQQ__Quote__c", "SBQQ__NetAmount__c", "SUM(SBQQ__NetTotal__c)"),),
    "consumptionrate": (("ConsumptionSchedule", "ConsumptionScheduleId", "NumberOfRates", "COUNT(*)"),),
}
_SYSTEM_FIELDS = frozenset(
    {"id", "isdeleted", "createddate", "createdbyid", "lastmodifieddate", "lastmodifiedbyid", "systemmodstamp"}
)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def record_url(sobject: str, record_id: str, api_version: str = DEFAULT_API_VERSION) -> str:
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


def unknown_object(name: str) -> SalesforceApiError:
    return SalesforceApiError(404, "NOT_FOUND", "The requested resource does not exist")


class OrgStore:
    """One emulated org persisted in a SQLite file (see the module docstring for the API)."""

    def __init__(
        self,
        db_path: Path,
        *,
        multi_currency: bool = True,
        org_name: str = "CPQ Sandbox Org",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(self.db_path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=OFF")
        self._savepoints = 0
        # Key prefixes never change once assigned, so the prefixes a lookup accepts can be remembered.
        self._prefix_cache: dict[tuple[str, ...], frozenset[str]] = {}
        # Field lookups by the exact spelling callers use (fields are only ever added, never removed).
        self._field_cache: dict[tuple[str, str], FieldDef] = {}
        # Incremented whenever the schema changes, so that cached SOQL plans are rebuilt.
        self.schema_version = 0
        with self._lock:
            self._create_meta()
            stored = self._meta_get("multi_currency")
            if stored is None:
                self._meta_set("multi_currency", "1" if multi_currency else "0")
                stored = "1" if multi_currency else "0"
            self.multi_currency = stored == "1"
            self.schema: Schema = build_schema(multi_currency=self.multi_currency)
            self._load_custom_fields()
            self._assign_prefixes()
            self._create_tables()
            self._bootstrap(org_name)
        self._soql: SoqlEngine | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> OrgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        return self._clock()

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection; hold :attr:`lock` while using it."""
        return self._conn

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    # --- meta --------------------------------------------------------------------------------------------------

    def _create_meta(self) -> None:
        self._conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS _meta_prefix (sobject TEXT PRIMARY KEY COLLATE NOCASE, prefix TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS _meta_counter (sobject TEXT PRIMARY KEY COLLATE NOCASE, next INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS _meta_custom_field (
                sobject TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE, definition TEXT NOT NULL,
                position INTEGER NOT NULL, PRIMARY KEY (sobject, name));
            """
        )

    def _meta_get(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _meta_set(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", (key, value))

    def _load_custom_fields(self) -> None:
        rows = self._conn.execute("SELECT sobject, definition FROM _meta_custom_field ORDER BY position").fetchall()
        for sobject, definition in rows:
            if self.schema.get(sobject) is not None:
                self.schema.add_field(sobject, FieldDef.from_json(json.loads(definition)))

    def _assign_prefixes(self) -> None:
        """Give every object its key prefix; custom objects get org-specific ones, stable across restarts."""
        stored = dict(self._conn.execute("SELECT sobject, prefix FROM _meta_prefix").fetchall())
        stored_lower = {k.lower(): v for k, v in stored.items()}
        used = set(stored.values())
        next_custom = 0
        for obj in self.schema:
            prefix = stored_lower.get(obj.key) or ids.STANDARD_KEY_PREFIXES.get(obj.name)
            if prefix is None:
                while ids.custom_prefix(next_custom) in used:
                    next_custom += 1
                prefix = ids.custom_prefix(next_custom)
            used.add(prefix)
            obj.key_prefix = prefix
            if obj.key not in stored_lower:
                self._conn.execute("INSERT INTO _meta_prefix (sobject, prefix) VALUES (?, ?)", (obj.name, prefix))

    def _create_tables(self) -> None:
        for obj in self.schema:
            columns = ", ".join(
                f"{quote_ident(f.name)} {sql_type(f)}" + (" PRIMARY KEY" if f.key == "id" else "")
                for f in obj.iter_fields()
            )
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {quote_ident(obj.name)} ({columns})")
            existing = {row[1].lower() for row in self._conn.execute(f"PRAGMA table_info({quote_ident(obj.name)})")}
            for f in obj.iter_fields():
                if f.key not in existing:
                    self._conn.execute(
                        f"ALTER TABLE {quote_ident(obj.name)} ADD COLUMN {quote_ident(f.name)} {sql_type(f)}"
                    )
                self._create_index(obj, f)
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS {quote_ident('ix_' + obj.name + '_SystemModstamp')} "
                f"ON {quote_ident(obj.name)} (SystemModstamp)"
            )
            # Covers the id snapshot every query cursor takes ("live rows, in id order") without reading rows.
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS {quote_ident('ix_' + obj.name + '_live')} "
                f"ON {quote_ident(obj.name)} (IsDeleted, Id)"
            )

    def _create_index(self, obj: ObjectDef, f: FieldDef) -> None:
        if f.type == "reference":
            collate = ""
        elif f.external_id or f.unique or f.auto_number:
            collate = " COLLATE NOCASE"
        else:
            return
        self._conn.execute(
            f"CREATE INDEX IF NOT EXISTS {quote_ident('ix_' + obj.name + '_' + f.name)} "
            f"ON {quote_ident(obj.name)} ({quote_ident(f.name)}{collate})"
        )

    def _bootstrap(self, org_name: str) -> None:
        org_id = self._meta_get("organization_id")
        user_id = self._meta_get("default_user_id")
        if org_id and user_id:
            self.organization_id, self.default_user_id = org_id, user_id
            return
        # The user must exist before anything else, since every record points at its creator.
        self.default_user_id = ids.make_id(self._prefix("User"), self._allocate("User", 1))
        stamp = format_datetime(self.now())
        self._conn.execute(
            'INSERT INTO "User" (Id, IsDeleted, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, '
            "SystemModstamp, Name, FirstName, LastName, Username, Email, Alias, IsActive, TimeZoneSidKey) "
            "VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 'GMT')",
            (
                self.default_user_id,
                stamp,
                self.default_user_id,
                stamp,
                self.default_user_id,
                stamp,
                "Integration User",
                "Integration",
                "User",
                "integration@cpq-sandbox.example",
                "integration@cpq-sandbox.example",
                "integ",
            ),
        )
        self.organization_id = self.insert_many(
            "Organization",
            [
                {
                    "Name": org_name,
                    "IsSandbox": True,
                    "InstanceName": "CS8D",
                    "OrganizationType": "Enterprise Edition",
                    "DefaultLocaleSidKey": "en_US",
                    "LanguageLocaleKey": "en_US",
                    "TimeZoneSidKey": "GMT",
                    "DefaultCurrencyIsoCode": "USD",
                }
            ],
        )[0]
        self._meta_set("organization_id", self.organization_id)
        self._meta_set("default_user_id", self.default_user_id)

    def _prefix(self, sobject: str) -> str:
        obj = self.schema.get(sobject)
        assert obj is not None
        return obj.key_prefix

    def _allocate(self, sobject: str, count: int) -> int:
        """Reserve ``count`` sequence numbers for ``sobject``; returns the first."""
        row = self._conn.execute("SELECT next FROM _meta_counter WHERE sobject = ?", (sobject,)).fetchone()
        first = 1 if row is None else int(row[0])
        self._conn.execute(
            "INSERT OR REPLACE INTO _meta_counter (sobject, next) VALUES (?, ?)", (sobject, first + count)
        )
        return first

    # --- transactions ------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: everything inside is committed together or rolled back when an exception escapes."""
        with self._lock:
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            self._conn.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self._conn.execute(f"ROLLBACK TO {name}")
                self._conn.execute(f"RELEASE {name}")
                raise
            else:
                self._conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1

    # --- lookups -----------------------------------------------------------------------------------------------

    def object_def(self, sobject: str) -> ObjectDef:
        """The object named ``sobject`` (any case); 404 NOT_FOUND when the org has no such object."""
        obj = self.schema.get(sobject)
        if obj is None:
            raise unknown_object(sobject)
        return obj

    def _check_id(self, obj: ObjectDef, record_id: object) -> str:
        normalized = ids.normalize(record_id)
        if normalized is None:
            raise not_found()
        if normalized[:3] != obj.key_prefix:
            raise SalesforceApiError(
                400, "MALFORMED_ID", f"{obj.label} ID: id value of incorrect type: {record_id}", ["Id"]
            )
        return normalized

    def _field(self, obj: ObjectDef, name: str) -> FieldDef:
        cached = self._field_cache.get((obj.key, name))
        if cached is not None:
            return cached
        fdef = obj.field(name)
        if fdef is None:
            raise SalesforceApiError(
                400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}", [name]
            )
        self._field_cache[(obj.key, name)] = fdef
        return fdef

    def _reference_prefixes(self, fdef: FieldDef) -> frozenset[str]:
        if fdef.type != "reference":
            return frozenset()
        cached = self._prefix_cache.get(fdef.reference_to)
        if cached is None:
            targets = (self.schema.get(target) for target in fdef.reference_to)
            cached = frozenset(obj.key_prefix for obj in targets if obj is not None)
            self._prefix_cache[fdef.reference_to] = cached
        return cached

    # --- writes ------------------------------------------------------------------------------------------------

    def insert(self, sobject: str, values: Mapping[str, object]) -> str:
        """Create one record with the REST API's rules; returns its 18-character id."""
        return self._insert(sobject, [values], trusted=False)[0]

    def insert_many(self, sobject: str, rows: Sequence[Mapping[str, object]]) -> list[str]:
        """Bulk-create records (trusted: read-only fields may be set, lookups are not checked for existence)."""
        return self._insert(sobject, rows, trusted=True)

    def _insert(self, sobject: str, rows: Sequence[Mapping[str, object]], *, trusted: bool) -> list[str]:
        obj = self.object_def(sobject)
        if not rows:
            return []
        fields = list(obj.iter_fields())
        keys = [f.key for f in fields]
        auto_numbers = [(f.key, f.auto_number) for f in fields if f.auto_number]
        required = [(f.key, f.name) for f in fields if f.required_on_create]
        defaults = self._insert_defaults(obj)
        writers: dict[str, tuple[FieldDef, frozenset[str]]] = {}
        with self._lock, self.transaction():
            first = self._allocate(obj.name, len(rows))
            stamp = format_datetime(self.now())
            prepared: list[dict[str, object]] = []
            for offset, values in enumerate(rows):
                seq = first + offset
                record = self._prepare_insert(obj, values, defaults, writers, trusted=trusted)
                record["id"] = ids.make_id(obj.key_prefix, seq)
                record["isdeleted"] = record.get("isdeleted") or 0
                for key in ("createddate", "lastmodifieddate", "systemmodstamp"):
                    record[key] = record.get(key) or stamp
                for key in ("createdbyid", "lastmodifiedbyid"):
                    record[key] = record.get(key) or self.default_user_id
                for key, pattern in auto_numbers:
                    if record.get(key) is None:
                        record[key] = pattern.format(seq)
                prepared.append(record)
            self._fill_derived(obj, prepared)
            for record in prepared:
                missing = [name for key, name in required if record.get(key) is None]
                if missing:
                    raise SalesforceApiError(
                        400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
                    )
            if not trusted:
                self._check_references_exist(obj, prepared)
            columns = ", ".join(quote_ident(f.name) for f in fields)
            marks = ", ".join("?" for _ in fields)
            self._conn.executemany(
                f"INSERT INTO {quote_ident(obj.name)} ({columns}) VALUES ({marks})",
                [tuple(map(record.get, keys)) for record in prepared],
            )
            if not trusted:
                self._refresh_rollups(obj, prepared, stamp)
        return [str(record["id"]) for record in prepared]

    def _insert_defaults(self, obj: ObjectDef) -> dict[str, object]:
        """Column values a new record starts with: checkbox and picklist defaults, the owner."""
        record: dict[str, object] = {}
        for f in obj.iter_fields():
            if f.type == "boolean":
                record[f.key] = int(bool(f.default_value))
            elif f.default_picklist is not None:
                record[f.key] = f.default_picklist
        if "ownerid" in obj.fields:
            record["ownerid"] = self.default_user_id
        return record

    def _prepare_insert(
        self,
        obj: ObjectDef,
        values: Mapping[str, object],
        defaults: Mapping[str, object],
        writers: dict[str, tuple[FieldDef, frozenset[str]]],
        *,
        trusted: bool,
    ) -> dict[str, object]:
        """Column values of one new record; ``writers`` remembers, per spelling, the checked field of each key."""
        record = dict(defaults)
        for name, value in values.items():
            writer = writers.get(name)
            if writer is None:
                if name == "attributes":
                    continue
                fdef = self._field(obj, name)
                if fdef.key == "id" or (not trusted and not fdef.createable):
                    raise SalesforceApiError(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {fdef.name}. Please check the security settings of this "
                        "field and verify that it is read/write for your profile or permission set.",
                        [fdef.name],
                    )
                writer = writers[name] = (fdef, self._reference_prefixes(fdef))
            fdef, prefixes = writer
            converted = to_db(fdef, value, prefixes)
            if converted is None and fdef.type == "boolean":
                converted = 0
            record[fdef.key] = converted
        return record

    def _fill_derived(self, obj: ObjectDef, records: list[dict[str, object]]) -> None:
        """Compute the formula-like fields real orgs derive (names, copies from parents, totals)."""
        if obj.name_parts:
            for record in records:
                parts = [str(record[p.lower()]) for p in obj.name_parts if record.get(p.lower())]
                record["name"] = " ".join(parts) if parts else record.get("name")
        for target, lookup, parent_field in _COPIED_FROM_PARENT.get(obj.key, ()):
            target_key, lookup_key = target.lower(), lookup.lower()
            wanted = {str(r[lookup_key]) for r in records if r.get(lookup_key) and r.get(target_key) is None}
            if not wanted:
                continue
            lookup_def = obj.field(lookup)
            parent = self.schema.get(lookup_def.reference_to[0]) if lookup_def else None
            if parent is None or parent.field(parent_field) is None:
                continue
            found = self._fetch_column(parent, parent_field, wanted)
            for r in records:
                if r.get(target_key) is None and r.get(lookup_key) in found:
                    r[target_key] = found[str(r[lookup_key])]
        if obj.key == "orderitem":
            for r in records:
                qty, price = r.get("quantity"), r.get("unitprice")
                if isinstance(qty, float) and isinstance(price, float):
                    r["totalprice"] = round(qty * price, 2)
                    if r.get("availablequantity") is None:
                        r["availablequantity"] = qty
        if obj.key == "order":
            for r in records:
                r["statuscode"] = r.get("status")

    def _fetch_column(self, obj: ObjectDef, column: str, record_ids: Iterable[str]) -> dict[str, object]:
        result: dict[str, object] = {}
        id_list = list(record_ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            sql = f"SELECT Id, {quote_ident(column)} FROM {quote_ident(obj.name)} WHERE Id IN ({marks})"
            result.update(dict(self._conn.execute(sql, chunk).fetchall()))
        return result

    def _check_references_exist(self, obj: ObjectDef, records: list[dict[str, object]]) -> None:
        for f in obj.iter_fields():
            if f.type != "reference" or f.key in ("createdbyid", "lastmodifiedbyid"):
                continue
            wanted = {str(r[f.key]) for r in records if r.get(f.key)}
            for record_id in wanted:
                target = self.schema.by_prefix(record_id[:3])
                row = None
                if target is not None:
                    row = self._conn.execute(
                        f"SELECT IsDeleted FROM {quote_ident(target.name)} WHERE Id = ?", (record_id,)
                    ).fetchone()
                if row is None or row[0]:
                    raise SalesforceApiError(
                        400,
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"invalid cross reference id: {f.name} = {record_id} does not exist or is deleted",
                        [f.name],
                    )

    def update(self, sobject: str, record_id: str, values: Mapping[str, object], *, trusted: bool = False) -> None:
        """Change fields of one live record (REST PATCH rules unless ``trusted``)."""
        obj = self.object_def(sobject)
        rid = self._check_id(obj, record_id)
        with self._lock, self.transaction():
            current = self._load_row(obj, rid)
            changes: dict[str, object] = {}
            for name, value in values.items():
                if name == "attributes":
                    continue
                fdef = self._field(obj, name)
                if fdef.key == "id" or fdef.key in _SYSTEM_FIELDS or (not trusted and not fdef.updateable):
                    raise SalesforceApiError(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {fdef.name}. Please check the security settings of this "
                        "field and verify that it is read/write for your profile or permission set.",
                        [fdef.name],
                    )
                converted = to_db(fdef, value, self._reference_prefixes(fdef))
                if converted is None and not fdef.nillable:
                    if fdef.type == "boolean":
                        converted = 0
                    else:
                        raise SalesforceApiError(
                            400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{fdef.name}]", [fdef.name]
                        )
                changes[fdef.key] = converted
            merged = {**current, **changes}
            derived = dict(merged)
            self._fill_derived(obj, [derived])
            for key, value in derived.items():
                if value != merged.get(key) and key not in changes:
                    changes[key] = value
            if not trusted:
                self._check_references_exist(obj, [{k: v for k, v in changes.items()}])
            stamp = format_datetime(self.now())
            changes.update(lastmodifieddate=stamp, systemmodstamp=stamp, lastmodifiedbyid=self.default_user_id)
            assignments = ", ".join(f"{quote_ident(self._field(obj, k).name)} = ?" for k in changes)
            self._conn.execute(
                f"UPDATE {quote_ident(obj.name)} SET {assignments} WHERE Id = ?", [*changes.values(), rid]
            )
            self._refresh_rollups(obj, [current, {**current, **changes}], stamp)

    def delete(self, sobject: str, record_id: str) -> None:
        """Move a record (and its master-detail children) to the recycle bin: queryAll still returns it."""
        obj = self.object_def(sobject)
        rid = self._check_id(obj, record_id)
        with self._lock, self.transaction():
            self._load_row(obj, rid)
            self._soft_delete(obj, [rid], format_datetime(self.now()))

    def _refresh_rollups(self, obj: ObjectDef, records: Iterable[Mapping[str, object]], stamp: str) -> None:
        """Recompute the roll-up fields of the parents of ``records`` (which bumps the parents' modstamps)."""
        for parent_name, lookup, target, aggregate in _ROLLUPS.get(obj.key, ()):
            parents = sorted({str(r[lookup.lower()]) for r in records if r.get(lookup.lower())})
            parent = self.object_def(parent_name)
            for start in range(0, len(parents), 500):
                chunk = parents[start : start + 500]
                marks = ", ".join("?" for _ in chunk)
                self._conn.execute(
                    f"UPDATE {quote_ident(parent.name)} AS p SET {quote_ident(target)} = "
                    f"(SELECT COALESCE({aggregate}, 0) FROM {quote_ident(obj.name)} c "
                    f"WHERE c.{quote_ident(lookup)} = p.Id AND c.IsDeleted = 0), "
                    f"SystemModstamp = ?, LastModifiedDate = ? WHERE p.Id IN ({marks})",
                    [stamp, stamp, *chunk],
                )

    def _soft_delete(self, obj: ObjectDef, record_ids: list[str], stamp: str) -> None:
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            self._conn.execute(
                f"UPDATE {quote_ident(obj.name)} SET IsDeleted = 1, SystemModstamp = ?, LastModifiedDate = ?, "
                f"LastModifiedById = ? WHERE Id IN ({marks})",
                [stamp, stamp, self.default_user_id, *chunk],
            )
            if obj.key in _ROLLUPS:
                columns = ", ".join(quote_ident(lookup) for _p, lookup, _t, _a in _ROLLUPS[obj.key])
                cursor = self._conn.execute(
                    f"SELECT {columns} FROM {quote_ident(obj.name)} WHERE Id IN ({marks})", chunk
                )
                names = [lookup.lower() for _p, lookup, _t, _a in _ROLLUPS[obj.key]]
                self._refresh_rollups(obj, [dict(zip(names, row, strict=True)) for row in cursor], stamp)
            for rel in self.schema.child_relationships(obj.name):
                if not rel.cascade_delete:
                    continue
                child = self.object_def(rel.child_object)
                children = [
                    row[0]
                    for row in self._conn.execute(
                        f"SELECT Id FROM {quote_ident(child.name)} WHERE {quote_ident(rel.field)} IN ({marks}) "
                        "AND IsDeleted = 0",
                        chunk,
                    )
                ]
                if children:
                    self._soft_delete(child, children, stamp)

    # --- reads -------------------------------------------------------------------------------------------------

    def _load_row(self, obj: ObjectDef, record_id: str) -> dict[str, object]:
        """The live row's columns by lower-case name; NOT_FOUND or ENTITY_IS_DELETED otherwise."""
        cursor = self._conn.execute(f"SELECT * FROM {quote_ident(obj.name)} WHERE Id = ?", (record_id,))
        row = cursor.fetchone()
        if row is None:
            raise not_found()
        record = {desc[0].lower(): value for desc, value in zip(cursor.description, row, strict=True)}
        if record.get("isdeleted"):
            raise entity_is_deleted()
        return record

    def exists(self, sobject: str, record_id: str) -> bool:
        """True when ``record_id`` is a live record of ``sobject``."""
        obj = self.object_def(sobject)
        rid = ids.normalize(record_id)
        if rid is None or rid[:3] != obj.key_prefix:
            return False
        with self._lock:
            row = self._conn.execute(
                f"SELECT 1 FROM {quote_ident(obj.name)} WHERE Id = ? AND IsDeleted = 0", (rid,)
            ).fetchone()
        return row is not None

    def get(
        self,
        sobject: str,
        record_id: str,
        fields: Sequence[str] | None = None,
        api_version: str = DEFAULT_API_VERSION,
    ) -> dict[str, Any]:
        """One record as REST JSON: ``attributes`` then the fields (all, in describe order, or ``fields``)."""
        obj = self.object_def(sobject)
        rid = self._check_id(obj, record_id)
        wanted = [self._field(obj, name) for name in fields] if fields else list(obj.iter_fields())
        with self._lock:
            row = self._load_row(obj, rid)
        result: dict[str, Any] = {"attributes": {"type": obj.name, "url": record_url(obj.name, rid, api_version)}}
        for f in wanted:
            result[f.name] = from_db(f, row.get(f.key))
        return result

    def find_ids_by_field(self, sobject: str, field: str, value: object) -> list[str]:
        """Ids of live records whose ``field`` equals ``value`` (text compared case-insensitively, as external ids)."""
        obj = self.object_def(sobject)
        fdef = self._field(obj, field)
        converted = to_db(fdef, value)
        collate = " COLLATE NOCASE" if fdef.type not in ("id", "reference") else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT Id FROM {quote_ident(obj.name)} WHERE {quote_ident(fdef.name)} = ?{collate} "
                "AND IsDeleted = 0 ORDER BY Id",
                (converted,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def count(self, sobject: str, *, include_deleted: bool = False) -> int:
        obj = self.object_def(sobject)
        where = "" if include_deleted else " WHERE IsDeleted = 0"
        with self._lock:
            row = self._conn.execute(f"SELECT COUNT(*) FROM {quote_ident(obj.name)}{where}").fetchone()
        return int(row[0])

    # --- schema changes ----------------------------------------------------------------------------------------

    def add_custom_field(self, sobject: str, field_def: FieldDef) -> FieldDef:
        """Add a custom field (``…__c``) to an object, as an admin does in Setup; persisted with the org."""
        obj = self.object_def(sobject)
        if not field_def.name.endswith("__c") or not field_def.name[:-3].replace("_", "a").isalnum():
            raise SalesforceApiError(
                400,
                "INVALID_FIELD",
                f"Custom field name '{field_def.name}' is invalid: use letters, digits and single underscores, "
                "ending in __c",
                [field_def.name],
            )
        if obj.field(field_def.name) is not None:
            raise SalesforceApiError(
                400, "DUPLICATE_DEVELOPER_NAME", f"A field named {field_def.name} already exists on {obj.name}"
            )
        for target in field_def.reference_to:
            if self.schema.get(target) is None:
                raise SalesforceApiError(
                    400, "INVALID_TYPE", f"sObject type '{target}' is not supported", [field_def.name]
                )
        with self._lock, self.transaction():
            stored = self.schema.add_field(obj.name, field_def)
            try:
                position = self._conn.execute("SELECT COUNT(*) FROM _meta_custom_field").fetchone()[0]
                self._conn.execute(
                    "INSERT INTO _meta_custom_field (sobject, name, definition, position) VALUES (?, ?, ?, ?)",
                    (obj.name, stored.name, json.dumps(stored.to_json()), position),
                )
                self._conn.execute(
                    f"ALTER TABLE {quote_ident(obj.name)} ADD COLUMN {quote_ident(stored.name)} {sql_type(stored)}"
                )
                self._create_index(obj, stored)
            except BaseException:
                del obj.fields[stored.key]
                raise
            self.schema_version += 1
        return stored

    # --- SOQL --------------------------------------------------------------------------------------------------

    def _engine(self) -> SoqlEngine:
        if self._soql is None:
            from .soql.engine import SoqlEngine

            self._soql = SoqlEngine(self)
        return self._soql

    def query(self, soql: str, *, include_deleted: bool = False, api_version: str = DEFAULT_API_VERSION) -> QueryResult:
        """Run a SOQL query and build every row (``include_deleted`` is queryAll)."""
        return self._engine().query(soql, include_deleted=include_deleted, api_version=api_version)

    def open_query(
        self, soql: str, *, include_deleted: bool = False, api_version: str = DEFAULT_API_VERSION
    ) -> QueryCursor:
        """Run a SOQL query and return a cursor whose rows are built page by page (``cursor.page(start, n)``)."""
        return self._engine().open(soql, include_deleted=include_deleted, api_version=api_version)
