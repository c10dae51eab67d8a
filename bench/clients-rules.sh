#!/usr/bin/env bash
# Writes N clients' rule files into DIR, each shaped like Acme Dental's
# (routing-rules/acme-dental.toml, its [[tests]] included) under an id and a number of its
# own: client-00001.toml … with +12122000000, +12122000001, … Every file passes
# `switchboard rules check`. Usage: bench/clients-rules.sh DIR N
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$1"
n="$2"
((n >= 1 && n <= 100000)) || { echo "N must be between 1 and 100000" >&2; exit 2; }
mkdir -p "$dir"
# One awk for every file: a process per file would take longer than the server's start.
awk -v n="$n" -v dir="$dir" '
  { template[NR] = $0 }
  END {
    for (i = 1; i <= n; i++) {
      id = sprintf("client-%05d", i)
      file = dir "/" id ".toml"
      for (l = 1; l <= NR; l++) {
        line = template[l]
        if (line ~ /^client = /) line = "client = \"" id "\""
        else if (line ~ /^name = /) line = "name = \"Dental Office " i "\""
        else if (line ~ /^numbers = /) line = sprintf("numbers = [\"+1212%07d\"]", 2000000 + i - 1)
        print line > file
      }
      close(file)
    }
  }
' routing-rules/acme-dental.toml
