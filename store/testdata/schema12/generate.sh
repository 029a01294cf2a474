#!/bin/sh
# Regenerates this directory with the Switchboard of commit 5d2a008^, the
# last at schema 12 (see README.md). Run from the repository's root.
set -eu
out=$(pwd)/store/testdata/schema12
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
git archive 5d2a008^ | tar -x -C "$tree"
mkdir -p "$tree/internal/genfixture"
cp "$out/generate/main.go" "$tree/internal/genfixture/main.go"
rm -f "$out/switchboard.db" "$out/secret.key"
(cd "$tree" && go run ./internal/genfixture "$out")
rm -f "$out/switchboard.db-wal" "$out/switchboard.db-shm"
