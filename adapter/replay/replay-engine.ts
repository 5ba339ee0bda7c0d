// The replay cursor and its moves: step over/in/out and continue in a Direction, goto, restart frame, and
// the first stop after a recording opens. Stepping stops early at breakpoints met on the way, like debugpy.
// Must not know about DAP messages.
import { Recording } from '../timeline/recording';
import { StepKind } from '../timeline/schema';
import { BreakpointManager, uncaughtRaiseStep } from './breakpoints';
import { Direction } from './direction';
import { stepIn, stepOut, stepOver } from './stepping';
import { END_OF_RECORDING, START_OF_RECORDING, StopPoint } from './stop-point';

export enum StepGranularity { Over = 'over', In = 'in', Out = 'out' }

export class ReplayEngine {
  private cursor = 0;

  constructor(readonly rec: Recording, readonly breakpoints: BreakpointManager) {}

  get currentStep(): number { return this.cursor; }

  /** Where a freshly opened recording stops: entry, first breakpoint hit, the uncaught exception, or the end. */
  initialStop(stopOnEntry: boolean): StopPoint {
    if (stopOnEntry) return this.moveTo({ step: 0, reason: 'entry', description: START_OF_RECORDING });
    const hit = this.breakpoints.nearest(-1, Direction.Forward);
    if (hit) return this.moveTo(hit);
    const uncaught = this.rec.uncaughtException();
    if (uncaught) return this.moveTo(this.breakpoints.exceptionStop(uncaughtRaiseStep(this.rec, uncaught)));
    return this.moveTo(this.boundary(Direction.Forward));
  }

  step(granularity: StepGranularity, direction: Direction): StopPoint {
    const from = this.cursor;
    const target = granularity === StepGranularity.Over ? stepOver(this.rec, from, direction)
      : granularity === StepGranularity.In ? stepIn(this.rec, from, direction)
        : stepOut(this.rec, from, direction);
    const planned: StopPoint = target === undefined ? this.boundary(direction) : { step: target, reason: 'step' };
    const hit = this.breakpoints.nearest(from, direction);
    if (hit && (direction === Direction.Forward ? hit.step < planned.step : hit.step > planned.step)) return this.moveTo(hit);
    return this.moveTo(planned);
  }

  continue(direction: Direction): StopPoint {
    return this.moveTo(this.breakpoints.nearest(this.cursor, direction) ?? this.boundary(direction));
  }

  goto(step: number, description?: string): StopPoint {
    if (!Number.isInteger(step) || step < 0 || step > this.rec.lastStep) {
      throw new Error(`Step ${step} is outside the recording (0–${this.rec.lastStep}).`);
    }
    return this.moveTo({ step, reason: 'goto', description: description ?? `Step ${step}` });
  }

  /** The first line step of a frame (its call step when it has no line step). */
  frameStart(frameId: number): number {
    const { frameStepStart, frameSteps, stepKind } = this.rec;
    for (let i = frameStepStart[frameId]; i < frameStepStart[frameId + 1]; i++) {
      if (stepKind[frameSteps[i]] === StepKind.Line) return frameSteps[i];
    }
    return this.rec.frames.callStep[frameId];
  }

  private boundary(direction: Direction): StopPoint {
    return direction === Direction.Forward
      ? { step: this.rec.lastStep, reason: 'step', description: END_OF_RECORDING }
      : { step: 0, reason: 'entry', description: START_OF_RECORDING };
  }

  private moveTo(stop: StopPoint): StopPoint {
    this.cursor = stop.step;
    return stop;
  }
}
