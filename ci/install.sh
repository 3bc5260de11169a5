#!/usr/bin/env bash
# Install guardtrail from a checkout of its source into a private virtual environment, with
# nothing fetched by name: the runtime dependencies come from ci/requirements.lock, every file
# checked against its sha256 (pip --require-hashes --no-deps), and guardtrail itself is the
# checkout's own src/ folder (a .pth file), never a package index download.
#
#   ci/install.sh SOURCE_DIR VENV_DIR [PYTHON]
#
# Then run VENV_DIR/bin/guardtrail, a wrapper for `python -I -m guardtrail` (-I: the working
# directory, which holds the repository being checked, never lands on sys.path).
set -euo pipefail

source_dir="$(cd "${1:?usage: install.sh SOURCE_DIR VENV_DIR [PYTHON]}" && pwd)"
venv="${2:?usage: install.sh SOURCE_DIR VENV_DIR [PYTHON]}"
python="${3:-python3}"
lock="$source_dir/ci/requirements.lock"

if [ -f "$venv/guardtrail-requirements.lock" ] && cmp -s "$lock" "$venv/guardtrail-requirements.lock"; then
  exit 0  # already installed from this lock (a second step of the same job)
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  --require-hashes --no-deps --only-binary :all: -r "$lock"
site="$("$venv/bin/python" -I -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
printf '%s\n' "$source_dir/src" >"$site/guardtrail-source.pth"
printf '#!/bin/sh\nexec "%s/bin/python" -I -m guardtrail "$@"\n' "$venv" >"$venv/bin/guardtrail"
chmod +x "$venv/bin/guardtrail"
cp "$lock" "$venv/guardtrail-requirements.lock"
