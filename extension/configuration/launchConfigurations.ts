// Provides and completes "watercodeflow" launch configurations (initial, dynamic, F5 without launch.json) and
// picks the interpreter. It must not start processes or talk to the adapter.
import * as path from 'path';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../protocol';
import { DEFAULT_PYTHON, locateExecutable, missingInterpreterMessage, selectedPythonInterpreter } from './pythonInterpreter';
import { newModuleRecordingPath, newRecordingPath, pruneRecordings, recordingsDir } from './recordingLocation';

export const RECORD_CURRENT_FILE = 'WaterCodeFlow: Record current file';

export function recordCurrentFileConfiguration(): vscode.DebugConfiguration {
  return { type: DEBUG_TYPE, request: 'launch', name: RECORD_CURRENT_FILE, program: '${file}', cwd: '${fileDirname}' };
}

/** launch.json's initial configurations (when the user creates launch.json with our debugger). */
export class InitialConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ ...recordCurrentFileConfiguration(), cwd: '${workspaceFolder}' }];
  }
}

/** The dynamic "WaterCodeFlow: Record current file" entry in the Run and Debug picker. */
export class DynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [recordCurrentFileConfiguration()];
  }
}

/** Fills in what the user left out and refuses, with an actionable message, what cannot run. */
export class ConfigurationResolver implements vscode.DebugConfigurationProvider {
  /** `storageDir` holds the recordings of runs whose configuration names no "recording" file. */
  constructor(private readonly storageDir: string) {}

  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration | undefined {
    // F5 with no launch.json gives an empty configuration: record the Python file in the editor (a configuration
    // naming a "module" is never turned into one that records the current file).
    if (!config.type && !config.request && !config.name && !config.module) {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'python') {
        void vscode.window.showErrorMessage('WaterCodeFlow: open a Python file to record, or add a "watercodeflow" configuration to launch.json.');
        return undefined;
      }
      return recordCurrentFileConfiguration();
    }
    config.type = config.type || DEBUG_TYPE;
    config.request = config.request || 'launch';
    config.name = config.name || RECORD_CURRENT_FILE;
    if (!config.program && !config.module && !config.replay) {
      void vscode.window.showErrorMessage('WaterCodeFlow: the launch configuration needs "program" (a Python file to record), "module" ' +
        '(a module to record as `python -m` runs it) or "replay" (a .wcf recording to open).');
      return undefined;
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (config.replay) return config; // replaying needs no interpreter
    if (typeof config.program === 'string' && !path.isAbsolute(config.program)) {
      const base = (config.cwd as string | undefined) || folder?.uri.fsPath;
      if (base) config.program = path.resolve(base, config.program);
    }
    // `python -m` runs in the workspace folder unless "cwd" says otherwise (the adapter asks for "cwd" without one).
    if (typeof config.module === 'string' && !config.cwd && folder) config.cwd = folder.uri.fsPath;
    const resource = typeof config.program === 'string' ? vscode.Uri.file(config.program) : folder?.uri;
    let python = typeof config.python === 'string' && config.python ? config.python : undefined;
    let source: 'launch.json' | 'Python extension' | 'default' = 'launch.json';
    if (!python) {
      python = await selectedPythonInterpreter(resource);
      source = python ? 'Python extension' : 'default';
      python = python ?? DEFAULT_PYTHON;
    }
    const located = locateExecutable(python, envPathFor(config));
    if (!located) {
      const choice = await vscode.window.showErrorMessage(missingInterpreterMessage(python, source), 'Open launch.json');
      if (choice === 'Open launch.json') await vscode.commands.executeCommand('workbench.action.debug.configure');
      return undefined;
    }
    config.python = located;
    if (!config.recording && (typeof config.program === 'string' || typeof config.module === 'string')) {
      try {
        pruneRecordings(recordingsDir(this.storageDir));
        config.recording = typeof config.module === 'string'
          ? newModuleRecordingPath(this.storageDir, config.module)
          : newRecordingPath(this.storageDir, config.program as string);
      } catch (err) {
        // The adapter then picks a temporary file itself; say why the usual place did not work.
        console.warn(`WaterCodeFlow: cannot use ${recordingsDir(this.storageDir)} for recordings: ${String(err)}`);
      }
    }
    return config;
  }
}

function envPathFor(config: vscode.DebugConfiguration): string {
  const env = config.env as Record<string, string | null> | undefined;
  const fromConfig = env && typeof env.PATH === 'string' ? env.PATH : undefined;
  return fromConfig ?? process.env.PATH ?? '';
}
