#!/usr/bin/env bash
# Start-up ratio of issue 7 §5: the wall time of a warm `./dmasim boot` (default profile, output
# discarded) over the wall time of `java -version` on the same machine, each the median of N
# alternating runs (default 5). Run on a quiet machine: other processes on the same cores show
# up as start-up time. Usage: bench/startup.sh [N]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"

. "$root/bench/timing.sh"

"$root/dmasim" boot >/dev/null # build, unpack and archive when needed: "warm" means after this
j=() d=()
for ((i = 0; i < runs; i++)); do
  j+=("$(wall "$java" -version)")
  d+=("$(wall "$root/dmasim" boot)")
done
jm=$(printf '%s\n' "${j[@]}" | median)
dm=$(printf '%s\n' "${d[@]}" | median)
echo "java -version:  ${j[*]}  median ${jm} s"
echo "./dmasim boot:  ${d[*]}  median ${dm} s"
echo "ratio: $(echo "scale=1; $dm / $jm" | bc)x (goal: at most 15x)"
