#!/usr/bin/env python3
"""Crash campaign: kill AgentLoom at random moments while another program reads its file.

    python3 bench/crash_campaign.py [--rounds 100] [--seed 1] [--bin target/release/agentloom]

One database file with a workflow that chains a drafter to a parallel fan-out of three reviewers
and a fan-in, all on a slow local model (an OpenAI-compatible server in this script, on
127.0.0.1, answering after 20-200 ms). Each round does one of, at random:

  cli-kill     `agentloom run` killed with SIGKILL at a random moment
  cli-term     `agentloom run` stopped with SIGTERM at a random moment
  service-kill three REST sends to `agentloom serve --http`; the service is killed with SIGKILL
               at a random moment (sends in flight) and started again, then answers one more

while a reader (Python's sqlite3: the system's SQLite, as `sqlite3` or DB Browser would be) opens
the live file, counts rows and closes it, over and over. Every REST send answered 200 is an
acknowledged run.

At the end, with nothing running: every acknowledged run must be in the file, no run may be left
`running` or `waiting` (opening the file marks the dead ones `interrupted`), every interrupted run
is resumed with `agentloom runs resume` and must end `succeeded` (the model calls it reuses and
the ones it makes live are counted), and `PRAGMA integrity_check` must say ok. Prints the counts as one JSON
object (recorded in docs/RELIABILITY.md) and exits non-zero on any loss.
"""

import argparse
import http.server
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class SlowModel(http.server.ThreadingHTTPServer):
    """An OpenAI-compatible chat endpoint answering after a random pause, counting each prompt."""

    daemon_threads = True

    def __init__(self, seed):
        super().__init__(("127.0.0.1", 0), SlowModelHandler)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.calls = {}

    def base_url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class SlowModelHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        said = json.dumps(body["messages"], sort_keys=True)
        with self.server.lock:
            self.server.calls[said] = self.server.calls.get(said, 0) + 1
            pause = self.server.random.uniform(0.02, 0.2)
        time.sleep(pause)
        last = body["messages"][-1]["content"]
        text = f"noted: {str(last)[:40]}"
        answer = {
            "id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "slow"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
        }
        if body.get("stream"):
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                     "model": answer["model"],
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": text},
                                  "finish_reason": None}]}
            done = dict(chunk, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}],
                        usage=answer["usage"])
            try:
                for event in (chunk, done):
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the process asking was killed: what the campaign is about
        else:
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


class Campaign:
    def __init__(self, binary, db, rng):
        self.binary, self.db, self.rng = binary, db, rng
        self.acknowledged = set()
        self.counts = {"cli-kill": 0, "cli-term": 0, "service-kill": 0, "reads": 0,
                       "read-errors": 0, "sends-acknowledged": 0, "sends-cut": 0}
        self.service = None
        self.port = None

    def agentloom(self, *args, check=True):
        done = subprocess.run([self.binary, "--db", self.db, *args], capture_output=True, text=True)
        if check and done.returncode != 0:
            raise SystemExit(f"agentloom {' '.join(args)} failed: {done.stderr}")
        return done

    def setup(self, base_url):
        for args in [
            ["db", "init", "--empty"],
            ["llm", "add", "slow", "--provider", "generic", "--model", "slow", "--base-url", base_url],
            ["agent", "add", "drafter", "--type", "basic", "--llm", "slow", "--instruction", "Draft {{input}}"],
            *[["agent", "add", f"reviewer{i}", "--type", "basic", "--llm", "slow",
               "--instruction", f"Review {i}"] for i in range(3)],
            ["agent", "add", "editor", "--type", "basic", "--llm", "slow", "--instruction", "Merge"],
            ["agent", "add", "review", "--type", "parallel"],
            *[["link", "add", "review", f"reviewer{i}", "--type", "fans_out_to"] for i in range(3)],
            ["link", "add", "review", "editor", "--type", "fan_in_from"],
            ["agent", "add", "pipeline", "--type", "chain"],
            ["link", "add", "pipeline", "drafter", "--type", "chains_to"],
            ["link", "add", "pipeline", "review", "--type", "chains_to"],
            ["workflow", "add", "campaign", "--root", "pipeline"],
        ]:
            self.agentloom(*args)

    def start_service(self):
        self.service = subprocess.Popen(
            [self.binary, "--db", self.db, "serve", "--http", "--bind", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.service.stdout.readline()
        self.port = int(line.split("http://127.0.0.1:")[1].split()[0])

    def post(self, path, body, timeout=30):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=json.dumps(body).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())

    def read_forever(self, stop):
        while not stop.is_set():
            try:
                conn = sqlite3.connect(self.db, timeout=5)
                conn.execute("select count(*) from runs").fetchone()
                conn.execute("select count(*) from spans").fetchone()
                conn.close()
                self.counts["reads"] += 1
            except sqlite3.Error:
                self.counts["read-errors"] += 1
            time.sleep(0.01)

    def cli_round(self, sig, name):
        child = subprocess.Popen(
            [self.binary, "--db", self.db, "run", "campaign", "--input", f"round {self.rng.random()}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(self.rng.uniform(0.02, 0.6))
        child.send_signal(sig)
        child.wait()
        self.counts[name] += 1

    def service_round(self):
        sessions = [self.post("/sessions", {"target": "campaign"})["id"] for _ in range(3)]
        results = []

        def send(session):
            try:
                reply = self.post(f"/sessions/{session}/send", {"message": "hello"})
                results.append(reply["run_id"])
            except Exception:
                results.append(None)

        senders = [threading.Thread(target=send, args=(s,)) for s in sessions]
        for sender in senders:
            sender.start()
            time.sleep(self.rng.uniform(0.0, 0.2))
        time.sleep(self.rng.uniform(0.02, 0.6))
        self.service.send_signal(signal.SIGKILL)
        self.service.wait()
        for sender in senders:
            sender.join()
        for run in results:
            if run is None:
                self.counts["sends-cut"] += 1
            else:
                self.acknowledged.add(run)
                self.counts["sends-acknowledged"] += 1
        self.counts["service-kill"] += 1
        self.start_service()
        # A send the service answers in full, right after the restart: acknowledged.
        other = self.post("/sessions", {"target": "campaign"})["id"]
        self.acknowledged.add(self.post(f"/sessions/{other}/send", {"message": "again"})["run_id"])
        self.counts["sends-acknowledged"] += 1

    def run(self, rounds):
        self.start_service()
        stop = threading.Event()
        reader = threading.Thread(target=self.read_forever, args=(stop,))
        reader.start()
        for _ in range(rounds):
            choice = self.rng.choice(["cli-kill", "cli-term", "service-kill"])
            if choice == "cli-kill":
                self.cli_round(signal.SIGKILL, choice)
            elif choice == "cli-term":
                self.cli_round(signal.SIGTERM, choice)
            else:
                self.service_round()
        stop.set()
        reader.join()
        self.service.send_signal(signal.SIGTERM)
        self.service.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bin", default=str(ROOT / "target" / "release" / "agentloom"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    model = SlowModel(args.seed)
    threading.Thread(target=model.serve_forever, daemon=True).start()
    work = tempfile.mkdtemp(prefix="agentloom-crash-")
    db = os.path.join(work, "campaign.db")
    campaign = Campaign(args.bin, db, rng)
    campaign.setup(model.base_url())
    started = time.time()
    campaign.run(args.rounds)

    # Opening the file marks the runs of dead processes interrupted.
    campaign.agentloom("runs", "list")
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("select status, count(*) from runs group by status").fetchall())
    missing = [run for run in campaign.acknowledged
               if conn.execute("select 1 from runs where id = ?", (run,)).fetchone() is None]
    left_going = conn.execute(
        "select count(*) from runs where status in ('running', 'waiting')").fetchone()[0]
    open_spans = conn.execute(
        "select count(*) from spans where status in ('running', 'waiting', 'queued')").fetchone()[0]
    interrupted = [row[0] for row in conn.execute("select id from runs where status = 'interrupted'")]
    conn.close()

    with model.lock:
        calls_before = sum(model.calls.values())
    resumed = {"succeeded": 0, "other": 0}
    for run in interrupted:
        done = campaign.agentloom("--json", "runs", "resume", str(run), check=False)
        status = json.loads(done.stdout)["status"] if done.stdout.strip() else "error"
        resumed["succeeded" if status == "succeeded" else "other"] += 1
    with model.lock:
        live_calls = sum(model.calls.values()) - calls_before
    conn = sqlite3.connect(db)
    integrity = conn.execute("pragma integrity_check").fetchone()[0]
    after = dict(conn.execute("select status, count(*) from runs group by status").fetchall())
    reused = conn.execute(
        "select count(*) from spans where json_extract(attributes, '$.reused') = 1").fetchone()[0]
    conn.close()

    report = {
        "rounds": args.rounds, "seed": args.seed, "seconds": round(time.time() - started, 1),
        **campaign.counts,
        "runs_by_status_after_the_campaign": statuses,
        "acknowledged_missing": len(missing),
        "runs_left_going": left_going,
        "spans_left_open": open_spans,
        "interrupted_resumed": resumed,
        "model_calls_reused_by_resumes": reused,
        "model_calls_made_live_by_resumes": live_calls,
        "runs_by_status_after_resuming": after,
        "integrity_check": integrity,
    }
    print(json.dumps(report, indent=2))
    lost = missing or left_going or open_spans or resumed["other"] or integrity != "ok"
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
