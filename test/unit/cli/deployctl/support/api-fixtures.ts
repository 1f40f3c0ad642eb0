/** Responses shaped exactly like docs/api.md. */

export function aProject(overrides: Record<string, unknown> = {}) {
  return {
    id: 3,
    name: 'web',
    repository: 'https://git.example.com/acme/web.git',
    pipelinePath: '.deploylite.yml',
    defaultBranch: 'main',
    maxConcurrentJobs: null,
    createdAt: '2025-01-01T10:00:00.000Z',
    ...overrides,
  };
}

export function aRun(overrides: Record<string, unknown> = {}) {
  return {
    id: 42,
    projectId: 3,
    project: 'web',
    name: 'build and deploy',
    status: 'running',
    ref: 'main',
    sha: '4f2a9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b',
    trigger: { kind: 'manual', actor: 'admin' },
    createdAt: '2025-01-01T10:00:00.000Z',
    startedAt: '2025-01-01T10:00:01.000Z',
    finishedAt: null,
    error: null,
    url: 'http://deploylite.example/runs/42',
    ...overrides,
  };
}

export function aJob(key: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `42:${key}`,
    key,
    jobId: key.split(' ')[0],
    name: key,
    status: 'running',
    attempts: 1,
    exitCode: null,
    startedAt: '2025-01-01T10:00:01.000Z',
    finishedAt: null,
    outputs: {},
    error: null,
    matrix: null,
    ...overrides,
  };
}

/** A finished run with its jobs, as `GET /runs/{id}` answers. */
export function aFinishedRun(status: string, jobs: readonly ReturnType<typeof aJob>[]) {
  return aRun({ status, finishedAt: '2025-01-01T10:00:05.000Z', jobs });
}

export function aLogLine(lineNo: number, text: string, stream = 'stdout') {
  return { lineNo, stream, time: '2025-01-01T10:00:02.000Z', text };
}
