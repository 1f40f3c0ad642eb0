import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CliResult } from './support/cli.js';
import { assertExit, assertNoStackTrace, runCli, workdir } from './support/cli.js';
import { runIdOf } from './support/summary-table.js';

const TOKEN = 'tok/En+with spaces&Symbols=42';

/** Prints the secret in the ways a script might leak it, and fails with it in an error. */
const LEAKY = `
  jobs:
    leak:
      outputs: { echoed: '\${{ steps.p.outputs.value }}' }
      steps:
        - id: p
          env: { T: '\${{ secrets.TOKEN }}' }
          run: |
            echo "plain: $T"
            echo "stderr: $T" >&2
            echo -n "$T" | base64
            python3 -c 'import os, urllib.parse; print(urllib.parse.quote(os.environ["T"], safe=""))'
            echo "value=$T" >> "$DEPLOYLITE_OUTPUT"
    broken:
      steps:
        - working-directory: '\${{ secrets.TOKEN }}'
          run: echo never
`;

/** Every form of the secret a leak would show: raw, base64 (no padding), URL-encoded. */
function forms(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
  return [secret, base64, encodeURIComponent(secret)];
}

function assertMasked(where: string, text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    for (const form of forms(secret)) assert.ok(!text.includes(form), `${where} shows the secret as "${form}":\n${text}`);
  }
}

/** Runs the leaky pipeline and gathers everything a user (or a file) can see afterwards. */
async function everythingVisible(dir: string, args: string[]): Promise<{ run: CliResult; texts: Record<string, string> }> {
  const run = await runCli(['run', 'ci.yml', '--report', 'report.json', ...args], { cwd: dir });
  const logs = await runCli(['logs', runIdOf(run.stdout)], { cwd: dir });
  const store = join(dir, '.deploylite');
  return {
    run,
    texts: {
      'the console': run.stdout + run.stderr,
      'deploylite logs': logs.stdout + logs.stderr,
      'the report': readFileSync(join(dir, 'report.json'), 'utf8'),
      // Every file under .deploylite/: the database, its WAL, and any scratch file left behind.
      'the run store': (readdirSync(store, { recursive: true }) as string[])
        .map((file) => join(store, file))
        .filter((path) => statSync(path).isFile())
        .map((path) => readFileSync(path, 'latin1'))
        .join('\n'),
    },
  };
}

test('a --secret never appears in output, logs, report, store or errors, also base64- or URL-encoded', async () => {
  const dir = workdir({ 'ci.yml': LEAKY });
  const { run, texts } = await everythingVisible(dir, ['--secret', `TOKEN=${TOKEN}`]);
  assertExit(run, 1);
  for (const [where, text] of Object.entries(texts)) assertMasked(where, text, [TOKEN]);
  assertNoStackTrace(run);
});

test('a masked secret shows as *** where it would have been printed', async () => {
  const dir = workdir({ 'ci.yml': LEAKY });
  const { texts } = await everythingVisible(dir, ['--secret', `TOKEN=${TOKEN}`]);
  assert.match(texts['the console'] ?? '', /plain: \*\*\*/);
  assert.match(texts['deploylite logs'] ?? '', /stderr: \*\*\*/);
  assert.match(texts['the report'] ?? '', /"echoed": "\*\*\*"/);
  assert.match(texts['the report'] ?? '', /"error": "[^"\n]*working-directory[^\n]*\*\*\*/);
});

test('secrets from --secrets-file, with a multi-line heredoc value, are masked line by line', async () => {
  const key = ['-----BEGIN KEY-----', 'first-line-of-the-key', 'second-line-of-the-key', '-----END KEY-----'].join('\n');
  const dir = workdir({
    'ci.yml': `
      jobs:
        leak:
          steps:
            - env: { K: '\${{ secrets.KEY }}', T: '\${{ secrets.TOKEN }}' }
              run: |
                echo "$K"
                printf '%s' "$K" | base64 -w0; echo
                echo "token $T"
    `,
    'secrets.env': `# secrets for the test\nKEY<<EOF\n${key}\nEOF\nTOKEN=${TOKEN}\n`,
  });
  const { run, texts } = await everythingVisible(dir, ['--secrets-file', 'secrets.env']);
  assertExit(run, 0);
  for (const [where, text] of Object.entries(texts)) {
    assertMasked(where, text, [key, TOKEN, 'first-line-of-the-key', 'second-line-of-the-key']);
  }
  assert.match(texts['the console'] ?? '', /token \*\*\*/);
});
