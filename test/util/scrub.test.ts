import assert from 'node:assert/strict';
import test from 'node:test';
import { scrub } from '../../src/util/scrub.js';

test('a header echo loses its value; a ${NAME} reference in its place is kept, as it is no secret', () => {
  assert.equal(scrub('--set headers.Authorization=Bearer abc123xyz'), '--set headers.Authorization=Bearer ***');
  assert.equal(scrub("--set 'headers.Authorization=${AIFB_OVERRIDE_2}'"), "--set 'headers.Authorization=${AIFB_OVERRIDE_2}'");
  assert.equal(scrub('x-api-key: sk-live-123 next'), 'x-api-key: *** next');
});
