import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseUrlText } from '../../src/services/shared/endpoint.js';

test('a port without a host is this machine on that port, not the server default port', () => {
  assert.equal(baseUrlText({ port: 18080 }, 8080), 'http://127.0.0.1:18080');
  assert.equal(baseUrlText({}, 8080), undefined);
  assert.equal(baseUrlText({ host: 'db', port: 9 }, 8080), 'http://db:9');
  assert.equal(baseUrlText({ host: 'db' }, 8080), 'http://db:8080');
  assert.equal(baseUrlText({ host: '::1', port: 9 }), 'http://[::1]:9');
  assert.equal(baseUrlText({ url: 'http://x:1', port: 9 }), 'http://x:1');
});
