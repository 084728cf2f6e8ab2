#!/usr/bin/env bash
# What a user gets: packs the library and the command line as npm would publish
# them, installs them into fresh apps from those tarballs (everything else from
# the npm registry), and prints the package counts, the sizes, every npm warning
# and any install script, then checks that the command runs. Writes nothing in
# the repository; `npm run check:install > bench/RESULTS-install-DATE.txt`.
set -euo pipefail
cd "$(dirname "$0")/.."
# As a user's shell has it: none of the npm_config_* settings `npm run` exports from this repository's .npmrc.
for v in $(env | grep -o '^npm_config_[^=]*' || true); do unset "$v"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# install check, $(date -u +%Y-%m-%dT%H:%MZ), node $(node --version), npm $(npm --version)"
npm run build --silent >/dev/null
for p in recurrent cli; do (cd "packages/$p" && npm pack --silent --pack-destination "$work" >/dev/null); done
lib=$(ls "$work"/recurrent-nn-0*.tgz); cli=$(ls "$work"/recurrent-nn-cli-*.tgz)
echo "tarballs: $(basename "$lib") $(du -k "$lib" | cut -f1) KB, $(basename "$cli") $(du -k "$cli" | cut -f1) KB"
for name in library cli; do
  app="$work/app-$name"; mkdir -p "$app"; (cd "$app" && npm init -y >/dev/null)
  if [ "$name" = library ]; then set -- "$lib"; else set -- "$lib" "$cli"; fi
  (cd "$app" && npm install --loglevel=notice --no-fund --no-audit --foreground-scripts "$@" >"$work/$name.log" 2>&1)
  count=$(cd "$app" && npm ls --all --parseable 2>/dev/null | tail -n +2 | sort -u | wc -l)
  bytes=$(du -sb "$app/node_modules" | cut -f1)
  scripts=$(cd "$app" && node -e "
    const fs = require('fs'), path = require('path'); const out = [];
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { if (!e.isDirectory()) continue; const p = path.join(d, e.name);
      if (e.name.startsWith('@')) { walk(p); continue; } const j = path.join(p, 'package.json');
      if (fs.existsSync(j)) { const s = JSON.parse(fs.readFileSync(j, 'utf8')).scripts || {}; for (const k of ['preinstall', 'install', 'postinstall']) if (s[k]) out.push(e.name + ' ' + k); }
      if (fs.existsSync(path.join(p, 'node_modules'))) walk(path.join(p, 'node_modules')); } };
    walk('node_modules'); console.log(out.join(', ') || 'none');")
  echo "$name: $count packages, $((bytes / 1024)) KB in node_modules; install scripts: $scripts"
  echo "$name: npm said: $(grep -v '^$' "$work/$name.log" | tr '\n' ' ')"
  warnings=$(grep -ci 'warn' "$work/$name.log" || true)
  echo "$name: npm warnings: $warnings"
done
(cd "$work/app-library" && node --input-type=module -e "import { LSTM, Tensor, getBackend } from 'recurrent-nn'; const y = new LSTM({ inputSize: 2, hiddenSize: 3 }).forward(Tensor.zeros([1, 1, 2])).output; console.log('library: LSTM ran on ' + getBackend() + ', output ' + y.shape.join('x'))")
(cd "$work/app-cli" && echo "cli: $(./node_modules/.bin/recurrent --version) runs; playground page: $(ls node_modules/recurrent-nn-cli/web | tr '\n' ' ')")
