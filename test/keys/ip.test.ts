import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ipMatcher, parseCidr, unmapIPv4 } from '../../src/keys/ip.js';

describe('IP allowlists', () => {
  test('no list allows every address, even an unknown one', () => {
    assert.equal(ipMatcher(null)(undefined), true);
    assert.equal(ipMatcher([])('203.0.113.9'), true);
  });

  test('IPv4 CIDRs match by prefix', () => {
    const allows = ipMatcher(['10.0.0.0/8', '192.168.1.7']);
    assert.equal(allows('10.200.3.4'), true);
    assert.equal(allows('11.0.0.1'), false);
    assert.equal(allows('192.168.1.7'), true);
    assert.equal(allows('192.168.1.8'), false);
  });

  test('IPv6 CIDRs match, including loopback and zone ids', () => {
    const allows = ipMatcher(['::1/128', '2001:db8::/32']);
    assert.equal(allows('::1'), true);
    assert.equal(allows('2001:db8:abcd::5'), true);
    assert.equal(allows('2001:db9::1'), false);
    assert.equal(allows('fe80::1%eth0'), false);
  });

  test('an IPv4-mapped client address matches an IPv4 CIDR, and a mapped CIDR matches a plain IPv4 client', () => {
    assert.equal(ipMatcher(['127.0.0.0/8'])('::ffff:127.0.0.1'), true);
    assert.equal(ipMatcher(['127.0.0.0/8'])('::FFFF:10.0.0.1'), false);
    assert.equal(ipMatcher(['::ffff:10.0.0.0/104'])('10.9.8.7'), true);
    assert.equal(ipMatcher(['::ffff:10.0.0.0/104'])('::ffff:10.9.8.7'), true);
    assert.equal(unmapIPv4('::ffff:1.2.3.4'), '1.2.3.4');
  });

  test('an unknown client address (no socket) is refused by a key with a list: fail closed', () => {
    assert.equal(ipMatcher(['0.0.0.0/0'])(undefined), false);
    assert.equal(ipMatcher(['0.0.0.0/0'])('not-an-ip'), false);
  });

  test('parseCidr explains what is wrong', () => {
    assert.deepEqual(parseCidr('10.1.0.0/16'), { address: '10.1.0.0', prefix: 16, family: 'ipv4' });
    assert.deepEqual(parseCidr('[::1]'), { address: '::1', prefix: 128, family: 'ipv6' });
    assert.throws(() => parseCidr('10.0.0.0/33'), /prefix length must be 0–32/);
    assert.throws(() => parseCidr('::/129'), /prefix length must be 0–128/);
    assert.throws(() => parseCidr('example.com'), /not an IP address or CIDR/);
    assert.throws(() => parseCidr('10.0.0.0/x'), /prefix length/);
  });

  test('a malformed entry written around the CLI matches nothing rather than everything', () => {
    const allows = ipMatcher(['nonsense', '10.0.0.0/8']);
    assert.equal(allows('10.0.0.1'), true);
    assert.equal(allows('8.8.8.8'), false);
  });
});
