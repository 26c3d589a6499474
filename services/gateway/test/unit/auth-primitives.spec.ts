import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoginRateLimiter } from '../../src/auth/login-rate-limiter.js';
import { hashPassword, verifyPassword } from '../../src/auth/password-hasher.js';
import { decodeCursor, encodeCursor, pageOf } from '../../src/http/pagination.js';

describe('auth primitives', () => {
  it('password hasher - scrypt hashes carry a per-user salt and verify only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('wrong horse', a), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
  });

  it('login rate limiter - 5 failures in the window block that username from that address until the oldest ages out', () => {
    let now = 1_000_000;
    const limiter = new LoginRateLimiter({ failures: 5, windowMs: 60_000 }, () => now);
    for (let i = 0; i < 5; i++) {
      assert.equal(limiter.retryAfterSeconds('Bob', '1.2.3.4'), 0);
      limiter.fail('bob', '1.2.3.4');
      now += 1000;
    }
    assert.equal(limiter.retryAfterSeconds('bob', '1.2.3.4'), 55);
    assert.equal(limiter.retryAfterSeconds('bob', '5.6.7.8'), 0);
    assert.equal(limiter.retryAfterSeconds('alice', '1.2.3.4'), 0);
    now += 55_000;
    assert.equal(limiter.retryAfterSeconds('bob', '1.2.3.4'), 0);
    limiter.succeed('bob', '1.2.3.4');
    assert.equal(limiter.retryAfterSeconds('bob', '1.2.3.4'), 0);
  });

  it('pagination - pages from limit+1 rows and round-trips opaque cursors', () => {
    const page = pageOf(
      [1, 2, 3],
      2,
      (n) => n,
      (n) => ({ n }),
    );
    assert.deepEqual(page.items, [{ n: 1 }, { n: 2 }]);
    assert.equal(decodeCursor(page.nextCursor!), 2);
    assert.equal(
      pageOf(
        [1, 2],
        2,
        (n) => n,
        (n) => n,
      ).nextCursor,
      null,
    );
    assert.equal(decodeCursor(encodeCursor('bob')), 'bob');
    assert.throws(() => decodeCursor('!!'), { code: 'GATEWAY_BAD_CURSOR' });
  });
});
