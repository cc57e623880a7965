/**
 * The hand-written corpus of the search suite. Every expected result in the suite is a set of these
 * keys, worked out by hand from DESIGN §5 — so each document is short, and the words a test
 * queries appear only where that test says they do.
 */
export interface CorpusDocument {
  readonly key: string;
  readonly title: string;
  readonly body: string | null;
  readonly tag: string | null;
  readonly rank: number | null;
}

const doc = (
  key: string,
  title: string,
  body: string | null,
  tag: string | null = null,
  rank: number | null = null,
): CorpusDocument => ({ key, title, body, tag, rank });

export const corpus: readonly CorpusDocument[] = [
  // Boolean structure.
  doc('d01', 'Apple pie recipe', 'Bake apple pie with cinnamon and butter.', 'fruit', 1),
  doc('d02', 'Banana bread', 'Ripe banana, flour, butter: a moist loaf.', 'fruit', 2),
  doc('d03', 'Apple banana smoothie', 'Blend apple, banana and yogurt.', 'fruit', 3),
  doc('d04', 'Cherry tart', 'Cherry filling with almond cream.', 'fruit', 4),
  doc('d05', 'Fruit salad', 'Apple, cherry, banana and kiwi in one bowl.', 'fruit', 5),
  // Case.
  doc('d06', 'HELLO World', 'Shouting in CAPITALS.', 'case'),
  doc('d07', 'hello world', 'hELLo wORLD in mixed case.', 'case'),
  // Latin diacritics, precomposed and decomposed; letters with a stroke.
  doc('d08', 'Café crème', "Un café au lait, s'il vous plaît.", 'accents'),
  doc('d09', 'Cafe creme', 'Plain ASCII spelling, same words.', 'accents'),
  doc('d10', 'Naïve résumé', 'Zoë wrote her résumé in Łódź.', 'accents'),
  doc('d11', 'Naive resume', 'Zoe wrote it in Lodz.', 'accents'),
  doc('d12', 'Cafe\u0301 decomposed', 'Combining acute accent.', 'accents'),
  // ß and ss.
  doc('d13', 'Straße', 'Die Hauptstraße ist groß.', 'german'),
  doc('d14', 'Strasse', 'STRASSE und GROSS in Versalien.', 'german'),
  doc('d15', 'Maß und Masse', 'Mass and weight.', 'german'),
  // CJK: every ideograph and kana is a token; Hangul words are words.
  doc('d16', '東京の地図', '東京は日本の首都です。', 'cjk'),
  doc('d17', '京都', '京都は古い都です。', 'cjk'),
  doc('d18', '北京', '中国の首都。', 'cjk'),
  doc('d19', '서울', '한국의 수도.', 'cjk'),
  // NFKC: fullwidth letters, a ligature.
  doc('d20', 'ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ', 'ﬁle ligature', 'unicode'),
  // Emoji are dropped.
  doc('d21', 'Pizza night 🍕', 'I ❤️ pizza and 🍺 beer 😀', 'emoji'),
  doc('d22', 'Emoji only', '🍕🍕🍕 😀', 'emoji'),
  // Hyphens, versions, apostrophes, underscores, c++ and C#.
  doc('d23', 'E-mail etiquette', 'Send an e-mail, not an email.', 'split'),
  doc('d24', 'Email tips', 'Check your email daily.', 'split'),
  doc('d25', 'Release 2.0.1', 'Version 2.0.1 fixes bugs; 2.0.10 follows.', 'split'),
  doc('d26', 'Release 2.0.10', 'Upgrade from 2.0 to 2.0.10 now.', 'split'),
  doc('d27', "O'Reilly books", "Don't miss O'Reilly's catalogue.", 'split'),
  doc('d28', 'snake_case names', 'Prefer snake_case over camelCase.', 'split'),
  doc('d29', 'C++ and C# compared', 'C++ templates versus C# generics.', 'code'),
  doc('d30', 'Objective-C primer', 'Objective-C messages.', 'code'),
  // One- and two-letter words; words servers treat as stopwords.
  doc('d31', 'The Who', 'A band from London.', 'short'),
  doc('d32', 'What is it', 'It is what it is.', 'short'),
  doc('d33', 'example.com', 'Visit www.example.com or mail info@example.com.', 'short'),
  doc('d34', 'Go and JS', 'x y z a b', 'short'),
  doc('d35', 'I/O basics', 'Read a byte.', 'short'),
  // Ranking: the same words, in the title or in the body; more terms or fewer.
  doc('d36', 'Quartz notes', 'Plain filler text here.', 'rank'),
  doc('d37', 'Plain notes', 'Quartz filler text here.', 'rank'),
  doc('d38', 'Garnet topaz', 'Gemstone list one.', 'rank'),
  doc('d39', 'Garnet opal', 'Gemstone list one.', 'rank'),
  // Filters and pagination.
  doc('d40', 'Widget alpha', 'Widget maintenance manual.', 'red', 1),
  doc('d41', 'Widget beta', 'Spare parts.', 'blue', 2),
  doc('d42', 'Gadget gamma', 'Widget inside gadget.', 'red', 3),
  doc('d43', 'Widget delta', 'Widget widget widget.', 'blue', 4),
  doc('d44', 'Gizmo epsilon', 'No such thing here.', 'red', 5),
  doc('d45', 'Widget zeta', null),
  doc('d46', 'Widget eta', 'Widgets are plural.', 'red', 7),
  doc('d47', 'Sprocket theta', 'Widgets only in plural.', 'blue', 8),
  doc('d48', 'Widget iota', 'Ordinary widget.', 'blue', 9),
  doc('d49', 'Widget kappa', 'Another widget.', 'red', 10),
  // Identical documents: equal relevance, so id order.
  doc('d50', 'Twin document', 'Identical twin body.', 'twin'),
  doc('d51', 'Twin document', 'Identical twin body.', 'twin'),
  doc('d52', 'Twin document', 'Identical twin body.', 'twin'),
  doc('d53', 'Twin document', 'Identical twin body.', 'twin'),
  // Words that look like the adapters' index alphabet (`x` + hex), filler and separator tokens.
  doc('d54', 'Index alphabet', 'zzz sysep x61 x6170706c65', 'alphabet'),
];

/** The documents with these keys. */
export function corpusSubset(keys: readonly string[]): CorpusDocument[] {
  return keys.map((key) => {
    const found = corpus.find((d) => d.key === key);
    if (!found) throw new Error(`no corpus document ${key}`);
    return found;
  });
}
