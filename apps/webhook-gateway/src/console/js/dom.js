/**
 * The console's whole rendering toolkit: build elements from data, never from HTML text, so a value the API returns
 * (a channel name, a receiver's answer) is always shown as text.
 */

/**
 * h('button', { class: 'x', onclick: fn, dataset: { id } }, 'text', child, [more children])
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key === 'class') element.className = String(value);
    else if (value === true) element.setAttribute(key, '');
    else if (key in element && typeof value !== 'string') /** @type {any} */ (element)[key] = value;
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

/** @param {Node} parent @param {unknown[]} children */
function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. @param {Element} parent @param {...unknown} children */
export function show(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** A value to paste somewhere, with a button that copies it. @param {string} label @param {unknown} value */
export function copyable(label, value) {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  const button = h('button', { type: 'button', class: 'copy', title: `copy ${label}` }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      // No clipboard (plain http on another host): select the text so Ctrl-C works.
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      button.textContent = 'Press Ctrl-C';
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  const code = h('code', { class: 'value', dataset: { field: label } }, text);
  return h('div', { class: 'copyable' }, h('span', { class: 'label' }, label), code, button);
}

/** @param {string | null | undefined} iso */
export function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** The first characters of an id, enough to tell rows apart. @param {string | null | undefined} id */
export function shortId(id) {
  return id ? id.slice(0, 8) : '—';
}

/** An error shown where the action was. @param {unknown} error */
export function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}
