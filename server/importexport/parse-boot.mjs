// The worker thread of parse.ts starts here: the server runs TypeScript through tsx, so the worker registers tsx's
// loader before it loads parse-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./parse-worker.ts');
