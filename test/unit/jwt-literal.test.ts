import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findJwtLiterals } from '../../agent/lint/jwtLiteral';
import { fakeJwt } from '../support/fakeTokens';

describe('findJwtLiterals (foundation placeholder rule)', () => {
  it('finds a JWT inside source and reports its exact span', () => {
    const token = fakeJwt({ sub: 'demo' });
    const text = `const auth = "${token}";\n`;
    const [finding, ...rest] = findJwtLiterals(text);
    assert.equal(rest.length, 0);
    assert.ok(finding);
    assert.equal(text.slice(finding.start, finding.end), token);
    assert.equal(finding.rule, 'jwt');
  });

  it('never puts more than a short prefix of the token in the message', () => {
    const token = fakeJwt({ sub: 'demo' });
    const [finding] = findJwtLiterals(token);
    assert.ok(finding);
    assert.ok(!finding.message.includes(token.slice(0, 12)), finding.message);
  });

  it('ignores text that only starts like a JWT', () => {
    assert.deepEqual(findJwtLiterals('eyJhbGciOi is a header prefix, eyJ.eyJ.x is too short'), []);
  });
});
