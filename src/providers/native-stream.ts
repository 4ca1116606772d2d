/**
 * What every native stream meter shares: the provider's frames pass through as they
 * came (one decoded event back as its frame), read only for usage and failures. The
 * frames that only open a stream (Anthropic's message_start and pings, Responses'
 * response.created) are held until the first event with content, so a failure right at
 * the start leaves the client's stream unsent and the gateway can fail over.
 */
import { unreadableEvent, type SseEvent } from '../upstream/sse.js';
import type { StreamTranslator, Usage } from './types.js';

export type Json = Record<string, unknown>;

/** pushFrames took nothing. */
export const NO_FRAMES = { frames: '', used: 0, events: 0 };

/** One decoded event back as the frame it came in (`event:`, its `data:` lines, `id:`). */
export function frameOf(ev: SseEvent, data = ev.data): string {
  let out = ev.event !== undefined ? `event: ${ev.event}\n` : '';
  for (const line of data.split('\n')) out += `data: ${line}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  return out + '\n';
}

/** The event's type: its `event:` line, else the payload's own leading `type`. */
export function typeOf(ev: SseEvent): string | undefined {
  if (ev.event !== undefined) return ev.event;
  return /^\{\s*"type"\s*:\s*"([a-z_.]+)"/.exec(ev.data)?.[1];
}

export function parseObject(data: string): Json | null {
  try {
    const v = JSON.parse(data) as unknown;
    return v && typeof v === 'object' ? (v as Json) : null;
  } catch {
    return null;
  }
}

export abstract class NativeStreamMeter implements StreamTranslator {
  protected failure: { message: string; type?: string } | null = null;
  /** generated characters, for an estimate should the provider report no usage */
  protected chars = 0;
  /** the protocol's last event arrived */
  protected finished = false;
  private held: string[] | null = [];
  /** an unreadable event came: nothing after it is relayed */
  private broken = false;

  /** One event: the frame the client gets and whether it only opens the stream; null to drop it. */
  protected abstract observe(ev: SseEvent): { frame: string; opening: boolean } | null;
  /**
   * For an event type observe() only counts (text deltas): the size of its envelope, the
   * characters of its data that are not generated text; undefined for every other type.
   */
  protected countedOnly(_type: string): number | undefined {
    return undefined;
  }
  abstract usage(): Usage | null;
  /** The protocol's own error event, for a failure the gateway saw in the stream. */
  abstract errorFrame(error: { message: string }): string;

  push(ev: SseEvent): string[] {
    if (this.broken) return [];
    const unreadable = ev.data !== '' && ev.data !== '[DONE]' ? unreadableEvent(ev.data) : undefined;
    if (unreadable) {
      // The provider failed: before any content, nothing goes out (fail over); after, the client hears so, and no more.
      this.broken = true;
      this.failure ??= { message: unreadable, type: 'upstream_error' };
      return this.held === null ? [this.errorFrame({ message: unreadable })] : [];
    }
    const seen = this.observe(ev);
    if (!seen) return [];
    if (this.held === null) return [seen.frame];
    if (seen.opening && this.failure === null) {
      this.held.push(seen.frame);
      return [];
    }
    // A failure before any content: nothing goes out, so the pipeline can try the next provider.
    if (this.failure !== null) return [];
    const out = [...this.held, seen.frame];
    this.held = null;
    return out;
  }

  /**
   * Once content has started, runs of counted-only frames (`event: <type>`, one
   * `data: {…}` line) pass whole: the frames push() would rebuild from their events, as
   * they came. Stops at the first other frame; push() takes the rest.
   */
  pushFrames(text: string): { frames: string; used: number; events: number } {
    if (this.held !== null || this.broken || this.failure !== null) return NO_FRAMES;
    let at = 0;
    let events = 0;
    while (text.startsWith('event: ', at)) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) break;
      const envelope = this.countedOnly(text.slice(at + 7, nl));
      if (envelope === undefined || !text.startsWith('data: {', nl + 1)) break;
      const end = text.indexOf('\n', nl + 1);
      if (end < 0 || text.charCodeAt(end + 1) !== 10 || text.charCodeAt(end - 1) !== 125) break;
      this.chars += Math.max(0, end - nl - 7 - envelope);
      events++;
      at = end + 2;
    }
    return events === 0 ? NO_FRAMES : { frames: text.slice(0, at), used: at, events };
  }

  end(): string[] {
    const rest = this.held ?? [];
    this.held = null;
    return this.failure ? [] : rest;
  }

  outputChars(): number {
    return this.chars;
  }

  error(): { message: string; type?: string } | null {
    return this.failure;
  }

  complete(): boolean {
    return this.finished;
  }
}
