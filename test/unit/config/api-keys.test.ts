import { loadConfigText } from '../../../src/config/load.js';

const FILE = '/etc/dthostmon/dthostmon.yaml';

describe('serve keys written in the file', () => {
  test('a literal api_key or registration_token is a located review note; ${VAR} is not', () => {
    const literal = loadConfigText(`api:\n  api_key: s3cret-api-key\n  registration_token: s3cret-reg-token\nhosts: []\n`, FILE, { env: {} });
    expect(literal.reviewNotes).toEqual([
      `${FILE}:2:12 api.api_key: written in the file: prefer \${VAR} (the environment or the .env beside the config); anyone who can read this file can use the key`,
      `${FILE}:3:23 api.registration_token: written in the file: prefer \${VAR} (the environment or the .env beside the config); anyone who can read this file can use the key`,
    ]);
    // The note names the key, never the value.
    expect(literal.reviewNotes.join('\n')).not.toContain('s3cret');
    const fromEnv = loadConfigText(`api:\n  api_key: \${API_KEY}\n  registration_token: \${REG}\nhosts: []\n`, FILE, { env: { API_KEY: 'k-123456', REG: 'r-123456' } });
    expect(fromEnv.reviewNotes).toEqual([]);
    expect(fromEnv.secrets).toEqual(expect.arrayContaining(['k-123456', 'r-123456']));
  });

  test('api defaults: loopback, 600 requests a minute, 64 KiB bodies', () => {
    const config = loadConfigText('hosts: []\n', FILE, { env: {} });
    expect(config.document.api).toMatchObject({ port: 8080, bind: '127.0.0.1', rate_limit: 600, max_body: 65536 });
  });
});
