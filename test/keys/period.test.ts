import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { periodWindow } from '../../src/keys/period.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('budget periods (calendar, UTC)', () => {
  test('a day runs from midnight UTC to midnight UTC', () => {
    const w = periodWindow('day', at('2026-11-27T23:59:59.999Z'));
    assert.equal(iso(w.start), '2026-11-27T00:00:00.000Z');
    assert.equal(iso(w.end), '2026-11-28T00:00:00.000Z');
  });

  test('a week starts on Monday', () => {
    // 2026-11-27 is a Friday; 2026-11-30 a Monday; 2026-11-29 a Sunday
    assert.equal(iso(periodWindow('week', at('2026-11-27T12:00:00Z')).start), '2026-11-23T00:00:00.000Z');
    assert.equal(iso(periodWindow('week', at('2026-11-29T23:00:00Z')).start), '2026-11-23T00:00:00.000Z');
    assert.equal(iso(periodWindow('week', at('2026-11-30T00:00:00Z')).start), '2026-11-30T00:00:00.000Z');
    assert.equal(iso(periodWindow('week', at('2026-11-30T00:00:00Z')).end), '2026-12-07T00:00:00.000Z');
  });

  test('a month runs from the 1st, across year ends and leap days', () => {
    const dec = periodWindow('month', at('2026-12-31T23:00:00Z'));
    assert.equal(iso(dec.start), '2026-12-01T00:00:00.000Z');
    assert.equal(iso(dec.end), '2027-01-01T00:00:00.000Z');
    assert.equal(iso(periodWindow('month', at('2028-02-29T10:00:00Z')).end), '2028-03-01T00:00:00.000Z');
  });

  test('total never resets', () => {
    assert.deepEqual(periodWindow('total', at('2026-11-27T12:00:00Z')), { start: 0, end: Infinity });
  });
});
