#!/usr/bin/env bash
# Upgrade-check cost of issue 10: the wall time of a warm `./dmasim upgrade` (default profile,
# both kernels booted side by side in one framework, output discarded) over the wall time of a
# warm `./dmasim boot`, each the median of N alternating runs (default 5). Run on a quiet
# machine. Usage: bench/upgrade.sh [N]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"

. "$root/bench/timing.sh"

"$root/dmasim" boot >/dev/null # build, unpack and archive when needed: "warm" means after this
b=() u=()
for ((i = 0; i < runs; i++)); do
  b+=("$(wall "$root/dmasim" boot)")
  u+=("$(wall "$root/dmasim" upgrade)")
done
bm=$(printf '%s\n' "${b[@]}" | median)
um=$(printf '%s\n' "${u[@]}" | median)
echo "./dmasim boot:     ${b[*]}  median ${bm} s"
echo "./dmasim upgrade:  ${u[*]}  median ${um} s"
echo "ratio: $(echo "scale=2; $um / $bm" | bc)x (goal: at most 1.3x)"
