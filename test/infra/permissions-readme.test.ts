import { readFileSync } from 'node:fs';
import { README, renderReadme } from '../../local/readme-permissions';

describe("the README's Permissions section", () => {
  it('is rendered from the grants Mint deploys (run `npm run permissions` after changing them)', () => {
    const text = readFileSync(README, 'utf8');
    expect(renderReadme(text) === text).toBe(true);
  });
});
