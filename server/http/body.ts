/** Reads a JSON request body with a size limit; clear 413/415/400 problems otherwise. */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Koa from 'koa';
import { HttpError, badRequest } from './problem.js';
import { checkEdges } from './sanitize.js';

export async function readJson(ctx: Koa.Context, limitBytes: number): Promise<unknown> {
  const value = parseJson(await readJsonBytes(ctx, limitBytes));
  checkEdges(value, 'body');
  return value;
}

/** Parses a JSON body: a 400 when it is empty or not JSON. */
export function parseJson(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; send a JSON document');
  try {
    return JSON.parse(text); // V8's parser is iterative: deep nesting cannot overflow the stack here
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** The bytes of a JSON request body: 415 for another media type, 413 beyond the limit. */
export async function readJsonBytes(ctx: Koa.Context, limitBytes: number): Promise<Buffer> {
  const type = ctx.request.type;
  if (type !== 'application/json' && type !== 'application/geo+json' && !type.endsWith('+json')) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `send the body as application/json (got "${ctx.get('Content-Type') || 'no Content-Type'}")`,
    );
  }
  return readBodyBytes(ctx, limitBytes);
}

/** The request body's bytes, whatever its media type: 413 beyond the limit (declared or sent). */
export async function readBodyBytes(ctx: Koa.Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.get('Content-Length') || NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number) {
  return new HttpError(
    413,
    'payload-too-large',
    'Payload too large',
    `the request body exceeds the limit of ${limit} bytes`,
  );
}

/**
 * Spools a request body of any media type into a temporary file (413 beyond the limit), for file uploads that are
 * read as streams. The caller removes the file with `remove()`.
 */
export async function spoolBody(
  ctx: Koa.Context,
  limitBytes: number,
): Promise<{ path: string; size: number; remove: () => Promise<void> }> {
  const declared = Number(ctx.get('Content-Length') || NaN);
  if (declared > limitBytes) throw tooLarge(limitBytes);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wangge-upload-'));
  const file = path.join(dir, 'body');
  const remove = () => fs.rm(dir, { recursive: true, force: true });
  let size = 0;
  try {
    const out = createWriteStream(file);
    await pipeline(
      ctx.req,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          done(size > limitBytes ? tooLarge(limitBytes) : null, chunk);
        },
      }),
      out,
    );
  } catch (e) {
    await remove();
    throw e;
  }
  if (size === 0) {
    await remove();
    throw badRequest('the request body is empty; send the file as the body');
  }
  return { path: file, size, remove };
}
