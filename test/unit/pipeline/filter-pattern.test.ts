import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilterPattern, matchesFilterPatterns } from '../../../src/pipeline/index.js';

// The examples of GitHub's "filter pattern cheat sheet", which these patterns follow.
const matches = (pattern: string, name: string) => matchesFilterPatterns([pattern], name);

test('* matches within a path segment and ** across segments', () => {
  assert.equal(matches('feature/*', 'feature/my-branch'), true);
  assert.equal(matches('feature/*', 'feature/your/branch'), false);
  assert.equal(matches('feature/**', 'feature/your/branch'), true);
  assert.equal(matches('*feature', 'ver-10-feature'), true);
  assert.equal(matches('**', 'any/thing/at/all'), true);
});

test('? makes the preceding character optional and + repeats it', () => {
  assert.equal(matches('Octoc?at', 'Octocat'), true);
  assert.equal(matches('Octoc?at', 'Octoat'), true);
  assert.equal(matches('Octoc?at', 'Octoxat'), false);
  assert.equal(matches('v2.0.0+', 'v2.0.000'), true);
  assert.equal(matches('v2.0.0+', 'v2.0.'), false);
});

test('[] matches one character of a set or range, and repeats with +', () => {
  assert.equal(matches('[CB]at', 'Cat'), true);
  assert.equal(matches('[CB]at', 'Rat'), false);
  assert.equal(matches('v[12].[0-9]+.[0-9]+', 'v1.10.1'), true);
  assert.equal(matches('v[12].[0-9]+.[0-9]+', 'v3.1.1'), false);
});

test('everything else is literal: dots, dashes, and specials escaped with \\', () => {
  assert.equal(matches('v1.0', 'v1x0'), false);
  assert.equal(matches('release-1.0', 'release-1.0'), true);
  assert.equal(matches('fix\\+1', 'fix+1'), true);
  assert.equal(matches('Main', 'main'), false);
});

test('a leading ! excludes, and the last matching pattern decides', () => {
  const patterns = ['releases/**', '!releases/**-alpha'];
  assert.equal(matchesFilterPatterns(patterns, 'releases/10'), true);
  assert.equal(matchesFilterPatterns(patterns, 'releases/10-alpha'), false);
  assert.equal(matchesFilterPatterns(['!main'], 'main'), false);
  assert.equal(matchesFilterPatterns([], 'main'), false);
});

test('a pattern that cannot match as meant says why', () => {
  const problem = (pattern: string) => {
    const compiled = compileFilterPattern(pattern);
    return compiled.ok ? undefined : compiled.message;
  };
  assert.equal(problem('release/[0-9'), 'a "[" is never closed with "]"');
  assert.equal(problem('v[9-0]'), '"9-0" is not a range (ranges go from a lower to a higher letter or digit, as in a-z or 0-9)');
  assert.equal(problem('+x'), '"+" must follow a character it repeats (write "\\+" to match a literal "+")');
  assert.equal(problem('x\\'), 'it ends with a lone "\\"');
  assert.equal(problem(''), 'the pattern is empty');
});
