import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';
import type { ReportModel } from './model.js';

/** The page's code and style, bundled by scripts/bundle.mjs from src/report/page/. */
export const PAGE_SCRIPT = 'dist/bundle/report/page.js';
export const PAGE_STYLE = 'dist/bundle/report/page.css';

/**
 * The whole report as one HTML file: the page's style and script inline, the model as JSON data the script reads.
 * Nothing from the database ever reaches the markup as markup: the data block escapes every character that could
 * end it or start a comment, the title is HTML text, and the Content-Security-Policy lets only the exact inline
 * script and style run (by hash), and no request leave the page.
 */
export function renderReportHtml(model: ReportModel, assets: { script: string; style: string } = readPageAssets()): string {
  const script = inlineSafe(assets.script, 'script');
  const style = inlineSafe(assets.style, 'style');
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(style)}'`,
    'img-src data:',
    "font-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nbprov ${escapeHtml(model.nbprov)}">
<title>${escapeHtml(`${model.title || 'trials'} · nbprov report`)}</title>
<style>${style}</style>
</head>
<body>
<noscript><p>This report draws its tables and charts with JavaScript: open it in a browser with JavaScript on.</p></noscript>
<script type="application/json" id="nbprov-data">${jsonForScript(model)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** Reads the bundled page code and style; their absence is a broken build or install, not a user error. */
export function readPageAssets(): { script: string; style: string } {
  const read = (path: string) => {
    try {
      return readFileSync(packageFile(path), 'utf8');
    } catch (err) {
      throw new Error(`the report page's ${path} is missing (${(err as NodeJS.ErrnoException).code ?? err}): run \`npm run build\``, { cause: err });
    }
  };
  return { script: read(PAGE_SCRIPT), style: read(PAGE_STYLE) };
}

/**
 * JSON that cannot end its <script> element or open a comment in it: `<`, `>` and `&` as \u escapes, and the
 * line separators U+2028/U+2029 too (JavaScript before ES2019 did not take them in strings). JSON.parse reads the
 * same value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text as HTML text or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The sha256 source expression of a CSP for exactly this inline text. */
export function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

/**
 * Code that cannot end its element early: `</script` (`</style`) written `<\/script`, which a JavaScript string,
 * regular expression or template (a CSS string or comment) reads as the same characters. `<!--` in a script could
 * start the HTML parser's escaped states, and no rewrite is safe in every JavaScript context: the bundle must not
 * hold one (neither Chart.js nor dagre does).
 */
function inlineSafe(code: string, element: 'script' | 'style'): string {
  if (element === 'script' && code.includes('<!--')) throw new Error(`${PAGE_SCRIPT} holds '<!--', which cannot be inlined safely`);
  return code.replace(new RegExp(`</(${element})`, 'gi'), '<\\/$1');
}
