/**
 * Property-based fuzz test driven by /api/openapi.json: for every route, schema-shaped and hostile path
 * parameters, query strings and bodies, sent as an admin and anonymously. Asserts: never a 5xx; every 4xx is
 * problem+json with a non-empty detail; a refused request stores nothing (row counts of every table unchanged).
 * Seeded (FUZZ_SEED, default 20261202) and bounded (FUZZ_RUNS hostile admin requests per route, half as many
 * schema-shaped ones and anonymous ones; default 4; tiles sampled once).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { sql } from 'kysely';
import { DRIVER } from '../helpers/db.js';
import { request } from '../helpers/http.js';
import { intake, P, setUpWorld, tearDownWorld, type World } from '../cases/fixture.js';
import { encodeParam, paramFor, toJsonText, valueFor, type Schema } from './arbitraries.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }[];
  body?: Schema;
}

interface Request {
  path: string;
  query: [string, string][];
  body?: string;
  token?: string;
  asText: string;
}

async function rowCounts(w: World): Promise<Record<string, number>> {
  const tables = await sql<{
    t: string;
  }>`select tablename as t from pg_tables where schemaname = 'public' order by 1`.execute(w.database.db);
  const union = tables.rows.map((r) => `select '${r.t}' as t, count(*)::int as n from "${r.t}"`).join(' union all ');
  const rows = await sql.raw<{ t: string; n: number }>(union).execute(w.database.db);
  return Object.fromEntries(rows.rows.map((r) => [r.t, r.n]));
}

function operations(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      ops.push({
        method,
        path,
        params: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

function requestArb(
  op: Operation,
  known: Record<string, unknown[]>,
  hostile: boolean,
  token: string | undefined,
): fc.Arbitrary<Request> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathArb = fc.tuple(
    ...pathParams.map((p) => paramFor(p.schema, hostile, known[p.name]).filter((s) => s.length > 0)),
  );
  const queryArb = fc.tuple(
    ...queryParams.map((p) =>
      p.required
        ? paramFor(p.schema, hostile, known[p.name]).map((v) => [v])
        : fc.option(fc.array(paramFor(p.schema, hostile, known[p.name]), { minLength: 1, maxLength: 2 }), { freq: 2 }),
    ),
  );
  const extraQuery = hostile
    ? fc.option(fc.tuple(fc.constantFrom('zzz', 'x\u0000', 'limit'), paramFor({ type: 'string' }, true)), { freq: 3 })
    : fc.constant(null);
  const bodyArb = op.body ? valueFor(op.body, hostile).map(toJsonText) : fc.constant(undefined);
  return fc.tuple(pathArb, queryArb, extraQuery, bodyArb).map(([pv, qv, extra, body]) => {
    let path = op.path;
    pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, encodeParam(pv[i]));
    });
    const query: [string, string][] = [];
    queryParams.forEach((p, i) => {
      for (const v of qv[i] ?? []) query.push([p.name, v]);
    });
    if (extra) query.push(extra);
    const qs = query.map(([k, v]) => `${encodeParam(k)}=${encodeParam(v)}`).join('&');
    const full = qs ? `${path}?${qs}` : path;
    return {
      path: full,
      query,
      body,
      token,
      asText: `${op.method.toUpperCase()} ${full}${body === undefined ? '' : ` ${body.slice(0, 300)}`}`,
    };
  });
}

describe(`fuzz: every route from the OpenAPI document (${DRIVER}, seed ${SEED})`, function () {
  this.timeout(600000);
  let w: World;
  let ops: Operation[] = [];
  const known: Record<string, unknown[]> = {};

  before(async () => {
    w = await setUpWorld();
    const id1 = await intake(w, { location: P.c02 });
    const id2 = await intake(w, { location: P.c41, category: 'matter:01001' });
    Object.assign(known, {
      id: [id1, id2, 1, 2],
      code: ['HW', 'QY', '990001', '990001001', '990001001001001'],
      key: ['matter:06010', 'component:01001'],
      layer: ['grids', 'streets', 'communities', 'cases', 'all'],
      z: [14, 16],
      x: [13200],
      y: [7100],
      lon: [100.0005, 100.0045],
      lat: [20.0025, 20.0015],
      category: ['matter:06010'],
      collectionId: ['grids', 'cases', 'collector-areas'],
      featureId: ['990001001001001-v1', '990001001001001', String(id1)],
    });
    const doc = (await request(w.server, 'GET', '/api/openapi.json')).body;
    ops = operations(doc);
  });
  after(async () => tearDownWorld(w));

  it('the OpenAPI document lists every declared route (114)', () => {
    expect(ops.length).to.equal(114);
  });

  it('no 5xx, every 4xx a problem with a detail, a refused request stores nothing', async () => {
    const tokens: [string, string | undefined][] = [
      ['admin', w.u.admin.token],
      ['anonymous', undefined],
    ];
    let sent = 0;
    for (const op of ops) {
      const runs = op.path.startsWith('/tiles/') ? 1 : RUNS; // tiles are sampled
      for (const [who, token] of tokens) {
        for (const hostile of who === 'admin' ? [true, false] : [true]) {
          const numRuns = who === 'admin' && hostile ? runs : Math.ceil(runs / 2);
          if (process.env.FUZZ_VERBOSE) console.log(`${op.method} ${op.path} ${who} ${hostile} sent=${sent}`);
          let before = op.method === 'get' ? {} : await rowCounts(w);
          await fc.assert(
            fc.asyncProperty(requestArb(op, known, hostile, token), async (req) => {
              sent++;
              const res = await request(w.server, op.method.toUpperCase(), req.path, {
                token: req.token,
                body: req.body,
              });
              const text = res.text;
              const where = `${who}: ${req.asText} → ${res.status} ${text.slice(0, 300)}`;
              expect(res.status, where).to.be.below(500);
              if (res.status >= 400) {
                expect(res.headers.get('content-type'), where).to.match(/^application\/problem\+json/);
                const problem = JSON.parse(text);
                expect(problem.detail, where).to.be.a('string').and.not.equal('');
              }
              if (op.method !== 'get') {
                const after = await rowCounts(w);
                if (res.status >= 400)
                  expect(after, `${where}: a refused write stored something`).to.deep.equal(before);
                before = after;
              }
            }),
            {
              seed: SEED,
              numRuns,
              endOnFailure: true,
              reporter: (out) => {
                if (out.failed)
                  throw new Error(
                    `${op.method.toUpperCase()} ${op.path} (${who}, ${hostile ? 'hostile' : 'shaped'}): seed ${SEED}, counterexample ${fc.stringify(out.counterexample)}\n${String(out.errorInstance)}`,
                  );
              },
            },
          );
        }
      }
    }
    expect(sent).to.be.at.least(ops.length * 3);
  });
});
