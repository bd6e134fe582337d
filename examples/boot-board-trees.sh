#!/usr/bin/env bash
# Boots every device tree (*.dtb) below a folder the way a BSP engineer would boot one board,
# and classifies the outcomes: boots as it is, needs --mem (then booted again with the --mem
# dmasim suggests), or fails.
#
#   DEBIAN_MIRROR=URL examples/boot-board-trees.sh --fetch   # Debian 12's arm64 trees into /tmp/dmasim-boards
#   examples/boot-board-trees.sh --unpack FILE.deb           # the same from a downloaded package
#   examples/boot-board-trees.sh DIR                         # all trees below DIR, in one JVM (seconds)
#   examples/boot-board-trees.sh --launcher DIR              # the same through ./dmasim boot, one run per tree (slow)
#
# --fetch takes linux-image-6.1.0-*-arm64 from the Debian mirror DEBIAN_MIRROR names (the URL of
# its debian/ folder; the package's name comes from bookworm's arm64 Packages index) and unpacks
# it with dpkg-deb, as --unpack does with a .deb you fetched; the trees are under
# usr/lib/linux-image-*/.
# The in-JVM run is the test BoardTreeSurvey (dma.core), which writes a report, one line per tree,
# to target/board-trees.tsv (override with -Ddmasim.boards.out=FILE in MAVEN_ARGS).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

dest=/tmp/dmasim-boards

unpack() {
  rm -rf "$dest/x"
  dpkg-deb -x "$1" "$dest/x"
  echo "trees: $(find "$dest/x/usr/lib" -name '*.dtb' | wc -l) in $dest/x/usr/lib; now run: $0 $dest/x/usr/lib"
}

case "${1:-}" in
  --fetch)
    mirror="${DEBIAN_MIRROR:?set DEBIAN_MIRROR to the URL of a Debian mirror (its debian/ folder)}"
    mkdir -p "$dest"
    deb="$(curl -fsS "$mirror/dists/bookworm/main/binary-arm64/Packages.xz" | xz -dc \
      | grep -E '^Filename: pool/main/l/linux-signed-arm64/linux-image-6\.1\.0-[0-9]+-arm64_' | tail -1 | cut -d' ' -f2)"
    echo "fetching $deb" >&2
    curl -fsS -o "$dest/image.deb" "$mirror/$deb"
    unpack "$dest/image.deb"
    ;;
  --unpack)
    mkdir -p "$dest"
    unpack "${2:?usage: $0 --unpack FILE.deb}"
    ;;
  --launcher)
    dir="${2:?usage: $0 --launcher DIR}"
    declare -A count
    while IFS= read -r dtb; do
      if out="$("$root/dmasim" boot --profile arm64-board --dtb "$dtb" 2>&1)"; then
        outcome="boots"
      elif mem="$(grep -o -- '--mem [^ ]*@0x[0-9a-f]*' <<<"$out" | head -1)" && [[ -n "$mem" ]]; then
        if "$root/dmasim" boot --profile arm64-board --dtb "$dtb" $mem >/dev/null 2>&1; then
          outcome="boots with $mem"
        else
          outcome="fails even with $mem"
        fi
      else
        outcome="fails: $(tail -1 <<<"$out")"
      fi
      printf '%s\t%s\n' "${dtb#$dir/}" "$outcome"
      key="${outcome%%:*}"; key="${key/with --mem */with --mem}"
      count[$key]=$(( ${count[$key]:-0} + 1 ))
    done < <(find "$dir" -name '*.dtb' | sort)
    echo
    for k in "${!count[@]}"; do printf '%6d  %s\n' "${count[$k]}" "$k"; done
    ;;
  ""|-h|--help)
    sed -n '2,16p' "$0"
    ;;
  *)
    dir="$(cd "$1" && pwd)"
    cd "$root"
    mvn -B -q -Dstyle.color=never ${MAVEN_ARGS:-} -pl dma.core -am test -Dtest=BoardTreeSurvey -Dsurefire.failIfNoSpecifiedTests=false \
      -Ddmasim.boards.dir="$dir" 2>&1 | grep -v '^\[' || true
    ;;
esac
