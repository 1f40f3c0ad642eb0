import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../../../web/src/lib/render-markdown.js';

test('a step summary renders as Markdown: headings, tables, lists, code', () => {
  const html = renderMarkdown('## Tests\n\n| suite | passed |\n|---|---|\n| api | 12 |\n\n- one\n- `two`\n');
  assert.match(html, /<h2>Tests<\/h2>/);
  assert.match(html, /<table>[\s\S]*<td>api<\/td>[\s\S]*<td>12<\/td>/);
  assert.match(html, /<li><code>two<\/code><\/li>/);
});

test('raw HTML in a summary is text, never elements', () => {
  const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\ntext <b onclick="x()">bold</b>\n');
  assert.doesNotMatch(html, /<script|<img|<b /);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /&lt;img src=x onerror=&quot;alert\(2\)&quot;&gt;/);
});

test('links open in a new tab with rel="noopener noreferrer"; script links are not links', () => {
  const html = renderMarkdown('[docs](https://example.com/docs) and https://example.org and [bad](javascript:alert(1)) and [worse](data:text/html,x)\n');
  assert.match(html, /<a href="https:\/\/example\.com\/docs" target="_blank" rel="noopener noreferrer">docs<\/a>/);
  assert.match(html, /<a href="https:\/\/example\.org" target="_blank" rel="noopener noreferrer">https:\/\/example\.org<\/a>/);
  assert.doesNotMatch(html, /href="javascript:|href="data:/);
});
