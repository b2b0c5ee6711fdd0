import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DataDirLock {
  path: string;
  release(): Promise<void>;
}

/**
 * Claims `<dataDir>/floodgate.pid` so that two `floodgate up` never open the same embedded database
 * (PGlite does not lock its files). A lock left by a process that no longer runs is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'floodgate.pid');
  for (let tries = 0; tries < 2; tries++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return {
        path,
        async release() {
          const owner = await readFile(path, 'utf8').catch(() => '');
          if (Number.parseInt(owner, 10) === process.pid) await rm(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
        throw new Error(`${dataDir} is in use by a running floodgate (pid ${pid})`);
      }
      await rm(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
