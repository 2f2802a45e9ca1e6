"""fast-agent on the engine-overhead shapes of bench/engine_overhead.sh.

Defines, with fast-agent's own decorators and its offline `passthrough` model, the same three
shapes that the script imports into AgentLoom:

  chain3      a chain of 3 basic agents              (4 agent invocations a run)
  fanout100   a parallel: 100 basic agents, 1 fan-in (102 a run)
  fanout1000  a parallel: 1000 basic agents, 1 fan-in (1002 a run)

Only the shapes asked for are defined, so a process that runs one shape starts only its agents.
Each shape is sent "hello" --warmup times (untimed), then --runs times, each timed on its own
with time.perf_counter(); between runs every agent's in-memory history is cleared (untimed) so
each run starts as fresh as an AgentLoom run (a new session). fast-agent keeps that history in
memory only; nothing is written to a database, and `isolated=True` also turns off its session
history files, file logging and telemetry.

Prints one JSON object on stdout:
  {"fast_agent_version": ..., "python": ..., "import_ms": ..., "shapes": {NAME: {
     "steps": N, "start_ms": ..., "runs_ms": [...], "output_chars": ...}}}
"""

from __future__ import annotations

import argparse
import time

T0 = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from importlib.metadata import version  # noqa: E402

from fast_agent import FastAgent  # noqa: E402

IMPORT_MS = (time.perf_counter() - T0) * 1000.0

INPUT = "hello"


def fanout_width(shape: str) -> int | None:
    if shape.startswith("fanout") and shape[len("fanout") :].isdigit():
        return int(shape[len("fanout") :])
    return None


def steps_of(shape: str) -> int:
    """Agent invocations in one run: the workflow agent itself plus every agent it calls."""
    if shape == "chain3":
        return 4
    width = fanout_width(shape)
    if width is None:
        raise SystemExit(f"unknown shape {shape!r}: use chain3 or fanoutN")
    return width + 2


def build(shape: str) -> tuple[FastAgent, list[str]]:
    """A FastAgent app holding `shape`; returns it and the names of its basic agents."""
    fast = FastAgent(
        f"bench-{shape}",
        parse_cli_args=False,
        quiet=True,
        isolated=True,
    )

    async def unused() -> None:  # the decorators want a function to wrap
        return None

    def basic(name: str) -> None:
        fast.agent(name=name, instruction=f"You are {name}.", model="passthrough")(unused)

    if shape == "chain3":
        steps = [f"step{i}" for i in range(1, 4)]
        for name in steps:
            basic(name)
        fast.chain(name=shape, sequence=steps)(unused)
        return fast, steps
    width = fanout_width(shape)
    assert width is not None
    branches = [f"branch{i:04d}" for i in range(1, width + 1)]
    for name in branches:
        basic(name)
    basic("gather")
    fast.parallel(name=shape, fan_out=branches, fan_in="gather", include_request=True)(unused)
    return fast, branches + ["gather"]


async def measure(shape: str, runs: int, warmup: int) -> dict:
    fast, basics = build(shape)
    started = time.perf_counter()
    async with fast.run() as app:
        start_ms = (time.perf_counter() - started) * 1000.0
        workflow = app[shape]
        agents = [app[name] for name in basics] + [workflow]

        def clear() -> None:
            for agent in agents:
                agent.clear()

        output = ""
        for _ in range(warmup):
            output = await workflow.send(INPUT)
            clear()
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            output = await workflow.send(INPUT)
            times.append((time.perf_counter() - t) * 1000.0)
            clear()
    # The chain answers "hello"; the fan-in (passthrough) answers with every branch's labelled reply.
    missing = [name for name in basics[:-1] if name not in output] if fanout_width(shape) else []
    if INPUT not in output or missing:
        raise SystemExit(f"{shape}: unexpected output (missing {missing[:3]}): {output[:200]!r}")
    return {
        "steps": steps_of(shape),
        "start_ms": start_ms,
        "runs_ms": times,
        "output_chars": len(output),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapes", nargs="+", help="chain3, fanout100, fanout1000 (any fanoutN)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per shape")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    args = parser.parse_args()
    if not 0 <= args.runs <= 50 or not 0 <= args.warmup <= 5:
        raise SystemExit("--runs must be 0..50 and --warmup 0..5")
    result = {
        "fast_agent_version": version("fast-agent-mcp"),
        "python": sys.version.split()[0],
        "import_ms": IMPORT_MS,
        "shapes": {},
    }
    for shape in args.shapes:
        result["shapes"][shape] = await measure(shape, args.runs, args.warmup)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
