/**
 * Codex CLI configuration for `tokenhub run -- codex …`. Codex takes its key from
 * CODEX_API_KEY (set with the other variables) but its base URL only from config, so
 * run passes it as `-c` overrides on the command line: the user's ~/.codex stays as
 * it is, and `-c` options the user gives after the subcommand still win.
 */
import { basename } from 'node:path';

/** True for `codex`, a path to it, or its npm shim (`codex.js`). */
export const isCodex = (command: string): boolean => /^codex(\.js|\.cmd|\.exe)?$/i.test(basename(command));

/**
 * The arguments with TokenHub's overrides first. Web search is off: it is a tool only
 * OpenAI's servers run, so a model served by another provider would refuse the whole
 * request; `-c web_search="live"` turns it back on for OpenAI models.
 */
export function codexArgs(command: string, args: string[], v1Url: string): string[] {
  if (!isCodex(command)) return args;
  return ['-c', `openai_base_url=${JSON.stringify(v1Url)}`, '-c', 'web_search="disabled"', ...args];
}
