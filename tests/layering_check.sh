#!/usr/bin/env bash
# Checks that each module under src/ includes only its own headers and those of the modules
# it depends on (transitively), as declared in its CMakeLists.txt (easel_module DEPS).
# Usage: layering_check.sh SRC_DIR MODULE_GRAPH_FILE   (graph lines: "module:dep1;dep2")
set -euo pipefail
src=$1
graph=$2
declare -A deps
while IFS=: read -r mod list; do
  [ -n "$mod" ] && deps[$mod]=${list//;/ }
done <"$graph"

closure() {  # prints the module and everything it reaches
  local seen=" $1 " queue=($1) m d
  while [ ${#queue[@]} -gt 0 ]; do
    m=${queue[0]}; queue=("${queue[@]:1}")
    for d in ${deps[$m]:-}; do
      case "$seen" in *" $d "*) ;; *) seen+="$d "; queue+=("$d") ;; esac
    done
  done
  echo "$seen"
}

bad=0
for mod in "${!deps[@]}"; do
  allowed=$(closure "$mod")
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    [ -d "$src/$inc" ] || continue   # not a module (e.g. a generated or test-support header)
    case "$allowed" in
      *" $inc "*) ;;
      *) echo "layering: $file includes $inc/, but module '$mod' does not depend on '$inc'"; bad=1 ;;
    esac
  done < <(grep -HE '^#include "[a-z_]+/' -r "$src/$mod" --include='*.h' --include='*.cc' \
             | grep -v '_test\.cc:' || true)
done
if [ $bad -ne 0 ]; then exit 1; fi
echo "layering: every module includes only what it depends on (${#deps[@]} modules)"
