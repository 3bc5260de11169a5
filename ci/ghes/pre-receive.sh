#!/bin/sh
# guardtrail as a GitHub Enterprise Server pre-receive hook (ci/org/README.md says how to set it up).
# It runs inside the pre-receive hook environment built from ci/ghes/Dockerfile, where
# guardtrail is installed in /opt/guardtrail. GitHub Enterprise Server stops a hook after 5
# seconds and rejects the push; --max-commits rejects a push too large to check in that time
# with the fix (push in parts) instead. Any error rejects the push: the gate fails closed.
guardtrail="${GUARDTRAIL_BIN:-/opt/guardtrail/bin/guardtrail}"
exec "$guardtrail" pre-receive --max-commits "${GUARDTRAIL_MAX_COMMITS:-500}"
