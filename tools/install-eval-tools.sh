#!/usr/bin/env bash
# The text browsers make eval renders pages with (lynx -dump, w3m -dump): the
# text cleaner is measured on renderers it was not written against. Installs
# what is missing when it can (root and apt-get); otherwise says so, and
# eval_extraction.py skips those renderings.
set -uo pipefail

missing=()
for tool in lynx w3m; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for make eval: ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && exit 0
fi
echo "make eval: ${missing[*]} not installed (apt-get install ${missing[*]}); those renderings are skipped"
