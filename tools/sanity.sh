#!/usr/bin/env bash
# ansible-test sanity needs the collection at ansible_collections/<ns>/<name>:
# copy what would be built (no virtualenv, caches or build output) there and run it.
set -euo pipefail
# Usage: tools/sanity.sh [ansible-test sanity options], e.g. --test pylint

repo=$(cd "$(dirname "$0")/.." && pwd)
work="$repo/build/sanity"
dest="$work/ansible_collections/dataeng/platform"
python_version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')

# ansible-test downloads get-pip.py to bootstrap its virtualenvs, and only PyPI is
# reachable here; a stand-in in its cache bootstraps pip from the standard library.
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for version in 24_2 24_0 23_1; do
  cat > "$cache/get_pip_${version}.py" <<'PY'
import ensurepip
import sys

sys.exit(ensurepip._main(["--upgrade", "--default-pip"]))
PY
done

rm -rf "$work"
mkdir -p "$dest"
tar -C "$repo" \
  --exclude=./.git --exclude=./.venv --exclude=./.venv-runtime --exclude=./.scanner-venv --exclude=./.local --exclude=./.collections \
  --exclude=./build --exclude=./.cache --exclude=./.ansible --exclude=./.pytest_cache \
  --exclude=./.ruff_cache --exclude='__pycache__' --exclude='platform-outputs-*.json' \
  -cf - . | tar -C "$dest" -xf -

# The collections the modules import (amazon.aws, ...) must sit in the same tree.
site_collections=$(python3 -c 'import ansible_collections.amazon.aws as c, os; print(os.path.dirname(os.path.dirname(list(c.__path__)[0])))')
for dependency in amazon/aws community/aws; do
  mkdir -p "$work/ansible_collections/${dependency%/*}"
  ln -s "$site_collections/$dependency" "$work/ansible_collections/$dependency"
done

# ansible-test only looks at files under version control when there is a repository.
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity

# A virtualenv of its own for the sanity tools (pylint, yamllint, ...), kept
# between runs, so their pinned versions never mix with the project's toolchain.
# Its ansible-core is the one of python3's pinned set (the Makefile's CONSTRAINTS).
sanity_venv="$repo/.cache/sanity-venv"
constraints=$(python3 -c 'import sys; print("constraints.txt" if sys.version_info < (3, 12) else "constraints-py312.txt")')
if [ ! -x "$sanity_venv/bin/ansible-test" ]; then
  python3 -m venv "$sanity_venv"
  "$sanity_venv/bin/pip" install --quiet --disable-pip-version-check -c "$repo/$constraints" ansible-core
fi
"$sanity_venv/bin/ansible-test" sanity --requirements --python "$python_version" --color no "$@"
