// The capabilities this adapter announces in its initialize response (the contract other parts rely on).
import { DebugProtocol } from '@vscode/debugprotocol';
import { EXCEPTION_FILTERS } from '../replay/breakpoints';

export function adapterCapabilities(client: DebugProtocol.InitializeRequestArguments): DebugProtocol.Capabilities {
  return {
    supportsConfigurationDoneRequest: true,
    supportsStepBack: true,
    supportsConditionalBreakpoints: true,
    supportsHitConditionalBreakpoints: true,
    supportsLogPoints: true,
    supportsFunctionBreakpoints: true,
    exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ ...f })),
    supportsDataBreakpoints: true,
    supportsGotoTargetsRequest: true,
    supportsRestartFrame: true,
    supportsStepInTargetsRequest: true,
    supportsBreakpointLocationsRequest: true,
    supportsExceptionInfoRequest: true,
    supportsLoadedSourcesRequest: true,
    supportsCompletionsRequest: true,
    supportsEvaluateForHovers: true,
    supportsTerminateRequest: true,
    supportsRestartRequest: true,
    supportsValueFormattingOptions: false,
    supportsCancelRequest: true,
    supportsProgressReporting: client.supportsProgressReporting === true,
    supportsDelayedStackTraceLoading: false,
  } as DebugProtocol.Capabilities;
}
