#!/usr/bin/env bash
# End-to-end check of the .deb on this (Debian/Ubuntu, amd64) machine, as root:
#   build it with the pinned cargo-deb, install it with apt (which pulls its Depends), check
#   `agentloom --version`, launch /usr/bin/agentloom under Xvfb with a fresh HOME whose data
#   directory holds an older-schema database, screenshot the window (docs/installed-deb.png),
#   check the window's class and icon, check every library the running app loaded itself is
#   declared in Depends, check the database was upgraded with a backup of the old file; then (when
#   weston is installed) launch it again under a headless Weston on Wayland with no database
#   (docs/installed-deb-wayland.png, same library check, a new database made); then
#   `dpkg -r agentloom` and check that no installed path is left behind.
# Usage: packaging/deb-check.sh [PATH.deb]   (without a path it runs `cargo deb` first)
# Needs: root, apt, cargo-deb $CARGO_DEB_VERSION, and Debian's xvfb, xdotool, x11-apps (xwd),
# x11-utils (xprop, xdpyinfo), imagemagick, python3; weston for the Wayland part (else skipped).
# It is not part of `cargo test` (root, apt, a release build, minutes): run it by hand or in CI.
set -euo pipefail
deb=${1:+$(realpath -m -- "$1")}
cd "$(dirname "$0")/.."
CARGO_DEB_VERSION=3.8.0
fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }
step() { echo "deb-check: $*"; }
trap 'echo "deb-check: FAILED: line $LINENO: $BASH_COMMAND" >&2' ERR

[ "$(id -u)" = 0 ] || fail "run as root (it installs and removes the package)"
for tool in apt-get dpkg dpkg-deb Xvfb xdotool xwd xprop xdpyinfo convert python3 readelf; do
    command -v "$tool" >/dev/null || fail "$tool is missing"
done
if dpkg-query -W -f='${Status}' agentloom 2>/dev/null | grep -q installed; then
    fail "agentloom is already installed; remove it first (this check installs and removes it)"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
if [ -z "$deb" ]; then
    have=$(cargo deb --version 2>/dev/null || true)
    [[ "$have" == *"$CARGO_DEB_VERSION"* ]] ||
        fail "cargo-deb $CARGO_DEB_VERSION is needed (found '${have:-none}'): cargo install cargo-deb --version $CARGO_DEB_VERSION --locked"
    step "building the .deb (cargo deb)"
    deb=$(cargo deb 2>/dev/null | tail -n1)
fi
[ -f "$deb" ] || fail "no .deb at '$deb'"
deb=$(realpath "$deb")
depends=$(dpkg-deb -f "$deb" Depends)
step "$(basename "$deb"): Depends: $depends"
# Every package name Depends mentions, alternatives included, one a line.
declared=$(tr ',|' '\n' <<<"$depends" | sed 's/(.*)//; s/[[:space:]]//g')

# Libraries the app loaded itself (dlopen): mapped, but not NEEDED by the binary or any mapped
# library. Those loaded by libglvnd (the GL vendor's) and glibc's own modules are not ours. Each
# must come from a package in Depends. Adds the packages of everything mapped to $work/loaded.
check_libraries() {
    local pid=$1 session=$2 mapped needed missing=() lib soname package
    mapfile -t mapped < <(awk '$6 ~ /\.so/ {print $6}' "/proc/$pid/maps" | sort -u)
    needed=$(for lib in /usr/bin/agentloom "${mapped[@]}"; do
        readelf -d "$lib" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
    done | sort -u)
    for lib in "${mapped[@]}"; do
        package_of "$lib" >>"$work/loaded"
        soname=$(readelf -d "$lib" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
        grep -qxF "${soname:-$(basename "$lib")}" <<<"$needed" && continue
        [[ "$lib" =~ (_dri\.so|/dri/|libgallium|lib(EGL|GLX)_[a-z]+\.so|/gconv/|libnss_) ]] && continue
        package=$(package_of "$lib")
        if [ -n "$package" ] && grep -qxF "$package" <<<"$declared"; then
            step "  $session: loaded $(basename "$lib") from $package, in Depends"
        else
            missing+=("$(basename "$lib") (${package:-no package})")
        fi
    done
    [ ${#missing[@]} = 0 ] || fail "$session: loaded but not in Depends: ${missing[*]}"
}
# The package that owns a library (dpkg lists some under /lib, some under /usr/lib).
package_of() {
    { dpkg -S "$1" || dpkg -S "${1#/usr}" || dpkg -S "*/$(basename "$1")"; } 2>/dev/null | head -n1 | cut -d: -f1
}

work=$(mktemp -d)
home="$work/home"
mkdir -p "$home"
cleanup() {
    kill "${app:-}" "${xvfb:-}" "${weston:-}" 2>/dev/null || true
    if dpkg-query -W -f='${Status}' agentloom 2>/dev/null | grep -q installed; then dpkg -r agentloom >/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step "installing: apt-get install $deb"
apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }
dpkg -L agentloom >"$work/installed"
[ "$(command -v agentloom)" = /usr/bin/agentloom ] || fail "agentloom is not /usr/bin/agentloom on PATH"
line=$(agentloom --version)
[[ "$line" =~ ^agentloom\ $version\ \(schema\ ([0-9]+)\)$ ]] || fail "agentloom --version printed '$line'"
schema=${BASH_REMATCH[1]}
step "installed $(wc -l <"$work/installed") paths; agentloom --version: $line"

# The data directory the app uses by default (directories' ProjectDirs on Linux: XDG_DATA_HOME).
data="$home/.local/share/agentloom"
old=$((schema - 1))
python3 packaging/old-database.py "$data/agentloom.db" "$old"
step "wrote a schema-$old database at \$HOME/.local/share/agentloom/agentloom.db"

display=90
while [ -e "/tmp/.X$display-lock" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 1280x800x24 >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=":$display"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
step "launching /usr/bin/agentloom under Xvfb $DISPLAY with HOME=$home"
env -i HOME="$home" DISPLAY="$DISPLAY" PATH=/usr/bin:/bin /usr/bin/agentloom >"$work/app.log" 2>&1 &
app=$!
window=$(timeout 60 xdotool search --sync --name AgentLoom | head -n1) ||
    { cat "$work/app.log"; fail "no AgentLoom window within 60 s"; }
sleep 4
kill -0 "$app" 2>/dev/null || { cat "$work/app.log"; fail "the app exited"; }
xdotool windowmove "$window" 0 0 windowsize "$window" 1280 800
sleep 2
mkdir -p docs
xwd -root -silent | convert xwd:- -crop 1280x800+0+0 +repage -strip docs/installed-deb.png
step "screenshot: docs/installed-deb.png"

class=$(xprop -id "$window" WM_CLASS)
[[ "$class" == *'"agentloom"'* ]] || fail "WM_CLASS is '$class', not agentloom (packaging/agentloom.desktop StartupWMClass)"
icon=$(xprop -id "$window" -notype 32c _NET_WM_ICON)
[[ "${icon:0:40}" == *"= 256, 256,"* ]] || fail "the window has no 256x256 icon: '${icon:0:80}'"
step "window: $class; _NET_WM_ICON 256x256"

check_libraries "$app" X11

# The first launch upgraded the old file in place and kept a copy from before.
db="$data/agentloom.db"
backup="$db.schema-$old.bak"
[ -f "$backup" ] || fail "no backup $backup (data dir: $(ls "$data"))"
read_db() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(f"file:{sys.argv[1]}?mode=ro",uri=True); print(c.execute(sys.argv[2]).fetchone()[0])' "$@"; }
[ "$(read_db "$backup" 'PRAGMA user_version')" = "$old" ] || fail "the backup is not the schema-$old file"
[ "$(read_db "$db" 'PRAGMA user_version')" = "$schema" ] || fail "the database was not upgraded to schema $schema"
[ "$(read_db "$db" 'SELECT count(*) FROM agents')" = 2 ] || fail "the upgrade lost agents"
[ "$(read_db "$db" 'SELECT count(*) FROM workflows')" = 1 ] || fail "the upgrade lost the workflow"
step "database upgraded from schema $old to $schema, rows kept, backup $(basename "$backup")"

kill "$app"
wait "$app" 2>/dev/null || true
app=

# Wayland: the same binary under a headless Weston (pixman), with a HOME that has no database yet.
if command -v weston >/dev/null && command -v weston-screenshooter >/dev/null; then
    export XDG_RUNTIME_DIR="$work/runtime"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    export WAYLAND_DISPLAY=agentloom-check
    weston --backend=headless-backend.so --use-pixman --socket="$WAYLAND_DISPLAY" --idle-time=0 \
        --debug --width=1280 --height=800 >"$work/weston.log" 2>&1 &
    weston=$!
    for _ in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] && break; sleep 0.1; done
    [ -S "$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY" ] || { cat "$work/weston.log"; fail "weston did not start"; }
    home2="$work/home-wayland"
    mkdir -p "$home2"
    step "launching /usr/bin/agentloom under headless Weston (WAYLAND_DISPLAY=$WAYLAND_DISPLAY) with HOME=$home2"
    env -i HOME="$home2" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" WAYLAND_DISPLAY="$WAYLAND_DISPLAY" \
        PATH=/usr/bin:/bin /usr/bin/agentloom >"$work/app-wayland.log" 2>&1 &
    app=$!
    sleep 8
    kill -0 "$app" 2>/dev/null || { cat "$work/app-wayland.log"; fail "the app exited under Weston"; }
    grep -q libwayland-client "/proc/$app/maps" || fail "under Weston the app did not load libwayland-client"
    (cd "$work" && weston-screenshooter) && mv "$work"/wayland-screenshot-*.png docs/installed-deb-wayland.png
    step "screenshot: docs/installed-deb-wayland.png"
    check_libraries "$app" Wayland
    fresh="$home2/.local/share/agentloom/agentloom.db"
    [ -f "$fresh" ] || fail "no new database at $fresh"
    [ "$(read_db "$fresh" 'PRAGMA user_version')" = "$schema" ] || fail "the new database is not at schema $schema"
    step "a first launch with no database made one at schema $schema in \$HOME/.local/share/agentloom"
    kill "$app" "$weston"
    wait "$app" "$weston" 2>/dev/null || true
    app='' weston=''
else
    step "Wayland: skipped (no weston; apt-get install weston)"
fi
step "declared but loaded in no session: $(comm -23 <(sort -u <<<"$declared") <(sort -u "$work/loaded") | tr '\n' ' ')"

step "removing: dpkg -r agentloom"
dpkg -r agentloom >/dev/null
status=$(dpkg-query -W -f='${db:Status-Abbrev}' agentloom 2>/dev/null || true)
[[ -z "$status" || "$status" == un* ]] || fail "after dpkg -r the package status is '$status' (conffiles left?)"
left=()
while read -r path; do
    [ -e "$path" ] || continue
    # A directory may stay when another package owns it too (/usr/bin, /usr/share/icons/...).
    if [ -d "$path" ] && dpkg -S "$path" >/dev/null 2>&1; then continue; fi
    left+=("$path")
done <"$work/installed"
[ ${#left[@]} = 0 ] || fail "left behind by dpkg -r: ${left[*]}"
step "dpkg -r removed all $(wc -l <"$work/installed") installed paths (shared directories stay with their owners)"
step "user data stays in \$HOME, as it should: $(cd "$home" && find .local -type f | sort | tr '\n' ' ')"
step "PASSED"
