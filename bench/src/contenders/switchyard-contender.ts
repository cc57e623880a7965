import { openStore } from '@switchyard/core';
import { demoSchema, Note } from '@switchyard/demo/schema';
import type { Contender, NewNote, NoteRow } from './contender.ts';

/** Switchyard's repository API: what an application using Switchyard writes. */
export async function switchyardContender(url: string): Promise<Contender> {
  const store = await openStore({ url, schema: demoSchema });
  const notes = store.repo(Note);
  return {
    name: 'switchyard',
    async insertMany(batch: readonly NewNote[]) {
      await notes.insertMany(batch);
    },
    get: (id) => notes.get(id) as Promise<NoteRow | null>,
    async page(owner, tag, limit) {
      const page = await notes.find(
        { owner, tags: { contains: tag } },
        { orderBy: { createdAt: 'desc', id: 'desc' }, limit },
      );
      return page.items as NoteRow[];
    },
    update: (id, patch, expectedVersion) => notes.update(id, patch, { expectedVersion }) as Promise<NoteRow>,
    stream: (batchSize) => notes.stream({}, { batchSize }) as AsyncIterable<NoteRow>,
    async search(query) {
      const page = await store.search(Note, query.text, {
        where: { owner: query.owner },
        limit: query.limit,
      });
      return page.hits.map((hit) => hit.item.id);
    },
    close: () => store.close(),
  };
}
