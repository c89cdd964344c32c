#!/usr/bin/env python3
"""Loads a synthetic programme into a fresh PostgreSQL or SQLite database with bulk
SQL (INSERT ... SELECT over generate_series or a recursive CTE), not mutations.

    generate.py --engine postgres --database bench_100k --scale 100k --server PATH
    generate.py --engine sqlite --database bench/out/bench_100k.db --scale 100k --server PATH

The schema comes from the server itself (`donghanh migrate up`), and the first
admin from `donghanh create-admin`, whose argon2id hash every generated account
reuses: every account signs in with BENCH_PASSWORD. Secondary indexes of the
loaded tables are dropped during the load and rebuilt from their own definitions,
so migrations that add indexes need no change here. The triggers that keep each
commune's contribution totals (migration 8) stay on and fill `commune_totals` as
the contributions load; a check compares them with the ledger summed.

Proportions for N contributions: N/100 communes (at least 100), 55 special ones per
1,000 communes (55 below that), 34 of each 55 at the new-rural standard or above;
N×3% enterprises (90% verified, one FIRM account each); max(20, N/5000) agencies
with two officials each; every special commune twinned with an enterprise and an
agency in charge, every third other commune with an enterprise, every tenth with
an ended twinning; contributions 15% PLEDGED, 25% CONFIRMED, 50% FULFILLED, 10%
CANCELLED, with their disbursements (about 1.25 N) and one audit event each;
max(20, N/1000) dialogues (20% scheduled, 10% cancelled, the rest held) with their
communes and registrations; N/20 agenda items in every status, with their history
and answers. Everything is derived from row numbers: the same data on both engines.
"""

import argparse
import base64
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import names  # noqa: E402

BENCH_PASSWORD = "bench-password-2026"
ADMIN_EMAIL = "quantri@bench.donghanh.vn"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432"

# Tables whose secondary indexes are dropped while loading.
BULK_TABLES = [
    "contributions", "disbursements", "audit_events", "agenda_items",
    "agenda_item_events", "agenda_answers", "dialogue_registrations",
]


def parse_scale(text: str) -> int:
    text = text.strip().lower()
    factor = 1
    if text.endswith("k"):
        factor, text = 1_000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    return int(float(text) * factor)


class Sizes:
    def __init__(self, n: int):
        self.contributions = n
        self.communes = max(100, n // 100)
        self.special = 55 * max(1, self.communes // 1000)
        self.enterprises = max(100, n * 3 // 100)
        self.agencies = max(20, n // 5000)
        self.dialogues = max(20, n // 1000)
        self.agenda_items = max(100, n // 20)
        self.officials = 2 * self.agencies

    # Account ids: 1 the admin, then two officials per agency (2a and 2a + 1 for
    # agency a), then one FIRM account per enterprise.
    def official_of(self, agency_expr: str) -> str:
        return f"(2 * ({agency_expr}))"

    def firm_of(self, enterprise_expr: str) -> str:
        return f"(1 + {self.officials} + ({enterprise_expr}))"


class Postgres:
    name = "postgres"

    def __init__(self, url: str):
        self.url = url

    def run(self, sql: str) -> str:
        done = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-f", "-"],
            input=sql, capture_output=True, text=True,
        )
        if done.returncode != 0:
            sys.exit(f"psql failed: {done.stderr}\n--- statement:\n{sql[:2000]}")
        return done.stdout

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]):
        lines = ["\t".join(pg_copy_value(v) for v in row) for row in rows]
        self.run(f"COPY {table} ({', '.join(columns)}) FROM STDIN;\n" + "\n".join(lines) + "\n\\.\n")

    def series(self, n: int) -> str:
        return f"g(i) AS (SELECT generate_series(1::bigint, {n}::bigint))"

    def date(self, days: str) -> str:
        return f"(DATE '1970-01-01' + ({days})::int)"

    def ts(self, seconds: str) -> str:
        return f"to_timestamp({seconds})"

    def lpad(self, expr: str, width: int) -> str:
        return f"lpad(CAST({expr} AS TEXT), {width}, '0')"

    def global_id(self, kind: str, key: str) -> str:
        return (f"rtrim(translate(encode(convert_to('{kind}:' || ({key}), 'UTF8'), 'base64'), "
                f"'+/', '-_'), '=')")

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        out = self.run(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            f"AND i.tablename = '{table}' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname)")
        return [tuple(line.split("|", 1)) for line in out.splitlines() if line]

    def drop_index(self, name: str):
        self.run(f'DROP INDEX "{name}"')

    def finish(self, tables: list[str]):
        for table in tables:
            self.run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                     f"(SELECT max(id) FROM {table}))")
        self.run("VACUUM ANALYZE")


def pg_copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Sqlite:
    name = "sqlite"

    def __init__(self, path: str):
        self.path = path
        self.conn = None

    def open(self):
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA cache_size = -262144")
        self.conn.create_function(
            "global_id", 2,
            lambda kind, key: base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("="),
            deterministic=True)

    def run(self, sql: str) -> str:
        try:
            rows = self.conn.execute(sql).fetchall()
        except sqlite3.Error as error:
            sys.exit(f"sqlite failed: {error}\n--- statement:\n{sql[:2000]}")
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]):
        marks = ", ".join("?" for _ in columns)
        self.conn.execute("BEGIN")
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        self.conn.execute("COMMIT")

    def series(self, n: int) -> str:
        return f"RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n})"

    def date(self, days: str) -> str:
        return f"date(({days}) * 86400, 'unixepoch')"

    def ts(self, seconds: str) -> str:
        # The text form the server writes: RFC 3339, nanoseconds, +00:00.
        return f"(strftime('%Y-%m-%dT%H:%M:%S', {seconds}, 'unixepoch') || '.000000000+00:00')"

    def lpad(self, expr: str, width: int) -> str:
        return f"substr('{'0' * width}' || ({expr}), -{width}, {width})"

    def global_id(self, kind: str, key: str) -> str:
        return f"global_id('{kind}', {key})"

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL", (table,)).fetchall()
        return [(name, sql) for name, sql in rows]

    def drop_index(self, name: str):
        self.conn.execute(f'DROP INDEX "{name}"')

    def finish(self, tables: list[str]):
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def server_env(url: str) -> dict:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "RUST_LOG": "warn", "DONGHANH_LOG_FORMAT": "pretty"})
    return env


def prepare_database(args) -> tuple:
    """A fresh, migrated database with the admin account; returns (engine, url)."""
    if args.engine == "postgres":
        database = args.database
        if not database.startswith("bench_"):
            sys.exit("refusing: a benchmark database's name starts with bench_")
        admin = Postgres(f"{args.pg}/postgres")
        admin.run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.run(f'CREATE DATABASE "{database}"')
        url = f"{args.pg}/{database}"
        engine = Postgres(url)
    else:
        path = os.path.abspath(args.database)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        url = f"sqlite://{path}?mode=rwc"
        engine = Sqlite(path)
    env = server_env(url)
    subprocess.run([args.server, "migrate", "up"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([args.server, "create-admin", "--email", ADMIN_EMAIL, "--display-name",
                    "Quản trị (dữ liệu thử)"], env=env, input=BENCH_PASSWORD + "\n", text=True,
                   check=True, stdout=subprocess.DEVNULL)
    if isinstance(engine, Sqlite):
        engine.open()
    return engine, url


def load_lookups(db, sizes: Sizes):
    """Small tables of names and their search forms, indexed by row number."""
    db.run("CREATE TABLE bench_place (i BIGINT PRIMARY KEY, name TEXT, fold TEXT)")
    db.insert_rows("bench_place", ["i", "name", "fold"],
                   [(i, p, names.fold(p)) for i, p in enumerate(names.places())])
    db.run("CREATE TABLE bench_agency (i BIGINT PRIMARY KEY, code TEXT, name TEXT, fold TEXT, kind TEXT)")
    db.insert_rows("bench_agency", ["i", "code", "name", "fold", "kind"],
                   [(i, c, n, names.fold(n), k) for i, (c, n, k) in enumerate(names.AGENCIES)])
    db.run("CREATE TABLE bench_firm (i BIGINT PRIMARY KEY, name TEXT, fold TEXT, sector TEXT)")
    firms = [(f"{form} {trade}", sector) for form in names.LEGAL_FORMS for trade, sector in names.TRADES]
    db.insert_rows("bench_firm", ["i", "name", "fold", "sector"],
                   [(i, n, names.fold(n), s) for i, (n, s) in enumerate(firms)])
    db.run("CREATE TABLE bench_tax (i BIGINT PRIMARY KEY, code TEXT)")
    db.insert_rows("bench_tax", ["i", "code"],
                   [(i + 1, c) for i, c in enumerate(names.tax_codes(sizes.enterprises))])
    db.run("CREATE TABLE bench_text (kind TEXT, i BIGINT, value TEXT, fold TEXT, category TEXT, agency BIGINT, "
           "PRIMARY KEY (kind, i))")
    rows = []
    rows += [("purpose", i, p, None, None, None) for i, p in enumerate(names.PURPOSES)]
    rows += [("street", i, s, None, None, None) for i, s in enumerate(names.STREETS)]
    rows += [("venue", i, v, " ".join(v.split()).lower(), None, None) for i, v in enumerate(names.VENUES)]
    rows += [("chair", i, c, None, None, None) for i, c in enumerate(names.CHAIRS)]
    rows += [("format", i, t, None, f, None) for i, (f, t) in enumerate(names.DIALOGUE_FORMATS)]
    rows += [("concern", i, t, names.fold(t), c, a) for i, (t, c, a) in enumerate(names.CONCERNS)]
    rows += [("unit", i, w, names.fold(w), u, None) for i, (u, w) in enumerate(names.UNIT_TYPES)]
    db.insert_rows("bench_text", ["kind", "i", "value", "fold", "category", "agency"], rows)
    # The agenda lifecycle, one row per step of the path to each status.
    db.run("CREATE TABLE bench_path (status TEXT, step BIGINT, from_status TEXT, to_status TEXT, "
           "actor TEXT, PRIMARY KEY (status, step))")
    paths = {
        "SUBMITTED": ["SUBMITTED"],
        "ACCEPTED": ["SUBMITTED", "ACCEPTED"],
        "REJECTED": ["SUBMITTED", "REJECTED"],
        "ASSIGNED": ["SUBMITTED", "ASSIGNED"],
        "ANSWERED": ["SUBMITTED", "ASSIGNED", "ANSWERED"],
        "RESOLVED": ["SUBMITTED", "ASSIGNED", "ANSWERED", "RESOLVED"],
    }
    steps = []
    for status, path in paths.items():
        for step, to in enumerate(path):
            previous = path[step - 1] if step else None
            actor = "FIRM" if to == "SUBMITTED" else "OFFICIAL"
            steps.append((status, step, previous, to, actor))
    db.insert_rows("bench_path", ["status", "step", "from_status", "to_status", "actor"], steps)
    db.run("CREATE TABLE bench_j (j BIGINT PRIMARY KEY)")
    db.insert_rows("bench_j", ["j"], [(j,) for j in range(1, 31)])


def statements(db, s: Sizes, now: int) -> list[tuple[str, str]]:
    """(what, SQL) in load order. `now` is the load's clock in epoch seconds."""
    places = len(names.places())
    day = 86400
    today = now // day
    end = now - day  # contributions end yesterday and span four years
    span = 4 * 365 * day
    start = end - span
    A, E, C, S, N = s.agencies, s.enterprises, s.communes, s.special, s.contributions
    off = s.officials
    ts, date, gid = db.ts, db.date, db.global_id
    out = []

    out.append(("agencies", f"""
WITH {db.series(A)}
INSERT INTO agencies (id, code, name, search_text, kind, created_at, updated_at)
SELECT g.i,
       a.code || CASE WHEN g.i > 16 THEN '-' || ((g.i - 1) / 16 + 1) ELSE '' END,
       a.name || CASE WHEN g.i > 16 THEN ' – khu vực ' || ((g.i - 1) / 16 + 1) ELSE '' END,
       a.fold || CASE WHEN g.i > 16 THEN ' – khu vuc ' || ((g.i - 1) / 16 + 1) ELSE '' END,
       a.kind, {ts(start - 400 * day)}, {ts(start - 400 * day)}
FROM g JOIN bench_agency a ON a.i = (g.i - 1) % 16"""))

    # Enterprises whose id ends in 0 are not verified yet.
    out.append(("enterprises", f"""
WITH {db.series(E)}
INSERT INTO enterprises (id, tax_code, name, search_text, sector, address, contact_email,
                         contact_phone, verified, verified_at, created_at, updated_at)
SELECT g.i, t.code, f.name || ' ' || p.name, f.fold || ' ' || p.fold, f.sector,
       'Số ' || (g.i % 300 + 1) || ' đường ' || st.value || ', ' || p.name || ' (địa chỉ thử)',
       'lienhe' || g.i || '@bench.donghanh.vn', '0237 ' || {db.lpad('g.i % 1000000', 6)},
       (g.i % 10 <> 0),
       CASE WHEN g.i % 10 <> 0 THEN {ts(f'{start - 300 * day} + g.i * 600')} END,
       {ts(f'{start - 365 * day} + g.i * 600')}, {ts(f'{start - 300 * day} + g.i * 600')}
FROM g JOIN bench_tax t ON t.i = g.i
JOIN bench_firm f ON f.i = (g.i * 7) % {len(names.LEGAL_FORMS) * len(names.TRADES)}
JOIN bench_place p ON p.i = (g.i * 31) % {places}
JOIN bench_text st ON st.kind = 'street' AND st.i = g.i % {len(names.STREETS)}"""))

    out.append(("accounts", f"""
WITH {db.series(off + E)}
INSERT INTO accounts (id, email, password_hash, display_name, role, enterprise_id, agency_id,
                      disabled, token_generation, created_at, updated_at)
SELECT g.i + 1,
       CASE WHEN g.i <= {off} THEN 'canbo' || g.i ELSE 'dn' || (g.i - {off}) END || '@bench.donghanh.vn',
       (SELECT password_hash FROM accounts WHERE id = 1),
       CASE WHEN g.i <= {off} THEN 'Cán bộ ' || g.i || ' (dữ liệu thử)'
            ELSE 'Doanh nghiệp ' || (g.i - {off}) || ' (dữ liệu thử)' END,
       CASE WHEN g.i <= {off} THEN 'OFFICIAL' ELSE 'FIRM' END,
       CASE WHEN g.i > {off} THEN g.i - {off} END,
       CASE WHEN g.i <= {off} THEN (g.i + 1) / 2 END,
       (1 = 0), 0, {ts(start - 300 * day)}, {ts(start - 300 * day)}
FROM g"""))

    out.append(("communes", f"""
WITH {db.series(C)}
INSERT INTO communes (id, code, name, search_text, unit_type, district, special, new_rural_level,
                      new_rural_year, created_at, updated_at)
SELECT g.i, {db.lpad('g.i * 3', 5)}, u.value || ' ' || p.name, u.fold || ' ' || p.fold, u.category,
       CASE WHEN g.i % 4 = 0 THEN NULL ELSE 'Huyện ' || d.name END,
       (g.i <= {S}),
       CASE WHEN g.i <= {S} THEN CASE WHEN g.i % 55 < 34 THEN
                 CASE g.i % 3 WHEN 0 THEN 'STANDARD' WHEN 1 THEN 'ADVANCED' ELSE 'MODEL' END
                 ELSE 'NOT_YET' END
            WHEN g.i % 17 = 0 THEN 'MODEL'
            ELSE CASE g.i % 3 WHEN 0 THEN 'NOT_YET' WHEN 1 THEN 'STANDARD' ELSE 'ADVANCED' END END,
       NULL, {ts(start - 500 * day)}, {ts(start - 500 * day)}
FROM g JOIN bench_place p ON p.i = (g.i * 7) % {places}
JOIN bench_place d ON d.i = (g.i / 50 * 13) % {places}
JOIN bench_text u ON u.kind = 'unit' AND u.i = CASE g.i % 10 WHEN 0 THEN 1 WHEN 1 THEN 2 ELSE 0 END"""))
    out.append(("communes: recognition years", """
UPDATE communes SET new_rural_year = 2015 + id % 11 WHERE new_rural_level <> 'NOT_YET'"""))

    # Verified enterprise number k (k >= 0): ids whose last digit is 1..9.
    def verified(k: str) -> str:
        return f"(10 * (({k}) / 9 % {E // 10}) + 1 + ({k}) % 9)"

    out.append(("twinnings", f"""
WITH {db.series(C)}
INSERT INTO twinnings (commune_id, enterprise_id, agency_id, kind, started_on, ended_on, created_at)
SELECT g.i, {verified('g.i * 7')}, CAST(NULL AS BIGINT), 'TWINNED', {date(f'{start // day} - 300 + g.i % 300')},
       CAST(NULL AS DATE),
       {ts(f'{start - 300 * day} + g.i * 60')}
FROM g WHERE g.i <= {S} OR g.i % 3 = 0
UNION ALL
SELECT g.i, NULL, (g.i - 1) % {A} + 1, 'IN_CHARGE', {date(f'{start // day} - 300 + g.i % 300')}, NULL,
       {ts(f'{start - 300 * day} + g.i * 60')}
FROM g WHERE g.i <= {S}
UNION ALL
SELECT g.i, {verified('g.i * 17 + 5')}, NULL, 'TWINNED', {date(f'{start // day} - 1400 + g.i % 200')},
       {date(f'{start // day} - 700 + g.i % 200')}, {ts(f'{start - 1400 * day} + g.i * 60')}
FROM g WHERE g.i % 10 = 5"""))

    # Contributions: half to the special communes; one in seven from an agency.
    status = ("CASE WHEN (g.i * 53) % 20 < 3 THEN 'PLEDGED' WHEN (g.i * 53) % 20 < 8 THEN 'CONFIRMED' "
              "WHEN (g.i * 53) % 20 < 18 THEN 'FULFILLED' ELSE 'CANCELLED' END")
    amount = "((10 + ((g.i * 7907) % 1000) * ((g.i * 7907) % 1000) / 200) * 1000000 + (g.i % 97) * 10000)"
    created = f"({start} + (g.i - 1) * {span} / {N} + (g.i * 7) % 3600)"
    kind = ("CASE (g.i / 20 * 37 + g.i * 3) % 10 WHEN 0 THEN 'CASH' WHEN 1 THEN 'CASH' WHEN 2 THEN 'CASH' WHEN 3 THEN 'CASH' "
            "WHEN 4 THEN 'INFRASTRUCTURE' WHEN 5 THEN 'INFRASTRUCTURE' WHEN 6 THEN 'SOCIAL_WELFARE' "
            "WHEN 7 THEN 'SOCIAL_WELFARE' WHEN 8 THEN 'IN_KIND' ELSE 'OTHER' END")
    agency = f"((g.i / 7) % {A} + 1)"
    enterprise = verified("g.i * 2654435761 % 1000003")
    out.append(("contributions", f"""
WITH {db.series(N)}
INSERT INTO contributions (id, commune_id, enterprise_id, agency_id, kind, purpose, pledged_amount,
                           disbursed_amount, status, pledged_on, due_on, confirmed_at, cancelled_at,
                           cancellation_reason, idempotency_key, created_by, created_at, updated_at)
SELECT g.i,
       CASE WHEN g.i % 2 = 0 THEN (g.i / 2 * 7919) % {S} + 1 ELSE (g.i / 2 * 104729) % {C} + 1 END,
       CASE WHEN g.i % 7 <> 0 THEN {enterprise} END,
       CASE WHEN g.i % 7 = 0 THEN {agency} END,
       {kind}, pu.value || ' (dữ liệu thử)', {amount},
       CASE {status} WHEN 'FULFILLED' THEN {amount}
                     WHEN 'CONFIRMED' THEN (g.i % 3) * ({amount} / 4) ELSE 0 END,
       {status},
       {date(f'{created} / {day} - (g.i * 13) % 31')},
       CASE WHEN g.i % 5 <> 0 THEN {date(f'{created} / {day} - (g.i * 13) % 31 + 90 + g.i % 270')} END,
       CASE WHEN {status} IN ('CONFIRMED', 'FULFILLED') THEN {ts(f'{created} + {day} * (1 + g.i % 10)')} END,
       CASE WHEN {status} = 'CANCELLED' THEN {ts(f'{created} + {day} * (2 + g.i % 20)')} END,
       CASE WHEN {status} = 'CANCELLED' THEN 'Điều chỉnh kế hoạch tài trợ (dữ liệu thử)' END,
       NULL,
       CASE WHEN g.i % 7 <> 0 THEN {s.firm_of(enterprise)} ELSE {s.official_of(agency)} END,
       {ts(created)},
       {ts(f'{created} + {day} * CASE {status} WHEN {chr(39)}PLEDGED{chr(39)} THEN 0 ELSE 2 + g.i % 20 END')}
FROM g JOIN bench_text pu ON pu.kind = 'purpose' AND pu.i = (g.i * 3) % {len(names.PURPOSES)}"""))

    # One to three disbursements per fulfilled contribution (summing to the pledge),
    # none to two quarter-payments per confirmed one.
    parts = "CASE c.status WHEN 'FULFILLED' THEN 1 + c.id % 3 ELSE c.id % 3 END"
    out.append(("disbursements", f"""
INSERT INTO disbursements (contribution_id, amount, disbursed_on, reference, recorded_by, recorded_at)
SELECT c.id,
       CASE WHEN c.status = 'CONFIRMED' THEN c.pledged_amount / 4
            WHEN j.j < 1 + c.id % 3 THEN c.pledged_amount / (1 + c.id % 3)
            ELSE c.pledged_amount - (c.id % 3) * (c.pledged_amount / (1 + c.id % 3)) END,
       {date(f'{start // day} + (c.id - 1) * {span // day} / {N} + 20 * j.j')},
       'BB-BG/' || c.id || '-' || j.j,
       2 * (c.id % {A} + 1) + 1,
       {ts(f'{start} + (c.id - 1) * {span} / {N} + {day} * 20 * j.j + 3600')}
FROM contributions c JOIN bench_j j ON j.j <= {parts}
WHERE c.status IN ('CONFIRMED', 'FULFILLED')
ORDER BY c.id, j.j"""))

    out.append(("audit events", f"""
INSERT INTO audit_events (at, action, actor_id, actor_role, subject_id, summary, request_id)
SELECT c.created_at, 'pledgeContribution', c.created_by,
       CASE WHEN c.enterprise_id IS NULL THEN 'OFFICIAL' ELSE 'FIRM' END,
       {gid('Contribution', 'c.id')},
       '{{"amount":"' || c.pledged_amount || '","kind":"' || c.kind || '"}}', NULL
FROM contributions c ORDER BY c.id"""))

    D = s.dialogues
    dstatus = "CASE WHEN g.i % 10 < 2 THEN 'SCHEDULED' WHEN g.i % 10 = 2 THEN 'CANCELLED' ELSE 'HELD' END"
    dstart = (f"CASE WHEN g.i % 10 < 2 THEN {today * day} + (7 + g.i) * {day} + 3600 "
              f"ELSE {today * day} - (1 + (g.i * 37) % 1400) * {day} + 3600 END")
    out.append(("dialogues", f"""
WITH {db.series(D)}
INSERT INTO dialogues (id, title, format, level, status, starts_at, ends_at, venue, venue_key, chair,
                       capacity, registered_count, minutes, cancellation_reason, created_at, updated_at)
SELECT g.i, f.value || ' – đợt ' || g.i || ' (dữ liệu thử)', f.category,
       CASE g.i % 3 WHEN 0 THEN 'PROVINCE' WHEN 1 THEN 'DISTRICT' ELSE 'COMMUNE' END,
       {dstatus}, {ts(dstart)}, {ts(f'{dstart} + 4 * 3600')}, v.value, v.fold, ch.value,
       CASE WHEN g.i % 7 = 0 THEN NULL ELSE 100 + (g.i % 5) * 50 END,
       CASE WHEN g.i % 10 = 2 THEN 0 ELSE 5 + g.i % 20 END,
       CASE WHEN {dstatus} = 'HELD' THEN 'Biên bản đợt ' || g.i || ': các kiến nghị đã được giao sở, ngành trả lời (dữ liệu thử).' END,
       CASE WHEN {dstatus} = 'CANCELLED' THEN 'Lùi lịch do thiên tai (dữ liệu thử)' END,
       {ts(f'{dstart} - 30 * {day}')}, {ts(f'{dstart} - 30 * {day}')}
FROM g JOIN bench_text f ON f.kind = 'format' AND f.i = g.i % 4
JOIN bench_text v ON v.kind = 'venue' AND v.i = g.i % {len(names.VENUES)}
JOIN bench_text ch ON ch.kind = 'chair' AND ch.i = g.i % {len(names.CHAIRS)}"""))
    out.append(("dialogue communes", f"""
INSERT INTO dialogue_communes (dialogue_id, commune_id)
SELECT d.id, (d.id * 37 + j.j * 11) % {C} + 1
FROM dialogues d JOIN bench_j j ON j.j <= d.id % 4"""))
    out.append(("dialogue registrations", f"""
INSERT INTO dialogue_registrations (dialogue_id, enterprise_id, attendees, registered_by, registered_at)
SELECT d.id, 10 * ((d.id * 101 + j.j * 7) % {E // 10}) + 1 + j.j % 9, 1 + j.j % 3,
       {s.firm_of(f'10 * ((d.id * 101 + j.j * 7) % {E // 10}) + 1 + j.j % 9')},
       d.created_at
FROM dialogues d JOIN bench_j j ON j.j <= d.registered_count
ORDER BY d.id, j.j"""))

    G = s.agenda_items
    astatus = ("CASE WHEN (g.i * 17) % 20 < 2 THEN 'SUBMITTED' WHEN (g.i * 17) % 20 < 4 THEN 'ACCEPTED' "
               "WHEN (g.i * 17) % 20 < 7 THEN 'ASSIGNED' WHEN (g.i * 17) % 20 < 10 THEN 'ANSWERED' "
               "WHEN (g.i * 17) % 20 < 18 THEN 'RESOLVED' ELSE 'REJECTED' END")
    recent = f"{astatus} IN ('SUBMITTED', 'ACCEPTED', 'ASSIGNED')"
    submitted = (f"(CASE WHEN {recent} THEN {now} - (40 + g.i % 30) * {day} "
                 f"ELSE {now} - (90 + (g.i * 7) % 1400) * {day} END)")
    # Items still ASSIGNED were assigned in the last 40 days (due 21 days later, so
    # about half are overdue); answered ones two days after submission, and answered
    # within 10 days (on time) or 25 (late).
    assigned_at = (f"(CASE WHEN {astatus} = 'ASSIGNED' THEN {now} - (g.i % 40) * {day} "
                   f"ELSE {submitted} + 2 * {day} END)")
    answered = f"({submitted} + 2 * {day} + (CASE WHEN g.i % 5 <> 0 THEN 10 ELSE 25 END) * {day})"
    updated = (f"(CASE {astatus} WHEN 'SUBMITTED' THEN {submitted} WHEN 'ASSIGNED' THEN {assigned_at} "
               f"WHEN 'ANSWERED' THEN {answered} WHEN 'RESOLVED' THEN {answered} + 5 * {day} "
               f"ELSE {submitted} + 3 * {day} END)")
    ent = verified("g.i * 613")
    scheduled = max(1, D // 5)
    # The k-th scheduled dialogue (ids ending in 0 or 1) and a held one (ending in 3..9).
    on_scheduled = f"(CASE WHEN (g.i % {scheduled}) % 2 = 0 THEN 10 * ((g.i % {scheduled}) / 2) + 1 " \
                   f"ELSE 10 * ((g.i % {scheduled}) / 2 + 1) END)"
    on_held = f"(10 * (g.i % {max(1, D // 10)}) + 3 + g.i % 7)"
    assigned_states = "('ASSIGNED', 'ANSWERED', 'RESOLVED')"
    out.append(("agenda items", f"""
WITH {db.series(G)}
INSERT INTO agenda_items (id, title, body, search_text, category, channel, status, enterprise_id,
                          confidential, submitted_by, submitted_at, dialogue_id, position,
                          assigned_agency_id, assigned_at, response_due_on, rejection_reason,
                          feedback_satisfied, feedback_comment, feedback_at, version, updated_at)
SELECT g.i, k.value,
       k.value || '. Doanh nghiệp ' || e.name || ' đề nghị tỉnh xem xét, tháo gỡ (dữ liệu thử).',
       k.fold || ' ' || k.fold || '. doanh nghiep ' || e.search_text || ' de nghi tinh xem xet, thao go (du lieu thu).',
       k.category,
       CASE g.i % 5 WHEN 0 THEN 'DIALOGUE' WHEN 1 THEN 'DIALOGUE' WHEN 2 THEN 'HOTLINE'
                    WHEN 3 THEN 'WRITTEN' ELSE 'CITIZEN_RECEPTION' END,
       {astatus}, e.id, (g.i % 10 = 0),
       CASE WHEN g.i % 5 < 2 THEN {s.firm_of('e.id')} ELSE {s.official_of(f'(k.agency % {A}) + 1')} END,
       {ts(submitted)},
       CASE WHEN {astatus} = 'ACCEPTED' THEN {on_scheduled}
            WHEN {astatus} IN {assigned_states} AND g.i % 3 = 0 THEN {on_held} END,
       CASE WHEN {astatus} = 'ACCEPTED' THEN g.i / {scheduled} + 1 END,
       CASE WHEN {astatus} IN {assigned_states} THEN k.agency % {A} + 1 END,
       CASE WHEN {astatus} IN {assigned_states} THEN {ts(assigned_at)} END,
       CASE WHEN {astatus} IN {assigned_states} THEN {date(f'{assigned_at} / {day} + 21')} END,
       CASE WHEN {astatus} = 'REJECTED' THEN 'Nội dung không thuộc thẩm quyền của tỉnh (dữ liệu thử)' END,
       CASE WHEN {astatus} = 'RESOLVED' AND g.i % 10 < 7 THEN (1 = 1) END,
       CASE WHEN {astatus} = 'RESOLVED' AND g.i % 10 = 6 THEN 'Doanh nghiệp hài lòng (dữ liệu thử)' END,
       CASE WHEN {astatus} = 'RESOLVED' AND g.i % 10 < 7 THEN {ts(f'{answered} + 5 * {day}')} END,
       CASE {astatus} WHEN 'SUBMITTED' THEN 1 WHEN 'ACCEPTED' THEN 2 WHEN 'REJECTED' THEN 2
                      WHEN 'ASSIGNED' THEN 2 WHEN 'ANSWERED' THEN 3 ELSE 4 END,
       {ts(updated)}
FROM g JOIN bench_text k ON k.kind = 'concern' AND k.i = g.i % {len(names.CONCERNS)}
JOIN enterprises e ON e.id = {ent}"""))
    out.append(("agenda answers", f"""
WITH {db.series(G)}
INSERT INTO agenda_answers (agenda_item_id, agency_id, body, answered_by, answered_at, on_time)
SELECT a.id, a.assigned_agency_id,
       'Sở đã làm việc với doanh nghiệp và hướng dẫn hoàn thiện hồ sơ (trả lời thử).',
       2 * a.assigned_agency_id, {ts(answered)}, (g.i % 5 <> 0)
FROM g JOIN agenda_items a ON a.id = g.i
WHERE a.status IN ('ANSWERED', 'RESOLVED') ORDER BY a.id"""))
    out.append(("agenda item history", """
INSERT INTO agenda_item_events (agenda_item_id, at, from_status, to_status, note, actor_role)
SELECT a.id,
       CASE p.to_status WHEN 'SUBMITTED' THEN a.submitted_at WHEN 'ASSIGNED' THEN a.assigned_at
                        WHEN 'ANSWERED' THEN ans.answered_at ELSE a.updated_at END,
       p.from_status, p.to_status,
       CASE WHEN p.to_status = 'REJECTED' THEN a.rejection_reason END, p.actor
FROM agenda_items a JOIN bench_path p ON p.status = a.status
LEFT JOIN agenda_answers ans ON ans.agenda_item_id = a.id
ORDER BY a.id, p.step"""))
    return out


# Invariants the server relies on; each query returns the number of rows that break one.
CHECKS = [
    ("disbursed = sum of disbursements",
     "SELECT count(*) FROM contributions c WHERE c.disbursed_amount <> "
     "(SELECT coalesce(sum(d.amount), 0) FROM disbursements d WHERE d.contribution_id = c.id)"),
    ("registered_count = registrations",
     "SELECT count(*) FROM dialogues d WHERE d.registered_count <> "
     "(SELECT count(*) FROM dialogue_registrations r WHERE r.dialogue_id = d.id)"),
    ("version = history length",
     "SELECT count(*) FROM agenda_items a WHERE a.version <> "
     "(SELECT count(*) FROM agenda_item_events e WHERE e.agenda_item_id = a.id)"),
    ("accepted items on scheduled dialogues",
     "SELECT count(*) FROM agenda_items a JOIN dialogues d ON d.id = a.dialogue_id "
     "WHERE a.status = 'ACCEPTED' AND d.status <> 'SCHEDULED'"),
    ("pledges from verified enterprises",
     "SELECT count(*) FROM contributions c JOIN enterprises e ON e.id = c.enterprise_id "
     "WHERE e.verified = (1 = 0)"),
    ("commune totals kept = the ledger summed",
     "SELECT count(*) FROM communes m "
     "LEFT JOIN commune_totals t ON t.commune_id = m.id "
     "LEFT JOIN (SELECT commune_id, count(*) AS n, "
     "sum(pledged_amount / 1000000000) AS pb, sum(pledged_amount % 1000000000) AS pr, "
     "sum(disbursed_amount / 1000000000) AS db, sum(disbursed_amount % 1000000000) AS dr "
     "FROM contributions WHERE status <> 'CANCELLED' GROUP BY commune_id) s ON s.commune_id = m.id "
     "WHERE coalesce(t.contribution_count, 0) <> coalesce(s.n, 0) "
     "OR coalesce(t.pledged_billions, 0) <> coalesce(s.pb, 0) OR coalesce(t.pledged_rest, 0) <> coalesce(s.pr, 0) "
     "OR coalesce(t.disbursed_billions, 0) <> coalesce(s.db, 0) "
     "OR coalesce(t.disbursed_rest, 0) <> coalesce(s.dr, 0)"),
    ("firm accounts' enterprises",
     "SELECT count(*) FROM accounts a WHERE a.role = 'FIRM' AND a.enterprise_id IS NULL"),
]


LOADED = ["agencies", "enterprises", "accounts", "communes", "twinnings", "contributions", "disbursements",
          "audit_events", "dialogues", "dialogue_communes", "dialogue_registrations", "agenda_items",
          "agenda_item_events", "agenda_answers"]


def check(db) -> list[str]:
    """The invariants in CHECKS that the database breaks."""
    broken = []
    for what, sql in CHECKS:
        count = int(db.run(sql).strip() or 0)
        if count:
            broken.append(f"{what}: {count} rows")
    return broken


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["postgres", "sqlite"], required=True)
    parser.add_argument("--database", required=True, help="PostgreSQL database name (bench_*) or SQLite file")
    parser.add_argument("--scale", default="100k", help="contributions: 10k, 100k, 1M or a number")
    parser.add_argument("--server", required=True, help="path to the donghanh binary")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", PG_DEFAULT),
                        help="PostgreSQL server URL without a database")
    parser.add_argument("--now", type=int, default=None, help="the load's clock, epoch seconds")
    args = parser.parse_args()
    sizes = Sizes(parse_scale(args.scale))
    now = args.now or int(time.time()) // 3600 * 3600

    started = time.monotonic()
    db, url = prepare_database(args)
    print(f"  {'database, schema, admin':<28} {time.monotonic() - started:6.1f} s", file=sys.stderr)
    t = time.monotonic()
    load_lookups(db, sizes)
    print(f"  {'vocabulary':<28} {time.monotonic() - t:6.1f} s", file=sys.stderr)
    dropped = []
    for table in BULK_TABLES:
        for name, definition in db.secondary_indexes(table):
            db.drop_index(name)
            dropped.append((name, definition))
    bulk_started = time.monotonic()
    for what, sql in statements(db, sizes, now):
        t = time.monotonic()
        db.run(sql)
        print(f"  {what:<28} {time.monotonic() - t:6.1f} s", file=sys.stderr)
    t = time.monotonic()
    for _, definition in dropped:
        db.run(definition)
    print(f"  {'indexes rebuilt':<28} {time.monotonic() - t:6.1f} s", file=sys.stderr)
    bulk = time.monotonic() - bulk_started
    for table in ["bench_place", "bench_agency", "bench_firm", "bench_tax", "bench_text", "bench_path", "bench_j"]:
        db.run(f"DROP TABLE {table}")
    t = time.monotonic()
    broken = check(db)
    print(f"  {'invariants checked':<28} {time.monotonic() - t:6.1f} s", file=sys.stderr)
    counts = {table: int(db.run(f"SELECT count(*) FROM {table}").strip() or 0) for table in LOADED}
    t = time.monotonic()
    db.finish([table for table in LOADED if table != "dialogue_communes"])
    print(f"  {'analyse / checkpoint':<28} {time.monotonic() - t:6.1f} s", file=sys.stderr)
    if broken:
        sys.exit("generated data breaks invariants: " + "; ".join(broken))
    total = time.monotonic() - started
    print(f"loaded {sizes.contributions} contributions into {args.engine} in {total:.1f} s "
          f"({bulk:.1f} s of bulk SQL and index builds): {url}", file=sys.stderr)
    print(json.dumps({"url": url, "engine": args.engine, "contributions": sizes.contributions,
                      "seconds_total": round(total, 1), "seconds_bulk": round(bulk, 1), "rows": counts}))


if __name__ == "__main__":
    main()
