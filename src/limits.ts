/**
 * The bounds and capture modes shared by the TypeScript side and the kernel-side collector, which receives them in
 * its install request (capture/collector.ts `installExpression`) and keeps no defaults of its own.
 */

/** What the kernel-side collector records: `cells` (modules, files, environment only), `vars` (default), `full`. */
export type CaptureMode = 'cells' | 'vars' | 'full';
export const CAPTURE_MODES: readonly CaptureMode[] = ['cells', 'vars', 'full'];
export const DEFAULT_CAPTURE_MODE: CaptureMode = 'vars';

/** Loop iterations and notebook-function calls per cell recorded in detail (`--loop-budget`). */
export const DEFAULT_LOOP_BUDGET = 3;

/**
 * The longest text kept for one value: a repr, a string value, a member key, a tag's value or an error message.
 * Bounded so that a large value costs the database a constant, and reprs stay readable in a terminal.
 */
export const REPR_LIMIT = 256;

/**
 * The most variable versions one PROV document holds. A document is built whole in memory: 10^5 versions make an
 * 85 MB PROV-JSON in ~4 s and ~1 GB, and a 10^6-version trial would outgrow the largest string V8 can hold.
 */
export const MAX_PROV_VERSIONS = 100_000;
