#!/usr/bin/env python3
"""Runs per second through the queue: 1, 2 and 4 `agentloom worker` processes on a slow loopback
model, on a SQLite file and on a PostgreSQL server, against the physical limit of the model.

This is a benchmark, not a test (docs/BENCHMARKS.md). The model is an OpenAI-compatible server in
this script that answers every chat completion after DELAY seconds, as a slow model would; each
run is one basic agent's one model call. With W workers of C slots each, no queue can finish more
than W * C / DELAY runs per second: the script prints each measured rate and its ratio to that
limit. Needs a release build (it runs `cargo build --release`) and Debian's postgresql package for
the PostgreSQL rows (skipped, saying so, without it).

    python3 bench/worker_throughput.py [--runs 200] [--delay 0.2] [--concurrency 4]
"""

import argparse
import glob
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SlowModel(http.server.ThreadingHTTPServer):
    daemon_threads = True


def model_handler(delay):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            time.sleep(delay)
            text = "Done."
            usage = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}
            if request.get("stream"):
                chunks = [
                    {"choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
                    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage},
                ]
                body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
                content_type = "text/event-stream"
            else:
                body = json.dumps({
                    "id": "x", "object": "chat.completion", "model": request.get("model", "slow"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": text}}],
                    "usage": usage,
                })
                content_type = "application/json"
            data = body.encode()
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL server, as the test support starts one."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise RuntimeError("no PostgreSQL (apt-get install postgresql)")
        self.bin = os.path.dirname(bins[-1])
        self.root = tempfile.mkdtemp(prefix="agentloom-bench-pg-")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            subprocess.run(["chown", "postgres:", self.root], check=True)
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self.server(["initdb", "-D", self.data, "--auth=trust", "--username=agentloom",
                     "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
        # Durable commits, as a real server has them: this measures the queue, not a shortcut.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self.server(["pg_ctl", "-D", self.data, "-o", options, "-l",
                     os.path.join(self.root, "log"), "-w", "start"])
        self.databases = 0

    def server(self, command):
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        command = [os.path.join(self.bin, command[0])] + command[1:]
        subprocess.run(prefix + command, check=True, stdout=subprocess.DEVNULL)

    def fresh(self):
        self.databases += 1
        name = f"bench_{self.databases}"
        subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-d", self.url("postgres"),
                        "-c", f"CREATE DATABASE {name}"], check=True)
        return self.url(name)

    def url(self, name):
        return f"postgres://agentloom@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.server(["pg_ctl", "-D", self.data, "stop", "-m", "fast"])
        shutil.rmtree(self.root, ignore_errors=True)


def agentloom(binary, db, *args, check=True):
    out = subprocess.run([binary, "--db", db, *args], capture_output=True, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(f"agentloom {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def succeeded(binary, db):
    listed = json.loads(agentloom(binary, db, "--json", "runs", "list", "--status", "succeeded",
                                  "--limit", "100000"))
    return len(listed)


def measure(binary, db, model_url, runs, workers, concurrency):
    agentloom(binary, db, "db", "init", "--empty")
    agentloom(binary, db, "llm", "add", "slow", "--provider", "generic", "--model", "slow",
              "--base-url", model_url)
    agentloom(binary, db, "agent", "add", "answerer", "--type", "basic", "--llm", "slow")
    for n in range(runs):
        agentloom(binary, db, "run", "answerer", "--input", f"question {n}", "--queue")
    started = time.monotonic()
    procs = [subprocess.Popen([binary, "--db", db, "worker", "--concurrency", str(concurrency),
                               "--name", f"bench{w}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for w in range(workers)]
    try:
        while succeeded(binary, db) < runs:
            if time.monotonic() - started > 600:
                raise RuntimeError("the queue did not drain in 10 minutes")
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
    return runs / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="agentloom-bench-")
    binary = os.path.join(work, "agentloom")
    shutil.copy(os.path.join(ROOT, "target", "release", "agentloom"), binary)

    model = SlowModel(("127.0.0.1", 0), model_handler(args.delay))
    threading.Thread(target=model.serve_forever, daemon=True).start()
    model_url = f"http://127.0.0.1:{model.server_address[1]}/v1"

    try:
        postgres = Postgres()
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"PostgreSQL rows skipped: {error}", file=sys.stderr)
        postgres = None

    print(f"{args.runs} queued runs, one {args.delay:.2f} s model call each, "
          f"{args.concurrency} slots per worker; {os.cpu_count()} CPU cores")
    print(f"| backend | workers | runs/s | limit (runs/s) | of the limit |")
    print(f"|---|---|---|---|---|")
    try:
        for backend in ["sqlite", "postgres"]:
            if backend == "postgres" and postgres is None:
                continue
            for workers in [1, 2, 4]:
                if backend == "sqlite":
                    db = os.path.join(work, f"bench-{workers}.db")
                else:
                    db = postgres.fresh()
                rate = measure(binary, db, model_url, args.runs, workers, args.concurrency)
                limit = workers * args.concurrency / args.delay
                print(f"| {backend} | {workers} | {rate:.1f} | {limit:.1f} | {rate / limit:.0%} |",
                      flush=True)
    finally:
        if postgres:
            postgres.stop()
        model.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
