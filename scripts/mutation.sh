#!/usr/bin/env bash
# Mutation testing of xlflows/core and xlflows/excel with mutmut (configuration: [tool.mutmut] in
# pyproject.toml). Each mutant is one changed token; it is "killed" when a test fails.
#
#   scripts/mutation.sh                       # every module (long: hours on 2 cores)
#   scripts/mutation.sh core.cycles excel.dates   # one module at a time, e.g. core.growth
#
# Results are kept in mutants/ (git-ignored); a second run re-tests only what changed.
# `mutmut results` lists the survivors, `mutmut show NAME` prints one as a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
# The checkout's .venv (README's set-up) unless PYTHON names another interpreter.
if [ -n "${PYTHON:-}" ]; then PY="$PYTHON"; elif [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
"$PY" -m mutmut --help >/dev/null 2>&1 || { echo "mutation.sh: mutmut is not installed; run: $PY -m pip install -e '.[test,mutation]'" >&2; exit 2; }
patterns=()
for module in "$@"; do
    patterns+=("xlflows.${module}.*")
done
"$PY" -m mutmut run --max-children "${MUTATION_CHILDREN:-2}" "${patterns[@]}"
"$PY" -m mutmut results
