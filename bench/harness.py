#!/usr/bin/env python3
"""The benchmark of issue 11 and the soak of issue 8. Run through `bench/run` and
`bench/soak`; `--help` on either lists the options."""

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

import queries as Q  # noqa: E402
from capture import Capture, explain, pgbench_script  # noqa: E402
from common import (HERE, LOGS, OUT, PEER, PG_DEFAULT, ROOT, GraphQLServer, Meter, Process, binary,  # noqa: E402
                    ensure_tools, fail, free_port, gid, graphql, log, median, node, pgbench, post, psql,
                    rss_kib, wrk)
from generate import BENCH_PASSWORD, CHECKS, Sizes, parse_scale  # noqa: E402

RESULTS = os.path.join(HERE, "results")
GROUPS = ["q1", "q2", "q3", "q4", "q5", "m1", "sqlite", "instances", "profile"]
ORDERS = [("PLEDGED_ON", "pledged_on"), ("PLEDGED_AMOUNT", "pledged_amount"), ("CREATED_AT", "created_at")]


# ---------------------------------------------------------------- set-up

class Bench:
    def __init__(self, args):
        self.args = args
        self.n = parse_scale(args.scale)
        self.label = args.scale.lower()
        self.sizes = Sizes(self.n)
        self.pg = args.pg
        self.database = f"bench_{self.label}"
        # Every client of PostgreSQL here (our server, PostGraphile, pgbench, psql)
        # connects the same way: without TLS, as node-postgres does by default.
        # sqlx and libpq default to TLS when the server offers it (Debian's does),
        # which cost our server about a tenth of its instructions on Q1 (callgrind).
        self.pg_url = f"{self.pg}/{self.database}?sslmode=disable"
        self.sqlite_path = os.path.join(OUT, f"bench_{self.label}.db")
        self.secret = secrets.token_hex(32)
        self.servers: list[Process] = []
        self.stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%MZ")
        self.report = {"scale": self.label, "contributions": self.n, "started": self.stamp, "runs": [],
                       "notes": []}

    # -- data

    def loaded(self, engine: str) -> bool:
        if engine == "postgres":
            exists = psql(f"{self.pg}/postgres",
                          f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'").strip()
            if not exists:
                return False
            count = psql(self.pg_url, "SELECT count(*) FROM contributions WHERE idempotency_key IS NULL "
                                      "AND id <= " + str(self.n)).strip()
        else:
            if not os.path.exists(self.sqlite_path):
                return False
            import sqlite3
            with sqlite3.connect(self.sqlite_path) as conn:
                count = conn.execute(f"SELECT count(*) FROM contributions WHERE id <= {self.n}").fetchone()[0]
        return int(count or 0) == self.n

    def generate(self, engine: str):
        if self.args.reuse_data and self.loaded(engine):
            log(f"reusing the {engine} data of {self.label}")
            self.report.setdefault("load", {})[engine] = {"reused": True}
            return
        target = self.database if engine == "postgres" else self.sqlite_path
        log(f"generating {self.label} into {engine} ({target})")
        done = subprocess.run([sys.executable, os.path.join(HERE, "gen", "generate.py"), "--engine", engine,
                               "--database", target, "--scale", self.label, "--server", binary("donghanh"),
                               "--pg", self.pg], capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            fail(f"generating {engine} data failed")
        self.report.setdefault("load", {})[engine] = json.loads(done.stdout.strip().splitlines()[-1])

    # -- servers

    def ours(self, name: str, url: str, **extra) -> GraphQLServer:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DONGHANH_") and k != "DATABASE_URL"}
        env.update({
            "DATABASE_URL": url,
            "DONGHANH_BIND": f"127.0.0.1:{port}",
            "DONGHANH_ENV": "production",
            "DONGHANH_JWT_SECRET": self.secret,
            "DONGHANH_LOG_FORMAT": "json",
            "RUST_LOG": "warn",
            # Sign-ins for the write mix come from one address.
            "DONGHANH_LOGIN_LIMITS__PER_ADDRESS": "1000000",
        })
        env.update({k: str(v) for k, v in extra.items()})
        server = GraphQLServer(name, [binary("donghanh"), "serve"], env, port)
        self.servers.append(server)
        return server.start()

    def peer(self, name: str) -> GraphQLServer:
        port = free_port()
        env = dict(os.environ, DATABASE_URL=self.pg_url, PORT=str(port), NODE_ENV="production")
        server = GraphQLServer(name, [node(), os.path.join(PEER, "server.mjs")], env, port, cwd=PEER)
        self.servers.append(server)
        return server.start()

    def bare(self, name: str) -> GraphQLServer:
        port = free_port()
        server = GraphQLServer(name, [binary("bench-bare"), f"127.0.0.1:{port}"], dict(os.environ), port)
        self.servers.append(server)
        return server.start()

    def stop_all(self):
        for server in self.servers:
            server.stop()
        self.servers = []

    # -- measuring

    def measure(self, group: str, target: dict, clients: int, round_: int, duration: float,
                variant: str = "") -> dict:
        """One measured run of `target` ({name, kind: wrk|pgbench, ...}) after a warm-up."""
        # A mix consumes its pools of pledges: no warm-up that would use them first.
        if target["kind"] == "wrk" and target.get("mode", "body") == "body" and self.args.warmup > 0:
            wrk(target["url"], clients, self.args.warmup, target.get("mode", "body"), target["file"])
            # wrk stops with its requests unanswered, and the server still serves
            # them (a queue of seconds for heavy requests at 64 clients): one more
            # request, answered after them, so the measured run starts on an idle
            # server.
            with open(target["file"], "rb") as body:
                post(target["url"], body.read())
        meter = Meter(target.get("database"), target.get("pids", [])).start()
        if target["kind"] == "wrk":
            result = wrk(target["url"], clients, duration, target.get("mode", "body"), target["file"])
            if result["requests"] < 5 and clients == 1 and target.get("mode", "body") == "body":
                # Too slow for the window (a deep page at 1M): time a few one by one.
                result = one_by_one(target["url"], target["file"], 3)
        elif target["kind"] == "wrk2":
            result = wrk_pair(target, clients, duration)
        else:
            result = pgbench(self.pg_url, target["script"], target["defines"], clients, duration)
        cpu = meter.stop()
        requests = max(result["requests"], 1)
        # Throughput counts answers that succeeded: a fast error is not service.
        result["rps_all"] = result["rps"]
        result["rps"] = result["rps"] * max(0, result["requests"] - result["errors"]) / requests
        record = {
            "group": group, "target": target["name"], "variant": variant, "clients": clients, "round": round_,
            **result, **cpu,
            "server_ms_per_req": cpu["server_cpu_s"] * 1000 / requests if target.get("pids") else None,
            "pg_ms_per_req": cpu["pg_cpu_s"] * 1000 / requests if target.get("database") else None,
            "other_load_cores": max(0.0, (cpu["machine_busy_s"] - cpu["server_cpu_s"] - cpu["pg_cpu_s"]
                                          - result["client_cpu_s"]) / cpu["elapsed_s"]),
        }
        self.report["runs"].append(record)
        flag = (f" ERRORS {result['errors']} {result.get('error_codes', {})}: {result['error_sample']}"
                if result["errors"] else "")
        log(f"  {group} {target['name']:<12} {variant:<22} c={clients:<3} {result['rps']:9.1f}/s "
            f"p50 {result['p50_ms']:8.2f} ms p99 {result['p99_ms']:8.2f} ms "
            f"(other load {record['other_load_cores']:.2f} cores){flag}")
        return record


def one_by_one(url: str, path: str, count: int) -> dict:
    """`count` requests in a row, timed here: for requests slower than wrk's window."""
    body = open(path, "rb").read()
    times, errors, sample = [], 0, None
    for _ in range(count):
        started = time.monotonic()
        status, answer = post(url, body, timeout=600)
        times.append((time.monotonic() - started) * 1000)
        if status != 200 or answer.get("errors"):
            errors += 1
            sample = sample or json.dumps(answer)[:400]
    times.sort()
    return {"requests": count, "rps": count / (sum(times) / 1000), "p50_ms": times[len(times) // 2],
            "p90_ms": times[-1], "p99_ms": times[-1], "max_ms": times[-1], "errors": errors,
            "error_sample": sample, "client_cpu_s": 0.0, "timed_one_by_one": True}


def wrk_pair(target: dict, clients: int, duration: float) -> dict:
    """Two wrk processes at once, half the clients each, against two servers."""
    from concurrent.futures import ThreadPoolExecutor
    half = max(1, clients // 2)
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda url: wrk(url, half, duration, "body", target["file"]), target["urls"]))
    return {
        "requests": sum(r["requests"] for r in runs),
        "rps": sum(r["rps"] for r in runs),
        "p50_ms": max(r["p50_ms"] for r in runs),
        "p90_ms": max(r["p90_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "max_ms": max(r["max_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "error_sample": next((r["error_sample"] for r in runs if r["error_sample"]), None),
        "client_cpu_s": sum(r["client_cpu_s"] for r in runs),
    }


def body_file(name: str, body: dict) -> str:
    path = os.path.join(OUT, "bodies", f"{name}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(body, f, ensure_ascii=False, separators=(",", ":"))
    return path


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lua_data(path: str, data: dict):
    def value(v):
        if isinstance(v, list):
            return "{" + ", ".join(value(x) for x in v) + "}"
        return lua_string(str(v))
    with open(path, "w") as f:
        f.write("return {\n")
        for key, v in data.items():
            f.write(f"  {key} = {value(v)},\n")
        f.write("}\n")


def key_order_breaks(nodes: list[dict], expected: list[str]) -> int:
    """Nodes whose keys do not come in the selection's order."""
    return sum(1 for node in nodes if [k for k in node if k in expected] != expected)


# ---------------------------------------------------------------- the write mix

def sign_in(bench: Bench, url: str, firms: int, officials: int) -> tuple[list[str], list[str]]:
    """Tokens of `firms` FIRM accounts of verified enterprises and `officials` officials."""
    firm_tokens, official_tokens = [], []
    enterprise = 0
    while len(firm_tokens) < firms:
        enterprise += 1
        if enterprise % 10 == 0:
            continue  # not verified
        firm_tokens.append(login(url, f"dn{enterprise}@bench.donghanh.vn"))
    for n in range(1, officials + 1):
        official_tokens.append(login(url, f"canbo{n}@bench.donghanh.vn"))
    return firm_tokens, official_tokens


def login(url: str, email: str) -> str:
    data = graphql(url, {"query": Q.LOGIN, "variables": {"input": {"email": email, "password": BENCH_PASSWORD}}})
    if not data["login"]["token"]:
        fail(f"sign-in as {email} failed: {data['login']['userErrors']}")
    return data["login"]["token"]


class Pools:
    """Contributions generated PLEDGED (to confirm) and CONFIRMED (to disburse on),
    handed out in disjoint slices so no two runs confirm the same pledge."""

    def __init__(self, bench: Bench):
        rows = psql(bench.pg_url, "SELECT id, status FROM contributions WHERE status IN ('PLEDGED', 'CONFIRMED') "
                                  "ORDER BY (id * 2654435761) % 1000003, id").split()
        self.pledged = [gid("Contribution", r.split("|")[0]) for r in rows if r.endswith("|PLEDGED")]
        self.confirmed = [gid("Contribution", r.split("|")[0]) for r in rows if r.endswith("|CONFIRMED")]
        communes = psql(bench.pg_url, "SELECT id FROM communes ORDER BY id").split()
        self.communes = [gid("Commune", c) for c in communes]
        agencies = psql(bench.pg_url, "SELECT id FROM agencies ORDER BY id").split()
        self.agencies = [gid("Agency", a) for a in agencies]
        self.next = 0

    def take(self, count: int) -> list[str]:
        part = self.pledged[self.next:self.next + count]
        self.next += count
        return part


def mix_file(bench: Bench, name: str, pools: Pools, firms: list[str], officials: list[str],
             schedule: list[str], pledged: int, reads: list[dict] | None = None) -> str:
    today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date().isoformat()
    path = os.path.join(OUT, "bodies", f"{name}.lua")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lua_data(path, {
        "schedule": schedule,
        "firms": firms,
        "officials": officials,
        "communes": pools.communes,
        "agencies": pools.agencies,
        "pledged": pools.take(pledged),
        "confirmed": pools.confirmed[:5000],
        "reads": [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in (reads or [Q.Q5])],
        "today": today,
    })
    return path


M1_SCHEDULE = ["pledge", "confirm", "disburse", "pledge", "disburse", "confirm", "pledge", "disburse",
               "pledge", "confirm"]


def ledger_sound(bench: Bench) -> list[str]:
    broken = []
    for what, sql in CHECKS:
        count = int(psql(bench.pg_url, sql).strip() or 0)
        if count:
            broken.append(f"{what}: {count}")
    return broken


# ---------------------------------------------------------------- Q4 cursors

def q4_cases(bench: Bench, url: str) -> list[dict]:
    """For every order, the first page, the page after the middle row and the page
    after the 150th row from the end, with the id each page must start with."""
    total = int(psql(bench.pg_url, "SELECT count(*) FROM contributions").strip())
    cases = []
    for field, column in ORDERS:
        for direction in ("ASC", "DESC"):
            order = {"field": field, "direction": direction}
            first_page = graphql(url, {"query": Q.Q4_QUERY, "variables": {"orderBy": order}})
            template = json.loads(_b64decode(first_page["contributions"]["pageInfo"]["endCursor"]))
            for position, offset in (("first", None), ("middle", total // 2), ("end", total - 150)):
                variables = {"orderBy": order}
                expected = None
                if offset is None:
                    expected = first_page["contributions"]["nodes"][0]["id"]
                else:
                    key_sql = {"pledged_on": "to_char(c.pledged_on, 'YYYY-MM-DD')",
                               "pledged_amount": "c.pledged_amount::text",
                               "created_at": "to_char(c.created_at AT TIME ZONE 'UTC', "
                                             "'YYYY-MM-DD\"T\"HH24:MI:SS.US')"}[column]
                    # The key is selected under another name: ORDER BY must see the column.
                    rows = psql(bench.pg_url, f"SELECT c.id, {key_sql} AS k FROM contributions c ORDER BY "
                                              f"c.{column} {direction}, c.id {direction} OFFSET {offset} "
                                              "LIMIT 2").split()
                    (row_id, key), (next_id, _) = (r.split("|") for r in rows)
                    cursor = dict(template)
                    kind = next(iter(template["k"]))
                    cursor["k"] = {kind: int(key) if kind == "i" else chrono_time(key) if kind == "t" else key}
                    cursor["i"] = int(row_id)
                    variables["after"] = _b64encode(json.dumps(cursor, separators=(",", ":")))
                    expected = gid("Contribution", next_id)
                body = {"query": Q.Q4_QUERY, "variables": variables}
                page = graphql(url, body)["contributions"]["nodes"]
                if not page or page[0]["id"] != expected:
                    fail(f"Q4 {field} {direction} {position}: the page starts at "
                         f"{page[0]['id'] if page else None}, expected {expected}")
                cases.append({"order": f"{field} {direction}", "position": position, "body": body,
                              "file": body_file(f"q4-{field}-{direction}-{position}", body)})
    return cases


def chrono_time(text: str) -> str:
    """A timestamp as chrono writes it: fraction only when not zero, in 3, 6 digits."""
    whole, fraction = text.split(".")
    micros = int(fraction)
    if micros == 0:
        return whole + "Z"
    if micros % 1000 == 0:
        return f"{whole}.{micros // 1000:03d}Z"
    return f"{whole}.{micros:06d}Z"


def _b64decode(text: str) -> str:
    import base64
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def _b64encode(text: str) -> str:
    import base64
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# ---------------------------------------------------------------- the run

def validate(bench: Bench, ours: GraphQLServer, peer: GraphQLServer | None):
    """Q1-Q5 and the data checks answer with no error and the expected shapes."""
    checks = {}
    q1 = graphql(ours.url, Q.Q1)["contributions"]["nodes"]
    if len(q1) != 100:
        fail(f"Q1 returned {len(q1)} nodes")
    expected = ["id", "pledgedAmount", "disbursedAmount", "status", "pledgedOn", "commune", "contributor"]
    # Ten answers, since the order may vary from one to the next.
    checks["q1_nodes_keys_out_of_selection_order"] = sum(
        key_order_breaks(graphql(ours.url, Q.Q1)["contributions"]["nodes"], expected) for _ in range(10))
    q2 = graphql(ours.url, Q.Q2)["communes"]["nodes"]
    if len(q2) != 50:
        fail(f"Q2 returned {len(q2)} nodes")
    q3 = graphql(ours.url, Q.Q3)["contributionSummary"]
    groups = int(psql(bench.pg_url, "SELECT count(DISTINCT commune_id) FROM contributions "
                                    "WHERE status <> 'CANCELLED'").strip())
    if len(q3) != groups:
        fail(f"Q3 returned {len(q3)} groups, the database has {groups}")
    if graphql(ours.url, Q.Q5) != {"__typename": "Query"}:
        fail("Q5 answered something else")
    for what, body, test in Q.CHECKS:
        if not test(graphql(ours.url, body)):
            fail(f"check failed: {what}")
    if peer:
        p1 = graphql(peer.url, Q.Q1_PEER)["allContributions"]["nodes"]
        if [n["pledgedOn"] for n in p1] != [n["pledgedOn"] for n in q1]:
            fail("PostGraphile's Q1 is not the same page as ours")
        for body in (Q.Q2_PEER, Q.Q2_PEER_KEPT):
            p2 = graphql(peer.url, body)["allCommunes"]["nodes"]
            same = lambda nodes: [{k: str(v) for k, v in n["contributionTotals"].items()} for n in nodes]  # noqa: E731
            if same(p2) != same(q2):
                fail("PostGraphile's Q2 totals differ from ours")
    checks["q3_groups"] = groups
    bench.report["validation"] = checks
    log(f"validated Q1-Q5 and {len(Q.CHECKS)} data checks: {checks}")


def capture_statements(bench: Bench, with_peer: bool) -> dict:
    """The SQL of each request, from PostgreSQL's log, on servers started for it."""
    capture = Capture(bench.pg, bench.database)
    captured = {}
    capture.enable()
    try:
        # The notification worker and scheduler look for work on a timer; while a
        # slow request (Q3 at 1M) runs, their statements would count as its own.
        ours = bench.ours("capture-ours", bench.pg_url,
                          DONGHANH_NOTIFICATIONS__POLL_INTERVAL=86400).wait_ready()
        peer = bench.peer("capture-peer").wait_ready() if with_peer else None
        firm = login(ours.url, "dn1@bench.donghanh.vn")
        official = login(ours.url, "canbo1@bench.donghanh.vn")
        pools = Pools(bench)
        q4 = q4_cases(bench, ours.url)
        requests = {
            "Q1": (ours, Q.Q1, None), "Q1 first:10": (ours, Q.Q1_SMALL, None), "Q2": (ours, Q.Q2, None),
            "Q3": (ours, Q.Q3, None), "Q5": (ours, Q.Q5, None),
        }
        for case in q4:
            requests[f"Q4 {case['order']} {case['position']}"] = (ours, case["body"], None)
        if peer:
            requests["peer Q1"] = (peer, Q.Q1_PEER, None)
            requests["peer Q2"] = (peer, Q.Q2_PEER, None)
            requests["peer Q2 kept"] = (peer, Q.Q2_PEER_KEPT, None)
        pledge = {"query": "mutation($input: PledgeContributionInput!) { pledgeContribution(input: $input) "
                           "{ contribution { id } userErrors { code } } }",
                  "variables": {"input": {"communeId": pools.communes[0], "kind": "CASH",
                                          "purpose": "Đo câu lệnh (tải thử)", "amount": "1000000"}}}
        for name, (server, body, token) in requests.items():
            graphql(server.url, body, token)  # once to prepare the statements
            captured[name] = capture.statements(lambda: graphql(server.url, body, token))
        made = {}

        def run_pledge():
            made["id"] = graphql(ours.url, pledge, firm)["pledgeContribution"]["contribution"]["id"]
        captured["M1 pledge"] = capture.statements(run_pledge)
        confirm = {"query": "mutation($input: ConfirmContributionInput!) { confirmContribution(input: $input) "
                            "{ contribution { id status } userErrors { code } } }",
                   "variables": {"input": {"contributionId": made["id"]}}}
        captured["M1 confirm"] = capture.statements(lambda: graphql(ours.url, confirm, official))
        today = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=7)).date().isoformat()
        disburse = {"query": "mutation($input: RecordDisbursementInput!) { recordDisbursement(input: $input) "
                             "{ disbursement { id } contribution { id disbursedAmount } userErrors { code } } }",
                    "variables": {"input": {"contributionId": made["id"], "amount": "1000", "disbursedOn": today,
                                            "reference": "PC-capture"}}}
        captured["M1 disburse"] = capture.statements(lambda: graphql(ours.url, disburse, official))
    finally:
        for server in list(bench.servers):
            server.stop()
        bench.servers = []
        capture.disable()
    bench.report["statements"] = {name: [s["sql"] for s in statements] for name, statements in captured.items()}
    bench.report["statements_with_params"] = captured
    log("statements per request: " + ", ".join(f"{k}: {len(v)}" for k, v in captured.items()))
    return captured


def explain_q4(bench: Bench, captured: dict):
    plans = {}
    for name, statements in captured.items():
        if not name.startswith("Q4 ") or name.endswith("first"):
            continue
        main = next((s for s in statements if "ORDER BY" in s["sql"] and "LIMIT" in s["sql"]
                     and '"contributions"' in s["sql"].split("FROM", 1)[-1][:40]), None)
        if main:
            plans[name] = {"sql": main["sql"], "params": main["params"],
                           "plan": explain(bench.pg, bench.database, main)}
    bench.report["q4_explain"] = plans


# Where a sampled symbol's time is counted, first match wins.
BUCKETS = [
    ("kernel (network, scheduling)", lambda dso, sym: "kernel" in dso),
    ("allocation (mimalloc, malloc/free)", lambda dso, sym: sym.startswith(("mi_", "_mi_")) or "malloc" in sym
     or sym in ("free", "cfree", "realloc", "__libc_free", "__libc_malloc")),
    ("memcpy/memmove/memset", lambda dso, sym: "memcpy" in sym or "memmove" in sym or "memset" in sym),
    ("async-graphql", lambda dso, sym: "async_graphql" in sym),
    ("serde / serde_json", lambda dso, sym: "serde" in sym),
    ("sqlx / sea-orm / sea-query", lambda dso, sym: "sqlx" in sym or "sea_orm" in sym or "sea_query" in sym),
    ("tokio / actix / futures", lambda dso, sym: "tokio" in sym or "actix" in sym or "futures" in sym),
    ("the server's own code", lambda dso, sym: "donghanh" in sym),
    ("hashing, strings, formatting (core/alloc/std)", lambda dso, sym: sym.startswith(("core::", "alloc::", "std::",
                                                                                       "<core::", "<alloc::", "<std::"))),
]


def profile(bench: Bench, target: dict, clients: int, duration: float):
    """perf samples of the server while it answers Q1: the hottest symbols, and the
    share of broad kinds of work. perf.data stays in bench/out for `perf report`."""
    import shutil
    if not shutil.which("perf"):
        bench.report["notes"].append("profile skipped: perf is not installed")
        return
    data = os.path.join(OUT, f"perf-q1-{bench.label}.data")
    wrk_run = threading.Thread(target=lambda: bench.measure("profile", target, clients, 0, duration))
    wrk_run.start()
    time.sleep(min(2.0, duration / 4))
    subprocess.run(["perf", "record", "-F", "997", "-g", "-p", str(target["pids"][0]), "-o", data, "--",
                    "sleep", str(max(1, duration - 3))], capture_output=True, check=True)
    wrk_run.join()
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,sym", "--stdio",
                             "-g", "none", "--percent-limit", "0.05"], capture_output=True, text=True).stdout
    rows = []
    for line in report.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[0].endswith("%") and parts[2] in ("[.]", "[k]"):
            rows.append((float(parts[0][:-1]), parts[1], parts[3].strip()))
    buckets = {name: 0.0 for name, _ in BUCKETS}
    buckets["other"] = 0.0
    for share, dso, sym in rows:
        name = next((n for n, test in BUCKETS if test(dso, sym)), "other")
        buckets[name] += share
    bench.report["profile"] = {"query": "Q1", "clients": clients, "top": rows[:30],
                               "buckets": {k: round(v, 1) for k, v in buckets.items()}}
    log("profile: " + ", ".join(f"{k} {v:.0f}%" for k, v in buckets.items()))


def alternate(bench: Bench, group: str, targets: list[dict], clients: list[int], rounds: int, duration: float):
    """Every target at every concurrency, side by side, `rounds` times; the order of
    targets flips each round so drift in the machine's load hits all alike."""
    for round_ in range(rounds):
        for c in clients:
            order = targets if round_ % 2 == 0 else list(reversed(targets))
            for target in order:
                bench.measure(group, target, c, round_, duration)


def attempt(bench: Bench, name: str, group):
    """Runs one group; a failure is recorded and the other groups still run."""
    try:
        group()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - any failure is a finding to report
        log(f"group {name} failed: {error}")
        bench.report["notes"].append(f"group {name} failed: {error}")


def cmd_run(args):
    groups = set(args.only.split(",")) if args.only else set(GROUPS)
    groups -= set(args.skip.split(",")) if args.skip else set()
    with_peer = not args.no_peer and ({"q1", "q2"} & groups)
    ensure_tools(bool(with_peer), not args.no_build)
    bench = Bench(args)
    clients = [int(c) for c in args.clients.split(",")]
    bench.report.update(environment(args))
    try:
        bench.generate("postgres")
        if "sqlite" in groups:
            bench.generate("sqlite")
        if with_peer:
            psql(bench.pg_url, open(os.path.join(PEER, "totals.sql")).read())
        captured = capture_statements(bench, bool(with_peer))
        explain_q4(bench, captured)

        ours = bench.ours("ours", bench.pg_url).wait_ready()
        peer = bench.peer("peer").wait_ready() if with_peer else None
        validate(bench, ours, peer)
        db = bench.database
        target_ours = lambda name, body: {"name": "ours", "kind": "wrk", "url": ours.url,  # noqa: E731
                                          "file": body_file(name, body), "pids": [ours.pid], "database": db}
        target_peer = lambda name, body, as_="postgraphile": {  # noqa: E731
            "name": as_, "kind": "wrk", "url": peer.url, "file": body_file(name, body), "pids": [peer.pid],
            "database": db}

        def floor(name):
            script, defines = pgbench_script(captured[name])
            return {"name": "pgbench", "kind": "pgbench", "script": script, "defines": defines, "database": db}

        def group_q1():
            targets = [target_ours("q1", Q.Q1)] + ([target_peer("q1-peer", Q.Q1_PEER)] if peer else [])
            alternate(bench, "Q1", targets + [floor("Q1")], clients, args.rounds, args.duration)

        def group_q2():
            # PostGraphile twice: summing each commune's contributions (its schema's
            # own terms), and reading the totals the database keeps, as ours does.
            targets = [target_ours("q2", Q.Q2)] + ([
                target_peer("q2-peer", Q.Q2_PEER),
                target_peer("q2-peer-kept", Q.Q2_PEER_KEPT, "postgraphile kept")] if peer else [])
            alternate(bench, "Q2", targets, clients, args.rounds, args.duration)

        def group_q3():
            alternate(bench, "Q3", [target_ours("q3", Q.Q3), floor("Q3")], clients, args.rounds, args.duration)

        def group_q4():
            cases = q4_cases(bench, ours.url)
            for round_ in range(args.q4_rounds):
                for case in cases:
                    target = target_ours(os.path.basename(case["file"])[:-5], case["body"])
                    bench.measure("Q4", target, 1, round_, args.q4_duration,
                                  variant=f"{case['order']} {case['position']}")
                for case in cases:
                    if case["order"] == "PLEDGED_ON DESC":
                        target = target_ours(os.path.basename(case["file"])[:-5], case["body"])
                        bench.measure("Q4", target, 16, round_, args.q4_duration,
                                      variant=f"{case['order']} {case['position']}")

        def group_q5():
            bare = bench.bare("bare").wait_ready()
            targets = [target_ours("q5", Q.Q5),
                       {"name": "bare actix", "kind": "wrk", "url": bare.url, "file": body_file("q5", Q.Q5),
                        "pids": [bare.pid]}]
            try:
                alternate(bench, "Q5", targets, clients, args.rounds, args.duration)
            finally:
                bare.stop()

        def group_instances():
            second = bench.ours("ours-2", bench.pg_url).wait_ready()
            one = target_ours("q1", Q.Q1)
            two = {"name": "two instances", "kind": "wrk2", "urls": [ours.url, second.url],
                   "file": body_file("q1", Q.Q1), "pids": [ours.pid, second.pid], "database": db}
            try:
                alternate(bench, "Q1 instances", [one, two], [max(clients)], args.rounds, args.duration)
            finally:
                second.stop()

        def group_m1():
            if peer:
                peer.stop()
            firms, officials = sign_in(bench, ours.url, 64, 8)
            pools = Pools(bench)
            for c in clients:
                path = mix_file(bench, f"m1-c{c}", pools, firms, officials, M1_SCHEDULE,
                                pledged=int(args.duration * 1500))
                bench.measure("M1", {"name": "ours", "kind": "wrk", "mode": "mix", "url": ours.url,
                                     "file": path, "pids": [ours.pid], "database": db}, c, 0, args.duration)
            broken = ledger_sound(bench)
            bench.report["m1_ledger_after"] = broken or "sound"
            if broken:
                bench.report["notes"].append(f"after M1 the ledger breaks: {broken}")

        def group_sqlite():
            ours.stop()
            url = f"sqlite://{bench.sqlite_path}?mode=rwc"
            lite = bench.ours("ours-sqlite", url).wait_ready()
            lite1 = bench.ours("ours-sqlite-pool1", url, DONGHANH_DATABASE_POOL_SIZE=1).wait_ready()
            graphql(lite.url, Q.Q1)
            targets = [{"name": "sqlite", "kind": "wrk", "url": lite.url, "file": body_file("q1", Q.Q1),
                        "pids": [lite.pid]},
                       {"name": "sqlite pool 1", "kind": "wrk", "url": lite1.url, "file": body_file("q1", Q.Q1),
                        "pids": [lite1.pid]}]
            alternate(bench, "Q1 SQLite", targets, [c for c in clients if c <= 16] or [1], args.rounds,
                      args.duration)

        def group_profile():
            profile(bench, target_ours("q1", Q.Q1), 16, args.duration)

        # M1 writes, so it runs after every read on PostgreSQL; SQLite last.
        for name, group in [("q1", group_q1), ("q2", group_q2), ("q3", group_q3), ("q4", group_q4),
                            ("q5", group_q5), ("instances", group_instances), ("profile", group_profile),
                            ("m1", group_m1), ("sqlite", group_sqlite)]:
            if name in groups:
                attempt(bench, name, group)
    finally:
        bench.stop_all()
        write_report(bench)


def environment(args) -> dict:
    def out(cmd, cwd=ROOT):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd).stdout.strip()
        except OSError:
            return "?"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    peer_version = "?"
    try:
        peer_version = json.load(open(os.path.join(PEER, "node_modules", "postgraphile", "package.json")))["version"]
    except OSError:
        pass
    return {"environment": {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory_gib": round(int(mem) / 1048576, 1),
        "kernel": platform.release(),
        "postgres": psql(f"{args.pg}/postgres", "SHOW server_version").strip(),
        "postgres_settings": psql(f"{args.pg}/postgres",
                                  "SELECT string_agg(name || '=' || setting, ', ') FROM pg_settings WHERE name IN "
                                  "('shared_buffers','work_mem','max_connections','synchronous_commit',"
                                  "'jit','random_page_cost')").strip(),
        "rustc": out(["rustc", "--version"]),
        "commit": out(["git", "rev-parse", "--short", "HEAD"]) + (" (dirty)" if out(["git", "status", "--porcelain"]) else ""),
        "wrk": out(["wrk", "--version"]).splitlines()[0] if out(["wrk", "--version"]) else "?",
        "pgbench": out(["pgbench", "--version"]),
        "node": out([node(), "--version"]) if os.path.exists(node()) else "?",
        "postgraphile": peer_version,
        "load_average_at_start": open("/proc/loadavg").read().split()[:3],
        "command": " ".join([f"bench/{args.command}"] + sys.argv[2:]),
        "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds,
    }}


# ---------------------------------------------------------------- the report

def write_report(bench: Bench):
    os.makedirs(RESULTS, exist_ok=True)
    base = os.path.join(RESULTS, f"{bench.label}-{bench.stamp}")
    with open(base + ".json", "w") as f:
        json.dump(bench.report, f, indent=1, ensure_ascii=False)
    with open(base + ".md", "w") as f:
        f.write(render(bench.report))
    log(f"results: {base}.md and .json")


def summarise(runs: list[dict], group: str, variant: str | None = None) -> dict:
    """(target, clients) -> medians over rounds."""
    table = {}
    for run in runs:
        if run["group"] != group or (variant is not None and run["variant"] != variant):
            continue
        table.setdefault((run["target"], run["clients"]), []).append(run)
    out = {}
    for key, rs in table.items():
        out[key] = {
            "rps": median([r["rps"] for r in rs]), "p50": median([r["p50_ms"] for r in rs]),
            "p99": median([r["p99_ms"] for r in rs]), "errors": sum(r["errors"] for r in rs),
            "requests": sum(r["requests"] for r in rs),
            "server_ms": median([r["server_ms_per_req"] for r in rs]), "pg_ms": median([r["pg_ms_per_req"] for r in rs]),
            "other": median([r["other_load_cores"] for r in rs]), "rounds": len(rs),
        }
    return out


def paired_ratio(runs: list[dict], group: str, a: str, b: str, clients: int, field: str = "rps") -> float | None:
    """Median over rounds of a/b, each ratio from runs of the same round."""
    by_round = {}
    for run in runs:
        if run["group"] == group and run["clients"] == clients and run["target"] in (a, b):
            by_round.setdefault(run["round"], {})[run["target"]] = run
    ratios = [r[a][field] / r[b][field] for r in by_round.values() if a in r and b in r and r[b][field]]
    return median(ratios)


def slower(first: dict, deep: dict) -> float:
    """How many times the first page's throughput the deep page's is below it."""
    return first["rps"] / deep["rps"] if deep["rps"] else float("inf")


def times(first: dict, deep: dict) -> str:
    ratio = slower(first, deep)
    return "none finished" if ratio == float("inf") else f"{ratio:.1f}×"


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def render(report: dict) -> str:
    runs = report["runs"]
    env = report.get("environment", {})
    lines = [f"# Benchmark, {report['scale']} contributions ({report['started']})", ""]
    lines += [f"- {k}: {v}" for k, v in env.items()]
    for engine, load in report.get("load", {}).items():
        lines.append(f"- data ({engine}): {json.dumps(load, ensure_ascii=False)}")
    lines += ["", "Medians over rounds; ratios are medians of per-round ratios of runs made side by side. "
                  "CPU per request: the server's process and the database's PostgreSQL backends "
                  "(from /proc/<pid>/stat); 'other' is the rest of the machine's load in cores "
                  "(other engineers' builds and tests), wrk excluded.", ""]
    for group in ["Q1", "Q2", "Q3", "Q5", "M1", "Q1 SQLite", "Q1 instances"]:
        table = summarise(runs, group)
        if not table:
            continue
        lines += [f"## {group}", "", "| target | clients | req/s | p50 ms | p99 ms | errors | server CPU ms/req | "
                  "PostgreSQL CPU ms/req | other load |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for (target, c), s in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            lines.append(f"| {target} | {c} | {fmt(s['rps'])} | {fmt(s['p50'], 2)} | {fmt(s['p99'], 2)} | "
                         f"{s['errors']} of {s['requests']:,} | {fmt(s['server_ms'], 2)} | {fmt(s['pg_ms'], 2)} | "
                         f"{fmt(s['other'], 2)} |")
        lines.append("")
    q4 = [r for r in runs if r["group"] == "Q4"]
    if q4:
        lines += ["## Q4: a page of 100 after a cursor", "",
                  "| order | clients | first req/s | middle req/s | end req/s | first p50 ms | middle p50 ms | "
                  "end p50 ms | first/middle | errors |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        orders = sorted({r["variant"].rsplit(" ", 1)[0] for r in q4})
        for order in orders:
            for c in sorted({r["clients"] for r in q4}):
                cells = {}
                for position in ("first", "middle", "end"):
                    s = summarise(runs, "Q4", f"{order} {position}").get(("ours", c))
                    cells[position] = s
                if not all(cells.values()):
                    continue
                lines.append(f"| {order} | {c} | {fmt(cells['first']['rps'])} | {fmt(cells['middle']['rps'])} | "
                             f"{fmt(cells['end']['rps'])} | {fmt(cells['first']['p50'], 2)} | "
                             f"{fmt(cells['middle']['p50'], 2)} | {fmt(cells['end']['p50'], 2)} | "
                             f"{times(cells['first'], cells['middle'])} | "
                             f"{sum(x['errors'] for x in cells.values())} |")
        lines.append("")
    lines += ["## Against the issue's targets", "", "| target | measured | holds |", "| --- | --- | --- |"]
    lines += targets(report)
    lines.append("")
    if report.get("statements"):
        lines += ["## Statements per request (PostgreSQL's log)", ""]
        for name, statements in report["statements"].items():
            lines.append(f"- {name}: {len(statements)}")
        lines += ["", "### Q1's statements", ""]
        lines += ["```sql"] + [s + ";" for s in report["statements"].get("Q1", [])] + ["```", ""]
        if report["statements"].get("peer Q1"):
            lines += ["### PostGraphile's Q1", "", "```sql"] + [s + ";" for s in report["statements"]["peer Q1"]]
            lines += ["```", ""]
    if report.get("profile"):
        prof = report["profile"]
        lines += [f"## Where the server's CPU goes (perf, Q1 at {prof['clients']} clients)", "",
                  "| kind of work | share of samples |", "| --- | --- |"]
        lines += [f"| {k} | {v:.1f}% |" for k, v in sorted(prof["buckets"].items(), key=lambda kv: -kv[1])]
        lines += ["", "| share | where | symbol |", "| --- | --- | --- |"]
        lines += [f"| {share:.1f}% | {dso} | `{sym[:110]}` |" for share, dso, sym in prof["top"][:20]]
        lines.append("")
    for name, plan in report.get("q4_explain", {}).items():
        lines += [f"### EXPLAIN ANALYZE, {name}", "", "```", plan["sql"], f"-- parameters: {plan['params']}",
                  "", plan["plan"], "```", ""]
    if report.get("validation"):
        lines += ["## Checks", "", f"- {json.dumps(report['validation'])}",
                  f"- ledger after M1: {report.get('m1_ledger_after', '–')}", ""]
    for note in report.get("notes", []):
        lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def targets(report: dict) -> list[str]:
    runs = report["runs"]
    out = []

    def row(name, value, holds):
        out.append(f"| {name} | {value} | {'yes' if holds else 'no' if holds is not None else '–'} |")

    for group in ("Q1", "Q2"):
        r = paired_ratio(runs, group, "ours", "postgraphile", 16)
        p99 = paired_ratio(runs, group, "ours", "postgraphile", 16, "p99_ms")
        if r is not None:
            row(f"{group} at 16 clients ≥ 3× PostGraphile", f"{r:.2f}×", r >= 3)
            row(f"{group} at 16 clients: p99 no worse than PostGraphile's", f"{p99:.2f}× theirs", p99 <= 1)
    r = paired_ratio(runs, "Q2", "ours", "postgraphile kept", 16)
    if r is not None:
        p99 = paired_ratio(runs, "Q2", "ours", "postgraphile kept", 16, "p99_ms")
        row("Q2 at 16 clients ≥ 3× PostGraphile reading the kept totals", f"{r:.2f}×", r >= 3)
        row("Q2 at 16 clients: p99 no worse than PostGraphile's reading the kept totals", f"{p99:.2f}× theirs",
            p99 <= 1)
    r = paired_ratio(runs, "Q1", "ours", "postgraphile", 1, "p50_ms")
    if r is not None:
        row("Q1 at 1 client: p50 no worse than PostGraphile's", f"{r:.2f}× theirs", r <= 1)
    for c in sorted({x["clients"] for x in runs if x["group"] == "Q1"}):
        r = paired_ratio(runs, "Q1", "ours", "pgbench", c)
        if r is not None:
            row(f"Q1 ≥ 50% of pgbench running our SQL ({c} clients)", f"{r:.0%}", r >= 0.5)
    q4 = [x for x in runs if x["group"] == "Q4"]
    for order in sorted({x["variant"].rsplit(" ", 1)[0] for x in q4}):
        for c in sorted({x["clients"] for x in q4}):
            first = summarise(runs, "Q4", f"{order} first").get(("ours", c))
            middle = summarise(runs, "Q4", f"{order} middle").get(("ours", c))
            end = summarise(runs, "Q4", f"{order} end").get(("ours", c))
            if first and middle and end:
                worst = max(slower(first, middle), slower(first, end))
                row(f"Q4 {order}, {c} client(s): a deep page within 1.5× of the first",
                    f"first/middle {times(first, middle)}, first/end {times(first, end)}", worst <= 1.5)
    r = paired_ratio(runs, "Q3", "pgbench", "ours", 1)
    if r is not None:
        row("Q3 within 1.3× of the same SQL (pgbench, 1 client)", f"{r:.2f}×", r <= 1.3)
    for c in sorted({x["clients"] for x in runs if x["group"] == "Q5"}):
        r = paired_ratio(runs, "Q5", "ours", "bare actix", c)
        if r is not None:
            row(f"Q5 ≥ 25% of the bare endpoint ({c} clients)", f"{r:.0%}", r >= 0.25)
    statements = report.get("statements", {})
    if "Q1" in statements and "Q1 first:10" in statements:
        a, b = len(statements["Q1"]), len(statements["Q1 first:10"])
        deep = sorted({len(v) for k, v in statements.items() if k.startswith("Q4 ")})
        # A loader with no key to load sends nothing: a page without an agency
        # contributor has one statement less. What must not happen is growth.
        row("statements per request do not grow with page size or depth",
            f"Q1 first:100 {a}, first:10 {b}, Q4 pages {'/'.join(map(str, deep))}",
            max([b] + deep) <= a)
    v = report.get("validation", {})
    if "q1_nodes_keys_out_of_selection_order" in v:
        k = v["q1_nodes_keys_out_of_selection_order"]
        row("response keys in the selection's order (Q1, 10 answers)", f"{k} of 1,000 nodes out of order", k == 0)
    lite = summarise(runs, "Q1 SQLite")
    if ("sqlite", 1) in lite and ("sqlite", 16) in lite:
        r = lite[("sqlite", 16)]["rps"] / lite[("sqlite", 1)]["rps"]
        row("SQLite: Q1 at 16 clients ≥ 1.6× at 1 client", f"{r:.2f}×", r >= 1.6)
    if ("sqlite pool 1", 16) in lite and ("sqlite", 16) in lite:
        r = lite[("sqlite", 16)]["rps"] / lite[("sqlite pool 1", 16)]["rps"]
        row("SQLite: Q1 at 16 clients, default pool vs one connection", f"{r:.2f}×", r >= 1.6)
    m1 = summarise(runs, "M1").get(("ours", 16))
    if m1:
        row("M1 at 16 clients without an error", f"{m1['errors']} errors, {m1['rps']:.0f}/s, p99 {m1['p99']:.1f} ms",
            m1["errors"] == 0)
    return out


# ---------------------------------------------------------------- the soak

def cmd_soak(args):
    ensure_tools(False, not args.no_build)
    bench = Bench(args)
    bench.report.update(environment(args))
    bench.report["kind"] = "soak"
    try:
        bench.generate("postgres")
        ours = bench.ours("soak", bench.pg_url).wait_ready()
        firms, officials = sign_in(bench, ours.url, 64, 8)
        pools = Pools(bench)
        schedule = ["read", "read", "read", "pledge", "read", "read", "read", "confirm", "read", "read", "read",
                    "disburse"]
        path = mix_file(bench, "soak", pools, firms, officials, schedule, pledged=int(args.duration * 400),
                        reads=Q.SOAK_READS)
        samples = []
        stop = threading.Event()
        t0 = time.monotonic()

        def sample():
            while not stop.is_set():
                samples.append((round(time.monotonic() - t0, 1), rss_kib(ours.pid)))
                stop.wait(args.sample_every)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        bench.measure("soak", {"name": "ours", "kind": "wrk", "mode": "mix", "url": ours.url, "file": path,
                               "pids": [ours.pid], "database": bench.database}, args.clients, 0, args.duration)
        stop.set()
        sampler.join()
        samples.append((round(time.monotonic() - t0, 1), rss_kib(ours.pid)))
        exit_code = ours.stop()
        broken = ledger_sound(bench)
        after_warmup = [rss for t, rss in samples if t >= args.warmup_window and rss]
        bench.report["soak"] = {
            "clients": args.clients, "duration_s": args.duration, "rss_kib": samples,
            "rss_after_warmup_first_kib": after_warmup[0] if after_warmup else None,
            "rss_after_warmup_last_kib": after_warmup[-1] if after_warmup else None,
            "rss_after_warmup_max_kib": max(after_warmup) if after_warmup else None,
            "ledger_after": broken or "sound", "server_exit_code_on_sigterm": exit_code,
        }
    finally:
        bench.stop_all()
        os.makedirs(RESULTS, exist_ok=True)
        base = os.path.join(RESULTS, f"soak-{bench.label}-{bench.stamp}")
        with open(base + ".json", "w") as f:
            json.dump(bench.report, f, indent=1, ensure_ascii=False)
        with open(base + ".md", "w") as f:
            f.write(render_soak(bench.report))
        log(f"results: {base}.md and .json")


def render_soak(report: dict) -> str:
    soak = report.get("soak", {})
    run = next((r for r in report["runs"] if r["group"] == "soak"), None)
    lines = [f"# Soak, {report['scale']} contributions ({report['started']})", ""]
    lines += [f"- {k}: {v}" for k, v in report.get("environment", {}).items()]
    if run:
        lines += ["", f"- {soak.get('clients')} clients for {soak.get('duration_s')} s, 3 reads : 1 write "
                      "(pledge, confirm, disburse in turn)",
                  f"- requests {run['requests']:,}, {run['rps']:.1f}/s, p50 {run['p50_ms']:.2f} ms, "
                  f"p99 {run['p99_ms']:.2f} ms, max {run['max_ms']:.1f} ms",
                  f"- errors: {run['errors']} {run.get('error_codes') or ''}"
                  + (f" (first: `{run['error_sample']}`)" if run["error_sample"] else ""),
                  f"- server CPU {run['server_ms_per_req']:.2f} ms/request, PostgreSQL {run['pg_ms_per_req']:.2f} "
                  f"ms/request, other load {run['other_load_cores']:.2f} cores"]
    lines += [f"- RSS after warm-up: first {soak.get('rss_after_warmup_first_kib')} KiB, last "
              f"{soak.get('rss_after_warmup_last_kib')} KiB, max {soak.get('rss_after_warmup_max_kib')} KiB",
              f"- ledger invariants after the soak: {soak.get('ledger_after')}",
              f"- exit code on SIGTERM: {soak.get('server_exit_code_on_sigterm')}", "",
              "| s | RSS MiB |", "| --- | --- |"]
    lines += [f"| {t} | {rss / 1024:.1f} |" for t, rss in soak.get("rss_kib", []) if rss]
    return "\n".join(lines) + "\n"


def cmd_render(args):
    for path in args.files:
        report = json.load(open(path))
        text = render_soak(report) if report.get("kind") == "soak" else render(report)
        with open(path[:-len(".json")] + ".md", "w") as f:
            f.write(text)


def cmd_summary(args):
    """Cross-scale tables of the key numbers of several result files (for BENCHMARKS.md)."""
    reports = [json.load(open(path)) for path in args.files]
    out = []

    def cell(s):
        return f"{s['rps']:,.0f} ({s['p50']:.1f} / {s['p99']:.0f})" if s else "–"

    for group, others in [("Q1", ["postgraphile", "pgbench"]), ("Q2", ["postgraphile", "postgraphile kept"]),
                          ("Q3", ["pgbench"]),
                          ("Q5", ["bare actix"]), ("M1", []), ("Q1 SQLite", ["sqlite pool 1"]),
                          ("Q1 instances", ["two instances"])]:
        mine = "sqlite" if group == "Q1 SQLite" else "ours"
        head = [mine] + others
        # Two instances are compared with one; everything else with ours.
        flip = group == "Q1 instances"
        ratio_names = [f"{t}/{mine}" if flip else f"{mine}/{t}" for t in others]
        rows = []
        for report in reports:
            table = summarise(report["runs"], group)
            for c in sorted({c for (_, c) in table}):
                parts = [report["scale"], str(c)] + [cell(table.get((t, c))) for t in head]
                for t in others:
                    r = (paired_ratio(report["runs"], group, t, mine, c) if flip
                         else paired_ratio(report["runs"], group, mine, t, c))
                    parts.append(f"{r:.2f}×" if r else "–")
                parts.append(str(sum(s["errors"] for (t, cc), s in table.items() if cc == c)))
                parts.append(f"{median([s['other'] for (t, cc), s in table.items() if cc == c]):.1f}")
                rows.append("| " + " | ".join(parts) + " |")
        if not rows:
            continue
        columns = ["scale", "clients"] + head + ratio_names + ["errors", "other load (cores)"]
        out += [f"### {group}: requests/s (p50 / p99 ms)", "", "| " + " | ".join(columns) + " |",
                "| " + " | ".join("---" for _ in columns) + " |"] + rows + [""]
    out += ["### Q4: first page vs the page after the middle row and after the 150th from the end, "
            "requests/s (p50 ms)", "",
            "| scale | order | clients | first | middle | end | first/middle | first/end |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for report in reports:
        q4 = [r for r in report["runs"] if r["group"] == "Q4"]
        for order in sorted({r["variant"].rsplit(" ", 1)[0] for r in q4}):
            for c in sorted({r["clients"] for r in q4}):
                cells = {p: summarise(report["runs"], "Q4", f"{order} {p}").get(("ours", c))
                         for p in ("first", "middle", "end")}
                if all(cells.values()):
                    out.append(f"| {report['scale']} | {order} | {c} | "
                               + " | ".join(f"{cells[p]['rps']:,.1f} ({cells[p]['p50']:.1f})" if cells[p]["rps"]
                                            else "none finished" for p in ("first", "middle", "end"))
                               + f" | {times(cells['first'], cells['middle'])} | "
                               f"{times(cells['first'], cells['end'])} |")
    out.append("")
    out += ["### CPU per request, Q1 (ms: server process / PostgreSQL backends)", "",
            "| scale | clients | ours | PostGraphile | pgbench (PostgreSQL only) |", "| --- | --- | --- | --- | --- |"]
    for report in reports:
        table = summarise(report["runs"], "Q1")
        for c in sorted({c for (_, c) in table}):
            def cpu(t):
                s = table.get((t, c))
                if not s:
                    return "–"
                return f"{s['server_ms']:.2f} / {s['pg_ms']:.2f}" if s["server_ms"] is not None else f"{s['pg_ms']:.2f}"
            out.append(f"| {report['scale']} | {c} | {cpu('ours')} | {cpu('postgraphile')} | {cpu('pgbench')} |")
    out.append("")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--scale", default="100k", help="contributions: 10k, 100k, 1M (default 100k)")
        p.add_argument("--pg", default=os.environ.get("BENCH_PG", PG_DEFAULT),
                       help="PostgreSQL server URL without a database; databases are named bench_<scale>")
        p.add_argument("--reuse-data", action="store_true",
                       help="keep the generated databases if they hold the scale (writes of earlier runs stay)")
        p.add_argument("--no-build", action="store_true", help="use the release binaries as they are")

    run = sub.add_parser("run", help="the benchmark of issue 11")
    common(run)
    run.add_argument("--duration", type=float, default=8, help="seconds per measured run (default 8)")
    run.add_argument("--warmup", type=float, default=2, help="seconds of warm-up before each run (default 2)")
    run.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    run.add_argument("--clients", default="1,16,64")
    run.add_argument("--q4-duration", type=float, default=5)
    run.add_argument("--q4-rounds", type=int, default=2)
    run.add_argument("--only", help=f"comma-separated groups of {','.join(GROUPS)}")
    run.add_argument("--skip", help="comma-separated groups to leave out")
    run.add_argument("--no-peer", action="store_true", help="leave PostGraphile out")
    soak = sub.add_parser("soak", help="the soak of issue 8: mixed reads and writes, RSS sampled")
    common(soak)
    soak.add_argument("--duration", type=float, default=120)
    soak.add_argument("--clients", type=int, default=32)
    soak.add_argument("--sample-every", type=float, default=5)
    soak.add_argument("--warmup-window", type=float, default=30, help="seconds counted as warm-up for RSS")
    soak.set_defaults(warmup=0, rounds=1)
    render_cmd = sub.add_parser("render", help="write the .md of a result .json again")
    render_cmd.add_argument("files", nargs="+")
    summary = sub.add_parser("summary", help="cross-scale tables from result files")
    summary.add_argument("files", nargs="+")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    {"run": cmd_run, "soak": cmd_soak, "summary": cmd_summary, "render": cmd_render}[args.command](args)


if __name__ == "__main__":
    main()
