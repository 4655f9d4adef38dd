import { historyOwner, historyParser } from '../../../src/collect/shell-history.js';

describe('historyOwner', () => {
  it('finds the account and shell of a history path, and nothing for other files', () => {
    expect(historyOwner('/root/.bash_history')).toEqual({ user: 'root', shell: 'bash' });
    expect(historyOwner('/home/alice/.zsh_history')).toEqual({ user: 'alice', shell: 'zsh' });
    expect(historyOwner('/home/alice/sub/.zsh_history')).toBeNull();
    expect(historyOwner('/var/log/auth.log')).toBeNull();
  });
});

describe('historyParser', () => {
  it('bash: a #epoch line dates the next command only; blank lines make no record', () => {
    const parse = historyParser('root', 'bash');
    expect(['#1764000000', 'ls', 'pwd', '', '#bad', '#1764000060', 'id'].map((l) => parse(l, false))).toEqual([
      'skip',
      { line: 'ls', time: '2025-11-24T16:00:00.000Z', hostname: null, program: 'bash', pid: null, message: 'ls', user: 'root' },
      { line: 'pwd', time: null, hostname: null, program: 'bash', pid: null, message: 'pwd', user: 'root' },
      'skip',
      { line: '#bad', time: null, hostname: null, program: 'bash', pid: null, message: '#bad', user: 'root' },
      'skip',
      { line: 'id', time: '2025-11-24T16:01:00.000Z', hostname: null, program: 'bash', pid: null, message: 'id', user: 'root' },
    ]);
  });

  it('zsh: the extended format is split; plain lines are commands', () => {
    const parse = historyParser('alice', 'zsh');
    expect(parse(': 1764000100:3;git push; echo done', false)).toMatchObject({ time: '2025-11-24T16:01:40.000Z', message: 'git push; echo done', user: 'alice', program: 'zsh' });
    expect(parse('make', false)).toMatchObject({ time: null, message: 'make' });
  });
});
