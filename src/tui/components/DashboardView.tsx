import { Box, Text } from 'ink';
import type { MetricsSnapshot } from '../../metrics/snapshot.js';
import { formatClock } from '../format.js';
import { planScreen } from '../layout.js';
import { groupsOf, type View } from '../rows.js';
import { DaemonUnreachableError } from '../source.js';
import { GroupTable } from './GroupTable.js';
import { Header } from './Header.js';
import { NoDaemon } from './NoDaemon.js';
import { RecentTail } from './RecentTail.js';

export interface DashboardViewProps {
  snapshot: MetricsSnapshot | null;
  error: Error | null;
  failures: number;
  url: string;
  view: View;
  paused: boolean;
  width: number;
  height: number;
  color: boolean;
  utc: boolean;
}

/** One frame of `tokenhub top` from plain data: no polling, no keys (see Dashboard). */
export function DashboardView(props: DashboardViewProps) {
  const { snapshot, error, failures, url, view, paused, width, height, color, utc } = props;
  if (!snapshot && !error) return <Text>connecting to {url}…</Text>;
  if (!snapshot) {
    const reason = error && !(error instanceof DaemonUnreachableError) ? error.message : null;
    return <NoDaemon url={url} reason={reason} attempts={Math.max(1, failures)} color={color} />;
  }
  const groups = groupsOf(snapshot, view);
  const plan = planScreen(height, groups.length);
  const status = error
    ? `${error instanceof DaemonUnreachableError ? 'daemon gone' : error.message} — retrying (${failures})`
    : `as of ${formatClock(snapshot.generatedAt, utc)}`;
  return (
    <Box flexDirection="column" width={width}>
      <Header snapshot={snapshot} url={url} view={view} paused={paused} width={width} color={color} />
      <Text> </Text>
      <GroupTable groups={groups} view={view} width={width} maxRows={plan.tableRows} color={color} />
      <Text> </Text>
      <RecentTail recent={snapshot.recent} width={width} maxRows={plan.tailRows} color={color} utc={utc} />
      <Text wrap="truncate" color={color && error ? 'yellow' : undefined} dimColor={color && !error}>
        {`tab/←→ view · p ${paused ? 'resume' : 'pause'} · q quit · ${status}`}
      </Text>
    </Box>
  );
}
