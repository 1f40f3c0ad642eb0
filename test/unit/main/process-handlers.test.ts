import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Logger } from '../../../src/core/index.js';
import { silentLogger } from '../../../src/core/index.js';
import type { ProcessEvents } from '../../../src/main/process-handlers.js';
import { logUnhandledRejections } from '../../../src/main/process-handlers.js';

function recordingLogger(): { logger: Logger; errors: { message: string; fields: Record<string, unknown> }[] } {
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  const logger: Logger = { ...silentLogger, error: (message, fields = {}) => errors.push({ message, fields: { ...fields } }), child: () => logger };
  return { logger, errors };
}

test('an unhandled rejection in the server is logged as an error with its message and stack', () => {
  const target = new EventEmitter();
  const { logger, errors } = recordingLogger();
  logUnhandledRejections(logger, target as unknown as ProcessEvents);
  const reason = new Error('lease store went away');
  target.emit('unhandledRejection', reason, Promise.resolve());
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.message, 'unhandled promise rejection');
  assert.equal(errors[0]?.fields.error, 'lease store went away');
  assert.match(String(errors[0]?.fields.stack), /lease store went away\n\s+at /);
});

test('a rejection with a non-Error reason is logged too; uninstalling stops the logging', () => {
  const target = new EventEmitter();
  const { logger, errors } = recordingLogger();
  const uninstall = logUnhandledRejections(logger, target as unknown as ProcessEvents);
  target.emit('unhandledRejection', 'plain text', Promise.resolve());
  uninstall();
  target.emit('unhandledRejection', 'after', Promise.resolve());
  assert.deepEqual(errors.map((e) => e.fields.error), ['plain text']);
  assert.equal(target.listenerCount('unhandledRejection'), 0);
});
