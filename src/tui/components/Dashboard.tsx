import { useApp, useInput } from 'ink';
import { useState } from 'react';
import { VIEWS, type View } from '../rows.js';
import type { FetchSnapshot } from '../source.js';
import { useSnapshot } from '../useSnapshot.js';
import { useTerminalSize } from '../useTerminalSize.js';
import { DashboardView } from './DashboardView.js';

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

  return (
    <DashboardView
      snapshot={snapshot}
      error={error}
      failures={failures}
      url={url}
      view={view}
      paused={paused}
      width={width}
      height={height}
      color={color}
      utc={utc}
    />
  );
}
