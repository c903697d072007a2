// node:child_process as commander sees it in the bundle (scripts/bundle.mjs): loaded on first use.
let real;
module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });
