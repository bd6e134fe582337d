# Shared by bench/startup.sh and bench/upgrade.sh (sourced): wall-clock timing of commands.

# Wall seconds of one command, output discarded (a failing command is timed all the same).
wall() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo "scale=3; ($end - $start) / 1000000000" | bc
}

# The median of the numbers on stdin, one a line.
median() {
  sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
