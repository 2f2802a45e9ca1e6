#!/usr/bin/env bash
# Builds AgentLoom.app around a built binary and, on macOS, packs it into a .dmg with a link to
# /Applications. The release workflow runs it on macOS with a universal (arm64 + x86_64) binary:
#   packaging/macos/bundle.sh VERSION BINARY OUTDIR
# writes OUTDIR/AgentLoom.app and OUTDIR/agentloom-VERSION-macos-universal.dmg. The bundle is
# signed ad hoc (codesign -s -), not with a Developer ID, and not notarized. Elsewhere (no
# hdiutil) it only assembles the .app, which is how its layout is checked on Linux.
set -euo pipefail
[ $# = 3 ] || { echo "usage: $0 VERSION BINARY OUTDIR" >&2; exit 2; }
version=$1 binary=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$binary" ] || { echo "bundle.sh: no binary at $binary" >&2; exit 1; }
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "bundle.sh: '$version' is not a version" >&2; exit 1; }

app="$out/AgentLoom.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp "$binary" "$app/Contents/MacOS/agentloom"
chmod 755 "$app/Contents/MacOS/agentloom"
cp "$here/../../assets/icons/agentloom.icns" "$app/Contents/Resources/agentloom.icns"
sed "s/@VERSION@/$version/g" "$here/Info.plist" >"$app/Contents/Info.plist"
printf 'APPL????' >"$app/Contents/PkgInfo"
echo "bundle.sh: wrote $app"

command -v hdiutil >/dev/null || { echo "bundle.sh: no hdiutil (not macOS): no .dmg"; exit 0; }
codesign --force --deep --sign - "$app"
codesign --verify --strict --verbose=2 "$app"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="$out/agentloom-$version-macos-universal.dmg"
rm -f "$dmg"
hdiutil create -volname "AgentLoom $version" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
echo "bundle.sh: wrote $dmg"
