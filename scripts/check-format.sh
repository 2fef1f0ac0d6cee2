#!/usr/bin/env bash
# Checks that every C++ file under src/, include/, tests/, tools/ and benchmarks/ is formatted as the
# checked-in .clang-format says (clang-format 14, Debian 12). Lists the files that are not and
# exits 1; `scripts/check-format.sh --fix` formats them in place.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files 'src/*' 'include/*' 'tests/*' 'tools/*' 'benchmarks/*' | grep -E '\.(cc|h)$')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for file in "${files[@]}"; do
  clang-format --dry-run -Werror "$file" >/dev/null 2>&1 || bad+=("$file")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} of ${#files[@]} files differ from .clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check-format: run 'bash scripts/check-format.sh --fix' and commit" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
