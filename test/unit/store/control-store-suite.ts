// The behaviour every ControlStore dialect must have (src/store/control-store.ts), run
// against SQLite and PostgreSQL. `openEmpty` gives each test its own empty database.
import { describe } from 'node:test';
import { describeAccessAndTriggers } from './suite/access-and-triggers.js';
import { describeArtifactRetention } from './suite/artifact-retention.js';
import { describeArtifacts } from './suite/artifacts.js';
import { describeCaches } from './suite/caches.js';
import { describeConcurrencyGroups } from './suite/concurrency-groups.js';
import type { OpenEmptyStore } from './suite/fixtures.js';
import { describeIdentity } from './suite/identity.js';
import { describeLogs } from './suite/logs.js';
import { describeQueue } from './suite/queue.js';
import { describeSchemaAndRuns } from './suite/schema-and-runs.js';

export type { OpenEmptyStore } from './suite/fixtures.js';

export function describeControlStoreConformance(name: string, openEmpty: OpenEmptyStore): void {
  describe(`${name} control store conformance`, () => {
    describeSchemaAndRuns(openEmpty);
    describeQueue(openEmpty);
    describeLogs(openEmpty);
    describeAccessAndTriggers(openEmpty);
    describeConcurrencyGroups(openEmpty);
    describeIdentity(openEmpty);
    describeArtifacts(openEmpty);
    describeArtifactRetention(openEmpty);
    describeCaches(openEmpty);
  });
}
