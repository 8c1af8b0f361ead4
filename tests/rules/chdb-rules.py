#!/usr/bin/env python3
"""Runs compiled segment queries on current ClickHouse (chdb), for the agreement test.

The rule compiler's queries must run on the local ClickHouse 18.16 and on current
versions. tests/rules/rules-agreement.e2e-spec.ts writes its dataset and every query it
compiled to a JSON file; this script, built on scripts/chdb-check.py (same session,
migrations and literal binding), creates the same database in chdb, applies every
migration, inserts the rows (the materialized views fill the aggregates), runs each
query and writes the profile ids each one returned.

    python3 tests/rules/chdb-rules.py --input FILE --out FILE [--shard K/N]

--shard K/N runs only the queries whose index is K modulo N (each shard loads the data
into its own chdb session, so N processes use N cores).

input:  {"database": "...", "batches": [{"table": "events", "rows": [...]}, ...],
         "queries": [{"id": "...", "sql": "SELECT ..."}]}
output: {"version": "...", "results": {"<id>": ["p1", ...]}, "errors": {"<id>": "..."}}
Exits 1 when the schema or the data cannot be loaded; query errors are reported in
`errors` (the test prints them with the query).
"""

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TZ", "UTC")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("chdb_check", os.path.join(ROOT, "scripts", "chdb-check.py"))
chdb_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chdb_check)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shard", default="0/1", help="K/N: run the queries with index %% N == K")
    args = parser.parse_args()
    shard, shards = (int(x) for x in args.shard.split("/"))
    with open(args.input, encoding="utf-8") as f:
        spec_input = json.load(f)

    workdir = tempfile.mkdtemp(prefix="chdb-rules-")
    server = chdb_check.Server(workdir)
    try:
        version = server.run("SELECT version() AS v", "version")[0]["v"]
        chdb_check.VERSION = version
        db = spec_input["database"]
        chdb_check.apply_migrations(server, db)
        for batch in spec_input["batches"]:
            rows = batch["rows"]
            for i in range(0, len(rows), 500):
                server.insert(f"{db}.{batch['table']}", rows[i : i + 500])
        results, errors = {}, {}
        for query in spec_input["queries"][shard::shards]:
            try:
                rows = server.run(query["sql"], query["id"])
                results[query["id"]] = sorted(r["profile_id"] for r in rows)
            except chdb_check.CheckFailed as e:
                errors[query["id"]] = str(e)[:4000]
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"version": version, "results": results, "errors": errors}, f, ensure_ascii=False)
        print(f"ClickHouse {version} (chdb): {len(results)} queries ran, {len(errors)} failed")
        return 0
    except chdb_check.CheckFailed as e:
        sys.stderr.write(f"FAILED: {e}\n")
        return 1
    finally:
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
