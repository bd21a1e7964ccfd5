#!/usr/bin/env bash
# The README's configuration reference is what the parsers' own key tables say
# (`monde-sim config-reference`): docs and code cannot drift. To refresh it after changing a
# schema: scripts/update_readme_reference build/release/bin/monde-sim
# Usage: readme_reference.sh <monde-sim binary> <source dir> <scratch dir>
set -u
bin=$1
src=$2
dir=$3
mkdir -p "$dir"
cp "$src/README.md" "$dir/README.md"
"$src/scripts/update_readme_reference" "$bin" "$dir/README.md" || exit 1
if ! diff -u "$src/README.md" "$dir/README.md" > "$dir/reference.diff"; then
  echo "FAIL the README's configuration reference differs from the parsers' key tables:"
  head -40 "$dir/reference.diff"
  echo "(run scripts/update_readme_reference build/release/bin/monde-sim)"
  exit 1
fi
echo "ok   README configuration reference matches the schemas ($(grep -c '^| `' "$dir/README.md") keys)"
