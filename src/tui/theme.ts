import type { Tone } from './rows.js';

/** Ink colour props for a tone; none at all when colour is off (NO_COLOR). */
export function toneProps(tone: Tone | undefined, color: boolean): { color?: string; dimColor?: boolean } {
  if (!color || !tone) return {};
  switch (tone) {
    case 'good':
      return { color: 'green' };
    case 'warn':
      return { color: 'yellow' };
    case 'bad':
      return { color: 'red' };
    case 'accent':
      return { color: 'cyan' };
    case 'dim':
      return { dimColor: true };
  }
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off. Ink's chalk ignores it. */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}
