/**
 * The contract's commands over HTTP: `POST /api/commands/:name` with the request as a JSON body answers
 * `service.invoke(name, body)`'s result as JSON — always HTTP 200 with `{ ok: true, value }` or
 * `{ ok: false, error }`, because a command's failure is data for the page, not a transport failure. HTTP
 * status codes are kept for what isn't a command's answer: 404 for a name the contract doesn't have, 400 for
 * a body that isn't JSON, 413 for one over the size limit (set on the server), 401/403 from the guards. A
 * POST without a body is the empty request `{}`. The service validates the request with the command's
 * schema, so nothing here looks inside it.
 */
import type { FastifyInstance } from 'fastify';
import { type CommandName, commands } from '../../shared/commands.js';
import { refuse } from '../refuse.js';
import type { BrowserModeService } from '../service.js';

export function registerCommandRoutes(app: FastifyInstance, service: BrowserModeService): void {
  app.post<{ Params: { name: string } }>('/api/commands/:name', async (request, reply) => {
    const { name } = request.params;
    if (!Object.hasOwn(commands, name)) {
      return refuse(request, reply, 404, 'unknown-command', `There is no command "${name}".`);
    }
    const result = await service.invoke(name as CommandName, (request.body ?? {}) as never);
    return reply.code(200).type('application/json; charset=utf-8').send(result);
  });
}
