/** The STS Query API endpoint: parse, log, dispatch to the action, answer in XML (errors included). */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceivedRequest } from '../sigv4.js';
import { assumeRole } from './assumeRole.js';
import { DEFAULT_FAULT_MESSAGE, Hang, StsError } from './errors.js';
import { applyFault } from './faults.js';
import { authenticate } from './signature.js';
import type { EmulatorState } from './state.js';
import type { CallLogEntry, Params, Principal } from './types.js';
import { ALLOWED } from './validate.js';
import { assumeRoleWithWebIdentity, decodeJwtPart } from './webIdentity.js';
import { el, errorXml, responseXml, xmlVerbatim } from './xml.js';

export const STS_VERSION = '2011-06-15';

const isAuthParam = (k: string): boolean => k === 'Action' || k === 'Version' || k.startsWith('X-Amz-');

function getCallerIdentity(caller: Principal, entry: CallLogEntry, requestId: string): string {
  entry.result = { arn: caller.arn, account: caller.account, userId: caller.userId };
  return responseXml('GetCallerIdentity', [el('Arn', caller.arn), el('UserId', caller.userId), el('Account', caller.account)], requestId);
}

function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/** What the log keeps of the parameters: never the web identity token itself, only its sub and aud claims. */
function logParams(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) {
    if (isAuthParam(k)) continue;
    if (k === 'WebIdentityToken') {
      const c = decodeJwtPart(v.split('.')[1]);
      if (c && typeof c.sub === 'string') out['WebIdentityToken.sub'] = c.sub;
      if (c && c.aud !== undefined) out['WebIdentityToken.aud'] = Array.isArray(c.aud) ? c.aud.join(',') : String(c.aud);
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** Method, action and version known; the signer authenticated (not for web identity); no unknown parameter. */
function admit(state: EmulatorState, req: IncomingMessage, rr: ReceivedRequest, params: Params, entry: CallLogEntry): Principal | undefined {
  const action = entry.action;
  if (req.method !== 'POST' && req.method !== 'GET') {
    throw new StsError('InvalidAction', `The HTTP method ${req.method ?? ''} is not supported.`, 405);
  }
  const allowed = ALLOWED[action];
  if (!allowed || params.get('Version') !== STS_VERSION) {
    throw new StsError('InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
  }
  const caller = action === 'AssumeRoleWithWebIdentity' ? undefined : authenticate(state, rr, entry);
  for (const k of params.keys()) {
    if (isAuthParam(k)) continue;
    if (!allowed.names.includes(k) && !allowed.patterns.some((p) => p.test(k))) {
      // AWS may silently ignore unknown parameters; the emulator refuses them so client bugs show up in tests.
      throw new StsError('ValidationError', `The parameter ${k} is not recognized by ${action}.`);
    }
  }
  return caller;
}

/** The success document of an admitted request, with a fault's substituted AssumedRoleUser ARN if one applies. */
async function perform(state: EmulatorState, params: Params, caller: Principal | undefined, entry: CallLogEntry): Promise<string> {
  const action = entry.action;
  const fault = await applyFault(state, action === 'GetCallerIdentity' ? undefined : params.get('RoleArn'));
  let xml: string;
  if (action === 'AssumeRole') xml = assumeRole(state, params, caller!, entry, entry.requestId);
  else if (action === 'AssumeRoleWithWebIdentity') xml = await assumeRoleWithWebIdentity(state, params, entry, entry.requestId);
  else xml = getCallerIdentity(caller!, entry, entry.requestId);
  if (fault?.assumedArn !== undefined) {
    const arn = xmlVerbatim(fault.assumedArn);
    xml = xml.replace(/(<AssumedRoleUser>.*?<Arn>)[^<]*(<\/Arn>)/s, (_, open: string, close: string) => open + arn + close);
  }
  return xml;
}

export async function handleSts(state: EmulatorState, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  const requestId = randomUUID();
  const target = req.url ?? '/';
  const qIndex = target.indexOf('?');
  const params: Params = new Map(new URLSearchParams(qIndex < 0 ? '' : target.slice(qIndex + 1)));
  if (req.method === 'POST' && body.length > 0) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  const entry: CallLogEntry = {
    time: new Date(state.now()).toISOString(),
    requestId,
    action: params.get('Action') ?? '',
    params: logParams(params),
    signer: null,
    status: 0,
    result: {},
  };
  const rr: ReceivedRequest = { method: req.method ?? 'GET', url: target, rawHeaders: req.rawHeaders, body };
  // Simulated latency comes first, so a fault's own delay (or hang) adds to it, as on a slow network.
  if (state.responseDelayMs > 0) await state.sleep(state.responseDelayMs);
  try {
    const caller = admit(state, req, rr, params, entry);
    const xml = await perform(state, params, caller, entry);
    entry.status = 200;
    state.log(entry);
    sendXml(res, 200, xml, requestId);
  } catch (err) {
    if (err instanceof Hang) {
      entry.result = { errorCode: 'Hang', message: 'fault: request left unanswered' };
      state.log(entry);
      return;
    }
    const e = err instanceof StsError ? err : new StsError('InternalFailure', DEFAULT_FAULT_MESSAGE.InternalFailure!);
    if (!(err instanceof StsError)) console.error('sts-emulator: internal error', err);
    entry.status = e.status;
    entry.result = { errorCode: e.code, message: e.message };
    state.log(entry);
    sendXml(res, e.status, errorXml(e, requestId), requestId);
  }
}
