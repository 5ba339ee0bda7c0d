// Adapter process entry: runs one WaterCodeFlow DAP session over stdin/stdout (or --server=PORT).
// Must not contain session logic.
import { DebugSession } from '@vscode/debugadapter';
import { WaterCodeFlowSession } from './session';

process.on('uncaughtException', (err) => console.error('[watercodeflow] uncaught exception:', err));
process.on('unhandledRejection', (err) => console.error('[watercodeflow] unhandled rejection:', err));
DebugSession.run(WaterCodeFlowSession);
