// Alerts go to the log and, when configured, to a webhook (JSON POST). Sending never throws:
// an alert that cannot be delivered is logged, and the scraper carries on.
import type { Logger } from '../lib/logger.ts';

export interface Alert {
  severity: 'HIGH' | 'CRITICAL';
  message: string;
  details?: Record<string, unknown>;
  at: number;
}

export class Alerter {
  readonly sent: Alert[] = [];
  constructor(
    private readonly log: Logger,
    private readonly webhookUrl?: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async fire(alert: Omit<Alert, 'at'>): Promise<void> {
    const full = { ...alert, at: Date.now() };
    this.sent.push(full);
    if (this.sent.length > 100) this.sent.shift();
    this.log.error({ alert: full }, `ALERT ${alert.severity}: ${alert.message}`);
    if (!this.webhookUrl) return;
    try {
      const res = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'tws-analytics', ...full }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) this.log.warn({ status: res.status }, 'alert webhook answered with an error');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'alert webhook unreachable');
    }
  }
}

/**
 * Errors in a sliding hour (the seed's "more than 10 errors in the past hour"). Fires once when the
 * count first exceeds the threshold, then again only after it has dropped back to or below it.
 */
export class ErrorRateMonitor {
  private readonly times: number[] = [];
  private firing = false;
  constructor(
    private readonly threshold: number,
    private readonly windowMs = 3_600_000,
  ) {}

  /** Records an error at `at`; returns the count in the window when an alert should fire now. */
  record(at: number): number | undefined {
    this.times.push(at);
    const count = this.count(at);
    if (count > this.threshold && !this.firing) {
      this.firing = true;
      return count;
    }
    return undefined;
  }

  count(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length <= this.threshold) this.firing = false;
    return this.times.length;
  }
}
