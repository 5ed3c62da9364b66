import {
  BlockedTargetError,
  isBlockedAddress,
  resolveTarget,
  targetUrlProblem,
} from './webhook-target';

describe('webhook target guard', () => {
  describe(isBlockedAddress.name, () => {
    it.each([
      '127.0.0.1',
      '127.255.255.254',
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '100.127.255.255',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '192.0.2.1',
      '198.18.0.1',
      '224.0.0.251',
      '255.255.255.255',
      '::',
      '::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.1.2.3',
      '::ffff:169.254.169.254',
      '::ffff:0:7f00:1',
      '::ffff:0:127.0.0.1',
      '::ffff:0:808:808',
      '0:0:0:0:0:ffff:7f00:0001',
      '::127.0.0.1',
      '::7f00:1',
      '64:ff9b::a00:1',
      '64:ff9b::7f00:1',
      '64:ff9b:1::808:808',
      '2002:c0a8:101::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fe80::1%eth0',
      'febf::1',
      'ff02::1',
      '2001:db8::1',
      'not-an-address',
    ])('should block %s', (address) => {
      expect(isBlockedAddress(address)).toBe(true);
    });

    it.each([
      '8.8.8.8',
      '93.184.215.14',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '169.253.0.1',
      '2606:4700:4700::1111',
      '2a00:1450:4001:80b::200e',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ])('should allow %s', (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    });
  });

  describe(targetUrlProblem.name, () => {
    it('should accept public http(s) URLs and names, which are judged again at delivery', () => {
      expect(targetUrlProblem('https://hooks.example.com/x?y=1', false)).toBeNull();
      expect(targetUrlProblem('http://93.184.215.14:8080/', false)).toBeNull();
    });

    it.each([
      'http://localhost:3000/',
      'http://LOCALHOST./',
      'http://a.b.localhost/',
      'http://127.0.0.1/',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::1]/',
      'http://[::ffff:192.168.1.1]/',
      'http://[fe80::1]/',
    ])('should refuse %s while the guard is on, and accept it when it is off', (url) => {
      expect(targetUrlProblem(url, false)).toMatch(/localhost|private/);
      expect(targetUrlProblem(url, true)).toBeNull();
    });

    it('should refuse other schemes, relative URLs and credentials whatever the guard', () => {
      expect(targetUrlProblem('ftp://example.com/', true)).toMatch(/http/);
      expect(targetUrlProblem('/relative', true)).toMatch(/absolute/);
      expect(targetUrlProblem('https://u:p@example.com/', true)).toMatch(/credentials/);
    });
  });

  describe(resolveTarget.name, () => {
    const lookupOf =
      (...addresses: string[]) =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

    it('should return the first address of a name that resolves only to public addresses', async () => {
      const sut = await resolveTarget(
        new URL('https://hooks.example.com/'),
        false,
        lookupOf('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'),
      );
      expect(sut).toEqual({ address: '93.184.215.14', family: 4 });
    });

    it('should refuse a name when any of its addresses is private', async () => {
      await expect(
        resolveTarget(
          new URL('https://rebind.example.com/'),
          false,
          lookupOf('93.184.215.14', '::ffff:127.0.0.1'),
        ),
      ).rejects.toThrow(BlockedTargetError);
    });

    it('should allow private addresses when the guard is off', async () => {
      await expect(
        resolveTarget(new URL('http://intranet.example/'), true, lookupOf('10.0.0.5')),
      ).resolves.toEqual({ address: '10.0.0.5', family: 4 });
    });

    it('should not resolve IP literals', async () => {
      const lookup = vi.fn();
      await expect(resolveTarget(new URL('http://[::1]:9/'), true, lookup)).resolves.toEqual({
        address: '::1',
        family: 6,
      });
      expect(lookup).not.toHaveBeenCalled();
    });
  });
});
