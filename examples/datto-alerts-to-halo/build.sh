#!/bin/sh
# Builds the datto-alerts-to-halo binary the way the Dockerfile does, and
# the way .ci/run checks it: a static, reproducible binary (no cgo, paths
# trimmed, no symbol table, the time-zone database embedded so maintenance
# windows' time zones resolve on an image without /usr/share/zoneinfo).
#
#   sh examples/datto-alerts-to-halo/build.sh OUT   # run from the repository root
set -eu
out=${1:?usage: build.sh OUTPUT}
CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags='-s -w' -o "$out" ./examples/datto-alerts-to-halo
