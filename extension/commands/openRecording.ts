// "Open Recording…": picks a .wcf file and starts a replay-only debug session on it. It must not read the
// recording itself: the adapter validates it (schema version) and reports problems.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { recordingsDir } from '../configuration/recordingLocation';
import { DEBUG_TYPE } from '../protocol';

/** `storageDir`: where runs without a "recording" path keep theirs (the dialog starts there when it exists). */
export function registerOpenRecording(storageDir: string): vscode.Disposable {
  return vscode.commands.registerCommand('watercodeflow.openRecording', async (uri?: vscode.Uri) => {
    let file = uri instanceof vscode.Uri ? uri : undefined;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({
        title: 'WaterCodeFlow: Open Recording',
        canSelectMany: false,
        openLabel: 'Replay',
        filters: { 'WaterCodeFlow recordings': ['wcf'], 'All files': ['*'] },
        defaultUri: fs.existsSync(recordingsDir(storageDir)) ? vscode.Uri.file(recordingsDir(storageDir)) : undefined,
      });
      file = picked?.[0];
    }
    if (!file) return;
    const folder = vscode.workspace.getWorkspaceFolder(file) ?? vscode.workspace.workspaceFolders?.[0];
    const started = await vscode.debug.startDebugging(folder, {
      type: DEBUG_TYPE,
      request: 'launch',
      name: `WaterCodeFlow: ${path.basename(file.fsPath)}`,
      replay: file.fsPath,
    });
    if (!started) void vscode.window.showErrorMessage(`WaterCodeFlow: could not open the recording ${file.fsPath}; see the Debug Console for the reason.`);
  });
}
