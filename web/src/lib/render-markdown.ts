import MarkdownIt from 'markdown-it';

/**
 * Markdown a job wrote (its step summary) → HTML safe to put in the page. Raw HTML in the text is never HTML
 * (`html: false` shows it as text), links with a script scheme are not links (markdown-it's validateLink), and
 * every link opens in a new tab without handing the page to the target (`noopener noreferrer`). Images from
 * elsewhere stay blocked by the dashboard's Content-Security-Policy (img-src 'self').
 * This module is loaded only when a summary is shown (see JobSummary.vue): markdown-it stays out of the
 * initial bundle.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

const renderLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  const token = tokens[index];
  if (token) {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer');
  }
  return renderLinkOpen(tokens, index, options, env, self);
};

export function renderMarkdown(text: string): string {
  return markdown.render(text);
}
