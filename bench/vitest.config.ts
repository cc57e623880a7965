import { defineSwitchyardVitestConfig } from '../vitest.shared.ts';

export default defineSwitchyardVitestConfig();
