// Recording-format constants this reader understands (docs/recording-format.md, native/watercodeflow/schema.sql).
// Owns the schema version check and the step-kind codes; must not read files or know about DAP.

export const NEWEST_SCHEMA_VERSION = 2;
/** The oldest version this reader opens: version 1 (plain rows) was never released. */
export const OLDEST_SCHEMA_VERSION = 2;
export const RECORDING_FORMAT_NAME = 'watercodeflow-recording';

export enum StepKind {
  Line = 0,
  Call = 1,
  Return = 2,
  Exception = 3,
}

export const STEP_KIND_NAMES: Record<number, string> = {
  [StepKind.Line]: 'line',
  [StepKind.Call]: 'call',
  [StepKind.Return]: 'return',
  [StepKind.Exception]: 'exception',
};

export type RecordingStatus = 'recording' | 'complete' | 'stopped' | 'limit' | 'killed' | string;

/** Throws a user-facing error when the file's schema version is missing, older or newer than this reader's. */
export function checkSchemaVersion(meta: Map<string, string>, path: string): number {
  const raw = meta.get('schema_version');
  if (raw === undefined) {
    throw new Error(`${path} is not a WaterCodeFlow recording (its meta table has no schema_version).`);
  }
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1) {
    throw new Error(`${path} has an invalid schema_version '${raw}'; the recording is corrupt.`);
  }
  if (version < OLDEST_SCHEMA_VERSION) {
    throw new Error(
      `${path} uses recording format version ${version}: it was recorded by an older WaterCodeFlow, and this ` +
        `WaterCodeFlow reads version ${NEWEST_SCHEMA_VERSION} only. Record the program again.`,
    );
  }
  if (version > NEWEST_SCHEMA_VERSION) {
    throw new Error(
      `${path} uses recording format version ${version}, but this WaterCodeFlow reads versions up to ` +
        `${NEWEST_SCHEMA_VERSION}. Update the WaterCodeFlow extension to open it.`,
    );
  }
  return version;
}
