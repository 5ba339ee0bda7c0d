// The timeline/bufferHistory answer: one page of the write history of chosen elements of a recorded buffer,
// each entry with the step, the line that wrote it, the element's index and its old and new values. Only the
// page's entries are rendered; the rest are counted. Must not know about DAP.
import { elementRepr } from './buffer-elements';
import { ElementSelection, indexLabel, scanElementChanges, ScanEnd } from './buffer-element-history';
import { Recording } from './recording';
import { Page, pageBounds } from './timeline-queries';

export interface BufferHistoryEntry {
  step: number;
  line: number;
  file: string;
  function: string;
  /** The element's index in what was asked about: flat for one axis, a multi-index for several. */
  index: number | number[];
  flatIndex: number;
  before: string;
  after: string;
}

export interface BufferHistoryPage {
  entries: BufferHistoryEntry[];
  total: number;
  /** Set when the history stops before the end of the recording (fingerprints, a freed buffer). */
  end?: ScanEnd;
}

/** Where the write stored at `step` was made: the step before it (the state at N is before N's line runs). */
export function writerOf(rec: Recording, step: number): { line: number; file: string; function: string } {
  const at = Math.max(0, step - 1);
  const code = rec.codeOfFrame(rec.stepFrame[at]);
  return { line: rec.frameLineAt(rec.stepFrame[at], at), file: code ? rec.files.get(code.fileId) ?? '' : '', function: code?.qualname ?? '' };
}

export async function bufferHistoryPage(rec: Recording, selection: ElementSelection, page: Page,
  cancelled?: () => boolean): Promise<BufferHistoryPage> {
  const [start, count] = pageBounds(page);
  const codec = rec.buffers.codec(selection.layout);
  const entries: BufferHistoryEntry[] = [];
  let total = 0;
  const end = await scanElementChanges(rec.buffers, selection, (change) => {
    const first = total;
    total += change.changed.length;
    if (total <= start || first >= start + count) return;
    const writer = writerOf(rec, change.step);
    for (let k = Math.max(0, start - first); k < change.changed.length && first + k < start + count; k++) {
      const e = change.changed[k];
      entries.push({
        step: change.step, ...writer, index: indexLabel(selection, e), flatIndex: selection.flats[e],
        before: elementRepr(codec.decode(change.bytesOf(e, 'before'), 0)),
        after: elementRepr(codec.decode(change.bytesOf(e, 'after'), 0)),
      });
    }
  }, { cancelled });
  return end ? { entries, total, end } : { entries, total };
}
