/**
 * The media store: bytes by the sha256 of the uploaded original, in variants (the original, the public copy without
 * EXIF, the thumbnail). One interface so an object store can replace the filesystem later.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export type Variant = 'original' | 'public' | 'thumb';

export interface MediaStore {
  /** Stores an original; answers its sha256 (hex). Storing the same bytes again changes nothing. */
  put(bytes: Uint8Array): Promise<string>;
  /** Stores a variant derived from the original `sha`. */
  putVariant(sha: string, variant: Exclude<Variant, 'original'>, bytes: Uint8Array): Promise<void>;
  /** The bytes of a variant, or null when it is not stored. */
  get(sha: string, variant: Variant): Promise<Buffer | null>;
  has(sha: string, variant?: Variant): Promise<boolean>;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const SHA = /^[0-9a-f]{64}$/;

/**
 * Files under `root`, sharded by the first two hex digits: root/ab/abcd….original (and .public, .thumb). Written to
 * a temporary file in the same directory and renamed into place, so a reader never sees half a file and a crash
 * leaves at worst a stray temporary file.
 */
export class FsMediaStore implements MediaStore {
  constructor(readonly root: string) {}

  private file(sha: string, variant: Variant): string {
    if (!SHA.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return path.join(this.root, sha.slice(0, 2), `${sha}.${variant}`);
  }

  async put(bytes: Uint8Array): Promise<string> {
    const sha = sha256(bytes);
    await this.write(sha, 'original', bytes);
    return sha;
  }

  async putVariant(sha: string, variant: Exclude<Variant, 'original'>, bytes: Uint8Array): Promise<void> {
    await this.write(sha, variant, bytes);
  }

  private async write(sha: string, variant: Variant, bytes: Uint8Array): Promise<void> {
    const target = this.file(sha, variant);
    if (await this.exists(target)) return;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const h = await fs.open(tmp, 'wx');
      try {
        await h.writeFile(bytes);
        await h.sync();
      } finally {
        await h.close();
      }
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async get(sha: string, variant: Variant): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.file(sha, variant));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  has(sha: string, variant: Variant = 'original'): Promise<boolean> {
    return this.exists(this.file(sha, variant));
  }

  private async exists(file: string): Promise<boolean> {
    try {
      await fs.access(file);
      return true;
    } catch {
      return false;
    }
  }
}
