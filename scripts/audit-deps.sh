#!/usr/bin/env bash
# Audit the locked dependencies (uv.lock, every group) for known vulnerabilities with pip-audit.
#
#   scripts/audit-deps.sh            OSV advisories (https://osv.dev), the default
#   PROLO_AUDIT_SERVICE=pypi scripts/audit-deps.sh    PyPI's advisory data instead
#
# Exit 0: no known vulnerability, or the advisory service cannot be reached (then it says
# clearly that NOTHING was checked, and why). Exit 1: pip-audit found a vulnerability (or failed).
# Nothing is installed or downloaded: the pinned requirements are exported from uv.lock and
# audited as they are (--no-deps --disable-pip).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv}"
SERVICE="${PROLO_AUDIT_SERVICE:-osv}"
case "$SERVICE" in
  osv) PROBE_URL="https://api.osv.dev/v1/query" ;;
  pypi) PROBE_URL="https://pypi.org/pypi/pip-audit/json" ;;
  *) echo "audit-deps: unknown PROLO_AUDIT_SERVICE=$SERVICE (osv or pypi)" >&2; exit 2 ;;
esac

if ! reason="$("$VENV/bin/python" - "$PROBE_URL" 2>&1 <<'PY'
import json
import sys
import urllib.request

url = sys.argv[1]
data = None
if "osv.dev" in url:
    data = json.dumps({"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "0.1"}).encode()
request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read(1)
except Exception as exc:  # any failure means: no advisory data
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
PY
)"; then
  echo "audit-deps: SKIPPED - the advisory service '$SERVICE' ($PROBE_URL) cannot be reached" \
       "from this machine ($reason). No vulnerability data was available, so the dependencies" \
       "were NOT audited. Run this where $PROBE_URL is reachable." >&2
  exit 0
fi

requirements="$(mktemp)"
trap 'rm -f "$requirements"' EXIT
"$VENV/bin/uv" export --frozen --all-groups --no-hashes --no-emit-project \
  --format requirements-txt --output-file "$requirements" >/dev/null
echo "audit-deps: auditing $(grep -c '==' "$requirements") pinned packages from uv.lock against $SERVICE" >&2
exec "$VENV/bin/pip-audit" --requirement "$requirements" --no-deps --disable-pip \
  --vulnerability-service "$SERVICE" --progress-spinner off --strict
