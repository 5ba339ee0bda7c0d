// Public entry of the session layer: the DAP session class, importable by the extension for an inline
// (in-process) debug adapter. Must not start anything by itself.
export { WaterCodeFlowSession } from './wcf-session';
