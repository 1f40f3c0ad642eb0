import type { RegisterRunnerRequest } from '../protocol/index.js';
import { UsageError } from '../core/index.js';
import { readRunnerState, writeRunnerState } from './runner-state-file.js';
import type { RunnerLogger } from './runner-logger.js';
import type { ServerClient } from './server-client.js';

/**
 * How a runner proves who it is. With a state file it registers once and keeps its
 * identity across restarts; with a bare runner token it was registered by other means.
 * When both a state file and a token are given, an existing state file wins.
 */
export type RunnerRegistration =
  | { readonly runnerToken: string; readonly stateFile?: string }
  | { readonly registrationToken: string; readonly stateFile: string };

export interface RunnerCredentials {
  readonly token: string;
  /** Unknown when the runner was given a bare token. */
  readonly runnerId: number | undefined;
}

export interface ObtainRunnerTokenInput {
  readonly registration: RunnerRegistration;
  readonly serverUrl: string;
  readonly request: RegisterRunnerRequest;
  readonly client: ServerClient;
  readonly logger: RunnerLogger;
  readonly signal: AbortSignal;
}

/** The state file's token when there is one, else the given runner token, else a new registration. */
export async function obtainRunnerToken(input: ObtainRunnerTokenInput): Promise<RunnerCredentials> {
  const { registration, serverUrl } = input;
  const stateFile = registration.stateFile;
  if (stateFile !== undefined) {
    const state = await readRunnerState(stateFile);
    if (state) {
      if (sameServer(state.serverUrl, serverUrl)) return { token: state.token, runnerId: state.runnerId };
      throw new UsageError(
        `the runner state file ${stateFile} belongs to the server ${state.serverUrl}, not ${serverUrl}; remove it to register with ${serverUrl}`,
      );
    }
  }
  if ('runnerToken' in registration) return { token: registration.runnerToken, runnerId: undefined };

  const registered = await input.client.register(registration.registrationToken, input.request, input.signal);
  await writeRunnerState(registration.stateFile, { runnerId: registered.runnerId, token: registered.token, serverUrl });
  input.logger.info('runner registered', { runner_id: registered.runnerId, state_file: registration.stateFile });
  return { token: registered.token, runnerId: registered.runnerId };
}

function sameServer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
