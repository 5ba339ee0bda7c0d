// Entry point of the WaterCodeFlow VS Code extension: wires providers, commands and the adapter factory.
// It must not hold logic of its own, nor import the adapter (DAP only).
import * as vscode from 'vscode';
import { AdapterDescriptorFactory } from './adapter/adapterFactory';
import { registerOpenRecording } from './commands/openRecording';
import { registerReverseCommands } from './commands/reverseCommands';
import { registerShowValueHistory } from './commands/showValueHistory';
import { ConfigurationResolver, DynamicConfigurationProvider, InitialConfigurationProvider } from './configuration/launchConfigurations';
import { HistoryHoverProvider } from './inline/historyHover';
import { InlineValueHistoryProvider } from './inline/inlineValueHistory';
import { LineHitsLensProvider } from './inline/lineHitsLens';
import { DEBUG_TYPE } from './protocol';
import { HistoryClient } from './session/historyClient';
import { StepTracker } from './session/stepTracker';

const PYTHON_FILES: vscode.DocumentSelector = { language: 'python', scheme: 'file' };

export function activate(context: vscode.ExtensionContext): void {
  const tracker = new StepTracker();
  const history = new HistoryClient(tracker);
  const inlineValues = new InlineValueHistoryProvider(tracker, history);
  const lineHits = new LineHitsLensProvider(tracker, history);
  const { Initial, Dynamic } = vscode.DebugConfigurationProviderTriggerKind;
  const storageDir = (context.storageUri ?? context.globalStorageUri).fsPath;

  context.subscriptions.push(
    tracker,
    history,
    inlineValues,
    lineHits,
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterDescriptorFactory(context.extensionPath)),
    vscode.debug.registerDebugAdapterTrackerFactory(DEBUG_TYPE, tracker),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new InitialConfigurationProvider(), Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new DynamicConfigurationProvider(), Dynamic),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationResolver(storageDir)),
    vscode.languages.registerInlineValuesProvider(PYTHON_FILES, inlineValues),
    vscode.languages.registerHoverProvider(PYTHON_FILES, new HistoryHoverProvider(tracker, history)),
    vscode.languages.registerCodeLensProvider(PYTHON_FILES, lineHits),
    ...registerReverseCommands(tracker),
    registerOpenRecording(storageDir),
    registerShowValueHistory(tracker, history),
  );
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
