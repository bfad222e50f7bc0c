import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ouro_harness.__main__ import main
from ouro_harness.profile import profile_table
from ouro_harness.sniff import read_table, sniff_file

PACKAGE_ROOT = Path(__file__).resolve().parent.parent          # sandbox/python
REPO = PACKAGE_ROOT.parent.parent                               # the ouro checkout
DATASETS = Path(os.environ.get('OURO_DATASETS', '/work/shared/datasets'))


def dataset(name: str) -> Path:
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f'dataset {path} is not available')
    return path


def write_file(directory: Path, name: str, content, encoding: str = 'utf-8') -> str:
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return str(path)


def inspect_path(path: str):
    """In-process `inspect`: (profile dict, table DataFrame)."""
    fmt = sniff_file(path)
    df, findings = read_table(path, fmt)
    return profile_table(df, fmt.to_profile(), findings), df


def column(profile: dict, name: str) -> dict:
    return next(c for c in profile['columns'] if c['name'] == name)


def run_module(*args, cwd=None, env=None):
    """The harness as the host runs it: a child `python -m ouro_harness ...`."""
    full_env = {**os.environ, 'PYTHONPATH': str(PACKAGE_ROOT), **(env or {})}
    return subprocess.run([sys.executable, '-m', 'ouro_harness', *map(str, args)],
                          cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


def run_script(script: Path, cwd: Path, env=None):
    full_env = {**os.environ, 'PYTHONPATH': str(PACKAGE_ROOT), **(env or {})}
    full_env.pop('OURO_DATA_DIR', None)
    return subprocess.run([sys.executable, str(script)], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120)


def validate_with_zod(export: str, json_path) -> None:
    """Check a written file against the host's real zod schema (core/schemas/profile.ts)."""
    node = shutil.which('node')
    if node is None or not (REPO / 'node_modules' / 'tsx').exists():
        pytest.skip('node and tsx are needed to check files against the zod schemas')
    script = (
        "import { readFileSync } from 'node:fs';"
        "const [schemaFile, name, file] = process.argv.slice(-3);"
        "const mod = await import(schemaFile);"
        "const r = mod[name].safeParse(JSON.parse(readFileSync(file, 'utf8')));"
        "if (!r.success) { console.error(JSON.stringify(r.error.issues)); process.exit(1); }"
    )
    probe = Path(json_path).parent / '_validate.mjs'
    probe.write_text(script)
    result = subprocess.run(
        [node, '--import', 'tsx', str(probe), str(REPO / 'core' / 'schemas' / 'profile.ts'), export, str(json_path)],
        cwd=REPO, capture_output=True, text=True, timeout=60)
    probe.unlink()
    assert result.returncode == 0, result.stderr


@pytest.fixture
def cli(capsys):
    """Runs the CLI in-process: returns (exit code, stdout, stderr)."""
    def run(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


@pytest.fixture(autouse=True)
def _fresh_api_state(monkeypatch):
    from ouro_harness import api
    api._loaded.clear()
    monkeypatch.delenv('OURO_DATA_DIR', raising=False)
    yield
    api._loaded.clear()


def read_json(path):
    return json.loads(Path(path).read_text())
