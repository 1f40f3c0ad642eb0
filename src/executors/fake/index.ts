export { FakeExecutor } from './fake-executor.js';
