import { Box, Text } from 'ink';

export interface NoDaemonProps {
  url: string;
  /** why the last attempt failed, when it was not simply "nothing is listening" */
  reason: string | null;
  attempts: number;
  color: boolean;
}

/** Shown until the first snapshot arrives; the hook keeps retrying meanwhile. */
export function NoDaemon({ url, reason, attempts, color }: NoDaemonProps) {
  return (
    <Box flexDirection="column">
      <Text bold color={color ? 'yellow' : undefined}>
        {reason ? `cannot read metrics from ${url} — retrying` : `no daemon running at ${url} — retrying`}
      </Text>
      {reason ? <Text>{reason}</Text> : <Text>start one with `tokenhub serve` (or `tokenhub serve --demo`)</Text>}
      <Text dimColor={color}>
        attempt {attempts} · q quits
      </Text>
    </Box>
  );
}
