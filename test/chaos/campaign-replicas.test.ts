/** The fixed short chaos run, on two replicas sharing a private Redis (the harness and what it checks: campaign-kit.ts). */
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../redis-server.js';
import { campaign, expectItRan, violations } from './campaign-kit.js';

const withRedis = redisServerAvailable('chaos campaign on two replicas');

describe('a fixed chaos run on two replicas', () => {
  it.skipIf(!withRedis)(
    'seed 32 on two replicas (a private Redis): every acked request is delivered once or truthfully answered',
    async () => {
      const result = await campaign(32, 30, 'sends', 'redis');
      expectItRan(result);
      expect(violations(result)).toEqual([]);
    },
    180_000,
  );
});
