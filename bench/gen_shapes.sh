#!/usr/bin/env bash
# Writes one benchmark shape as an AgentLoom workflow YAML document (the format of
# assets/examples/*.yaml, read by `agentloom import FILE`) on standard output.
#
#   bash bench/gen_shapes.sh chain3        a chain of 3 basic passthrough agents
#   bash bench/gen_shapes.sh fanoutN       a parallel fanning out to N basic passthrough agents,
#                                          with a basic passthrough fan-in (N from 1 to 10000)
#
# The same shapes, with the same agent names, are defined for fast-agent in
# bench/fast_agent_shapes.py.
set -euo pipefail

shape=${1:?usage: gen_shapes.sh chain3|fanoutN}

header() { # name root description
  cat <<EOF
agentloom: 1
workflow:
  name: $1
  description: "$3"
  root: $2
agents:
EOF
}

basic() { # name
  printf -- '- name: %s\n  type: basic\n  instruction: |\n    You are %s. Answer: {{input}}\n  llm: passthrough\n' "$1" "$1"
}

footer() {
  cat <<EOF
llm_configs:
- name: passthrough
  provider: passthrough
  model: passthrough
EOF
}

case "$shape" in
  chain3)
    header chain3 chain3 "Benchmark: a chain of 3 basic passthrough agents."
    printf -- '- name: chain3\n  type: chain\n  links:\n'
    for i in 1 2 3; do
      printf -- '  - child: step%d\n    type: chains_to\n    order: %d\n' "$i" "$i"
    done
    for i in 1 2 3; do basic "step$i"; done
    footer
    ;;
  fanout[0-9]*)
    n=${shape#fanout}
    if ! [[ $n =~ ^[1-9][0-9]*$ ]] || ((n > 10000)); then
      echo "gen_shapes.sh: fan-out width must be 1..10000, got '$n'" >&2
      exit 2
    fi
    header "$shape" "$shape" "Benchmark: a parallel fanning out to $n basic passthrough agents, with a basic passthrough fan-in."
    printf -- '- name: %s\n  type: parallel\n  options:\n    include_request: true\n  links:\n' "$shape"
    for ((i = 1; i <= n; i++)); do
      printf -- '  - child: branch%04d\n    type: fans_out_to\n' "$i"
    done
    printf -- '  - child: gather\n    type: fan_in_from\n'
    for ((i = 1; i <= n; i++)); do
      printf -v name 'branch%04d' "$i"
      basic "$name"
    done
    basic gather
    footer
    ;;
  *)
    echo "gen_shapes.sh: unknown shape '$shape' (use chain3 or fanoutN)" >&2
    exit 2
    ;;
esac
