// Writing the --report HTML file of load-test and load-test merge: checked before the run (the
// measured figures must never be lost to an unwritable path), written after it.
import { promises as fs } from 'node:fs';
import { JobctlError } from '../util/errors.js';

/** Refuse an unwritable --report before the run (the measured figures must never be lost to it). */
export async function assertWritable(file: string): Promise<void> {
  if (file.trim() === '') throw new JobctlError('--report is empty; pass a file name such as load.html');
  const existed = await fs.stat(file).then(() => true, () => false);
  try {
    const handle = await fs.open(file, 'a');
    await handle.close();
    if (!existed) await fs.unlink(file);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}

export async function writeReport(file: string, html: string): Promise<void> {
  try {
    await fs.writeFile(file, html);
  } catch (err) {
    throw new JobctlError(`${file}: cannot write the report (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); choose a writable path`, { file });
  }
}
