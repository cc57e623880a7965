import type { NoteRow } from './contender.ts';

/** Keyset pagination by id: the first batch, then the batch after the last id seen. */
export async function* keyset(
  batchSize: number,
  first: (limit: number) => NoteRow[] | Promise<NoteRow[]>,
  after: (id: string, limit: number) => NoteRow[] | Promise<NoteRow[]>,
): AsyncGenerator<NoteRow> {
  let batch = await first(batchSize);
  for (;;) {
    yield* batch;
    const last = batch.at(-1);
    if (last === undefined || batch.length < batchSize) return;
    batch = await after(last.id, batchSize);
  }
}
