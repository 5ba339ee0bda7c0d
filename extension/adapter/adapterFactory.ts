// Tells VS Code how to start the WaterCodeFlow debug adapter: its own Node process (dist/adapter.js), or,
// with the developer setting `watercodeflow.adapter.inline`, inside the extension host. Starts nothing itself.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { createInlineAdapter } from './inlineAdapter';

export class AdapterDescriptorFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionRoot: string) {}

  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    if (vscode.workspace.getConfiguration('watercodeflow').get<boolean>('adapter.inline', false)) {
      return createInlineAdapter(this.extensionRoot);
    }
    const adapterMain = path.join(this.extensionRoot, 'dist', 'adapter.js');
    if (!fs.existsSync(adapterMain)) {
      throw new Error(`WaterCodeFlow: the debug adapter ${adapterMain} is missing; reinstall the extension (or run "npm run build" in a checkout).`);
    }
    // 'node' is special-cased by VS Code: it forks the adapter on its own runtime (Electron as Node, or
    // code-server's Node), so users need no Node on PATH.
    // The adapter finds the recorder (native/) and sqlite3 (node_modules/) beside its own bundle.
    return new vscode.DebugAdapterExecutable('node', [adapterMain]);
  }
}
