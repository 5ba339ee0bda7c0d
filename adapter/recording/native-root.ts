// Finds the folder holding the Python recorder package (native/watercodeflow) from wherever the adapter
// runs: dist/adapter.js, out/adapter/…, or an explicit WATERCODEFLOW_NATIVE override. Must not spawn anything.
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../common/user-error';

export function findNativeDir(): string {
  const override = process.env.WATERCODEFLOW_NATIVE;
  if (override) return override;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'native');
    if (fs.existsSync(path.join(candidate, 'watercodeflow'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new UserError(`The WaterCodeFlow recorder (native/watercodeflow) was not found near ${__dirname}; the extension install is incomplete. Reinstall it.`);
}
