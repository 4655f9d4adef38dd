import { describeSshError } from '../../../src/collect/describe-ssh-error.js';

const withProps = (message: string, props: Record<string, string>): Error => Object.assign(new Error(message), props);

describe('describeSshError', () => {
  it('words the known causes the same way every time', () => {
    expect(describeSshError(withProps('All configured authentication methods failed', { level: 'client-authentication' }), 10_000)).toBe(
      'authentication failed (publickey)',
    );
    expect(describeSshError(withProps('Timed out while waiting for handshake', { level: 'client-timeout' }), 10_000)).toBe('timed out after 10 s');
    expect(describeSshError(withProps('Keepalive timeout', { level: 'client-timeout' }), 10_000)).toBe('connection lost (keepalive timeout)');
    expect(describeSshError(withProps('connect ECONNREFUSED 10.0.0.5:22', { code: 'ECONNREFUSED' }), 1)).toBe('connection refused');
    expect(describeSshError(withProps('getaddrinfo ENOTFOUND nohost', { code: 'ENOTFOUND' }), 1)).toBe('host name not found');
    expect(describeSshError(withProps('x', { code: 'EHOSTUNREACH' }), 1)).toBe('host unreachable');
    expect(describeSshError(withProps('x', { code: 'ETIMEDOUT' }), 1500)).toBe('timed out after 1.5 s');
    expect(describeSshError(new Error('Host denied (verification failed)'), 1)).toBe('host key verification failed');
  });

  it('keeps only the first line of anything else', () => {
    expect(describeSshError(new Error('something odd\n  at stack frame'), 1)).toBe('something odd');
    expect(describeSshError('plain string', 1)).toBe('plain string');
    expect(describeSshError(new Error(''), 1)).toBe('unknown error');
  });
});
