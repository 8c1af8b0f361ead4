#!/usr/bin/env python3
"""Runs the ClickHouse schema and the analyst queries on current ClickHouse, in process.

The local server is ClickHouse 18.16 (Debian's package); production may run a current
version. Every statement must work on both, so this script takes what the e2e tests run
on 18.16 and runs it through chdb (https://pypi.org/project/chdb/, current ClickHouse
embedded in Python):

1. every migration (libs/clickhouse/migrations/NNNN_*.sql, `{db}` replaced, split like
   libs/clickhouse/src/migrator.ts does), twice: the second run must be a no-op;
2. a dataset: the built-in sample below, or `--dataset FILE` (JSON
   `{"batches": [{"table": "events", "rows": [...]}, ...]}`, inserted in order; the
   analytics e2e test passes its own dataset this way);
3. consistency checks: every aggregate table equals the same numbers computed from the
   raw tables, and the resolved views equal the resolved raw events;
4. every example query docs/queries/*.sql;
5. the one-off backfill of docs/schema.md (its ```sql blocks) on a second database that
   held events before migration 0003, followed by the same consistency checks.

Exits 1 on the first statement that fails (printing it) or when a check differs.
`--out FILE` writes the rows of every example query as JSON, so a caller can compare
them with what 18.16 answered.

    pip install chdb
    python3 scripts/chdb-check.py [--dataset FILE] [--out FILE]
"""

import argparse
import glob
import json
import os
import re
import shutil
import sys
import tempfile

os.environ.setdefault("TZ", "UTC")

try:
    import chdb  # noqa: F401  (imported for the version)
    from chdb import session as chdb_session
except ImportError:  # pragma: no cover
    sys.stderr.write("chdb is not installed: pip install chdb\n")
    sys.exit(2)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS_DIR = os.path.join(ROOT, "libs", "clickhouse", "migrations")
QUERIES_DIR = os.path.join(ROOT, "docs", "queries")
SCHEMA_DOC = os.path.join(ROOT, "docs", "schema.md")
MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class CheckFailed(Exception):
    pass


def split_statements(text):
    """Same rule as splitStatements in migrator.ts: `;` at a line end ends a statement,
    lines starting with `--` are comments."""
    statements, current = [], []
    for line in text.split("\n"):
        if re.match(r"^\s*--", line):
            continue
        current.append(line)
        if re.search(r";\s*$", line):
            stmt = re.sub(r";\s*$", "", "\n".join(current).strip()).strip()
            if stmt:
                statements.append(stmt)
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return statements


def migrations(db, up_to=None):
    found = []
    for path in sorted(glob.glob(os.path.join(MIGRATIONS_DIR, "*.sql"))):
        m = MIGRATION_FILE.match(os.path.basename(path))
        if not m:
            raise CheckFailed(f"bad migration file name {path}")
        version = int(m.group(1))
        if up_to is not None and version > up_to:
            continue
        with open(path, encoding="utf-8") as f:
            found.append((os.path.basename(path), split_statements(f.read().replace("{db}", db))))
    return found


def example_queries(db):
    queries = []
    for path in sorted(glob.glob(os.path.join(QUERIES_DIR, "*.sql"))):
        with open(path, encoding="utf-8") as f:
            text = f.read().replace("{db}", db).strip()
        queries.append((os.path.basename(path), re.sub(r";\s*$", "", text)))
    return queries


def schema_doc_blocks(db):
    """The ```sql blocks of docs/schema.md, in document order, `{db}` replaced."""
    with open(SCHEMA_DOC, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    statements = []
    for block in blocks:
        statements.extend(split_statements(block.replace("{db}", db)))
    return statements


class Server:
    def __init__(self, path):
        self.session = chdb_session.Session(path)
        self.statements = 0

    def run(self, statement, what):
        self.statements += 1
        try:
            result = self.session.query(statement, "JSONEachRow")
        except Exception as e:  # chdb raises on server errors
            raise CheckFailed(f"{what} failed on ClickHouse {VERSION}:\n{e}\n--- statement ---\n{statement}")
        error = getattr(result, "error_message", None)
        if callable(error) and error():
            raise CheckFailed(f"{what} failed:\n{error()}\n--- statement ---\n{statement}")
        data = result.bytes() if hasattr(result, "bytes") else str(result).encode()
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else str(data)
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def insert(self, table, rows):
        """INSERT ... VALUES with literals, one statement per run of rows with the same
        columns (old chdb builds cannot take FORMAT JSONEachRow data inline)."""
        groups = []
        for row in rows:
            columns = list(row.keys())
            if groups and groups[-1][0] == columns:
                groups[-1][1].append(row)
            else:
                groups.append((columns, [row]))
        for columns, group in groups:
            values = ", ".join("(" + ", ".join(literal(r[c]) for c in columns) + ")" for r in group)
            self.run(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}", f"insert into {table}")

    def close(self):
        close = getattr(self.session, "close", None) or getattr(self.session, "cleanup", None)
        if close:
            close()


def literal(value):
    """A ClickHouse literal for a JSON value (the escaping of libs/clickhouse/src/sql.ts)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, str):
        escaped = "".join(ESCAPES.get(ch, ch if ord(ch) >= 0x20 and ord(ch) != 0x7F else f"\\x{ord(ch):02x}") for ch in value)
        return f"'{escaped}'"
    raise CheckFailed(f"cannot bind {value!r}")


ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0", "\b": "\\b", "\f": "\\f"}


def apply_migrations(server, db, up_to=None):
    server.run(f"CREATE DATABASE IF NOT EXISTS {db}", "create database")
    # what migrate() in migrator.ts runs before the files
    server.run(
        f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, name String, checksum String, "
        "applied_at DateTime) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version",
        "schema_migrations",
    )
    count = 0
    for name, statements in migrations(db, up_to):
        for i, statement in enumerate(statements, 1):
            server.run(statement, f"{name} statement {i}")
            count += 1
    return count


# Aggregate table read with -Merge vs the same numbers from the raw table. Each pair must
# return the same rows (both ORDER BY every key column).
def consistency_checks(db):
    return [
        (
            "profile_event_daily = events",
            f"""SELECT profile_id, name, source, currency, day, countMerge(event_count) AS n,
                sumMerge(revenue_sum) AS revenue, minMerge(first_at) AS first_seen, maxMerge(last_at) AS last_seen
            FROM {db}.profile_event_daily GROUP BY profile_id, name, source, currency, day
            ORDER BY profile_id, name, source, currency, day""",
            f"""SELECT profile_id, name, source, currency, toDate(occurred_at, 'UTC') AS day, count() AS n,
                sum(revenue) AS revenue, min(occurred_at) AS first_seen, max(occurred_at) AS last_seen
            FROM {db}.events FINAL GROUP BY profile_id, name, source, currency, day
            ORDER BY profile_id, name, source, currency, day""",
        ),
        (
            "profile_channel_daily = events",
            f"""SELECT profile_id, source, channel, utm_source, utm_medium, referrer_host, day,
                countMerge(event_count) AS n, minMerge(first_at) AS first_seen, maxMerge(last_at) AS last_seen
            FROM {db}.profile_channel_daily
            GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day
            ORDER BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day""",
            f"""SELECT profile_id, source, channel, utm_source, utm_medium, domain(referrer) AS referrer_host,
                toDate(occurred_at, 'UTC') AS day, count() AS n, min(occurred_at) AS first_seen,
                max(occurred_at) AS last_seen
            FROM {db}.events FINAL
            GROUP BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day
            ORDER BY profile_id, source, channel, utm_source, utm_medium, referrer_host, day""",
        ),
        (
            "profile_category_daily = events",
            f"""SELECT profile_id, name, category AS cat, day, countMerge(event_count) AS n
            FROM {db}.profile_category_daily GROUP BY profile_id, name, cat, day
            ORDER BY profile_id, name, cat, day""",
            f"""SELECT profile_id, name, cat, day, count() AS n FROM (
                SELECT profile_id, name, toDate(occurred_at, 'UTC') AS day,
                    arrayJoin(arrayFilter(c -> c != '', if(empty(categories), [category], categories))) AS cat
                FROM {db}.events FINAL)
            GROUP BY profile_id, name, cat, day ORDER BY profile_id, name, cat, day""",
        ),
        (
            "profile_traits_latest = trait_updates",
            f"""SELECT profile_id, trait, argMaxMerge(latest_value) AS v, argMaxMerge(latest_value_type) AS t,
                maxMerge(last_updated_at) AS u
            FROM {db}.profile_traits_latest GROUP BY profile_id, trait ORDER BY profile_id, trait""",
            f"""SELECT profile_id, trait, argMax(value, toUInt64(updated_at) * 1000 + updated_ms) AS v,
                argMax(value_type, toUInt64(updated_at) * 1000 + updated_ms) AS t, max(updated_at) AS u
            FROM {db}.trait_updates GROUP BY profile_id, trait ORDER BY profile_id, trait""",
        ),
        (
            "profile_event_totals = events_resolved",
            f"""SELECT profile_id, name, source, currency, events AS n, revenue AS r, first_seen_at AS f,
                last_seen_at AS l
            FROM {db}.profile_event_totals ORDER BY profile_id, name, source, currency""",
            f"""SELECT profile_id, name, source, currency, count() AS n, sum(revenue) AS r,
                min(occurred_at) AS f, max(occurred_at) AS l
            FROM {db}.events_resolved GROUP BY profile_id, name, source, currency
            ORDER BY profile_id, name, source, currency""",
        ),
    ]


def run_consistency_checks(server, db):
    for label, aggregate, raw in consistency_checks(db):
        a = server.run(aggregate, label)
        b = server.run(raw, label)
        if a != b:
            raise CheckFailed(f"{label}: aggregate and raw differ\naggregate: {a}\nraw:       {b}")
        if not a:
            raise CheckFailed(f"{label}: no rows (the dataset should exercise every table)")


def _event(event_id, profile_id, source, name, at, **extra):
    typ = {"web": "page" if name == "Page Viewed" else "track"}.get(source, source)
    row = {
        "event_id": event_id,
        "profile_id": profile_id,
        "source": source,
        "type": typ,
        "name": name,
        "occurred_at": at,
        "received_at": at,
        "ingested_at": at,
        "kafka_topic": f"cdp.raw.{source}",
    }
    row.update(extra)
    return row


def _order(order_id, status, profile_id, at, total, currency, channel, items):
    categories = []
    for item in items:
        if item["category"] not in categories:
            categories.append(item["category"])
    name = {"completed": "Order Completed", "refunded": "Order Refunded"}[status]
    properties = {"orderId": order_id, "status": status, "revenue": total, "currency": currency,
                  "items": items, "categories": categories, "channel": channel}
    return _event(f"{order_id}:{status}", profile_id, "transaction", name, at, revenue=total,
                  currency=currency, channel=channel, categories=categories,
                  properties=json.dumps(properties, separators=(",", ":")))


# A small dataset that touches every table, column family and query when no --dataset is
# given (the e2e test brings a larger one with hand-computed answers).
SAMPLE = {
    "batches": [
        {"table": "events", "rows": [
            _event("w-1", "p-a", "web", "Page Viewed", "2026-11-01 09:00:00", category="skincare",
                   referrer="https://www.google.com/"),
            _event("w-2", "p-a", "web", "Product Added", "2026-11-01 09:05:00", category="skincare"),
            _order("o-1", "completed", "p-a", "2026-11-01 09:10:00", 259.0, "CNY", "online",
                   [{"sku": "sk-1", "category": "skincare", "quantity": 1, "price": 259.0}]),
            _event("weibo:1", "p-b", "social", "Social Like", "2026-11-02 08:00:00", channel="weibo"),
            _event("google_ads:1", "p-b", "ad", "Ad Click", "2026-11-02 08:01:00", channel="google_ads"),
            _order("o-2", "completed", "p-b", "2026-11-03 10:00:00", 120.0, "CNY", "app",
                   [{"sku": "mk-1", "category": "makeup", "quantity": 2, "price": 60.0}]),
        ]},
        {"table": "events", "rows": [
            _order("o-2", "refunded", "p-b", "2026-11-03 18:00:00", 120.0, "CNY", "app",
                   [{"sku": "mk-1", "category": "makeup", "quantity": 2, "price": 60.0}]),
            _event("w-3", "p-c", "web", "Page Viewed", "2026-11-01 20:00:00", utm_source="newsletter",
                   utm_medium="email", category="makeup"),
        ]},
        {"table": "trait_updates", "rows": [
            {"profile_id": "p-a", "trait": "country", "value": "CN", "value_type": "string",
             "updated_at": "2026-11-01 09:10:00", "updated_ms": 900, "event_id": "o-1:completed",
             "source": "transaction"},
            {"profile_id": "p-a", "trait": "country", "value": "SG", "value_type": "string",
             "updated_at": "2026-11-01 09:10:00", "updated_ms": 100, "event_id": "w-2", "source": "web"},
            {"profile_id": "p-c", "trait": "country", "value": "SG", "value_type": "string",
             "updated_at": "2026-11-01 20:00:00", "updated_ms": 0, "event_id": "w-3", "source": "web"},
        ]},
        {"table": "profile_merges", "rows": [
            {"absorbed_id": "p-c", "survivor_id": "p-a", "merged_at": "2026-11-02 00:00:00",
             "event_id": "w-9", "version": 1},
        ]},
        {"table": "dead_letters", "rows": [
            {"source_topic": "cdp.raw.web", "source_partition": 0, "source_offset": 7,
             "received_at": "2026-11-01 09:00:00", "reasons": "[]", "reason_codes": ["validation_failed"],
             "payload_base64": "e30="},
            {"source_topic": "cdp.raw.web", "source_partition": 0, "source_offset": 7,
             "received_at": "2026-11-01 09:01:00", "reasons": "[]", "reason_codes": ["validation_failed"],
             "payload_base64": "e30="},
        ]},
    ]
}


def load(server, db, dataset, tables=None):
    for batch in dataset["batches"]:
        if tables is None or batch["table"] in tables:
            server.insert(f"{db}.{batch['table']}", batch["rows"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", help="JSON file {batches: [{table, rows}]} (default: built-in sample)")
    parser.add_argument("--out", help="write the rows of every docs/queries/*.sql here (JSON)")
    args = parser.parse_args()

    dataset = SAMPLE
    if args.dataset:
        with open(args.dataset, encoding="utf-8") as f:
            dataset = json.load(f)

    workdir = tempfile.mkdtemp(prefix="chdb-check-")
    server = Server(workdir)
    global VERSION
    VERSION = server.run("SELECT version() AS v", "version")[0]["v"]
    try:
        db = "cdp_chdb_check"
        n = apply_migrations(server, db)
        apply_migrations(server, db)  # again: every statement is IF NOT EXISTS
        print(f"ClickHouse {VERSION} (chdb): {n} migration statements applied, and again as no-ops")

        load(server, db, dataset)
        run_consistency_checks(server, db)
        print("aggregates equal the raw tables; resolved views equal resolved raw events")

        answers = {}
        for name, query in example_queries(db):
            answers[name] = server.run(query, name)
            print(f"  {name}: {len(answers[name])} rows")
        print(f"{len(answers)} example queries ran")

        # A database that had events before 0003: migrate to 0002, load, apply 0003, backfill.
        old = "cdp_chdb_backfill"
        apply_migrations(server, old, up_to=2)
        load(server, old, dataset, tables={"events", "trait_updates", "profile_merges", "dead_letters"})
        apply_migrations(server, old)
        blocks = schema_doc_blocks(old)
        for i, statement in enumerate(blocks, 1):
            server.run(statement, f"docs/schema.md sql statement {i}")
        run_consistency_checks(server, old)
        print(f"docs/schema.md: {len(blocks)} statements ran; the backfill equals the raw tables")

        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                json.dump({"version": VERSION, "queries": answers}, f, ensure_ascii=False, indent=1)
        print(f"OK: {server.statements} statements on ClickHouse {VERSION}")
        return 0
    except CheckFailed as e:
        sys.stderr.write(f"FAILED: {e}\n")
        return 1
    finally:
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)


VERSION = "?"

if __name__ == "__main__":
    sys.exit(main())
