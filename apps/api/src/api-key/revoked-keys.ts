/**
 * Key ids revoked in the last `ttlMs`. A handshake that verified its key just before the
 * revocation arrived is refused (or its socket dropped) by checking here, so no socket
 * slips between verification and joining its key's room.
 */
export class RevokedKeys {
  private readonly until = new Map<number, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  add(keyIds: readonly number[]): void {
    const now = this.now();
    for (const [id, expiry] of this.until) if (expiry <= now) this.until.delete(id);
    for (const id of keyIds) this.until.set(id, now + this.ttlMs);
  }

  has(keyId: number | undefined): boolean {
    if (keyId === undefined) return false;
    const expiry = this.until.get(keyId);
    return expiry !== undefined && expiry > this.now();
  }
}
