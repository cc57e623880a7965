import fc from 'fast-check';
import type { QueryItem, QueryNode } from './reference-matcher.ts';

/**
 * The words random documents and queries are made of: each entry lists spellings of one word
 * (case and diacritic variants, precomposed and decomposed, `ß`/`ẞ`/`ss`), plus the awkward cases
 * of DESIGN §5: words that normalise to several tokens, one- and two-letter words, words servers
 * treat as stopwords, CJK, emoji. No spelling is `OR` (the operator), contains a space, a quote
 * or a parenthesis, or starts with `-`.
 */
export const VOCABULARY: readonly (readonly string[])[] = [
  ['cafe', 'Café', 'CAFÉ', 'cafe\u0301'],
  ['strasse', 'straße', 'STRASSE', 'Straße', 'STRAẞE'],
  ['naive', 'naïve', 'NAÏVE'],
  ['resume', 'résumé', 'Résumé', 'RESUME'],
  ['lodz', 'Łódź', 'łódź', 'LODZ'],
  ['data', 'Data', 'DATA'],
  ['database', 'DataBase', 'DATABASE'],
  ['dataset', 'DataSet'],
  ['date', 'Date'],
  ['east', 'East', 'EAST'],
  ['the', 'The', 'THE'],
  ['is', 'Is', 'IS'],
  ['a', 'A'],
  ['go', 'Go', 'GO'],
  ['and', 'And', 'AND'],
  ['e-mail', 'E-Mail', 'E-MAIL'],
  ['email', 'Email', 'EMAIL'],
  ['mail', 'Mail'],
  ['2.0.1', 'v2.0.1'],
  ['2.0', '2'],
  ["o'reilly", "O'Reilly", 'O’Reilly'],
  ['snake_case', 'SNAKE_CASE', 'case'],
  ['東京', '東', '京'],
  ['c++', 'C#', 'c'],
  ['pizza', 'PIZZA', 'pizza🍕', '🍕'],
];

const SPELLINGS = VOCABULARY.flat();

/** What separates two words in a generated document (never a letter, digit or mark). */
const SEPARATORS = [' ', ' ', ' ', ' ', ', ', '. ', ' - ', '-', '/', ' — ', '\n', ' (', ') ', '"', ': '];

/** A generated document: its fields as text, and the spellings each was built from. */
export interface GeneratedDocument {
  readonly key: string;
  readonly title: string;
  readonly body: string | null;
  readonly titleWords: readonly string[];
  readonly bodyWords: readonly string[];
}

export interface CorpusShape {
  readonly documents: number;
  readonly titleWords: readonly [number, number];
  readonly bodyWords: readonly [number, number];
}

const spelling = fc.constantFrom(...SPELLINGS);

function fieldArbitrary([min, max]: readonly [number, number]) {
  return fc
    .array(fc.tuple(spelling, fc.constantFrom(...SEPARATORS)), { minLength: min, maxLength: max })
    .map((pairs) => ({
      words: pairs.map(([w]) => w),
      text: pairs.map(([w, separator], i) => (i === pairs.length - 1 ? w : w + separator)).join(''),
    }));
}

/** A corpus of `shape.documents` random documents, keyed `p00`, `p01`, … */
export function corpusArbitrary(shape: CorpusShape): fc.Arbitrary<GeneratedDocument[]> {
  const document = fc.record({
    title: fieldArbitrary(shape.titleWords),
    body: fieldArbitrary(shape.bodyWords),
  });
  return fc.array(document, { minLength: shape.documents, maxLength: shape.documents }).map((docs) =>
    docs.map((d, i) => ({
      key: `p${String(i).padStart(2, '0')}`,
      title: d.title.text,
      body: d.body.words.length === 0 && i % 2 === 0 ? null : d.body.text,
      titleWords: d.title.words,
      bodyWords: d.body.words,
    })),
  );
}

/** The most leaves (words and phrases) a generated query has: well under core's term budget. */
export const MAX_QUERY_LEAVES = 24;

function leaves(node: QueryNode): number {
  switch (node.kind) {
    case 'word':
    case 'phrase':
      return 1;
    case 'group':
      return node.items.reduce((n, item) => n + leaves(item.node), 0);
    case 'or':
      return node.branches.reduce((n, items) => n + items.reduce((m, item) => m + leaves(item.node), 0), 0);
  }
}

/**
 * Random queries over `corpus`: words (any spelling), prefixes (`word*`, also cut from a spelling,
 * so `e-*`, `stra*`, `c++*`), phrases (from the vocabulary, copied from a document field, or
 * straddling the end of a title and the start of its body), exclusions of each, parentheses
 * (nested, sometimes empty) and `OR`, at most three levels deep.
 */
export function queryArbitrary(corpus: readonly GeneratedDocument[]): fc.Arbitrary<QueryNode> {
  const word = spelling.map((text): QueryNode => ({ kind: 'word', text, prefix: false }));
  const prefix = fc.tuple(spelling, fc.nat()).map(([text, n]): QueryNode => {
    const points = Array.from(text);
    return { kind: 'word', text: points.slice(0, 1 + (n % points.length)).join(''), prefix: true };
  });
  const vocabularyPhrase = fc
    .array(spelling, { minLength: 1, maxLength: 3 })
    .map((words): QueryNode => ({ kind: 'phrase', text: words.join(' ') }));
  const documentPhrase = fc
    .tuple(fc.constantFrom(...corpus), fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 3 }))
    .map(([doc, inTitle, start, length]): QueryNode => {
      const words = inTitle || doc.bodyWords.length === 0 ? doc.titleWords : doc.bodyWords;
      const from = start % words.length;
      return { kind: 'phrase', text: words.slice(from, from + length).join(' ') };
    });
  const withBody = corpus.filter((d) => d.bodyWords.length > 0);
  const straddlingPhrase =
    withBody.length === 0
      ? vocabularyPhrase
      : fc.constantFrom(...withBody).map(
          (doc): QueryNode => ({
            kind: 'phrase',
            text: `${doc.titleWords[doc.titleWords.length - 1]} ${doc.bodyWords[0]}`,
          }),
        );
  const term = fc.oneof(
    { weight: 8, arbitrary: word },
    { weight: 3, arbitrary: prefix },
    { weight: 2, arbitrary: vocabularyPhrase },
    { weight: 3, arbitrary: documentPhrase },
    { weight: 3, arbitrary: straddlingPhrase },
  );
  const negated = fc.nat(3).map((n) => n === 0);

  const items = (depth: number, minLength: number): fc.Arbitrary<QueryItem[]> =>
    fc.array(item(depth), { minLength, maxLength: 3 });
  const group = (depth: number): fc.Arbitrary<QueryNode> =>
    fc.oneof(
      { weight: 12, arbitrary: items(depth, 1).map((list): QueryNode => ({ kind: 'group', items: list })) },
      { weight: 1, arbitrary: fc.constant<QueryNode>({ kind: 'group', items: [] }) },
    );
  const or = (depth: number): fc.Arbitrary<QueryNode> =>
    fc
      .array(items(depth, 1), { minLength: 2, maxLength: 3 })
      .map((branches): QueryNode => ({ kind: 'or', branches }));
  function item(depth: number): fc.Arbitrary<QueryItem> {
    const node =
      depth <= 0
        ? term
        : fc.oneof(
            { weight: 8, arbitrary: term },
            { weight: 1, arbitrary: group(depth - 1) },
            { weight: 1, arbitrary: or(depth - 1) },
          );
    return fc.record({ negated, node });
  }

  const root = fc.oneof(
    { weight: 3, arbitrary: items(2, 1).map((list): QueryNode => ({ kind: 'group', items: list })) },
    { weight: 1, arbitrary: or(1) },
  );
  return root.filter((q) => leaves(q) <= MAX_QUERY_LEAVES);
}

function renderItems(items: readonly QueryItem[]): string {
  return items.map(renderItem).join(' ');
}

function renderItem(item: QueryItem): string {
  const sign = item.negated ? '-' : '';
  const node = item.node;
  switch (node.kind) {
    case 'word':
      return `${sign}${node.text}${node.prefix ? '*' : ''}`;
    case 'phrase':
      return `${sign}"${node.text}"`;
    case 'group':
      return `${sign}(${renderItems(node.items)})`;
    case 'or':
      return `${sign}(${node.branches.map(renderItems).join(' OR ')})`;
  }
}

/** The query text of a syntax tree, in the grammar of DESIGN §5. */
export function renderQuery(query: QueryNode): string {
  switch (query.kind) {
    case 'group':
      return renderItems(query.items);
    case 'or':
      return query.branches.map(renderItems).join(' OR ');
    default:
      return renderItem({ negated: false, node: query });
  }
}
