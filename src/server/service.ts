/**
 * What the browser mode needs of the application service: the contract's two doors (`invoke`,
 * `subscribe`) and the event bus's replay buffer (for an event stream that reconnects). `AppService`
 * is one; a test can hand in anything shaped like it.
 */
import type { AppService } from '../core/service/AppService.js';

export type BrowserModeService = Pick<AppService, 'invoke' | 'subscribe'> & {
  bus: Pick<AppService['bus'], 'since' | 'lastSeq'>;
};
