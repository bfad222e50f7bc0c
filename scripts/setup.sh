#!/usr/bin/env bash
# Installs everything ouro needs on a fresh Debian/Ubuntu machine: npm packages, the compiled
# CLI, the sandbox virtualenv (from sandbox/requirements.txt), the tests' S3 server (.tools/moto)
# and, as root, the system tools the sandbox and queue use (bubblewrap, redis-server). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# Headless Chromium runs the model page's browser test (skipped where it is missing).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3 python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    say "missing system packages: ${need_apt[*]} — install them (e.g. sudo apt-get install ${need_apt[*]}); continuing without"
  fi
fi

# `npm ci`, exactly as the Dockerfile installs, so a lock file the image would refuse fails here
# first (test/lockfile.test.ts checks it with npm 10 and 11 too). The stamp holds the hash of the
# lock it installed: a changed lock reinstalls, an unchanged one costs nothing (mtimes are no
# guide: git checkouts set them). ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install
# script only fetches optional GPU libraries, from a host CI cannot reach.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ ! -f node_modules/.ouro-lock-"$lock_hash" ]; then
  say "installing npm packages (npm ci, from package-lock.json)"
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit --loglevel=error
  rm -f node_modules/.ouro-lock-*
  touch node_modules/.ouro-lock-"$lock_hash"
fi

say "compiling TypeScript"
npx tsc -p tsconfig.build.json

# The sandbox uses a system interpreter that every user can execute (a pyenv under /root
# is not readable once the sandbox drops to an unprivileged user).
PY_BASE="${OURO_PYTHON_BASE:-}"
if [ -z "$PY_BASE" ]; then
  if [ -x /usr/bin/python3 ]; then PY_BASE=/usr/bin/python3; else PY_BASE=$(command -v python3); fi
fi
req_hash=$(cat sandbox/requirements.txt sandbox/requirements-dev.txt 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f .venv/.ouro-requirements-"$req_hash" ]; then
  say "building the sandbox virtualenv from sandbox/requirements.txt (a few minutes the first time)"
  rm -rf .venv
  "$PY_BASE" -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check -r sandbox/requirements.txt
  # Test-only tools live beside the sandbox libraries but are not part of the image.
  [ -f sandbox/requirements-dev.txt ] && .venv/bin/pip install -q --disable-pip-version-check -r sandbox/requirements-dev.txt
  touch .venv/.ouro-requirements-"$req_hash"
fi
# The tests' S3 server (moto_server), in its own virtualenv so its Flask stack never meets the
# sandbox's libraries; test/support/s3-server.ts finds it there. About 45 s the first time.
moto_hash=$(sha256sum scripts/moto-requirements.txt | cut -c1-16)
if [ ! -f .tools/moto/.ouro-requirements-"$moto_hash" ]; then
  say "building .tools/moto (moto_server for the S3 store tests)"
  rm -rf .tools/moto
  "$PY_BASE" -m venv .tools/moto
  .tools/moto/bin/pip install -q --disable-pip-version-check -r scripts/moto-requirements.txt
  touch .tools/moto/.ouro-requirements-"$moto_hash"
fi
# --- Docker sandbox (OURO_SANDBOX=docker) -------------------------------------------------
# Only in CI and when asked (it installs Docker and builds an image: minutes). Elsewhere the
# docker driver's tests skip, saying why; docs/sandbox.md has the manual steps.
if [ "${OURO_DOCKER_TESTS:-}" = 1 ] || [ "${CI:-}" = true ]; then
  say "setting up Docker and the sandbox image (scripts/docker-setup.sh)"
  bash scripts/docker-setup.sh
fi
# ---------------------------------------------------------------------------------------------
say "ready: try  npx ouro run examples/penguins.csv \"predict the species\""
