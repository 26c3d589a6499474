import type { ServiceView } from '@msec/contracts';

/** The few calls of the public REST API the autoscaler makes, with an API token (`./msec login` or POST /api/v1/tokens). */
export class GatewayApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** One service with its instances. */
  service(name: string): Promise<ServiceView> {
    return this.call<ServiceView>('GET', `/api/v1/services/${encodeURIComponent(name)}`);
  }

  /** Enables an instance (adding it first when the service does not have it yet). */
  async scaleOut(name: string, address: string): Promise<void> {
    await this.call('POST', `/api/v1/services/${encodeURIComponent(name)}/scale-out`, { instances: [address] });
  }

  /** Disables an instance; it stays configured. */
  async scaleIn(name: string, address: string): Promise<void> {
    await this.call('POST', `/api/v1/services/${encodeURIComponent(name)}/scale-in`, { instances: [address] });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
