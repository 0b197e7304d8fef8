/** Set by main for the service process: where safeStorage keeps the secrets, in words (for settings). */
export const SECRETS_DESCRIPTION_ENV = 'BILANCIO_SYNC_SECRETS_DESCRIPTION';
