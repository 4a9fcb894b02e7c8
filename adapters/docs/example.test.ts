import { expect, it } from 'vitest';
import { downloadHello } from '../../docs/examples/library.js';

it('the getting-started library example downloads, installs and reports 900', async () => {
  const { output, states, body } = await downloadHello();
  expect(output).toMatchObject({ statusCode: 900, installed: true, reported: true });
  expect(body).toBe('Hello from the reference Download Server!\n');
  expect(states[0]).toBe('"fetchingDescriptor"');
  expect(states.at(-1)).toBe('"done"');
});
