import type { CellTiming, RunTimings } from '../run/timings.js';

const SLOWEST_CELLS = 5;

/**
 * `--timings`: each phase of the run from nbprov's start (what came before the first is Node's and nbprov's own
 * start-up), then the cells split into the kernel's own time, the messaging around it (websocket, server, ZMQ,
 * the collector's drain) and recording (decoding the capture, committing the rows), with the slowest cells.
 */
export function renderTimings(timings: RunTimings, nowMs = performance.now()): string {
  const ms = (n: number) => n.toFixed(0).padStart(6);
  const phases = [...timings.phases].sort((a, b) => a.startMs - b.startMs);
  const lines = [`timings (ms since nbprov started):`];
  if (phases.length) lines.push(`${ms(0)} →${ms(phases[0].startMs)} ${ms(phases[0].startMs)}  nbprov start-up (Node, modules, options)`);
  for (const p of phases) lines.push(`${ms(p.startMs)} →${ms(p.endMs)} ${ms(p.endMs - p.startMs)}  ${p.name}`);
  const { cells } = timings;
  if (cells.length) {
    const sum = (f: (c: CellTiming) => number) => cells.reduce((s, c) => s + f(c), 0);
    const round = sum((c) => c.roundTripMs);
    lines.push(`cells: ${cells.length} run, ${round.toFixed(0)} ms round trip + ${sum((c) => c.recordMs).toFixed(0)} ms recording; ${(round / cells.length).toFixed(1)} ms per cell`);
    lines.push(`  ${split(sum((c) => c.kernelMs ?? c.roundTripMs), round, sum((c) => c.recordMs))}`);
    const slowest = [...cells].sort((a, b) => b.roundTripMs + b.recordMs - (a.roundTripMs + a.recordMs)).slice(0, SLOWEST_CELLS);
    for (const c of slowest) lines.push(`  cell ${String(c.index).padEnd(4)} ${split(c.kernelMs ?? c.roundTripMs, c.roundTripMs, c.recordMs)}`);
  }
  lines.push(`total ${nowMs.toFixed(0)} ms`);
  return lines.join('\n') + '\n';
}

function split(kernel: number, roundTrip: number, record: number): string {
  return `kernel ${kernel.toFixed(1)} · messaging ${(roundTrip - kernel).toFixed(1)} · recording ${record.toFixed(1)} ms`;
}
