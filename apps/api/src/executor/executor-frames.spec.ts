import { BadFrame, interpretReply, parseFrame, runFrameData } from './executor-frames';

describe(interpretReply.name, () => {
  it('should complete with the whole answer on code "0000", as an object or a JSON string', () => {
    const answer = { code: '0000', msg: 'ok', data: { x: 1 } };
    expect(interpretReply(answer)).toEqual({ status: 'COMPLETED', result: answer });
    expect(interpretReply(JSON.stringify(answer))).toEqual({ status: 'COMPLETED', result: answer });
  });

  it('should fail with the msg and code of any other code', () => {
    expect(interpretReply({ code: '5001', msg: 'boom' })).toEqual({
      status: 'FAILED',
      error: 'boom (code 5001)',
    });
    expect(interpretReply({ code: 7 })).toEqual({
      status: 'FAILED',
      error: 'no message given (code 7)',
    });
  });

  it('should fail naming a reply that is not an answer', () => {
    for (const bad of [null, 3, [1], 'nope', { msg: 'x' }]) {
      const sut = interpretReply(bad);
      expect(sut.status).toBe('FAILED');
      expect((sut as { error: string }).error).toMatch(/^bad executor reply/);
    }
  });
});

describe(parseFrame.name, () => {
  it('should read a frame with a channel', () => {
    expect(parseFrame('{"channel":"ping"}')).toEqual({ channel: 'ping' });
  });

  it('should refuse what is not a JSON object with a channel', () => {
    for (const bad of [
      'x',
      '1',
      '[]',
      '{}',
      '{"channel":""}',
      '{"channel":"a","reply_event_id":1}',
    ]) {
      expect(() => parseFrame(bad)).toThrow(BadFrame);
    }
  });
});

describe(runFrameData.name, () => {
  it('should carry params as a JSON string of varName/varValue pairs', () => {
    const sut = runFrameData('p1', 'EXECUTOR', { a: 1, b: { c: true } });
    expect(sut).toEqual({
      project_id: 'p1',
      exec_position: 'EXECUTOR',
      jwt: '',
      run_param: '[{"varName":"a","varValue":1},{"varName":"b","varValue":{"c":true}}]',
    });
  });
});
