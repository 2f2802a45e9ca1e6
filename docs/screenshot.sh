#!/usr/bin/env bash
# Takes docs/canvas.png: the app in a real window under Xvfb, on the review_parallel example with
# one agent selected. Needs Debian's xvfb, x11-apps (xwd), xdotool and imagemagick.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
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
xdotool mousemove 600 241 click 1; sleep 1
xwd -root -silent | convert xwd:- -crop 1280x800+0+0 docs/canvas.png
echo "wrote docs/canvas.png"
