import { Box, Text } from 'ink';
import type { MetricsSnapshot } from '../../metrics/snapshot.js';
import { statsLine, titleLine } from '../layout.js';
import type { View } from '../rows.js';

export interface HeaderProps {
  snapshot: MetricsSnapshot;
  url: string;
  view: View;
  paused: boolean;
  width: number;
  color: boolean;
}

/** Uptime, requests/s, error rate and spend today. */
export function Header({ snapshot, url, view, paused, width, color }: HeaderProps) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate" color={color && paused ? 'yellow' : undefined}>
        {titleLine(snapshot, url, view, paused, width)}
      </Text>
      <Text wrap="truncate">{statsLine(snapshot, width)}</Text>
    </Box>
  );
}
