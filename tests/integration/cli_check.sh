# Shared by the CLI test scripts: `check NAME EXPECTED_RC PATTERN -- command...` runs the
# command, and fails (setting fail=1) unless it exits EXPECTED_RC and its output matches PATTERN.
fail=0
check() {
  local name=$1 want=$2 pattern=$3
  shift 4
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" != "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: rc=$rc (want $want), pattern '$pattern' not found in:"
    echo "$out" | tail -20
    fail=1
  else
    echo "ok   $name"
  fi
}
