/** The store port is the core's (relay/ports/store.ts); the stores implement it from here. */
export type { CreateResult, Expectation, RelayStore } from '../relay/ports/store.js';
