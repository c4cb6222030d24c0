/** Reads a JSON request body with a size limit; clear 413/415/400 problems otherwise. */
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
