import { Box, Text } from 'ink';
import type { RecentRequest } from '../../metrics/snapshot.js';
import { fitColumns } from '../columns.js';
import { TAIL_COLUMNS, tailCells, tailHeader } from '../rows.js';
import { Row } from './Row.js';

export interface RecentTailProps {
  recent: readonly RecentRequest[];
  width: number;
  maxRows: number;
  color: boolean;
  /** show times in UTC instead of local time */
  utc?: boolean;
}

/** The most recent requests, newest on top. */
export function RecentTail({ recent, width, maxRows, color, utc }: RecentTailProps) {
  if (maxRows <= 0) return null;
  const cols = fitColumns(TAIL_COLUMNS, width);
  return (
    <Box flexDirection="column">
      <Row cells={tailHeader(cols)} color={color} />
      {recent.length === 0 ? <Text dimColor={color}>waiting for requests…</Text> : null}
      {recent.slice(0, maxRows).map((r) => (
        <Row key={r.requestId} cells={tailCells(r, cols, utc)} color={color} />
      ))}
    </Box>
  );
}
