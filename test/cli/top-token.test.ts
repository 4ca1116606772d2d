/**
 * `tokenhub top --url` may be given any address (a typo, a pasted link): the admin
 * token goes only to loopback, or to the one host named with --send-token-to.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listenLoopback } from '../fakes/http.js';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/gateway.js';

describe('top --url and the admin token', () => {
  const seen: (string | undefined)[] = [];
  let server: Awaited<ReturnType<typeof listenLoopback>>;
  let port: string;
  const env = () => ({ TOKENHUB_HOME: tempHome(), TOKENHUB_ADMIN_TOKEN: 'admin-secret-token' });

  before(async () => {
    server = await listenLoopback(async (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"message":"no"}}');
    });
    port = new URL(server.origin).port;
  });
  after(() => server.close());

  test('a non-loopback --url gets no token: top refuses and says how to allow it', async () => {
    seen.length = 0;
    // 0.0.0.0 is not a loopback name, yet on Linux it reaches this loopback server: nothing may be sent to it.
    const r = await runCli(['top', '--once', '--json', '--url', `http://0.0.0.0:${port}`], env());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not sending the admin token to http:\/\/0\.0\.0\.0/);
    assert.match(r.stderr, /--send-token-to 0\.0\.0\.0/);
    assert.deepEqual(seen, []);
  });

  test('--send-token-to names the one host that may receive it; loopback URLs receive it as before', async () => {
    seen.length = 0;
    await runCli(['top', '--once', '--json', '--url', `http://0.0.0.0:${port}`, '--send-token-to', '0.0.0.0'], env());
    await runCli(['top', '--once', '--json', '--url', `http://127.0.0.1:${port}`], env());
    assert.deepEqual(seen, ['Bearer admin-secret-token', 'Bearer admin-secret-token']);
    const other = await runCli(['top', '--once', '--json', '--url', `http://0.0.0.0:${port}`, '--send-token-to', 'example.com'], env());
    assert.equal(other.code, 1);
    assert.equal(seen.length, 2);
  });
});
