#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter: the Lambda runtime is python3.13, and
# `sam build` needs the same version. Looks on PATH, then in pyenv's versions.
set -euo pipefail
want=3.13
works() { "$1" -c "import sys; sys.exit(sys.version_info[:2] != (${want/./, }))" 2>/dev/null; }
for candidate in "$(command -v python$want || true)" \
                 "$(command -v pyenv >/dev/null && echo "$(pyenv root)"/versions/$want*/bin/python$want)" \
                 "$HOME"/.pyenv/versions/$want*/bin/python$want \
                 /usr/local/bin/python$want /usr/bin/python$want; do
  for path in $candidate; do
    if [ -x "$path" ] && works "$path"; then echo "$path"; exit 0; fi
  done
done
cat >&2 <<MSG
Tuber needs Python $want (the Lambda runtime, python$want on Amazon Linux 2023), and none was found.
Install it, then run make again:
  with pyenv:     pyenv install $want   (no need to make it global; this script finds it)
  on Debian 13:   apt-get install python$want python$want-venv
  or set PYTHON=/path/to/python$want
MSG
exit 1
