#!/usr/bin/env bash
# Fresh-machine check: clone a commit into a temporary folder and run the README's two commands
# ("## The two commands") exactly as written there, in a clean environment (no .venv, no
# zcps-data, no ZCPS_* or CI variables). Prints each command's wall time, exit code and last lines.
# It cannot uninstall system packages; the README lists those and scripts/setup.sh installs them.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/fresh-clone-check.sh [--only N] [--lines N] [--keep] [--dry-run] [REV]

  REV        commit to check (default HEAD); it must be committed: the clone does not see edits
  --only N   run only the README's command N (1 = set-up and demo, 2 = tests)
  --lines N  how many last lines of each command's output to print (default 15)
  --keep     keep the temporary clone (its path is printed); by default it is removed
  --dry-run  clone and print the commands it would run, then stop
EOF
}

only="" lines=15 keep=0 dry_run=0 rev=HEAD
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --only) [ $# -ge 2 ] && [[ "$2" =~ ^[12]$ ]] || { echo "--only takes 1 or 2" >&2; exit 64; }; only=$2; shift 2 ;;
    --lines) [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || { echo "--lines takes a number" >&2; exit 64; }; lines=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -*) echo "unknown option $1" >&2; usage >&2; exit 64 ;;
    *) rev=$1; shift ;;
  esac
done

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
commit=$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}") || { echo "not a commit: $rev" >&2; exit 64; }
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "note: $repo has uncommitted changes; the clone checks $commit without them" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/zcps-fresh-XXXXXX")
cleanup() { if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
clone="$work/zcps"
git clone --quiet --no-local --no-checkout "$repo" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"
echo "clone of $commit in $clone"

# The two commands are the bash blocks of the README's "## The two commands" section, in order.
mapfile -t commands < <(awk '/^## /{inside = ($0 == "## The two commands")} \
  inside && /^```bash$/{block = 1; next} inside && /^```$/{block = 0} block' "$clone/README.md")
[ ${#commands[@]} -eq 2 ] || { echo "expected 2 commands in the README's 'The two commands', found ${#commands[@]}" >&2; exit 1; }

# A clean environment: what a new user's login shell has, plus how to reach the package index.
clean_env=(env -i "HOME=$HOME" "PATH=$PATH" "LANG=C.UTF-8" "TERM=${TERM:-dumb}" "USER=${USER:-$(id -un)}")
for name in $(compgen -e | grep -E '^(PIP_|PYENV|https?_proxy|HTTPS?_PROXY|no_proxy|NO_PROXY)' || true); do
  clean_env+=("$name=${!name}")
done

status=0
for number in 1 2; do
  [ -z "$only" ] || [ "$only" = "$number" ] || continue
  command=${commands[$((number - 1))]}
  echo
  echo "== command $number: $command"
  if [ "$dry_run" = 1 ]; then
    names=("${clean_env[@]:2}")
    echo "(dry run: not started; in $clone with only ${names[*]%%=*})"
    continue
  fi
  log="$work/command-$number.log"
  start=$SECONDS
  set +e
  (cd "$clone" && "${clean_env[@]}" bash -c "$command") >"$log" 2>&1
  code=$?
  set -e
  seconds=$((SECONDS - start))
  printf -- "-- exit %d after %d s (%d min %02d s); last %d lines:\n" "$code" "$seconds" $((seconds / 60)) \
    $((seconds % 60)) "$lines"
  tail -n "$lines" "$log"
  [ "$code" = 0 ] || status=1
done
exit "$status"
