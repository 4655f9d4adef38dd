import {
  backoffDelayMs,
  classifyConnectError,
  ConnectFailedError,
  connectWithRetry,
  sleepUnlessAborted,
  type RetryEvent,
} from '../../../src/collect/connect-with-retry.js';
import type { Transport, TransportFactory } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';

const host = makeHost({ name: 'web-01' });
const transport: Transport = { description: 'fake', exec: () => Promise.reject(new Error('unused')), close: () => Promise.resolve() };
const withProps = (message: string, props: Record<string, unknown>): Error => Object.assign(new Error(message), props);

/** A factory that fails with the given errors, in order, then succeeds; counts its calls. */
function failing(...errors: unknown[]): TransportFactory & { calls: number } {
  const factory = Object.assign(
    async (): Promise<Transport> => {
      const err = errors[factory.calls];
      factory.calls += 1;
      if (err !== undefined) throw err;
      return transport;
    },
    { calls: 0 },
  );
  return factory;
}

/** Records the waits instead of waiting. */
function recordingSleep(): { sleep: (ms: number, signal: AbortSignal) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: (ms) => (waits.push(ms), Promise.resolve()) };
}

describe('classifyConnectError', () => {
  it.each([
    ['ssh dtmon@10.0.0.5:22: connection refused'],
    ['ssh dtmon@10.0.0.5:22: connection reset by peer'],
    ['ssh dtmon@10.0.0.5:22: timed out after 10 s'],
    ['ssh dtmon@nohost:22: host name not found'],
    ['ssh dtmon@10.0.0.5:22: host unreachable'],
    ['ssh dtmon@10.0.0.5:22: network unreachable'],
    ['ssh dtmon@10.0.0.5:22: connection closed before the SSH handshake'],
    ['ssh dtmon@10.0.0.5:22: connection closed during the handshake'],
    ['ssh dtmon@10.0.0.5:22: connection lost (keepalive timeout)'],
  ])('retries the ssh transport wording %s', (message) => {
    expect(classifyConnectError(new Error(message))).toBe('transient');
  });

  it.each([
    ['ssh dtmon@10.0.0.5:22: authentication failed (publickey)'],
    ['ssh dtmon@10.0.0.5:22: host key verification failed'],
    ['ssh dtmon@10.0.0.5:22: cannot use private key /k: Unsupported key format'],
    ['ssh dtmon@10.0.0.5:22: cannot read private key /k: no such file'],
    ['ssh dtmon@10.0.0.5:22: no private key configured (key_path); agent authentication is not supported yet'],
    ['ssh dtmon@10.0.0.5:22: aborted'],
    ['ssh dtmon@10.0.0.5:22: Handshake failed: no matching key exchange algorithm'],
  ])('does not retry %s', (message) => {
    expect(classifyConnectError(new Error(message))).toBe('permanent');
  });

  it('does not let a host name fake a transient wording', () => {
    expect(classifyConnectError(new Error('ssh a@connection-refused.example:22: authentication failed (publickey)'))).toBe('permanent');
    expect(classifyConnectError(new Error('ssh a@timed.out.after:22: Handshake failed'))).toBe('permanent');
  });

  it('trusts what an error says about itself, anywhere in its cause chain', () => {
    expect(classifyConnectError(withProps('connection refused', { retryable: false }))).toBe('permanent');
    expect(classifyConnectError(withProps('odd', { retryable: true }))).toBe('transient');
    expect(classifyConnectError(withProps('x: connection refused', { isPermanent: true }))).toBe('permanent');
    const changed = Object.assign(new Error('x: connection reset by peer'), { name: 'HostKeyChangedError' });
    expect(classifyConnectError(changed)).toBe('permanent');
    expect(classifyConnectError(new Error('wrapped', { cause: changed }))).toBe('permanent');
    expect(classifyConnectError(withProps('All configured authentication methods failed', { level: 'client-authentication' }))).toBe(
      'permanent',
    );
  });

  it('retries socket codes and ssh2 timeouts, also in the cause chain', () => {
    expect(classifyConnectError(withProps('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifyConnectError(new Error('ssh x: odd', { cause: withProps('read ECONNRESET', { code: 'ECONNRESET' }) }))).toBe(
      'transient',
    );
    expect(classifyConnectError(withProps('Timed out while waiting for handshake', { level: 'client-timeout' }))).toBe('transient');
    expect(classifyConnectError(withProps('getaddrinfo EAI_AGAIN h', { code: 'EAI_AGAIN' }))).toBe('transient');
  });

  it('survives a cause cycle and non-error values', () => {
    const a = new Error('a: connection refused') as Error & { cause?: unknown };
    a.cause = a;
    expect(classifyConnectError(a)).toBe('transient');
    expect(classifyConnectError('boom')).toBe('permanent');
  });
});

describe('backoffDelayMs', () => {
  it('takes the list in order, repeats its last value, and waits 0 without a list', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs([1000, 2000, 4000], n))).toEqual([1000, 2000, 4000, 4000, 4000]);
    expect(backoffDelayMs([], 3)).toBe(0);
  });
});

describe('connectWithRetry', () => {
  const signal = new AbortController().signal;
  const refused = (): Error => new Error('ssh dtmon@10.0.0.5:22: connection refused');

  it('returns the transport of the first attempt that works, after the configured waits', async () => {
    const factory = failing(refused(), refused());
    const { sleep, waits } = recordingSleep();
    const events: RetryEvent[] = [];
    const t = await connectWithRetry(factory, { attempts: 4, backoffMs: [1000, 2000, 4000], sleep, onRetry: (e) => events.push(e) })(
      host,
      signal,
    );
    expect(t).toBe(transport);
    expect(factory.calls).toBe(3);
    expect(waits).toEqual([1000, 2000]);
    expect(events).toEqual([
      { host: 'web-01', attempt: 1, attempts: 4, delayMs: 1000, error: 'ssh dtmon@10.0.0.5:22: connection refused' },
      { host: 'web-01', attempt: 2, attempts: 4, delayMs: 2000, error: 'ssh dtmon@10.0.0.5:22: connection refused' },
    ]);
  });

  it('gives up after the last attempt and says how many were made and why the last failed', async () => {
    const factory = failing(refused(), refused(), refused(), new Error('ssh dtmon@10.0.0.5:22: timed out after 10 s'));
    const { sleep, waits } = recordingSleep();
    const failure = connectWithRetry(factory, { attempts: 4, backoffMs: [5, 10], sleep })(host, signal);
    await expect(failure).rejects.toThrow('ssh dtmon@10.0.0.5:22: timed out after 10 s (after 4 attempts)');
    await expect(failure).rejects.toBeInstanceOf(ConnectFailedError);
    await expect(failure).rejects.toMatchObject({ attempts: 4, retryable: false, name: 'ConnectFailedError' });
    expect(waits).toEqual([5, 10, 10]);
  });

  it('reports an authentication failure at once, not retried, as the transport threw it', async () => {
    const refusal = new Error('ssh dtmon@10.0.0.5:22: authentication failed (publickey)');
    const factory = failing(refusal);
    const { sleep, waits } = recordingSleep();
    await expect(connectWithRetry(factory, { attempts: 4, backoffMs: [1], sleep })(host, signal)).rejects.toBe(refusal);
    expect(factory.calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('keeps the type of a host key refusal, so the caller can still recognise it', async () => {
    class HostKeyChangedError extends Error {
      readonly retryable = false;
    }
    const changed = new HostKeyChangedError('ssh dtmon@10.0.0.5:22: host key changed');
    const factory = failing(changed);
    await expect(connectWithRetry(factory, { attempts: 4, backoffMs: [], sleep: recordingSleep().sleep })(host, signal)).rejects.toBeInstanceOf(
      HostKeyChangedError,
    );
    expect(factory.calls).toBe(1);
  });

  it('passes the transport options (pinned host keys) to every attempt', async () => {
    const seen: unknown[] = [];
    let calls = 0;
    const factory: TransportFactory = (_host, _signal, options) => {
      seen.push(options);
      calls += 1;
      return calls === 1 ? Promise.reject(refused()) : Promise.resolve(transport);
    };
    const options = { pinnedHostKeys: [] };
    await connectWithRetry(factory, { attempts: 2, backoffMs: [], sleep: recordingSleep().sleep })(host, signal, options);
    expect(seen).toEqual([options, options]);
    expect(seen[1]).toBe(options);
  });

  it('makes one attempt when asked for one, and treats nonsense counts as one', async () => {
    for (const attempts of [1, 0, -2]) {
      const factory = failing(refused(), refused());
      await expect(connectWithRetry(factory, { attempts, backoffMs: [], sleep: recordingSleep().sleep })(host, signal)).rejects.toThrow(
        'connection refused (after 1 attempt)',
      );
      expect(factory.calls).toBe(1);
    }
  });

  it('stops at the deadline: an aborted wait ends the retries with the last error', async () => {
    const deadline = new AbortController();
    const factory = failing(refused(), refused());
    const sleep = (): Promise<void> => {
      deadline.abort();
      return Promise.reject(new Error('aborted'));
    };
    await expect(connectWithRetry(factory, { attempts: 3, backoffMs: [1000], sleep })(host, deadline.signal)).rejects.toThrow(
      'ssh dtmon@10.0.0.5:22: connection refused (after 1 attempt; the pass deadline stopped the retries)',
    );
    expect(factory.calls).toBe(1);
  });

  it('does not start another attempt when the deadline passed during a wait that resolved anyway', async () => {
    const deadline = new AbortController();
    const factory = failing(refused(), refused());
    const sleep = (): Promise<void> => {
      deadline.abort();
      return Promise.resolve();
    };
    await expect(connectWithRetry(factory, { attempts: 3, backoffMs: [1], sleep })(host, deadline.signal)).rejects.toThrow(
      /the pass deadline stopped the retries/,
    );
    expect(factory.calls).toBe(1);
  });

  it('does not retry an attempt the deadline itself ended', async () => {
    const deadline = new AbortController();
    const factory: TransportFactory = () => {
      deadline.abort();
      return Promise.reject(new Error('ssh dtmon@10.0.0.5:22: connection reset by peer'));
    };
    await expect(connectWithRetry(factory, { attempts: 3, backoffMs: [], sleep: recordingSleep().sleep })(host, deadline.signal)).rejects.toThrow(
      /^ssh dtmon@10.0.0.5:22: connection reset by peer$/,
    );
  });
});

describe('sleepUnlessAborted', () => {
  it('waits, and rejects at once when the signal aborts or has aborted', async () => {
    const started = Date.now();
    await sleepUnlessAborted(30, new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);

    const controller = new AbortController();
    const waiting = sleepUnlessAborted(60_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await expect(waiting).rejects.toThrow('aborted');
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(sleepUnlessAborted(10, controller.signal)).rejects.toThrow('aborted');
  });
});
