/** The one beam search (src/decoding/beam.ts), on toy models whose best answer greedy decoding misses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, beamSearch } from '../packages/recurrent/src/node.js';

const ln = Math.log;

describe('beamSearch', () => {
  // Token 0 looks best first (0.6) but is followed by a flat choice; token 1 (0.4) is followed by a sure one.
  const table = (tokens: number[]): number[] => {
    if (tokens.length === 0) return [ln(0.6), ln(0.4)];
    if (tokens[0] === 0) return [ln(0.5), ln(0.5)];
    return [ln(0.01), ln(0.99)];
  };
  const step = (live: Array<{ tokens: number[] }>) => live.map((h) => ({ logProbs: table(h.tokens), state: null }));

  it('width 1 is greedy; width 2 finds the more likely sequence', () => {
    assert.deepEqual(beamSearch(null, step, { width: 1, maxLength: 2 }).tokens, [0, 0]);
    const b = beamSearch(null, step, { width: 2, maxLength: 2 });
    assert.deepEqual(b.tokens, [1, 1]);
    assert.ok(Math.abs(b.logp - ln(0.4 * 0.99)) < 1e-12);
  });

  it('an end token stops a hypothesis; length normalisation keeps short ones from winning by default; allowed filters', () => {
    const END = 2;
    const s = (live: Array<{ tokens: number[] }>) => live.map((h) => ({
      logProbs: h.tokens.length === 0 ? [ln(0.3), ln(0.1), ln(0.6)] : [ln(0.9), ln(0.05), ln(0.05)], state: null, extra: h.tokens.length,
    }));
    assert.deepEqual(beamSearch(null, s, { width: 2, maxLength: 3, end: END }).tokens, [], 'by total log-probability the empty answer wins');
    const norm = beamSearch(null, s, { width: 2, maxLength: 3, end: END, lengthNormalise: true });
    assert.deepEqual(norm.tokens, [0, 0, 0]);
    assert.deepEqual(norm.extras, [0, 1, 2]);
    assert.deepEqual(beamSearch(null, s, { width: 1, maxLength: 2, allowed: (v) => v !== 0 }).tokens, [2, 1]);
    assert.throws(() => beamSearch(null, s, { width: 0, maxLength: 2 }), ConfigError);
  });
});
