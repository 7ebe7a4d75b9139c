#!/bin/sh
# Set up a checkout of xlflows on Debian or Ubuntu, in any shell (root or not, with or without
# sudo, with or without a Node from elsewhere). README's two set-up commands call it:
#
#   sh scripts/setup.sh refresh   # python3-venv when missing, .venv, pip install -e .
#   sh scripts/setup.sh test      # also LibreOffice, poppler-utils, Carlito, Node and npm when
#                                 # missing, pip install -e ".[test]", the Pyodide runtime
#
# Only what is missing is installed, with one apt-get update and one apt-get install: directly as
# root, through sudo otherwise; without root or sudo it stops (exit 1) with one line naming what
# to install. A `node` that Debian's nodejs package did not install gets no Debian npm beside it
# (the two conflict): npm has to come from where that node came from.
#
# XLFLOWS_SETUP_DRY_RUN=1 prints the commands it would run, one a line, and runs none of them (the
# checks still look at the machine: tests/test_setup_script.py runs it among stub commands).
set -eu

mode="${1:-}"
case "$mode" in
    refresh|test) ;;
    *) echo "usage: sh scripts/setup.sh refresh|test (refresh: run xlflows; test: also its tests)" >&2
       exit 2 ;;
esac
case "$0" in
    */*) cd "${0%/*}/.." ;;
    *) cd .. ;;
esac

dry="${XLFLOWS_SETUP_DRY_RUN:-}"
export DEBIAN_FRONTEND=noninteractive

# Print a command (prefixed with "+ " when it runs), then run it unless this is a dry run.
run() {
    if [ -n "$dry" ]; then
        echo "$*"
    else
        echo "+ $*"
        "$@"
    fi
}

stop() {
    echo "scripts/setup.sh: $*" >&2
    exit 1
}

has() {
    command -v "$1" >/dev/null 2>&1
}

# True when Debian's nodejs package is installed (its node can take Debian's npm).
debian_node() {
    has dpkg-query && [ "$(dpkg-query -W -f='${Status}' nodejs 2>/dev/null)" = "install ok installed" ]
}

# --- what is missing ---------------------------------------------------------------------------
missing=""
want() {
    missing="${missing:+$missing }$1"
}

if ! has python3; then
    want python3
    want python3-venv
elif ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
    want python3-venv
fi
if [ "$mode" = test ]; then
    has soffice || want libreoffice-calc-nogui
    has pdftoppm || want poppler-utils
    case "$(fc-list 2>/dev/null || true)" in
        *[Cc]arlito*) ;;
        *) want fonts-crosextra-carlito ;;
    esac
    if ! has node; then
        want nodejs
        has npm || want npm
    elif ! has npm; then
        debian_node || stop "node is installed ($(command -v node)) but npm is not, and Debian's npm" \
            "only goes with Debian's nodejs: install npm from where this node came from, then run" \
            "this again"
        want npm
    fi
fi

# --- install it ---------------------------------------------------------------------------------
if [ -n "$missing" ]; then
    if ! has apt-get; then
        stop "needs $missing (Debian's names) and there is no apt-get here: install them with" \
            "this system's package manager, then run this again"
    fi
    if [ "$(id -u)" = 0 ]; then
        apt="apt-get"
    elif has sudo; then
        apt="sudo DEBIAN_FRONTEND=noninteractive apt-get"
    else
        stop "needs $missing, which only root can install, and there is no sudo here: run" \
            "'apt-get install -y $missing' as root, then this again"
    fi
    # $apt and $missing are split into words on purpose.
    # shellcheck disable=SC2086
    run $apt update
    # shellcheck disable=SC2086
    run $apt install -y $missing
fi

# --- the virtual environment --------------------------------------------------------------------
[ -x .venv/bin/python ] || run python3 -m venv .venv
if [ "$mode" = test ]; then
    run .venv/bin/pip install -e ".[test]"
    run .venv/bin/python tests/pyodide/setup_runtime.py
else
    run .venv/bin/pip install -e .
fi
