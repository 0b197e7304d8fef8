/**
 * The page: the built renderer (`out/renderer/`, made by `npm run build`), found relative to this package's
 * root — not the working directory, so `bilancio-sync ui` works from any folder. `/` is its index.html,
 * and so is any other page path without a file extension (the renderer's own routes survive a reload);
 * everything else is a file of that folder, or 404. The hashed assets may be cached; the index never is.
 * If the folder hasn't been built, every page request gets a 500 page saying to run `npm run build` (the
 * API keeps working, for scripts). Unknown `/api/` paths answer JSON 404s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { isApiPath, refuse } from './refuse.js';

/** The folder holding this package's package.json (walking up from this file). */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'bilancio-sync') {
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    if (dirname(dir) === dir) return resolve(here, '../..');
  }
}

export function defaultRendererDir(): string {
  return join(packageRoot(), 'out', 'renderer');
}

export async function registerRenderer(app: FastifyInstance, rendererDir: string): Promise<void> {
  const root = resolve(rendererDir);
  const built = existsSync(join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: ['index.html'],
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (reply, path) => {
        if (!path.endsWith('.html')) reply.header('cache-control', 'private, max-age=31536000, immutable');
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(request.url)) {
      return refuse(request, reply, 404, 'not-found', `No API at ${request.method} ${path}.`);
    }
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !/\.[^/]*$/.test(path);
    if (!isPage) return refuse(request, reply, 404, 'not-found', `Nothing at ${path}.`);
    if (!built) {
      return refuse(
        request,
        reply,
        500,
        'renderer-not-built',
        `The window's files are not built: ${join(root, 'index.html')} is missing.`,
        `Run \`npm run build\` in ${packageRoot()}, then reload this page.`,
      );
    }
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
}
