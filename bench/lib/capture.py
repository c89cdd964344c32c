"""The SQL a request sends, read from PostgreSQL's own statement log
(`log_statement = 'all'`, set on the benchmark database only while capturing), and
turned into a pgbench script with the same statements and parameters."""

import os
import re
import uuid

from common import fail, psql

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE):  (.*)$")
EXECUTE = re.compile(r"^(?:execute [^:]+|statement): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def log_path(pg: str) -> str | None:
    configured = os.environ.get("BENCH_PG_LOG")
    if configured:
        return configured
    current = psql(f"{pg}/postgres", "SELECT pg_current_logfile()").strip()
    if current:
        data = psql(f"{pg}/postgres", "SHOW data_directory").strip()
        return current if current.startswith("/") else os.path.join(data, current)
    version = psql(f"{pg}/postgres", "SHOW server_version_num").strip()[:2]
    for candidate in (f"/var/log/postgresql/postgresql-{version}-main.log",):
        if os.access(candidate, os.R_OK):
            return candidate
    return None


class Capture:
    def __init__(self, pg: str, database: str):
        self.pg, self.database = pg, database
        self.path = log_path(pg)
        if self.path is None or not os.access(self.path, os.R_OK):
            fail("cannot read PostgreSQL's log to capture statements; set BENCH_PG_LOG to its path")

    def enable(self):
        psql(f"{self.pg}/postgres", f"ALTER DATABASE \"{self.database}\" SET log_statement = 'all'")

    def disable(self):
        psql(f"{self.pg}/postgres", f"ALTER DATABASE \"{self.database}\" RESET log_statement")

    def _mark(self, tag: str):
        psql(f"{self.pg}/{self.database}", f"SELECT 'bench-mark-{tag}'")

    def statements(self, action) -> list[dict]:
        """Runs `action()` and returns the statements sent meanwhile to the database
        (by anyone but the markers): [{sql, params, pid}]."""
        tag = uuid.uuid4().hex
        start = os.path.getsize(self.path)
        self._mark(tag + "-a")
        action()
        self._mark(tag + "-b")
        with open(self.path, errors="replace") as f:
            f.seek(start)
            text = f.read()
        records = []
        for line in text.split("\n"):
            match = LINE.match(line)
            if match:
                records.append(list(match.groups()))
            elif records:
                records[-1][4] += "\n" + line
        inside, out = False, []
        for pid, _user, database, level, message in records:
            if database != self.database:
                continue
            if f"bench-mark-{tag}-a" in message:
                inside = True
                continue
            if f"bench-mark-{tag}-b" in message:
                break
            if not inside:
                continue
            if level == "LOG":
                statement = EXECUTE.match(message)
                if statement:
                    out.append({"sql": statement.group(1).strip(), "params": [], "pid": int(pid)})
            elif level == "DETAIL" and message.startswith("parameters:") and out and out[-1]["pid"] == int(pid):
                out[-1]["params"] = [None if v == "NULL" else v[1:-1].replace("''", "'")
                                     for _, v in PARAM.findall(message)]
        # The change listener reads the change log every 2 s when nothing wakes
        # it; that read is the server's background work, not the request's.
        return [s for s in out if not CHANGE_LOG_READ.match(s["sql"])]


CHANGE_LOG_READ = re.compile(r'^SELECT "id", "state", "committed_at" FROM "changes" WHERE "id" > ')

PGBENCH_MAX_ARGS = 255


def pgbench_script(statements: list[dict]) -> tuple[str, dict]:
    """The statements as a pgbench script, parameters as pgbench variables (-D),
    so `-M prepared` prepares them as the server does; NULLs inline, and all the
    parameters of a statement with more than pgbench's 255 inline too."""
    lines, defines = [], {}
    for n, statement in enumerate(statements):
        params = statement["params"]
        if len(params) > PGBENCH_MAX_ARGS:
            # pgbench binds at most 255 parameters per statement: write them in.
            lines.append(literal_sql(statement).rstrip().rstrip(";") + ";")
            continue

        def substitute(match):
            index = int(match.group(1)) - 1
            value = params[index] if index < len(params) else None
            if value is None:
                return "NULL"
            name = f"s{n}p{index + 1}"
            defines[name] = value
            return f":{name}"

        sql = re.sub(r"\$(\d+)\b", substitute, statement["sql"]).rstrip().rstrip(";")
        lines.append(sql + ";")
    return "\n".join(lines) + "\n", defines


def literal_sql(statement: dict) -> str:
    """The statement with its parameters written in as literals, for EXPLAIN."""
    params = statement["params"]

    def substitute(match):
        index = int(match.group(1)) - 1
        value = params[index] if index < len(params) else None
        return "NULL" if value is None else "'" + value.replace("'", "''") + "'"

    return re.sub(r"\$(\d+)\b", substitute, statement["sql"])


def explain(pg: str, database: str, statement: dict) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured statement as the server runs it: a
    prepared statement, executed five times first so the plan is the one a pooled
    connection settles on."""
    params = statement["params"]
    args = ", ".join("NULL" if v is None else "'" + v.replace("'", "''") + "'" for v in params)
    execute = f"EXECUTE bench_q({args})" if params else "EXECUTE bench_q"
    sql = f"PREPARE bench_q AS {statement['sql']};\n" + f"{execute};\n" * 5
    sql += f"EXPLAIN (ANALYZE, BUFFERS) {execute};\n"
    out = psql(f"{pg}/{database}", sql)
    lines = out.splitlines()
    start = next((i for i, l in enumerate(lines) if "(cost=" in l), 0)
    return "\n".join(lines[start:])
