#!/usr/bin/env bash
# Renders assets/icons/agentloom.svg into every size the installers and the window want: PNGs
# 16..512 (the .deb's hicolor theme, the window icon), a multi-size .ico (Windows) and an .icns
# (macOS). The outputs are committed, so building a package needs none of these tools.
# Needs Debian's librsvg2-bin (rsvg-convert), imagemagick (convert) and icnsutils (png2icns).
set -euo pipefail
cd "$(dirname "$0")/../assets/icons"
for tool in rsvg-convert convert png2icns; do
    command -v "$tool" >/dev/null || { echo "icons.sh: $tool is missing (apt-get install librsvg2-bin imagemagick icnsutils)" >&2; exit 1; }
done
for size in 16 24 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" agentloom.svg --output "agentloom-$size.png"
done
# -strip drops the timestamps ImageMagick would write, so re-running leaves the files unchanged.
convert agentloom-16.png agentloom-24.png agentloom-32.png agentloom-48.png agentloom-64.png \
    agentloom-256.png -strip agentloom.ico
png2icns agentloom.icns agentloom-16.png agentloom-32.png agentloom-48.png agentloom-128.png \
    agentloom-256.png agentloom-512.png >/dev/null
echo "icons.sh: wrote" agentloom-*.png agentloom.ico agentloom.icns
