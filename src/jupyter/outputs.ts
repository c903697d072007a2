import type { IOutput, IStream, MultilineString } from '@jupyterlab/nbformat';
import { KernelMessage } from '@jupyterlab/services';

/**
 * Builds a cell's outputs from its IOPub messages the way nbclient does (clear_output with and without
 * wait, display_id updates), then coalesces streams as nbconvert writes them.
 */
export class OutputCollector {
  readonly outputs: IOutput[] = [];
  #clearBeforeNext = false;
  #displayIds = new Map<string, number[]>();

  /** Feeds one IOPub message; returns true when it changed the outputs. */
  handle(msg: KernelMessage.IIOPubMessage): boolean {
    if (KernelMessage.isClearOutputMsg(msg)) {
      if (msg.content.wait) this.#clearBeforeNext = true;
      else this.#clear();
      return !msg.content.wait;
    }
    if (KernelMessage.isUpdateDisplayDataMsg(msg)) {
      const id = displayId(msg.content);
      for (const index of (id && this.#displayIds.get(id)) || []) {
        const out = this.outputs[index] as { data: unknown; metadata: unknown };
        out.data = msg.content.data;
        out.metadata = msg.content.metadata;
      }
      return true;
    }
    const output = toOutput(msg);
    if (!output) return false;
    if (this.#clearBeforeNext) {
      this.#clear();
      this.#clearBeforeNext = false;
    }
    const id = 'data' in output ? displayId(msg.content as { transient?: unknown }) : undefined;
    if (id) {
      // A new display with a known id updates the earlier ones, as in nbclient.
      for (const index of this.#displayIds.get(id) ?? []) {
        const out = this.outputs[index] as { data: unknown; metadata: unknown };
        out.data = (output as { data: unknown }).data;
        out.metadata = (output as { metadata: unknown }).metadata;
      }
      this.#displayIds.set(id, [...(this.#displayIds.get(id) ?? []), this.outputs.length]);
    }
    this.outputs.push(output);
    return true;
  }

  /** The outputs as nbconvert writes them: consecutive same-name streams merged, `\r` overwrites applied. */
  final(): IOutput[] {
    const merged: IOutput[] = [];
    for (const out of this.outputs) {
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
    this.outputs.length = 0;
    this.#displayIds.clear();
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
