/**
 * The same daemon build as `tokenhub serve`, started with a usage sink that drops every
 * record: the bench compares its throughput with the real daemon's to measure what
 * usage recording costs. The production daemon has no switch for this; the sink is
 * injected here (DaemonOptions.usage), the seam a test or another store would use.
 */
import { resolvePaths } from '../dist/config/paths.js';
import { startDaemon } from '../dist/server/daemon.js';
import { createLogger } from '../dist/util/log.js';

const dropped = { record() {}, flush() {}, close() {} };
// the logger `tokenhub serve` has (one JSON line per request to stderr): only the usage sink differs
const daemon = await startDaemon({ paths: resolvePaths({}, process.env), port: 0, usage: dropped, log: createLogger() });
process.stdout.write(`listening on ${daemon.url}/v1 (usage records dropped)\n`);
const stop = () => daemon.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
