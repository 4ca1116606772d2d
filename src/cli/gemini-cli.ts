/**
 * What Gemini CLI needs besides GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY to use TokenHub
 * without its Google login. With a base URL set, Gemini CLI (0.61) picks the `gateway`
 * auth type from the environment and then refuses it ("Invalid auth method selected");
 * only a settings file can select `gemini-api-key`. TokenHub keeps one in its home and
 * points GEMINI_CLI_SYSTEM_SETTINGS_PATH at it: it overrides just that one setting and
 * leaves ~/.gemini (sessions, history, the user's own settings) alone. Gemini CLI skips a
 * settings file in a directory others may write to, so it lives in the 0700 home.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Paths } from '../config/paths.js';

export const GEMINI_CLI_SETTINGS = { security: { auth: { selectedType: 'gemini-api-key' } } };

/** Writes the settings file (again, so an edited one is put right) and returns its path. */
export function writeGeminiCliSettings(paths: Paths): string {
  const dir = join(paths.home, 'gemini-cli');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'settings.json');
  writeFileSync(file, JSON.stringify(GEMINI_CLI_SETTINGS, null, 2) + '\n', { mode: 0o644 });
  return file;
}
