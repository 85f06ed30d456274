import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The repository explains itself: no file sends the reader to notes outside the clone, and
 * every relative link of the documentation (docs/*.md, README.md) leads to something that is
 * in it. The notes this guards against lived in a folder beside the clone and were cited by
 * their file names and section numbers.
 */

const root = resolve(__dirname, '..', '..');
const toPosix = (path: string) => path.split(sep).join('/');
const self = toPosix(relative(root, __filename));

/** Tracked files, and untracked ones git does not ignore, relative to the root. */
function repositoryFiles(): string[] {
  const listing = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    maxBuffer: 256 * 1024 * 1024,
  });
  const files = new Set(
    listing
      .toString('utf8')
      .split('\0')
      .filter((file) => file !== ''),
  );
  // A tracked file deleted in the working tree is listed too; it says nothing any more.
  return [...files].filter((file) => existsSync(join(root, file)) && statSync(join(root, file)).isFile()).sort();
}

/** The file as text, or undefined for a binary one. */
function textOf(file: string): string | undefined {
  const bytes = readFileSync(join(root, file));
  return bytes.subarray(0, 8000).includes(0) ? undefined : bytes.toString('utf8');
}

function isInside(path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot === '' || (!fromRoot.startsWith('..') && !fromRoot.startsWith(sep) && !/^[A-Za-z]:/.test(fromRoot));
}

const files = repositoryFiles();
const basenames = new Set(files.map((file) => file.slice(file.lastIndexOf('/') + 1)));

const URL_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const SHARED_DOCS = /shared\/docs/;
const UP_TO_SHARED = /((?:\.\.\/)+)shared(?![\w-])/g;
// An upper-case document name (ARCHITECTURE.md, STYLE.md): the repository's own are upper case too.
const DOCUMENT_NAME = /(?<![\w-])([A-Z][A-Z0-9_-]*\.md)(?![\w-])/g;
// `PROVIDERS.md §5.1`: the repository's documents have no numbered sections.
const NUMBERED_SECTION = /[\w-]+\.md[,:]?\s*§/;

/** Why a line of `file` points outside the repository, if it does. */
function outsideReferences(file: string, line: string): string[] {
  const reasons: string[] = [];
  if (SHARED_DOCS.test(line)) reasons.push('names shared/docs');
  for (const match of line.matchAll(UP_TO_SHARED)) {
    // `../shared/…` is fine where it names a `shared` folder of the repository (the adapters' imports).
    const target = resolve(root, dirname(file), match[1], 'shared');
    if (!isInside(target) || !existsSync(target) || !statSync(target).isDirectory())
      reasons.push(`${match[0]} is no folder of the repository`);
  }
  const withoutUrls = line.replace(URL_TEXT, '');
  for (const match of withoutUrls.matchAll(DOCUMENT_NAME)) {
    if (!basenames.has(match[1])) reasons.push(`${match[1]} is not in the repository`);
  }
  if (NUMBERED_SECTION.test(withoutUrls)) reasons.push('cites a numbered section (§) of a document the repository does not have');
  return reasons;
}

/** Markdown without fenced code blocks and code spans, line numbers kept. */
function proseOf(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, '');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slugOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown file offers: its headings and explicit `id`s. */
function anchorsOf(file: string): Set<string> {
  const markdown = readFileSync(file, 'utf8');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = slugOf(heading[1].replace(/`/g, ''));
      const count = seen.get(slug) ?? 0;
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
      seen.set(slug, count + 1);
    }
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]);
  }
  return anchors;
}

const INLINE_LINK = /\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Why a link target written in `file` leads nowhere, if it does. */
function brokenLink(file: string, target: string): string | undefined {
  if (SCHEME.test(target)) return undefined; // https:, mailto:
  const [pathPart, anchor] = target.split('#', 2);
  const path = decodeURIComponent(pathPart.split('?')[0]);
  const resolved = path === '' ? join(root, file) : path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
  if (!isInside(resolved)) return 'leaves the repository';
  if (!existsSync(resolved)) return 'no such file';
  if (
    anchor !== undefined &&
    anchor !== '' &&
    resolved.endsWith('.md') &&
    statSync(resolved).isFile() &&
    !anchorsOf(resolved).has(anchor)
  ) {
    return `no heading or id "${anchor}" in ${toPosix(relative(root, resolved))}`;
  }
  return undefined;
}

describe('the repository is self-contained', () => {
  it('lists its files', () => {
    expect(files).toContain('README.md');
    expect(files).toContain(self);
  });

  it('no file points at notes outside the repository', () => {
    const findings: string[] = [];
    for (const file of files) {
      if (file === self) continue;
      const text = textOf(file);
      if (text === undefined) continue;
      text.split('\n').forEach((line, index) => {
        for (const reason of outsideReferences(file, line)) findings.push(`${file}:${index + 1}: ${reason}: ${line.trim().slice(0, 160)}`);
      });
    }
    expect(findings).toEqual([]);
  });

  it('every relative link in docs/*.md and README.md leads to a file of the repository', () => {
    const documents = files.filter((file) => file === 'README.md' || /^docs\/[^/]+\.md$/.test(file));
    expect(documents.length).toBeGreaterThan(1);
    const broken: string[] = [];
    for (const file of documents) {
      proseOf(readFileSync(join(root, file), 'utf8')).forEach((line, index) => {
        const targets = [...line.matchAll(INLINE_LINK)].map((match) => match[1]);
        const definition = REFERENCE_DEFINITION.exec(line);
        if (definition) targets.push(definition[1]);
        for (const target of targets) {
          const reason = brokenLink(file, target);
          if (reason) broken.push(`${file}:${index + 1}: (${target}) ${reason}`);
        }
      });
    }
    expect(broken).toEqual([]);
  });
});
