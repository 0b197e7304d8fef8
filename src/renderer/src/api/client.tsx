/**
 * The renderer's way to the engine: one typed client (`makeClient` over whatever Bridge main.tsx picked),
 * given to every component through React context, and `call`, which turns a command's Result into a
 * value or a thrown ApiError (what TanStack Query expects of a query function).
 */
import { createContext, type ReactNode, useContext } from 'react';
import type { Client } from '../../../shared/bridge';
import type { CommandName, CommandRequest, CommandResponse, Result } from '../../../shared/commands';
import type { AppError } from '../../../shared/errors';

export class ApiError extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'ApiError';
  }
}

/** The contract's error behind anything a query or mutation threw (a network failure becomes one too). */
export function appErrorOf(e: unknown): AppError {
  if (e instanceof ApiError) return e.error;
  return {
    category: 'internal',
    code: 'renderer-error',
    message: e instanceof Error ? e.message : String(e),
    hint: null,
  };
}

const ClientContext = createContext<Client | null>(null);

export function ClientProvider({ client, children }: { client: Client; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): Client {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient outside ClientProvider');
  return client;
}

export async function call<N extends CommandName>(
  client: Client,
  name: N,
  request: CommandRequest<N>,
): Promise<CommandResponse<N>> {
  const method = client[name] as unknown as (r: CommandRequest<N>) => Promise<Result<CommandResponse<N>>>;
  const result = await method(request);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}
