#!/usr/bin/env bash
# Entry point of the composite action (action.yml): install guardtrail from the action's own
# checkout into a private virtual environment (ci/install.sh: hash-locked dependencies only),
# then run `guardtrail ci` with the inputs.
# Inputs arrive as GUARDTRAIL_* environment variables, never interpolated into this script.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?run this from the guardtrail action}"
python="${GUARDTRAIL_PYTHON:-python3}"
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/guardtrail-venv"

"$action_path/ci/install.sh" "$action_path" "$venv" "$python"

args=(ci --format "${GUARDTRAIL_FORMAT:-text}" --fail-on "${GUARDTRAIL_FAIL_ON:-blocking}")
[ -n "${GUARDTRAIL_BASE:-}" ] && args+=(--base "$GUARDTRAIL_BASE")
[ -n "${GUARDTRAIL_HEAD:-}" ] && args+=(--head "$GUARDTRAIL_HEAD")
[ -n "${GUARDTRAIL_POLICY_REF:-}" ] && args+=(--policy-ref "$GUARDTRAIL_POLICY_REF")
[ -n "${GUARDTRAIL_SARIF_FILE:-}" ] && args+=(--sarif-file "$GUARDTRAIL_SARIF_FILE")
[ -n "${GUARDTRAIL_AUDIT_LOG:-}" ] && args+=(--audit-log "$GUARDTRAIL_AUDIT_LOG")
[ "${GUARDTRAIL_FETCH:-true}" = "false" ] && args+=(--no-fetch)

exec "$venv/bin/guardtrail" "${args[@]}"
