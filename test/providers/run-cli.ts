/** `tokenhub ARGS` with its own TOKENHUB_HOME and no colours, for the `tokenhub providers` tests in test/e2e. */
import { runCli, type CliResult } from '../helpers/cli.js';

export const runTokenhub = (args: string[], home: string): Promise<CliResult> => runCli(args, { TOKENHUB_HOME: home, NO_COLOR: '1' });
