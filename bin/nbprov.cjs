#!/usr/bin/env node
// The esbuild bundle of src/cli/main.ts (scripts/bundle.mjs).
require('../dist/bundle/nbprov.cjs');
