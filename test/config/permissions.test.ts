/**
 * A TOKENHUB_HOME or file left readable by other users (a copy, a hand-made folder, an
 * older tool) is named at start with the command that fixes it.
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { createLogger } from '../../src/util/log.js';
import { startGateway, tempHome } from '../helpers/gateway.js';

describe('loose modes in TOKENHUB_HOME', { skip: process.platform === 'win32' }, () => {
  test('a 0755 home and 0644 config and database are warned about at start, each with its chmod', async (t) => {
    const home = tempHome();
    chmodSync(home, 0o755);
    openDatabase(join(home, 'tokenhub.db')).close();
    chmodSync(join(home, 'tokenhub.db'), 0o644);
    writeFileSync(join(home, 'config.yaml'), '{}\n');
    chmodSync(join(home, 'config.yaml'), 0o644); // as an editor writes it under umask 022
    const lines: string[] = [];
    const gw = await startGateway({}, { home, log: createLogger({ write: (l) => lines.push(l) }) });
    t.after(() => gw.close());
    const text = lines.join('\n');
    assert.match(text, new RegExp(`TOKENHUB_HOME ${home} has mode 0755.*chmod 700 '${home}'`));
    assert.match(text, new RegExp(`tokenhub\\.db has mode 0644.*chmod 600 '${join(home, 'tokenhub.db')}'`));
    assert.match(text, /config\.yaml has mode 0644.*chmod 600/);
  });

  test('a private home gives no warning', async (t) => {
    const home = tempHome();
    chmodSync(home, 0o700);
    writeFileSync(join(home, 'config.yaml'), 'providers: {}\n', { mode: 0o600 });
    const lines: string[] = [];
    const gw = await startGateway(`providers: {}\n`, { home, log: createLogger({ write: (l) => lines.push(l) }) });
    t.after(() => gw.close());
    assert.ok(!lines.some((l) => l.includes('has mode')), lines.join('\n'));
  });
});
