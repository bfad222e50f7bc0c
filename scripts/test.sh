#!/usr/bin/env bash
# The test command of the README: the harness's pytest suite, then every TypeScript test
# (unit, sandbox, end-to-end) on node's test runner. Needs `npm run setup` first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || [ ! -d node_modules ] || [ ! -x .tools/moto/bin/moto_server ]; then
  echo "ouro is not set up: run \`npm run setup\` first." >&2
  exit 1
fi
export OURO_LOG_LEVEL="${OURO_LOG_LEVEL:-warn}"
# A canary secret in every test process's initial environment (so also in /proc/self/environ):
# the hostile suites assert it never leaves the host (docs/security.md).
OURO_CANARY_TOKEN="ouro-canary-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export OURO_CANARY_TOKEN
# Tests talk to local fakes only: a real provider key in the environment must not reach them.
unset OPENAI_API_KEY OPENAI_BASE_URL REDIS_URL SLACK_BOT_TOKEN SLACK_APP_TOKEN DISCORD_TOKEN
echo "== harness (pytest)"
.venv/bin/python -m pytest -q -p no:cacheprovider sandbox/python/tests
echo "== format (prettier --check)"
npx --no-install prettier --check --log-level warn "**/*.ts"
echo "== typecheck"
npx --no-install tsc -p tsconfig.json --noEmit
echo "== node tests"
files=$(find core sandbox worker deploy bot cli test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
# shellcheck disable=SC2086
node --import tsx --test --test-concurrency="${OURO_TEST_CONCURRENCY:-2}" --test-timeout=600000 $files
