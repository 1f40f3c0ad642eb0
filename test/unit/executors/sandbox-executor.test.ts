// The sandbox executor against the behaviour every executor has (executor-suite.ts), with a real bwrap.
import { SandboxExecutor } from '../../../src/executors/index.js';
import { describeExecutorConformance } from './executor-suite.js';

describeExecutorConformance('sandbox', () => new SandboxExecutor({ bwrap: '/usr/bin/bwrap', killGraceMs: 300 }));
