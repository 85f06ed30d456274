/** The gateway's admin API (docs/CONTRACTS.md, "Channel admin API", "Subscriptions admin API"), as far as the simulator uses it. */

export interface ChannelView {
  id: string;
  account_id: string;
  channel_type: string;
  name: string;
  is_active: boolean;
  webhook_url: string;
  webhook: { status: string; [key: string]: unknown };
}

export interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  secret?: string;
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: the gateway answered ${status} ${JSON.stringify(body)}`);
  }
}

export class AdminClient {
  constructor(
    private readonly gateway: string,
    private readonly token: string,
  ) {}

  async createChannel(body: {
    account_id: string;
    channel_type: string;
    name: string;
    credentials: Record<string, unknown>;
  }): Promise<ChannelView> {
    return (await this.call('POST', '/channels', body, [201], 'POST /channels')) as ChannelView;
  }

  /** Undefined when the channel does not exist (any more). */
  async getChannel(id: string): Promise<ChannelView | undefined> {
    const { status, body } = await this.request('GET', `/channels/${id}`);
    if (status === 404) return undefined;
    if (status !== 200) throw new AdminApiError(status, body, `GET /channels/${id}`);
    return body as ChannelView;
  }

  async updateChannel(id: string, body: { is_active?: boolean; credentials?: Record<string, unknown> }): Promise<ChannelView> {
    return (await this.call('PATCH', `/channels/${id}`, body, [200], `PATCH /channels/${id}`)) as ChannelView;
  }

  async createSubscription(body: { account_id: string; url: string; events: string[]; description?: string }): Promise<SubscriptionView> {
    return (await this.call('POST', '/subscriptions', body, [201], 'POST /subscriptions')) as SubscriptionView;
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.call('DELETE', `/subscriptions/${id}`, undefined, [204, 404], `DELETE /subscriptions/${id}`);
  }

  private async call(method: string, path: string, body: unknown, expected: number[], what: string): Promise<unknown> {
    const answer = await this.request(method, path, body);
    if (!expected.includes(answer.status)) {
      if (answer.status === 401)
        throw new AdminApiError(401, answer.body, `${what} (wrong admin token? --token, or ADMIN_API_TOKEN in .env)`);
      throw new AdminApiError(answer.status, answer.body, what);
    }
    return answer.body;
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.gateway}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new Error(
        `the gateway at ${this.gateway} did not answer (${(error as Error).cause ?? (error as Error).message}); is \`npm start\` running?`,
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body: parsed };
  }
}
