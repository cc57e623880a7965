import type { ContenderFactory, ContenderName } from './contender.ts';
import { drizzleContender } from './drizzle-contender.ts';
import { mikroormContender } from './mikroorm-contender.ts';
import { rawContender } from './raw-contender.ts';
import { switchyardContender } from './switchyard-contender.ts';

/** Every contender, Switchyard first: the others' results are checked against its. */
export const CONTENDERS: Record<ContenderName, ContenderFactory> = {
  switchyard: switchyardContender,
  raw: rawContender,
  mikroorm: mikroormContender,
  drizzle: drizzleContender,
};
