import { createPushoverSender, pushoverFields, type PushoverSettings } from '../../../src/report/pushover.js';
import { SendError } from '../../../src/report/send-error.js';

const NO_EMERGENCY = { priority: 0 as const };
const EMERGENCY = { priority: 0 as const, retrySeconds: 60, expireSeconds: 3600 };

describe('pushoverFields', () => {
  it('cuts the message to 1024 characters and the title to 250, ending with …', () => {
    const fields = pushoverFields({ title: 't'.repeat(300), message: 'm'.repeat(5000) }, NO_EMERGENCY);
    expect([...(fields.message ?? '')]).toHaveLength(1024);
    expect(fields.message?.endsWith('m…')).toBe(true);
    expect([...(fields.title ?? '')]).toHaveLength(250);
    expect(fields.title?.endsWith('…')).toBe(true);
  });

  it('keeps text within the limits as it is, and never splits a character made of two UTF-16 units', () => {
    expect(pushoverFields({ title: 'disk', message: 'm'.repeat(1024) }, NO_EMERGENCY).message).toBe('m'.repeat(1024));
    const cut = pushoverFields({ title: 'disk', message: '🔥'.repeat(2000) }, NO_EMERGENCY).message ?? '';
    expect(cut).toBe(`${'🔥'.repeat(1023)}…`);
  });

  it('sends emergency priority only with retry and expire, otherwise high (GAP-R10)', () => {
    expect(pushoverFields({ title: 'x', message: 'y', priority: 2 }, NO_EMERGENCY)).toEqual({ title: 'x', message: 'y', priority: '1' });
    expect(pushoverFields({ title: 'x', message: 'y', priority: 2 }, { priority: 0, retrySeconds: 60 })).toMatchObject({ priority: '1' });
    expect(pushoverFields({ title: 'x', message: 'y', priority: 2 }, EMERGENCY)).toEqual({
      title: 'x',
      message: 'y',
      priority: '2',
      retry: '60',
      expire: '3600',
    });
    expect(pushoverFields({ title: 'x', message: 'y', priority: 1 }, EMERGENCY)).toEqual({ title: 'x', message: 'y', priority: '1' });
  });

  it('takes the settings priority by default and keeps retry and expire inside what Pushover accepts', () => {
    expect(pushoverFields({ title: 'x', message: 'y' }, { priority: -1 }).priority).toBe('-1');
    const clamped = pushoverFields({ title: 'x', message: 'y' }, { priority: 2, retrySeconds: 5, expireSeconds: 86_400 });
    expect(clamped).toMatchObject({ priority: '2', retry: '30', expire: '10800' });
  });

  it('adds url, url title and timestamp; leaves out a URL too long to send whole; never an empty message', () => {
    const fields = pushoverFields(
      { title: 'x', message: '', url: 'https://mon.example.net/hosts/web-01', urlTitle: 'web-01', timestamp: new Date('2026-03-01T10:00:00.900Z') },
      NO_EMERGENCY,
    );
    expect(fields).toEqual({
      title: 'x',
      message: 'x',
      priority: '0',
      url: 'https://mon.example.net/hosts/web-01',
      url_title: 'web-01',
      timestamp: '1772359200',
    });
    const long = pushoverFields({ title: 'x', message: 'y', url: `https://e.x/${'a'.repeat(600)}`, urlTitle: 'z' }, NO_EMERGENCY);
    expect(long).not.toHaveProperty('url');
    expect(long).not.toHaveProperty('url_title');
  });
});

describe('createPushoverSender without a server', () => {
  const settings: PushoverSettings = {
    token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi',
    user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
    baseUrl: 'http://127.0.0.1:9/',
    priority: 0,
    timeoutMs: 2000,
  };

  it('a network failure is a channel-down error without the token or user key', async () => {
    const failingFetch: typeof fetch = async () => {
      throw new TypeError(`fetch failed for token=${settings.token}`, { cause: new Error(`connect ECONNREFUSED user=${settings.user}`) });
    };
    const error = await createPushoverSender(settings, failingFetch).send({ title: 'x', message: 'y' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ isChannelDown: true, isPermanent: false });
    const message = (error as SendError).message;
    expect(message).toBe('Pushover: cannot reach the API: fetch failed for token=***: connect ECONNREFUSED user=***');
  });

  it('a timeout says how long it waited', async () => {
    const slowFetch: typeof fetch = async () => {
      throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    };
    await expect(createPushoverSender(settings, slowFetch).send({ title: 'x', message: 'y' })).rejects.toThrow('Pushover: no answer within 2000 ms');
  });

  it('posts to <baseUrl>/1/messages.json whatever slashes the base URL ends with', async () => {
    const urls: string[] = [];
    const okFetch: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response('{"status":1,"request":"r1"}', { status: 200 });
    };
    await expect(createPushoverSender(settings, okFetch).send({ title: 'x', message: 'y' })).resolves.toEqual({ deliveredTo: 'pushover' });
    expect(urls).toEqual(['http://127.0.0.1:9/1/messages.json']);
  });
});
