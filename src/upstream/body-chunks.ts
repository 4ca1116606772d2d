import { finished, type Readable } from 'node:stream';

/**
 * A provider's streamed body read the way a relay wants it: every chunk already buffered
 * is taken synchronously, and a promise is made only when there is none. Iterating the
 * body with `for await` costs an async-generator step and a promise per chunk even when
 * several chunks are waiting; under load they usually are, so they also go to the client
 * as one write. Errors and the end are seen as `for await` sees them (stream.finished).
 */
export class BodyChunks {
  private wake: (() => void) | undefined;
  private failure: unknown = undefined;
  private ended = false;
  private readonly onReadable = () => this.notify();

  constructor(private readonly body: Readable) {
    body.on('readable', this.onReadable);
    // Left attached to the end: it also keeps a late socket error from being unhandled.
    finished(body, { writable: false }, (err) => {
      if (err) this.failure ??= err;
      this.ended = true;
      this.notify();
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next buffered chunk; null once the body has ended; undefined when none is buffered yet. Throws the body's error. */
  read(): Buffer | null | undefined {
    const chunk = this.body.destroyed ? null : (this.body.read() as Buffer | null);
    if (chunk !== null) return chunk;
    if (this.failure !== undefined) throw this.failure;
    if (this.ended || this.body.readableEnded) return null;
    return undefined;
  }

  /** Resolves when read() may have something new: a chunk, the end or an error. */
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Nothing more is wanted: the rest is read and dropped, so the connection can be reused. */
  drain(): void {
    this.body.off('readable', this.onReadable); // with a 'readable' listener, resume() does nothing
    this.body.resume();
  }
}
