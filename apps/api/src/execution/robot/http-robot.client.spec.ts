import net from 'node:net';
import { AppConfig, parseConfig } from '@app/common';
import { HttpRobotClient } from './http-robot.client';
import { RobotError } from './robot-client';

const answer = (body: unknown): string => {
  const json = JSON.stringify(body);
  return (
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
  );
};

/**
 * A robot that answers the first request of each connection and drops the connection when a
 * second request arrives on it: what a robot closing an idle keep-alive connection looks like
 * to a client that picked that connection just then.
 */
async function flakyKeepAliveRobot(): Promise<{
  url: string;
  connections: () => number;
  close: () => void;
}> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    let served = false;
    socket.on('data', () => {
      if (served) {
        socket.destroy();
        return;
      }
      served = true;
      socket.write(answer({ code: '0000', msg: '', data: { executionId: `task-${connections}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => server.close(),
  };
}

describe(HttpRobotClient.name, () => {
  const configFor = (url: string) =>
    new AppConfig(
      parseConfig({
        API_KEY_PEPPER: 'unit-test-pepper-0123456789',
        ROBOT_MODE: 'http',
        ROBOT_BASE_URL: url,
        ROBOT_HTTP_TIMEOUT_MS: '2000',
      }),
    );
  const input = { project_id: 'p1', params: {}, exec_position: 'EXECUTOR' };

  it('should send a request again on a fresh connection when a reused one was dropped', async () => {
    const robot = await flakyKeepAliveRobot();
    const sut = new HttpRobotClient(configFor(robot.url));
    try {
      expect(await sut.createTask(input, { executionId: 'e1' })).toBe('task-1');
      // The pooled connection is reused, dropped by the robot, and the call is sent again.
      expect(await sut.createTask(input, { executionId: 'e2' })).toBe('task-2');
      expect(robot.connections()).toBe(2);
    } finally {
      sut.onApplicationShutdown();
      robot.close();
    }
  });

  it('should report a robot that cannot be reached as a retryable error', async () => {
    const robot = await flakyKeepAliveRobot();
    robot.close();
    const sut = new HttpRobotClient(configFor(robot.url));
    try {
      await expect(sut.createTask(input, { executionId: 'e1' })).rejects.toMatchObject({
        name: RobotError.name,
        retryable: true,
      });
    } finally {
      sut.onApplicationShutdown();
    }
  });
});
