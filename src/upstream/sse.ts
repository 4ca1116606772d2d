/**
 * An incremental Server-Sent Events decoder (WHATWG rules): events are separated by a
 * blank line, lines by \n, \r\n or \r, and a chunk may end anywhere, even inside a
 * line or between \r and \n.
 */

import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

export class SseDecoder {
  private buffer = '';
  private event: string | undefined;
  private id: string | undefined;
  /** the event's data lines so far, joined by \n (undefined: none yet) */
  private data: string | undefined;
  /**
   * One per stream, so it must be cheap to make: a TextDecoder cost several µs to construct
   * (ICU converter) and showed as ~4 % of a native stream's CPU in the profile; a
   * StringDecoder is a fraction of that and, like TextDecoder, keeps a character split
   * across chunks whole and turns invalid bytes into U+FFFD.
   */
  private readonly decoder = new StringDecoder('utf8');
  private atStart = true;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Uint8Array | string): SseEvent[] {
    return this.pushText(typeof chunk === 'string' ? chunk : this.decode(chunk));
  }

  /**
   * A chunk's bytes as text, a character split across chunks kept whole (push does this
   * itself; for a caller that reads the text before handing it to pushText).
   */
  decode(chunk: Uint8Array): string {
    const text = this.decoder.write(chunk);
    // The stream's leading byte-order mark is not content (TextDecoder dropped it too).
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) return text.slice(1);
    }
    return text;
  }

  /**
   * Whether the text fed so far ended an event, so the next text starts a new one, and
   * no event id carries over to the next events (a frame rebuilt from its event repeats it).
   */
  atEventStart(): boolean {
    return this.buffer === '' && this.data === undefined && this.event === undefined && this.id === undefined;
  }

  /** Feeds decoded text (decode); returns the events it completed. */
  pushText(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    let start = 0;
    if (this.buffer.indexOf('\r') < 0) {
      // The usual case: \n line endings only, found with indexOf rather than a char loop.
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n', start)) {
        this.takeLine(this.buffer.slice(start, nl), out);
        start = nl + 1;
      }
      this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
      return out;
    }
    for (;;) {
      let nl = -1;
      let next = -1;
      for (let i = start; i < this.buffer.length; i++) {
        const ch = this.buffer.charCodeAt(i);
        if (ch === 10) {
          nl = i;
          next = i + 1;
          break;
        }
        if (ch === 13) {
          // A lone \r at the very end may be the first half of \r\n: wait for more.
          if (i + 1 >= this.buffer.length) break;
          nl = i;
          next = this.buffer.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
          break;
        }
      }
      if (nl < 0) break;
      this.takeLine(this.buffer.slice(start, nl), out);
      start = next;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
    return out;
  }

  /** Ends the input; an event without its closing blank line is still delivered. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer.length > 0) {
      this.takeLine(this.buffer.replace(/\r$/, ''), out);
      this.buffer = '';
    }
    this.takeLine('', out);
    return out;
  }

  private takeLine(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data !== undefined || this.event !== undefined) {
        out.push({ event: this.event, data: this.data ?? '', id: this.id });
      }
      this.event = undefined;
      this.data = undefined;
      return;
    }
    // The usual line, `data: …`, without slicing out its field name first.
    if (line.startsWith('data:')) return this.addData(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
    if (line.charCodeAt(0) === 58 /* : comment */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.addData(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }

  private addData(value: string): void {
    this.data = this.data === undefined ? value : this.data + '\n' + value;
  }
}

export const sseData = (payload: string): string => `data: ${payload}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Why an event's data cannot be a provider's JSON event (HTML from a proxy, a line cut
 * short), judged by its first and last characters, not a parse: every event passes here.
 * undefined when it may be one.
 */
export function unreadableEvent(data: string): string | undefined {
  let i = 0;
  while (i < data.length && data.charCodeAt(i) <= 32) i++;
  let j = data.length - 1;
  while (j > i && data.charCodeAt(j) <= 32) j--;
  if (data.charCodeAt(i) === 123 && data.charCodeAt(j) === 125) return undefined;
  return `the provider sent an unreadable stream event: ${JSON.stringify(data.slice(0, 60))}`;
}
