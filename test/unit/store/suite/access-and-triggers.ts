import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProject, withStore } from './fixtures.js';
import type { OpenEmptyStore } from './fixtures.js';

export function describeAccessAndTriggers(openEmpty: OpenEmptyStore): void {
  const it = (name: string, body: Parameters<typeof withStore>[1]) => test(name, withStore(openEmpty, body));

  describe('runners and tokens', () => {
    it('a runner is listed with its labels; touchRunner records when it was last seen', async (store) => {
      const runner = await store.createRunner({ name: 'r1', labels: ['linux', 'x64'], capacity: 2, version: '0.1.0', createdAt: 100 });
      await store.createRunner({ name: 'r2', labels: [], capacity: 1, version: '0.1.0', createdAt: 200 });
      assert.equal(runner.lastSeenAt, null);
      await store.touchRunner(runner.id, 500);
      assert.deepEqual(await store.getRunner(runner.id), { ...runner, lastSeenAt: 500 });
      assert.deepEqual((await store.listRunners()).map((r) => [r.name, r.labels]), [['r1', ['linux', 'x64']], ['r2', []]]);
    });

    it('a token is found by its hash, and revoking keeps the first revocation time', async (store) => {
      const runner = await store.createRunner({ name: 'r1', labels: [], capacity: 1, version: '0.1.0', createdAt: 100 });
      const token = await store.createToken({ name: 'r1', kind: 'runner', tokenHash: 'ab12', runnerId: runner.id, createdAt: 100, expiresAt: null });
      assert.deepEqual(await store.findTokenByHash('ab12'), token);
      assert.equal(await store.findTokenByHash('cd34'), undefined);
      await store.revokeToken(token.id, 700);
      await store.revokeToken(token.id, 900);
      assert.equal((await store.findTokenByHash('ab12'))?.revokedAt, 700);
      assert.deepEqual((await store.listTokens()).map((t) => [t.name, t.kind, t.runnerId]), [['r1', 'runner', runner.id]]);
    });
  });

  describe('triggers', () => {
    it('a webhook delivery is recorded the first time and recognised as a replay after', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      assert.equal(await store.recordDelivery(web.id, 'github', 'd-1', 100), true);
      assert.equal(await store.recordDelivery(web.id, 'github', 'd-1', 200), false);
      assert.equal(await store.recordDelivery(web.id, 'gitlab', 'd-1', 200), true);
      assert.equal(await store.recordDelivery(api.id, 'github', 'd-1', 200), true);
    });

    it('a forgotten delivery is new again; other projects and providers keep theirs', async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      await store.recordDelivery(web.id, 'github', 'd-1', 100);
      await store.recordDelivery(web.id, 'gitlab', 'd-1', 100);
      await store.recordDelivery(api.id, 'github', 'd-1', 100);
      await store.forgetDelivery(web.id, 'github', 'd-1');
      assert.equal(await store.recordDelivery(web.id, 'github', 'd-1', 200), true);
      assert.equal(await store.recordDelivery(web.id, 'gitlab', 'd-1', 200), false);
      assert.equal(await store.recordDelivery(api.id, 'github', 'd-1', 200), false);
    });

    it('dueSchedules returns the schedules due by now, earliest first', async (store) => {
      const project = await createProject(store);
      await store.replaceSchedules(project.id, [{ cron: '0 * * * *', nextAt: 3_000 }, { cron: '*/5 * * * *', nextAt: 1_000 }, { cron: '0 0 * * *', nextAt: 9_000 }]);
      assert.deepEqual(await store.dueSchedules(3_000), [
        { projectId: project.id, cron: '*/5 * * * *', nextAt: 1_000 },
        { projectId: project.id, cron: '0 * * * *', nextAt: 3_000 },
      ]);
    });

    it('advanceSchedule moves a schedule only from the time the caller saw', async (store) => {
      const project = await createProject(store);
      await store.replaceSchedules(project.id, [{ cron: '* * * * *', nextAt: 1_000 }]);
      const [first, second] = await Promise.all([
        store.advanceSchedule(project.id, '* * * * *', 1_000, 61_000),
        store.advanceSchedule(project.id, '* * * * *', 1_000, 61_000),
      ]);
      assert.equal(Number(first) + Number(second), 1);
      assert.deepEqual(await store.dueSchedules(61_000), [{ projectId: project.id, cron: '* * * * *', nextAt: 61_000 }]);
    });

    it("replaceSchedules replaces only that project's schedules", async (store) => {
      const web = await createProject(store, 'web');
      const api = await createProject(store, 'api');
      await store.replaceSchedules(web.id, [{ cron: 'a', nextAt: 1 }, { cron: 'b', nextAt: 2 }]);
      await store.replaceSchedules(api.id, [{ cron: 'c', nextAt: 3 }]);
      await store.replaceSchedules(web.id, [{ cron: 'b', nextAt: 5 }]);
      assert.deepEqual((await store.dueSchedules(10)).map((s) => [s.projectId, s.cron, s.nextAt]), [[api.id, 'c', 3], [web.id, 'b', 5]]);
    });
  });
}
