/**
 * Review 5: the lean client's XML and reply readers, in process, against hostile but well-formed
 * replies: markup in an error's Message must not cost the error its Code (the retry class hangs on
 * it), character references of every range decode without throwing, misplaced or repeated elements
 * are refused or ignored, never mixed up.
 */
import { decodeEntities, parseXml, XmlError } from '../src/sts/xml.js';
import { readAssumeRoleReply, readErrorReply } from '../src/sts/replies.js';
import { isRetryableCode } from '../src/sts/errors.js';

test('a Throttling error whose Message holds markup keeps its code (and so stays retryable)', () => {
  const e = readErrorReply(400, '<ErrorResponse><Error><Code>Throttling</Code><Message>Rate <b>exceeded</b></Message></Error></ErrorResponse>');
  expect(e.Code).toBe('Throttling');
  expect(e.name).toBe('Throttling');
  expect(isRetryableCode(e.name, 400)).toBe(true);
});

test('a repeated Message does not cost the code either', () => {
  const e = readErrorReply(400, '<ErrorResponse><Error><Code>Throttling</Code><Message>a</Message><Message>b</Message></Error></ErrorResponse>');
  expect(e.name).toBe('Throttling');
});

test('character references of every range decode without throwing', () => {
  for (const ref of ['&#0;', '&#x110000;', '&#xD800;', '&#9999999;', '&#x41;', '&#65;', '&unknown;', '&amp;lt;']) {
    expect(typeof decodeEntities(ref)).toBe('string');
  }
  expect(decodeEntities('&amp;lt;')).toBe('&lt;');
  expect(decodeEntities('&#x41;&#65;')).toBe('AA');
});

test('credentials outside AssumeRoleResult are not read; a repeated Credentials is refused', () => {
  const wrong = '<R><Credentials><AccessKeyId>ASIAX</AccessKeyId></Credentials><AssumeRoleResult/></R>';
  expect(readAssumeRoleReply('AssumeRole', 200, wrong).accessKeyId).toBeUndefined();
  const twice = '<R><AssumeRoleResult><Credentials/><Credentials/></AssumeRoleResult></R>';
  expect(() => readAssumeRoleReply('AssumeRole', 200, twice)).toThrow('not a readable STS reply');
  expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
  expect(() => parseXml('<a>')).toThrow(XmlError);
});
