#!/usr/bin/env bash
# Takes docs/canvas.png (the review_parallel example with one agent selected) and docs/run-trace.png
# (the research_orchestrator example after a run: node badges, the trace with its timeline, one
# span open): the app in a real window under Xvfb. Needs Debian's xvfb, x11-apps (xwd), xdotool and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "${app:-0}" "${xvfb:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
Xvfb :97 -screen 0 1280x800x24 >/dev/null 2>&1 & xvfb=$!
sleep 1
export DISPLAY=:97
./target/release/agentloom --db "$work/demo.db" db init >/dev/null
HOME="$work" ./target/release/agentloom --db "$work/demo.db" & app=$!
sleep 4
# Open review_parallel from the workflow list, then click the grammar_reviewer node's title.
xdotool search --sync --name AgentLoom windowmove 0 0 windowsize 1280 800 >/dev/null
sleep 1
xdotool mousemove 370 12 click 1; sleep 1
xdotool mousemove 372 82 click 1; sleep 2
xdotool mousemove 607 132 click 1; sleep 1
xwd -root -silent | convert xwd:- -crop 1280x800+0+0 docs/canvas.png
echo "wrote docs/canvas.png"
# Open research_orchestrator, run it, and open the trace with the fact_finder step selected.
xdotool mousemove 370 12 click 1; sleep 1
xdotool mousemove 400 59 click 1; sleep 2
xdotool mousemove 1118 12 click 1; sleep 1
xdotool windowfocus --sync "$(xdotool search --name AgentLoom | head -1)"
xdotool mousemove 640 170 click 1; sleep 0.3
xdotool type --delay 20 "Why do wood stoves heat small cabins so well?"
sleep 0.5; xdotool mousemove 500 235 click 1; sleep 3
xwd -root -silent | convert xwd:- -crop 1280x800+0+0 /tmp/after-run.png
xdotool mousemove 294 529 click 1; sleep 1
xdotool mousemove 100 622 click 1; sleep 1
xwd -root -silent | convert xwd:- -crop 1280x800+0+0 docs/run-trace.png
echo "wrote docs/run-trace.png"
