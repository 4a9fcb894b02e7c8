import type { InspectionEvent } from 'xstate';

/**
 * The `inspect` observer for `--inspect <url>`, loading the inspector (WebSocket producer) only when asked:
 * it costs ~17 MB and ~0.8 s of start-up that a plain download should not pay.
 */
export async function loadInspect(
  url: string | undefined,
): Promise<((event: InspectionEvent) => void) | undefined> {
  if (!url) return undefined;
  const { inspectOption } = await import('../inspect/index.js');
  return inspectOption(url);
}
