/**
 * Identifiers a client chooses (model names above all) end up in logs, Prometheus
 * labels, the usage table and error messages. Each distinct name is a metrics series
 * and a database row: a name must be short and plain before anything stores or echoes it.
 */
import { invalidRequest } from '../errors.js';

/** Longer than any real model id (the longest seen are ~100 characters: fine-tunes, ARNs). */
export const MAX_MODEL_NAME_LENGTH = 256;

/**
 * Letters, digits and the punctuation model ids use: `gpt-4o-mini`, `models/gemini-2.0-flash`,
 * `llama3.1:8b`, `ft:gpt-4o:org::id`, `claude-3@20240229`, `accounts/x/models/y`, `a+b`, `v=2`.
 */
const MODEL_NAME = /^[A-Za-z0-9_][A-Za-z0-9._:/@+=~-]*$/;

/** The model name if it is short and plain; otherwise a 400 that does not echo it. */
export function checkModelName(model: string, param = 'model'): string {
  if (model.length > MAX_MODEL_NAME_LENGTH) {
    throw invalidRequest(`Invalid ${param}: longer than ${MAX_MODEL_NAME_LENGTH} characters`, param);
  }
  if (!MODEL_NAME.test(model)) {
    throw invalidRequest(
      `Invalid ${param} ${quoteIdentifier(model)}: use letters, digits and . _ : / @ + = ~ - (no spaces or control characters)`,
      param,
    );
  }
  return model;
}

/** A client-chosen string made safe to put in a message or log: JSON-quoted, control characters escaped, cut short. */
export function quoteIdentifier(s: string, max = 64): string {
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
