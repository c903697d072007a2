#!/usr/bin/env bash
# The demo behind `npm run demo`: records two trials of the bundled wine notebook in ./demo and shows them.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
cp fixtures/wine.ipynb demo/wine.ipynb
nbprov() { node bin/nbprov.cjs "$@"; }
echo "\$ nbprov run demo/wine.ipynb -o demo/wine.executed.ipynb"
nbprov run demo/wine.ipynb -o demo/wine.executed.ipynb
echo; echo "\$ nbprov list demo/wine.ipynb"
nbprov list demo/wine.ipynb
echo; echo "\$ nbprov show last --db demo/.noworkflow/db.sqlite"
nbprov show last --db demo/.noworkflow/db.sqlite
echo
if command -v nbprov >/dev/null; then run=nbprov; else run="node bin/nbprov.cjs"; fi
echo "Next, try:"
echo "  $run deps accuracy --db demo/.noworkflow/db.sqlite"
echo "  $run run demo/wine.ipynb -q -p n_trees 3 && $run diff --db demo/.noworkflow/db.sqlite"
echo "  $run compare --db demo/.noworkflow/db.sqlite"
if [ "$run" != nbprov ]; then echo "(nbprov is not on your PATH: \`npm link\` here puts it there)"; fi
