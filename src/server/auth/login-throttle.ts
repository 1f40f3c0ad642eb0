import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../../core/index.js';

/** Too many failed logins: wait `retryAfterMs` (answered 429 with Retry-After). */
export class LoginThrottledError extends TooManyRequestsError {
  constructor(retryAfterMs: number) {
    super(`too many failed logins; try again in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs, 'auth.throttled');
  }
}

export interface LoginThrottleLimits {
  /** Failed logins for one user name from one address before it must wait. */
  readonly perUserAndAddress: number;
  /** Failed logins from one address, any user name (password spraying). */
  readonly perAddress: number;
  readonly windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = { perUserAndAddress: 10, perAddress: 100, windowSeconds: 15 * 60 };

/**
 * Slows password guessing without locking anyone out: attempts are counted per (user name,
 * address) and per address (a success gives its attempt back), and once over the limit the
 * login is refused before the password is hashed — so a flood of guesses costs the server a
 * map lookup, not a scrypt each, and the real user, from another address, can still sign in. Counts live in this process
 * (rate-limiter-flexible's memory store); several servers each count their own, which at most
 * multiplies the limit by the number of servers.
 */
export class LoginThrottle {
  private readonly byUser: RateLimiterMemory;
  private readonly byAddress: RateLimiterMemory;

  constructor(limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS) {
    this.byUser = new RateLimiterMemory({ keyPrefix: 'user', points: limits.perUserAndAddress, duration: limits.windowSeconds, blockDuration: limits.windowSeconds });
    this.byAddress = new RateLimiterMemory({ keyPrefix: 'addr', points: limits.perAddress, duration: limits.windowSeconds, blockDuration: limits.windowSeconds });
  }

  /**
   * Counts this attempt before its password is checked, and throws LoginThrottledError when it
   * must wait. Counting up front, not after a failure, holds guesses sent all at once to the
   * same limit as guesses sent one after another: otherwise every one of them would pass the
   * check while the others are still being hashed.
   */
  async attempt(username: string, address: string): Promise<void> {
    for (const [limiter, key] of this.keys(username, address)) {
      try {
        await limiter.consume(key);
      } catch (error) {
        // Over the limit: consume blocks the key for the window.
        if (!(error instanceof RateLimiterRes)) throw error;
        throw new LoginThrottledError(Math.max(error.msBeforeNext, 1000));
      }
    }
  }

  /** A successful login forgets this user's failures from this address, and does not count against the address. */
  async succeeded(username: string, address: string): Promise<void> {
    await this.byUser.delete(userKey(username, address));
    await this.byAddress.reward(address, 1);
  }

  private keys(username: string, address: string): [RateLimiterMemory, string][] {
    return [
      [this.byUser, userKey(username, address)],
      [this.byAddress, address],
    ];
  }
}

function userKey(username: string, address: string): string {
  return `${username.toLowerCase()}\u0000${address}`;
}
