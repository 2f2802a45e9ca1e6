#!/usr/bin/env bash
# Engine overhead: AgentLoom against fast-agent, both on their offline passthrough models.
#
#   bash bench/engine_overhead.sh
#
# Three shapes, the same in both tools (see bench/gen_shapes.sh and bench/fast_agent_shapes.py):
#   chain3      a chain of 3 basic agents                       4 steps a run
#   fanout100   a parallel fanning out to 100, with a fan-in    102 steps a run
#   fanout1000  a parallel fanning out to 1000, with a fan-in   1002 steps a run
# A step is one agent invocation (the chain or parallel agent itself counts as one).
#
# AgentLoom: one `agentloom --db DB --json run SHAPE -i hello` process per run, every span and
# message written to a fresh SQLite file; each run's status and row counts are checked.
# fast-agent (PyPI fast-agent-mcp, pinned in bench/requirements.txt, installed once into
# bench/.venv with pip): the same shapes run in one process after a warm-up (in-process), and
# whole processes doing one run each. fast-agent keeps history in memory only.
#
# Prints medians (this machine may be shared; see docs/BENCHMARKS.md for how to read them).
# Knobs (environment): BENCH_RUNS_CHAIN3 (default 11), BENCH_RUNS_FANOUT100 (11),
# BENCH_RUNS_FANOUT1000 (5), BENCH_PROC_RUNS (fast-agent whole-process runs per shape, 3),
# BENCH_START_RUNS (process-start samples, 11), BENCH_PYTHON (a Python >= 3.12 to use),
# BENCH_VENV (default bench/.venv), BENCH_FAST_AGENT=0 (skip fast-agent),
# BENCH_AGENTLOOM_BIN (time this agentloom binary instead of building the checkout).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
shapes=(chain3 fanout100 fanout1000)

say() { printf '%s\n' "$*" >&2; }
die() {
  say "engine_overhead.sh: $*"
  exit 1
}

bounded() { # NAME DEFAULT MAX: the knob's value, checked
  local value=${!1:-$2}
  [[ $value =~ ^[0-9]+$ ]] && ((value >= 1 && value <= $3)) || die "$1 must be 1..$3, got '$value'"
  printf '%s' "$value"
}
declare -A runs=(
  [chain3]=$(bounded BENCH_RUNS_CHAIN3 11 50)
  [fanout100]=$(bounded BENCH_RUNS_FANOUT100 11 50)
  [fanout1000]=$(bounded BENCH_RUNS_FANOUT1000 5 20)
)
proc_runs=$(bounded BENCH_PROC_RUNS 3 10)
start_runs=$(bounded BENCH_START_RUNS 11 50)
want_fast_agent=${BENCH_FAST_AGENT:-1}
venv=${BENCH_VENV:-$here/.venv}

((BASH_VERSINFO[0] >= 5)) || die "needs bash 5 or newer (for EPOCHREALTIME), this is $BASH_VERSION"

loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'; }
load_at_start=$(loadavg)

work=$(mktemp -d "${TMPDIR:-/tmp}/agentloom-bench.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- small tools ------------------------------------------------------------------------------

# timed OUTFILE CMD...: runs CMD with stdout to OUTFILE (stderr kept in OUTFILE.err); sets
# elapsed_us to its wall time. Fails the script when CMD fails.
# The clock is read in this shell (EPOCHREALTIME, no fork), right around CMD.
timed() {
  local out=$1 start end
  shift
  start=$EPOCHREALTIME
  if ! "$@" >"$out" 2>"$out.err"; then
    say "failed: $*"
    sed 's/^/  /' "$out.err" "$out" >&2 || true
    exit 1
  fi
  end=$EPOCHREALTIME
  start=${start//[.,]/} end=${end//[.,]/}
  elapsed_us=$((10#$end - 10#$start))
}

median() { # numbers as arguments
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; } # EXPR [DECIMALS]

if command -v jq >/dev/null; then
  json_get() { jq -r "$2" "$1"; } # FILE FILTER (jq syntax, simple paths only)
elif command -v python3 >/dev/null; then
  json_get() {
    python3 - "$1" "$2" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
path = sys.argv[2]
if path.endswith(" | length"):
    path, length = path[: -len(" | length")], True
else:
    length = False
for key in filter(None, path.lstrip(".").split(".")):
    value = value[key]
print(len(value) if length else value)
PY
  }
else
  die "needs jq or python3 to read JSON"
fi

steps_of() { case $1 in solo) echo 1 ;; chain3) echo 4 ;; fanout*) echo $((${1#fanout} + 2)) ;; esac; }
# Rows one run must leave: a span per agent invocation plus one per model call (every basic
# agent makes one); a user and an assistant message per basic agent. solo is one basic agent.
basics_of() { case $1 in solo) echo 1 ;; chain3) echo 3 ;; fanout*) echo $((${1#fanout} + 1)) ;; esac; }
spans_of() { echo $(($([[ $1 == solo ]] && echo 0 || echo 1) + 2 * $(basics_of "$1"))); }
messages_of() { echo $((2 * $(basics_of "$1"))); }

# --- 1. build AgentLoom and a fresh database with the three shapes --------------------------

if [[ -n ${BENCH_AGENTLOOM_BIN:-} ]]; then
  built=$BENCH_AGENTLOOM_BIN
  [[ -x $built ]] || die "BENCH_AGENTLOOM_BIN=$built is not an executable"
  say "== using $built (BENCH_AGENTLOOM_BIN; not building)"
  build_note="given by BENCH_AGENTLOOM_BIN"
else
  say "== building agentloom (cargo build --release)"
  build_log=$work/build.json
  (cd "$root" && cargo build --release --message-format=json-render-diagnostics >"$build_log") ||
    die "cargo build --release failed"
  built=$(grep -o '"executable":"[^"]*agentloom"' "$build_log" | tail -1 | cut -d'"' -f4)
  [[ -x $built ]] || die "cannot find the agentloom binary cargo built"
  build_note="release build of commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  if [[ -n $(git -C "$root" status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null || true) ]]; then
    build_note+=" plus uncommitted changes"
  fi
fi
# A copy, so that a rebuild in the checkout meanwhile cannot swap the binary under the benchmark.
agentloom=$work/agentloom
cp "$built" "$agentloom"

db=$work/bench.db
"$agentloom" --db "$db" db init --empty >/dev/null
for shape in solo "${shapes[@]}"; do
  if [[ $shape == solo ]]; then # one basic agent: one step, the fixed cost of a run
    printf '%s\n' 'agentloom: 1' 'workflow:' '  name: solo' '  root: solo' 'agents:' \
      '- name: solo' '  type: basic' '  instruction: "You are solo. Answer: {{input}}"' \
      '  llm: passthrough' 'llm_configs:' '- name: passthrough' '  provider: passthrough' \
      '  model: passthrough' >"$work/solo.yaml"
  else
    bash "$here/gen_shapes.sh" "$shape" >"$work/$shape.yaml"
  fi
  "$agentloom" --db "$db" import "$work/$shape.yaml" >"$work/import.out" ||
    die "importing $shape failed"
done
say "   $("$agentloom" --version), database $db with workflows: solo ${shapes[*]}"

# --- 2. time AgentLoom ------------------------------------------------------------------------

declare -A al_ms al_all run_ids
verify_run() { # SHAPE OUTFILE: checks the answer and records its run id
  local status branches
  status=$(json_get "$2" .status)
  [[ $status == succeeded ]] || die "$1: run status '$status', expected succeeded: $(cat "$2")"
  if [[ $1 == fanout* ]]; then # the fan-in (passthrough) answers with every branch's reply
    branches=$(grep -o 'agent=\\"branch[0-9]*\\"' "$2" | sort -u | wc -l)
    ((branches == ${1#fanout})) || die "$1: the answer holds $branches branch replies, expected ${1#fanout}"
  fi
  run_ids[$1]+="$(json_get "$2" .run_id) "
}

say "== AgentLoom: process start ($start_runs samples each, after a warm-up)"
samples=()
timed "$work/o" "$agentloom" --version
for ((i = 0; i < start_runs; i++)); do timed "$work/o" "$agentloom" --version; samples+=("$(calc "$elapsed_us / 1000")"); done
al_version_ms=$(median "${samples[@]}")
samples=()
timed "$work/o" "$agentloom" --db "$db" --json runs list --limit 1
for ((i = 0; i < start_runs; i++)); do
  timed "$work/o" "$agentloom" --db "$db" --json runs list --limit 1
  samples+=("$(calc "$elapsed_us / 1000")")
done
al_start_ms=$(median "${samples[@]}")
samples=()
timed "$work/o" "$agentloom" --db "$db" --json run solo -i hello
for ((i = 0; i < start_runs; i++)); do
  timed "$work/o" "$agentloom" --db "$db" --json run solo -i hello
  verify_run solo "$work/o"
  samples+=("$(calc "$elapsed_us / 1000")")
done
al_solo_ms=$(median "${samples[@]}")
say "   --version $al_version_ms ms; open the database and list 1 run $al_start_ms ms; run 1 basic agent $al_solo_ms ms"

for shape in "${shapes[@]}"; do
  say "== AgentLoom: $shape, 1 warm-up + ${runs[$shape]} runs"
  timed "$work/o" "$agentloom" --db "$db" --json run "$shape" -i hello
  verify_run "$shape" "$work/o"
  samples=()
  for ((i = 0; i < runs[$shape]; i++)); do
    timed "$work/o" "$agentloom" --db "$db" --json run "$shape" -i hello
    verify_run "$shape" "$work/o"
    samples+=("$(calc "$elapsed_us / 1000")")
  done
  al_ms[$shape]=$(median "${samples[@]}")
  al_all[$shape]="${samples[*]}"
  say "   median ${al_ms[$shape]} ms (runs: ${samples[*]})"
done

say "== AgentLoom: checking that every run persisted its spans and messages"
declare -A al_rows
if command -v sqlite3 >/dev/null; then
  rows_of() { # RUN_ID -> "spans messages unsucceeded_spans"
    sqlite3 -separator ' ' "file:$db?mode=ro" "select
      (select count(*) from spans where run_id = $1),
      (select count(*) from messages where run_id = $1),
      (select count(*) from spans where run_id = $1 and status <> 'succeeded')"
  }
  row_tool="sqlite3 on the database file"
else
  rows_of() {
    local session
    "$agentloom" --db "$db" --json runs show "$1" >"$work/show.json"
    session=$(json_get "$work/show.json" .run.session_id)
    "$agentloom" --db "$db" --json history "$session" >"$work/history.json"
    printf '%s %s 0' "$(json_get "$work/show.json" '.spans | length')" \
      "$(json_get "$work/history.json" '. | length')"
  }
  row_tool="agentloom runs show / history --json (each run has its own session)"
fi
total_spans=0 total_messages=0 checked_runs=0
for shape in solo "${shapes[@]}"; do
  want_spans=$(spans_of "$shape") want_messages=$(messages_of "$shape")
  for id in ${run_ids[$shape]}; do
    read -r spans messages failed <<<"$(rows_of "$id")"
    [[ $spans == "$want_spans" && $messages == "$want_messages" && $failed == 0 ]] ||
      die "run $id of $shape left $spans spans ($failed not succeeded) and $messages messages; expected $want_spans and $want_messages"
    total_spans=$((total_spans + spans)) total_messages=$((total_messages + messages))
    checked_runs=$((checked_runs + 1))
  done
  al_rows[$shape]="$want_spans spans + $want_messages messages"
done
say "   $checked_runs runs checked with $row_tool: $total_spans spans and $total_messages messages, all as expected"

# --- 3. fast-agent --------------------------------------------------------------------------

fa_missing=""
fa_py=""
find_python() { # prints a Python >= 3.12, or nothing
  local candidates=() c
  if [[ -n ${BENCH_PYTHON:-} ]]; then
    candidates=("$BENCH_PYTHON")
  else
    candidates=(python3.13 python3.12 python3.14)
    local pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
    for c in $(ls -d "$pyenv_root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
      candidates+=("$c/bin/python3")
    done
    candidates+=(python3)
  fi
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; raise SystemExit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      printf '%s' "$c"
      return 0
    fi
  done
}

if [[ $want_fast_agent == 0 ]]; then
  fa_missing="skipped (BENCH_FAST_AGENT=0)"
else
  say "== fast-agent: preparing $venv"
  pin=$(grep -E '^fast-agent-mcp==' "$here/requirements.txt" | cut -d= -f3)
  have=""
  if [[ -x $venv/bin/python ]] &&
    "$venv/bin/python" -c 'import sys; raise SystemExit(sys.version_info < (3, 12))' 2>/dev/null; then
    have=$("$venv/bin/python" -c 'from importlib.metadata import version; print(version("fast-agent-mcp"))' 2>/dev/null || true)
  fi
  if [[ -n $have && $have == "$pin" ]]; then
    fa_py=$venv/bin/python
  else
    python=$(find_python || true)
    if [[ -z $python && -n ${BENCH_PYTHON:-} ]]; then
      fa_missing="BENCH_PYTHON=$BENCH_PYTHON is not a Python >= 3.12, which fast-agent-mcp 0.10.x needs"
    elif [[ -z $python ]]; then
      fa_missing="no Python >= 3.12 found (tried python3.13, python3.12, python3.14, pyenv's versions, python3); fast-agent-mcp 0.10.x needs one (pip on 3.11 would install the broken 0.2.x)"
    else
      say "   creating the venv with $python ($("$python" --version 2>&1)) and installing fast-agent-mcp==$pin"
      rm -rf "$venv"
      if "$python" -m venv "$venv" >"$work/venv.log" 2>&1 &&
        "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$here/requirements.txt" >>"$work/venv.log" 2>&1; then
        fa_py=$venv/bin/python
      else
        fa_missing="could not install fast-agent-mcp==$pin with $python: $(tail -n 3 "$work/venv.log" | tr '\n' ' ')"
        rm -rf "$venv"
      fi
    fi
  fi
fi

declare -A fa_ms fa_all fa_proc_ms fa_start_ms
fa_version="" fa_python=""
if [[ -n $fa_py ]]; then
  limit=() # a stuck fast-agent must not hang the benchmark
  command -v timeout >/dev/null && limit=(timeout 600)
  fa_cwd=$work/fast-agent-cwd # no fastagent.config.yaml here or above; nothing lands in the repo
  mkdir -p "$fa_cwd"
  fa() { (cd "$fa_cwd" && "${limit[@]}" "$fa_py" "$here/fast_agent_shapes.py" "$@"); }
  fa_field() { "$fa_py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d[k]
print(" ".join("%.3f" % x for x in d) if isinstance(d, list) else d)' "$@"; }

  say "== fast-agent: warm-up process (byte-compiles on first use)"
  timed "$work/fa.json" fa chain3 --runs 1 --warmup 0
  fa_version=$(fa_field "$work/fa.json" fast_agent_version)
  fa_python=$(fa_field "$work/fa.json" python)

  for shape in "${shapes[@]}"; do
    say "== fast-agent in-process: $shape, 1 warm-up + ${runs[$shape]} runs in one process"
    timed "$work/fa.json" fa "$shape" --runs "${runs[$shape]}" --warmup 1
    read -r -a samples <<<"$(fa_field "$work/fa.json" shapes "$shape" runs_ms)"
    fa_ms[$shape]=$(median "${samples[@]}")
    fa_all[$shape]="${samples[*]}"
    fa_start_ms[$shape]=$(calc "$(fa_field "$work/fa.json" import_ms) + $(fa_field "$work/fa.json" shapes "$shape" start_ms)" 1)
    say "   median ${fa_ms[$shape]} ms (runs: ${samples[*]}); import + agent start ${fa_start_ms[$shape]} ms"
  done
  for shape in "${shapes[@]}"; do
    say "== fast-agent whole process: $shape, $proc_runs processes of 1 run each"
    samples=()
    for ((i = 0; i < proc_runs; i++)); do
      timed "$work/fa.json" fa "$shape" --runs 1 --warmup 0
      samples+=("$(calc "$elapsed_us / 1000")")
    done
    fa_proc_ms[$shape]=$(median "${samples[@]}")
    say "   median ${fa_proc_ms[$shape]} ms (processes: ${samples[*]})"
  done
fi

# --- 4. the table -----------------------------------------------------------------------------

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
echo
echo "Engine overhead, passthrough models, input \"hello\" (medians; ms = milliseconds, µs = microseconds)"
echo "machine:    $(nproc) CPUs, ${cpu:-unknown CPU}, ${mem:-? memory}, $(uname -sr)"
echo "load:       1/5/15-minute load average $load_at_start at the start, $(loadavg) at the end (other work on this machine adds noise)"
echo "agentloom:  $("$agentloom" --version) ($build_note), $(rustc --version 2>/dev/null || echo 'rustc ?'), SQLite file in $(df -P "$work" | awk 'NR == 2 {print $1}')"
if [[ -n $fa_py ]]; then
  echo "fast-agent: fast-agent-mcp $fa_version on Python $fa_python, model passthrough, isolated=True quiet=True"
else
  echo "fast-agent: MISSING: $fa_missing"
fi
echo "process start (AgentLoom): --version $al_version_ms ms; open the database + list 1 run $al_start_ms ms (subtracted below); a 1-agent run $al_solo_ms ms"
echo
dash() { [[ -n ${1:-} ]] && printf '%s' "$1" || printf -- '-'; }
fmt_ratio() { # A B: A / B with one decimal, or - when either is missing or B <= 0
  if [[ -z ${1:-} || -z ${2:-} ]] || awk "BEGIN { exit !($2 <= 0) }"; then printf -- '-'; else printf '%s×' "$(calc "$1 / $2" 1)"; fi
}
{
  printf 'shape\tsteps\tAL ms/run\tAL ms/run in-proc\tFA ms/run in-proc\tFA ms/run process\tAL µs/step in-proc\tFA µs/step in-proc\tratio FA/AL in-proc\tratio FA/AL process\n'
  for shape in "${shapes[@]}"; do
    steps=$(steps_of "$shape")
    al=${al_ms[$shape]}
    al_in=$(calc "$al - $al_start_ms" 2)
    al_step=$(calc "$al_in * 1000 / $steps" 0)
    fa_in=${fa_ms[$shape]:-} fa_step="" fa_proc=${fa_proc_ms[$shape]:-}
    [[ -n $fa_in ]] && fa_step=$(calc "$fa_in * 1000 / $steps" 0)
    awk "BEGIN { exit !($al_in <= 0) }" && al_step="(within noise)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$steps" "$(calc "$al" 1)" "$(calc "$al_in" 1)" \
      "$(dash "${fa_in:+$(calc "$fa_in" 1)}")" "$(dash "${fa_proc:+$(calc "$fa_proc" 0)}")" "$al_step" "$(dash "$fa_step")" \
      "$(fmt_ratio "$fa_in" "$al_in")" "$(fmt_ratio "$fa_proc" "$al")"
  done
} | if command -v column >/dev/null; then column -t -s $'\t'; else cat; fi
echo
al_slope=$(calc "(${al_ms[fanout1000]} - ${al_ms[fanout100]}) * 1000 / 900" 0)
line="marginal cost of one more fan-out step, (fanout1000 - fanout100) / 900: AgentLoom $al_slope µs"
if [[ -n ${fa_ms[fanout1000]:-} ]]; then
  fa_slope=$(calc "(${fa_ms[fanout1000]} - ${fa_ms[fanout100]}) * 1000 / 900" 0)
  line+=", fast-agent $fa_slope µs, ratio $(fmt_ratio "$fa_slope" "$al_slope")"
fi
echo "$line"
echo "persisted by AgentLoom per run: chain3 ${al_rows[chain3]}, fanout100 ${al_rows[fanout100]}, fanout1000 ${al_rows[fanout1000]} (all $checked_runs runs checked); fast-agent keeps its history in memory and writes nothing"
echo
echo "AL = AgentLoom, one process per run (wall time of 'agentloom --json run'); in-proc = that minus the process start above."
echo "FA = fast-agent; in-proc = await agent.<shape>.send() in a warm process; process = a whole python process doing 1 run."
echo "raw AgentLoom runs (ms): $(for s in "${shapes[@]}"; do printf '%s: %s; ' "$s" "${al_all[$s]}"; done)"
if [[ -n $fa_py ]]; then
  echo "raw fast-agent in-process runs (ms): $(for s in "${shapes[@]}"; do printf '%s: %s; ' "$s" "${fa_all[$s]}"; done)"
  echo "fast-agent import + agent start in-process (ms): $(for s in "${shapes[@]}"; do printf '%s: %s; ' "$s" "${fa_start_ms[$s]}"; done)"
else
  echo "The fast-agent columns are empty because: $fa_missing"
fi
