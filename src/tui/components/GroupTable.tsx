import { Box, Text } from 'ink';
import type { GroupStats } from '../../metrics/snapshot.js';
import { fitColumns } from '../columns.js';
import { groupCells, groupColumns, headerCells, type View } from '../rows.js';
import { Row } from './Row.js';

export interface GroupTableProps {
  groups: readonly GroupStats[];
  view: View;
  width: number;
  maxRows: number;
  color: boolean;
}

/** Providers, models or keys: share bar, requests, p50/p95, errors and circuit or cost. */
export function GroupTable({ groups, view, width, maxRows, color }: GroupTableProps) {
  const cols = fitColumns(groupColumns(view), width);
  const shown = groups.slice(0, maxRows);
  const hidden = groups.length - shown.length;
  return (
    <Box flexDirection="column">
      <Row cells={headerCells(cols)} color={color} />
      {groups.length === 0 ? <Text dimColor={color}>no {view} yet</Text> : null}
      {shown.map((g) => (
        <Row key={g.name} cells={groupCells(g, cols)} color={color} />
      ))}
      {hidden > 0 ? <Text dimColor={color}>+{hidden} more</Text> : null}
    </Box>
  );
}
