import { Text } from 'ink';
import { GAP } from '../columns.js';
import type { Cell } from '../rows.js';
import { toneProps } from '../theme.js';

const SPACER = ' '.repeat(GAP);

/** One table line: cells already cut to width, joined by the column gap. */
export function Row({ cells, color }: { cells: readonly Cell[]; color: boolean }) {
  return (
    <Text wrap="truncate">
      {cells.map((cell, i) => (
        <Text key={i} {...toneProps(cell.tone, color)}>
          {i > 0 ? SPACER : ''}
          {cell.text}
        </Text>
      ))}
    </Text>
  );
}
