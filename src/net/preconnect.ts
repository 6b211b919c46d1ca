/**
 * One connection opened ahead of its request: while the step still waits for something else (the
 * GitHub OIDC token), the TCP (and TLS) handshake with the STS endpoint runs, and the first request
 * to that host and port gets the open socket instead of starting a handshake of its own.
 *
 * The spare is only an optimisation, invisible when it fails: an error or close before use discards
 * it silently (the request then connects as usual and reports its own failure), and `discard()`
 * destroys it when it is never used. Not used with a proxy (the agent would connect to the proxy).
 */
import type { Agent as HttpAgent } from 'node:http';
import { isIP, type Socket } from 'node:net';

type CreateConnection = (options: Record<string, unknown>, callback?: (err: Error | null, socket?: Socket) => void) => Socket | undefined;

export interface Preconnect {
  /** Destroys the spare if no request took it. */
  discard(): void;
}

/**
 * Opens one connection to `url`'s origin with `agent`'s own connector and hands it to the agent's
 * first request for that host and port. `url` must be http: or https:, matching the agent.
 */
export function preconnect(agent: HttpAgent, url: URL, connectTimeoutMs: number): Preconnect {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const agentWithConnector = agent as unknown as { createConnection: CreateConnection; options?: Record<string, unknown> };
  const connect = agentWithConnector.createConnection.bind(agent);
  // The options the agent itself would pass for this origin (SNI only for a name, as node's agent does).
  const options = { ...agentWithConnector.options, host, port, ...(url.protocol === 'https:' && !isIP(host) ? { servername: host } : {}) };
  let spare: Socket | undefined = connect(options);
  const drop = () => {
    spare?.destroy();
    spare = undefined;
  };
  // Until a request takes it: a failure is not reported (the request will meet it, or not, on its own).
  const onError = () => drop();
  spare?.on('error', onError).once('close', drop).setTimeout(connectTimeoutMs, drop).unref();

  agentWithConnector.createConnection = (opts, callback) => {
    const mine = spare && !spare.destroyed && opts['host'] === host && Number(opts['port']) === port;
    if (!mine) return connect(opts, callback);
    const socket = spare!;
    spare = undefined;
    socket.setTimeout(0).off('timeout', drop).off('error', onError).off('close', drop).ref();
    agentWithConnector.createConnection = connect;
    return socket;
  };
  return { discard: drop };
}
