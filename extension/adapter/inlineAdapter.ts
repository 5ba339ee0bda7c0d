// Developer mode: runs the debug adapter's DAP session inside the extension host so the adapter can be
// debugged together with the extension. It must not be the default (a crash here takes the host down).
import * as path from 'path';
import * as vscode from 'vscode';

export function createInlineAdapter(extensionRoot: string): vscode.DebugAdapterDescriptor {
  // The session class comes from the adapter bundle, loaded at run time so that the extension bundle stays
  // independent of the adapter's sources (and of sqlite3's native module) in the normal, out-of-process mode.
  const bundle = path.join(extensionRoot, 'dist', 'adapter-session.js');
  let exported: Record<string, unknown>;
  try {
    // A bundle loaded by its path at run time, so require() and not an import (which esbuild would inline).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(bundle) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`WaterCodeFlow: the inline adapter needs ${bundle} (built by "npm run build"); loading it failed: ${String(err)}. Turn off "watercodeflow.adapter.inline" to use the normal adapter process.`, { cause: err });
  }
  // adapter/session/index.ts exports WaterCodeFlowSession; fall back to its only exported class if it is renamed.
  const candidate = exported.WaterCodeFlowSession ?? Object.values(exported).find((v) => typeof v === 'function');
  const SessionClass = typeof candidate === 'function' ? (candidate as new () => vscode.DebugAdapter) : undefined;
  if (!SessionClass) {
    throw new Error(`WaterCodeFlow: ${bundle} exports no DAP session class; turn off "watercodeflow.adapter.inline".`);
  }
  return new vscode.DebugAdapterInlineImplementation(new SessionClass());
}
