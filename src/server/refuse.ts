/**
 * How the browser mode says no. Under `/api/` the answer is JSON in the contract's error shape
 * (`{ ok: false, error: { category, code, message, hint } }`), so the page's HTTP bridge can pass it on
 * like any command's error; anywhere else it is a small HTML page in plain words (what a person who opened
 * a stale link sees). The status code carries the meaning: 401 not signed in, 403 refused (foreign Host or
 * Origin), 400/413 a bad request, 404 nothing here, 500 our fault.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError, ErrorCategory } from '../shared/errors.js';

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

export function apiError(
  code: string,
  message: string,
  category: ErrorCategory = 'usage',
  hint: string | null = null,
): { ok: false; error: AppError } {
  return { ok: false, error: { category, code, message, hint: hint === null ? null : { text: hint } } };
}

export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  hint: string | null = null,
): FastifyReply {
  reply.code(status);
  if (isApiPath(request.url)) {
    const category: ErrorCategory = status >= 500 ? 'internal' : status === 404 ? 'not-found' : 'usage';
    return reply.type('application/json; charset=utf-8').send(apiError(code, message, category, hint));
  }
  return reply.type('text/html; charset=utf-8').send(htmlPage(`${status} · Bilancio Sync`, message, hint));
}

/** A self-contained page (no script, no external style: the CSP would block nothing here). */
export function htmlPage(title: string, message: string, hint: string | null = null): string {
  const p = (text: string) => `<p>${escapeHtml(text)}</p>`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>${escapeHtml(title)}</h1>
${p(message)}${hint ? p(hint) : ''}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
