#!/usr/bin/env node
// The esbuild bundle of src/cli/main.ts (scripts/bundle.mjs): a query loads a few files, not ~200 modules.
import '../dist/bundle/main.js';
