import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The gateway knows providers only through their definitions (libs/adapters registry): its
 * source names none of them, in a string, template, regular expression or identifier. Comments
 * may, and so may specs. A hit is reported as file:line.
 */

const GATEWAY_SOURCE = join(__dirname, '..', 'src');
const WORKSPACE = join(__dirname, '..', '..', '..');

/** Channel types, provider names, and the words that give a provider away. */
const PROVIDER_WORDS = new Set([
  'telegram',
  'whatsapp',
  'messenger',
  'sms',
  'email',
  'resend',
  'sendgrid',
  'ses',
  'mailgun',
  'postmark',
  'twilio',
  'twiml',
  'meta',
  'facebook',
  'sns',
  'svix',
  'hub',
  'bot',
]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Lower-case words of a text: split at anything not a letter or digit, and at camelCase humps. */
function wordsOf(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const NAMING_KINDS = new Set([
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.Identifier,
  ts.SyntaxKind.PrivateIdentifier,
]);

/** Every token of the source (comments are trivia, never tokens) that names a provider, as `line: text`. */
export function providerNamesIn(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const hits: string[] = [];
  const visit = (node: ts.Node): void => {
    if (NAMING_KINDS.has(node.kind)) {
      const tokenText = node.getText(source);
      if (wordsOf(tokenText).some((word) => PROVIDER_WORDS.has(word))) {
        hits.push(`${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${tokenText}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return hits;
}

describe('the gateway names no provider', () => {
  it('finds names in strings, templates, regular expressions and identifiers, never in comments', () => {
    const text = [
      '// telegram, sms and TwiML in a comment',
      "const answer = type === 'sms' ? 1 : 2;",
      '/* email */ const url = `${base}/whatsapp/${id}`;',
      'const pattern = /messenger/i;',
      'const telegramApi = 1;',
      "const fine = 'metadata and sessions';",
    ].join('\n');
    expect(providerNamesIn('probe.ts', text)).toEqual(["2: 'sms'", '3: }/whatsapp/${', '4: /messenger/i', '5: telegramApi']);
  });

  it('apps/webhook-gateway/src outside specs and comments', () => {
    const hits = sourceFiles(GATEWAY_SOURCE).flatMap((path) =>
      providerNamesIn(path, readFileSync(path, 'utf8')).map((hit) => `${relative(WORKSPACE, path)}:${hit}`),
    );
    expect(hits).toEqual([]);
  });
});
