// The log levels every part of the agent speaks; a leaf, so that config/ and store/ need nothing above.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
