import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { INotebookContent, MultilineString } from '@jupyterlab/nbformat';
import { NbprovError } from '../errors.js';

/** A notebook read from disk and validated enough to run: nbformat 4, cells with string sources. */
export interface LoadedNotebook {
  path: string;
  content: INotebookContent;
  /** The notebook's code cells in order, with their 1-based position among all cells. */
  codeCells: CodeCellRef[];
}

export interface CodeCellRef {
  /** 1-based index among all cells, as `nbprov cells` lists them. */
  index: number;
  id?: string;
  source: string;
  tags: string[];
  codeHash: string;
}

/** Reads and validates a notebook; every problem is an NBPROV_BAD_NOTEBOOK (exit 2) before anything starts. */
export function loadNotebook(path: string): LoadedNotebook {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw bad(path, 'is a directory, not a notebook file');
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof NbprovError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NbprovError('NBPROV_NOT_FOUND', `notebook not found: ${path}`, { hint: 'check the path' });
    throw bad(path, `cannot be read (${code ?? (err as Error).message})`);
  }
  return parseNotebook(path, text);
}

/** Validates notebook JSON text (exported for tests and for in-memory notebooks). */
export function parseNotebook(path: string, text: string): LoadedNotebook {
  if (text.trim() === '') throw bad(path, 'is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(path, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(path, 'is not a notebook (top level is not a JSON object)');
  const nb = json as Record<string, unknown>;
  if (nb.nbformat !== 4) {
    const version = nb.nbformat === undefined ? 'no nbformat field' : `nbformat ${JSON.stringify(nb.nbformat)}`;
    throw bad(path, `has ${version}; nbprov reads nbformat 4`, 'convert it with: jupyter nbconvert --to notebook --nbformat 4 FILE');
  }
  if (!Array.isArray(nb.cells)) throw bad(path, 'has no "cells" list');
  if (nb.metadata !== undefined && (typeof nb.metadata !== 'object' || nb.metadata === null || Array.isArray(nb.metadata))) {
    throw bad(path, '"metadata" is not an object');
  }
  const codeCells: CodeCellRef[] = [];
  nb.cells.forEach((cell: unknown, i: number) => {
    if (typeof cell !== 'object' || cell === null) throw bad(path, `cell ${i + 1} is not an object`);
    const c = cell as Record<string, unknown>;
    if (typeof c.cell_type !== 'string') throw bad(path, `cell ${i + 1} has no cell_type`);
    const source = joinSource(c.source);
    if (source === undefined) throw bad(path, `cell ${i + 1} has a source that is not a string or a list of strings`);
    if (c.cell_type !== 'code') return;
    // The kernel would stop reading the source at the NUL (or refuse it), so no recorded code would match what ran.
    if (source.includes('\0')) throw bad(path, `cell ${i + 1} contains a NUL byte`, 'remove it from the cell source');
    const meta = (c.metadata ?? {}) as { tags?: unknown };
    const tags = Array.isArray(meta.tags) ? meta.tags.filter((t): t is string => typeof t === 'string') : [];
    codeCells.push({ index: i + 1, id: typeof c.id === 'string' ? c.id : undefined, source, tags, codeHash: sha1(source) });
  });
  if (codeCells.length === 0) throw bad(path, 'has no code cells', 'add a code cell, or check that this is the right file');
  return { path, content: nb as unknown as INotebookContent, codeCells };
}

/**
 * Jupyter Server (tornado) closes a websocket whose incoming message exceeds `websocket_max_message_size`, 10 MiB
 * by default; the execute request of a cell is its JSON-escaped source plus a few KiB of header and capture code.
 */
export const MAX_CELL_MESSAGE_BYTES = 10 * 1024 * 1024 - 64 * 1024;

/** Refuses (exit 2, before anything starts) a code cell whose execute request the server would drop. */
export function assertCellsSendable(nb: LoadedNotebook): void {
  for (const cell of nb.codeCells) {
    const bytes = Buffer.byteLength(JSON.stringify(cell.source));
    if (bytes > MAX_CELL_MESSAGE_BYTES) {
      throw bad(nb.path, `cell ${cell.index} is ${(bytes / 2 ** 20).toFixed(1)} MiB: over the 10 MiB a Jupyter server accepts in one websocket message`, 'load big data from a file in the cell instead of pasting it (a -p value counts too)');
    }
  }
}

/** The kernel name the notebook asks for, if any. */
export function notebookKernelName(nb: LoadedNotebook): string | undefined {
  const spec = (nb.content.metadata as { kernelspec?: { name?: unknown } } | undefined)?.kernelspec;
  return typeof spec?.name === 'string' ? spec.name : undefined;
}

export function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex');
}

export function joinSource(source: unknown): string | undefined {
  if (typeof source === 'string') return source;
  if (Array.isArray(source) && source.every((s) => typeof s === 'string')) return source.join('');
  return undefined;
}

/** Splits text into lines the way nbformat stores multiline strings. */
export function splitLines(text: string): MultilineString {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

function bad(path: string, what: string, hint?: string): NbprovError {
  return new NbprovError('NBPROV_BAD_NOTEBOOK', `${path} ${what}`, { hint });
}
