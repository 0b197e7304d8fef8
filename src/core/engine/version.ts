import pkg from '../../../package.json' with { type: 'json' };

/** This package's version, recorded in every manifest so a restore knows which tool wrote it. */
export const TOOL_VERSION: string = pkg.version;
