import type { IOutput, IStream, MultilineString } from '@jupyterlab/nbformat';
import { KernelMessage } from '@jupyterlab/services';

type IDisplayOutput = { data: unknown; metadata: unknown };

/** The outputs carrying each display_id, across every cell of a kernel: an update replaces them all (nbclient). */
export class DisplayRegistry {
  readonly #byId = new Map<string, Set<IDisplayOutput>>();

  add(id: string, output: IDisplayOutput): void {
    const holders = this.#byId.get(id) ?? new Set();
    this.#byId.set(id, holders.add(output));
  }

  update(id: string | undefined, from: IDisplayOutput): void {
    for (const out of (id && this.#byId.get(id)) || []) {
      out.data = from.data;
      out.metadata = from.metadata;
    }
  }

  /** An update_display_data message, whichever cell sent it. */
  handle(msg: KernelMessage.IIOPubMessage): void {
    if (KernelMessage.isUpdateDisplayDataMsg(msg)) this.update(displayId(msg.content), msg.content);
  }

  /** Cleared outputs leave the registry, so that a later update does not bring them back. */
  forget(outputs: readonly unknown[]): void {
    for (const holders of this.#byId.values()) for (const out of outputs) holders.delete(out as IDisplayOutput);
  }
}

/**
 * Builds a cell's outputs from its IOPub messages the way nbclient does (clear_output with and without
 * wait, display_id updates reaching earlier cells), then coalesces streams as nbconvert writes them.
 */
export class OutputCollector {
  readonly #outputs: IOutput[] = [];
  #clearBeforeNext = false;
  readonly #displays: DisplayRegistry;

  /** `displays` is shared by the cells of one kernel; a collector of its own when omitted. */
  constructor(displays = new DisplayRegistry()) {
    this.#displays = displays;
  }

  /** Feeds one IOPub message; returns the output it added, if it added one (not for a clear or a display update). */
  handle(msg: KernelMessage.IIOPubMessage): IOutput | undefined {
    if (KernelMessage.isClearOutputMsg(msg)) {
      if (msg.content.wait) this.#clearBeforeNext = true;
      else this.#clear();
      return undefined;
    }
    if (KernelMessage.isUpdateDisplayDataMsg(msg)) {
      this.#displays.handle(msg);
      return undefined;
    }
    const output = toOutput(msg);
    if (!output) return undefined;
    const id = 'data' in output ? displayId(msg.content as { transient?: unknown }) : undefined;
    // As in nbclient, a new display with a known id first updates the earlier ones (a delayed clear comes after).
    this.#displays.update(id, output as IDisplayOutput);
    if (this.#clearBeforeNext) {
      this.#clear();
      this.#clearBeforeNext = false;
    }
    if (id) this.#displays.add(id, output as IDisplayOutput);
    this.#outputs.push(output);
    return output;
  }

  /** The outputs as nbconvert writes them: consecutive same-name streams merged, `\r` overwrites applied. */
  final(): IOutput[] {
    const merged: IOutput[] = [];
    for (const out of this.#outputs) {
      const last = merged[merged.length - 1];
      if (isStream(out) && last && isStream(last) && last.name === out.name) {
        last.text = joinText(last.text) + joinText(out.text);
      } else {
        merged.push(isStream(out) ? { ...out, text: joinText(out.text) } : out);
      }
    }
    for (const out of merged) {
      if (isStream(out) && (out.text as string).includes('\r')) out.text = (out.text as string).replace(/.*\r(?=[^\n])/g, '');
    }
    return merged.filter((out) => !(isStream(out) && out.text === ''));
  }

  #clear(): void {
    this.#displays.forget(this.#outputs);
    this.#outputs.length = 0;
  }
}

function toOutput(msg: KernelMessage.IIOPubMessage): IOutput | undefined {
  if (KernelMessage.isStreamMsg(msg)) return { output_type: 'stream', name: msg.content.name, text: msg.content.text };
  if (KernelMessage.isExecuteResultMsg(msg)) {
    return { output_type: 'execute_result', data: msg.content.data, metadata: msg.content.metadata, execution_count: msg.content.execution_count };
  }
  if (KernelMessage.isDisplayDataMsg(msg)) return { output_type: 'display_data', data: msg.content.data, metadata: msg.content.metadata };
  if (KernelMessage.isErrorMsg(msg)) {
    return { output_type: 'error', ename: msg.content.ename, evalue: msg.content.evalue, traceback: msg.content.traceback };
  }
  return undefined;
}

function displayId(content: { transient?: unknown }): string | undefined {
  const transient = content.transient as { display_id?: string } | undefined;
  return transient?.display_id || undefined;
}

const isStream = (out: IOutput): out is IStream => out.output_type === 'stream';
const joinText = (text: MultilineString): string => (Array.isArray(text) ? text.join('') : text);
