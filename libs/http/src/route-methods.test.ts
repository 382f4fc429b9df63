import { describe, expect, it } from 'vitest';
import { routePattern } from './route-methods.js';

describe('routePattern', () => {
  it.each([
    ['/api/v1/campaigns', '/api/v1/campaigns', true],
    ['/api/v1/campaigns', '/api/v1/campaigns/', true],
    ['/api/v1/campaigns/', '/api/v1/campaigns', true],
    ['/api/v1/campaigns', '/api/v1/campaignsx', false],
    ['/api/v1/campaigns/:id', '/api/v1/campaigns/3f0c8f3a', true],
    ['/api/v1/campaigns/:id', '/api/v1/campaigns/', false],
    ['/api/v1/campaigns/:id', '/api/v1/campaigns/a/b', false],
    ['/api/v1/campaigns/:id/positions', '/api/v1/campaigns/x/positions', true],
    ['/files/*', '/files/a/b/c', true],
    ['/v:major(^\\d+$)/x', '/v2/x', true],
    ['/v:major(^\\d+$)/x', '/vb/x', false],
    ['/a::b', '/a:b', true],
    ['/a.b', '/aXb', false],
    ['/', '/', true],
    ['/', '/x', false],
  ])('%s matches %s: %s', (url, path, matches) => {
    expect(routePattern(url).test(path)).toBe(matches);
  });
});
