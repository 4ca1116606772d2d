import { Box, Text, useApp, useInput } from 'ink';
import { useState } from 'react';
import { formatClock } from '../format.js';
import { planScreen } from '../layout.js';
import { VIEWS, groupsOf, type View } from '../rows.js';
import { DaemonUnreachableError, type FetchSnapshot } from '../source.js';
import { useSnapshot } from '../useSnapshot.js';
import { useTerminalSize } from '../useTerminalSize.js';
import { GroupTable } from './GroupTable.js';
import { Header } from './Header.js';
import { NoDaemon } from './NoDaemon.js';
import { RecentTail } from './RecentTail.js';

export interface DashboardProps {
  fetchSnapshot: FetchSnapshot;
  /** shown in the header and the "no daemon" message */
  url: string;
  intervalMs?: number;
  /** fixed size instead of the terminal's (tests) */
  width?: number;
  height?: number;
  /** false under NO_COLOR */
  color?: boolean;
  /** times in UTC instead of local time (tests) */
  utc?: boolean;
  initialView?: View;
}

/** `tokenhub top`: keys q quit, tab/→ and shift-tab/← switch views, p pause. */
export function Dashboard(props: DashboardProps) {
  const { url, intervalMs = 1000, color = true, utc = false } = props;
  const { exit } = useApp();
  const [view, setView] = useState<View>(props.initialView ?? 'providers');
  const [paused, setPaused] = useState(false);
  const { width, height } = useTerminalSize(props.width, props.height);
  const { snapshot, error, failures } = useSnapshot(props.fetchSnapshot, intervalMs, paused);

  useInput((input, key) => {
    const step = (d: number) => setView((v) => VIEWS[(VIEWS.indexOf(v) + d + VIEWS.length) % VIEWS.length]!);
    if (input === 'q' || key.escape) exit();
    else if (input === 'p' || input === ' ') setPaused((p) => !p);
    else if ((key.tab && key.shift) || key.leftArrow || key.upArrow) step(-1);
    else if (key.tab || key.rightArrow || key.downArrow) step(1);
  });

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
