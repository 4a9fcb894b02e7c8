// Worker entry: registers tsx in this thread (a worker does not inherit the parent's loaders), then runs the
// TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./framing-worker.ts');
